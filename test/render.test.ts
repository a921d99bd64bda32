import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/nn/errors.js';
import { COCO_KEYPOINTS, OPENPOSE_KEYPOINTS, type Keypoint, type Pose } from '../src/decode/pose.js';
import { createImage, type RgbImage } from '../src/image/image.js';
import { decodeImage } from '../src/image/codec.js';
import { encodePng } from '../src/image/png-encode.js';
import { drawLine, drawRect, fillCircle, fillRect } from '../src/render/draw.js';
import { COCO17_SKELETON, OPENPOSE18_SKELETON, OPENPOSE_COLORS, renderPoses } from '../src/render/overlay.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const photo = path.resolve(repoRoot, '../shared/data/coco/000000000785.jpg');
const renderOut = '/tmp/wasmpose-render-test.png';

function pixel(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

function paintedPixels(image: RgbImage): number {
  let n = 0;
  for (let i = 0; i < image.data.length; i += 3) if (image.data[i] || image.data[i + 1] || image.data[i + 2]) n++;
  return n;
}

describe('draw primitives', () => {
  it('a thick horizontal line covers its width and leaves the rest', () => {
    const image = createImage(20, 10);
    drawLine(image, 3, 5, 16, 5, [255, 0, 0], 3);
    expect(pixel(image, 10, 5)).toEqual([255, 0, 0]);
    expect(pixel(image, 10, 4)).toEqual([255, 0, 0]);
    expect(pixel(image, 10, 6)).toEqual([255, 0, 0]);
    expect(pixel(image, 10, 8)).toEqual([0, 0, 0]);
    // Anti-aliased edge: 1.5 px half-width, pixel centre 2 px away -> coverage 0.
    expect(pixel(image, 10, 7)).toEqual([0, 0, 0]);
    // Round end cap reaches 1.5 px past the end point.
    expect(pixel(image, 17, 5)[0]).toBe(255);
    expect(pixel(image, 19, 5)[0]).toBe(0);
  });

  it('a diagonal line is anti-aliased (partial coverage at its edge)', () => {
    const image = createImage(20, 20);
    drawLine(image, 2, 2.3, 17, 11.7, [200, 200, 200], 1);
    const values = new Set<number>();
    for (let i = 0; i < image.data.length; i += 3) values.add(image.data[i]!);
    expect([...values].some((v) => v > 0 && v < 200)).toBe(true);
  });

  it('clips at the borders and never throws on off-image, huge or NaN coordinates', () => {
    const image = createImage(10, 10);
    expect(() => {
      drawLine(image, -100, 5, 100, 5, [0, 255, 0], 2);
      drawLine(image, 1e15, -1e15, -1e15, 1e15, [0, 0, 255], 2);
      drawLine(image, NaN, 0, 5, 5, [9, 9, 9], 2);
      drawLine(image, 0, 0, Infinity, 5, [9, 9, 9], 2);
      drawLine(image, 0, 0, 5, 5, [9, 9, 9], NaN);
      fillCircle(image, -50, -50, 3, [9, 9, 9]);
      fillCircle(image, 5, 5, NaN, [9, 9, 9]);
      fillCircle(image, 5, 5, 1e9, [1, 2, 3]);
      drawRect(image, -5, -5, 500, 500, [9, 9, 9], 1);
      drawRect(image, NaN, 0, 1, 1, [9, 9, 9]);
      fillRect(image, -1e300, -1e300, 1e300, 1e300, [4, 5, 6], 0.5);
    }).not.toThrow();
    expect(image.data.length).toBe(300);
  });

  it('a filled circle has about the right area and colour at its centre', () => {
    const image = createImage(40, 40);
    fillCircle(image, 20, 20, 8, [0, 0, 255]);
    expect(pixel(image, 20, 20)).toEqual([0, 0, 255]);
    let coverage = 0;
    for (let i = 2; i < image.data.length; i += 3) coverage += image.data[i]! / 255;
    expect(Math.abs(coverage - Math.PI * 64)).toBeLessThan(3);
  });

  it('rectangles: outline and fill, with opacity', () => {
    const image = createImage(20, 20);
    drawRect(image, 4, 4, 15, 12, [255, 255, 255], 1);
    expect(pixel(image, 10, 4)).toEqual([255, 255, 255]);
    expect(pixel(image, 4, 8)).toEqual([255, 255, 255]);
    expect(pixel(image, 10, 8)).toEqual([0, 0, 0]);
    fillRect(image, 6, 6, 8, 8, [200, 100, 0], 0.5);
    expect(pixel(image, 7, 7)).toEqual([100, 50, 0]);
    expect(pixel(image, 9, 9)).toEqual([0, 0, 0]);
  });
});

/** COCO's ground-truth keypoints of the skier in val2017 image 785 (test_coco.json), as a hand-made pose. */
const SKIER_COCO17 = [
  367, 81, 374, 73, 360, 75, 386, 78, 356, 81, 399, 108, 358, 129, 433, 142, 341, 159, 449, 165,
  309, 178, 424, 203, 393, 214, 429, 294, 367, 273, 466, 362, 396, 341,
];

function skierPose(layout: 'coco17' | 'openpose18'): Pose {
  const coco: Keypoint[] = COCO_KEYPOINTS.map((name, i) => ({ name, x: SKIER_COCO17[2 * i]!, y: SKIER_COCO17[2 * i + 1]!, score: 0.9 }));
  if (layout === 'coco17') return { keypoints: coco, score: 0.9 };
  const byName = new Map(coco.map((k) => [k.name, k]));
  const ls = byName.get('left_shoulder')!, rs = byName.get('right_shoulder')!;
  const keypoints = OPENPOSE_KEYPOINTS.map((name) =>
    name === 'neck' ? { name, x: (ls.x + rs.x) / 2, y: (ls.y + rs.y) / 2, score: 0.9 } : { ...byName.get(name)!, name });
  return { keypoints, score: 0.9 };
}

describe('renderPoses', () => {
  it('skeleton tables: OpenPose draws 17 limbs over 18 keypoints, COCO has 19 edges over 17', () => {
    expect(OPENPOSE18_SKELETON).toHaveLength(17);
    expect(COCO17_SKELETON).toHaveLength(19);
    expect(OPENPOSE_COLORS).toHaveLength(18);
    expect(Math.max(...OPENPOSE18_SKELETON.flat())).toBe(17);
    expect(Math.max(...COCO17_SKELETON.flat())).toBe(16);
    // Every keypoint is reached by some limb.
    expect(new Set(OPENPOSE18_SKELETON.flat()).size).toBe(18);
    expect(new Set(COCO17_SKELETON.flat()).size).toBe(17);
  });

  it('draws limbs in the colour of their second keypoint and leaves the input untouched', () => {
    const image = createImage(100, 100);
    const keypoints: Keypoint[] = OPENPOSE_KEYPOINTS.map((name) => ({ name, x: 0, y: 0, score: 0 }));
    keypoints[1] = { name: 'neck', x: 50, y: 20, score: 0.8 };
    keypoints[2] = { name: 'right_shoulder', x: 20, y: 20, score: 0.8 };
    const out = renderPoses(image, [{ keypoints, score: 1 }], { skeleton: OPENPOSE18_SKELETON, lineWidth: 4, keypointRadius: 2 });
    expect(paintedPixels(image)).toBe(0);
    // Limb neck -> right shoulder (1, 2): colour of keypoint 2.
    expect(pixel(out, 35, 20)).toEqual([...OPENPOSE_COLORS[2]!]);
    // Keypoint dots in their own colours.
    expect(pixel(out, 50, 20)).toEqual([...OPENPOSE_COLORS[1]!]);
    // Unfound keypoints (score 0) and their limbs are not drawn: nothing near the origin.
    expect(pixel(out, 1, 1)).toEqual([0, 0, 0]);
  });

  it('honours minScore and draws boxes on request', () => {
    const image = createImage(60, 60);
    const keypoints: Keypoint[] = COCO_KEYPOINTS.map((name) => ({ name, x: 30, y: 30, score: 0.3 }));
    const pose: Pose = { keypoints, score: 1, box: { xMin: 5, yMin: 5, xMax: 50, yMax: 50, width: 45, height: 45 } };
    expect(paintedPixels(renderPoses(image, [pose], { skeleton: COCO17_SKELETON, minScore: 0.5 }))).toBe(0);
    const boxed = renderPoses(image, [pose], { skeleton: COCO17_SKELETON, minScore: 0.5, drawBoxes: true });
    expect(pixel(boxed, 20, 5)).toEqual([255, 255, 255]);
  });

  it('NaN keypoints are skipped; a skeleton that does not fit the pose is an InputError', () => {
    const image = createImage(30, 30);
    const keypoints: Keypoint[] = COCO_KEYPOINTS.map((name) => ({ name, x: NaN, y: 5, score: 0.9 }));
    expect(() => renderPoses(image, [{ keypoints, score: 1 }], { skeleton: COCO17_SKELETON })).not.toThrow();
    expect(() => renderPoses(image, [{ keypoints, score: 1 }], { skeleton: OPENPOSE18_SKELETON })).toThrow(InputError);
    expect(() => renderPoses(image, [], { skeleton: [[0, -1]] })).toThrow(/non-negative/);
  });

  describe.skipIf(!existsSync(photo))('on a real photo', () => {
    it(`renders the skier of COCO image 785 to ${renderOut}`, () => {
      const image = decodeImage(new Uint8Array(readFileSync(photo)));
      const withOpenPose = renderPoses(image, [skierPose('openpose18')], { skeleton: OPENPOSE18_SKELETON, drawBoxes: true });
      writeFileSync(renderOut, encodePng(withOpenPose));
      // Left hip (COCO 424, 203) is OpenPose keypoint 11: its dot has its colour.
      expect(pixel(withOpenPose, 424, 203)).toEqual([...OPENPOSE_COLORS[11]!]);
      const withCoco = renderPoses(image, [skierPose('coco17')], { skeleton: COCO17_SKELETON });
      expect(pixel(withCoco, 424, 203)).toEqual([...OPENPOSE_COLORS[11]!]);
      writeFileSync(renderOut.replace('.png', '-coco17.png'), encodePng(withCoco));
    });
  });
  if (!existsSync(photo)) console.warn(`skipping the real-photo render: ${photo} not found`);
});
