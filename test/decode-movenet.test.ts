import { describe, expect, it } from 'vitest';
import { decodeMoveNetMulti, decodeMoveNetSingle } from '../src/decode/movenet.js';
import { COCO_FROM_EFFICIENTPOSE, decodeEfficientPose, EFFICIENTPOSE_KEYPOINTS } from '../src/decode/efficientpose.js';
import { COCO_KEYPOINTS } from '../src/decode/pose.js';
import { InputError, ShapeError } from '../src/nn/errors.js';

// A 640 x 480 image letterboxed into a square network input: scaled by side / 640, padded 80 input
// pixels (of a 640-pixel square) top and bottom. Normalized input (x, y) -> image pixel:
const toImage = (x: number, y: number): [number, number] => [x * 640, y * 640 - 80];

/** 17 x (y, x, score) for a person whose keypoint k is at normalized (0.1 + 0.04 k, 0.2 + 0.03 k). */
function personValues(scores: number[]): number[] {
  return scores.flatMap((score, k) => [0.2 + 0.03 * k, 0.1 + 0.04 * k, score]);
}

describe('decodeMoveNetSingle', () => {
  it('maps normalized (y, x) to image pixels and scores the pose over keypoints above 0.2', () => {
    const scores = COCO_KEYPOINTS.map((_, k) => (k < 10 ? 0.9 : 0.1));
    const pose = decodeMoveNetSingle(new Float32Array(personValues(scores)), { toImage })[0]!;
    expect(pose.keypoints).toHaveLength(17);
    pose.keypoints.forEach((kp, k) => {
      expect(kp.name).toBe(COCO_KEYPOINTS[k]);
      expect(kp.x).toBeCloseTo((0.1 + 0.04 * k) * 640, 3);
      expect(kp.y).toBeCloseTo((0.2 + 0.03 * k) * 640 - 80, 3);
      expect(kp.score).toBeCloseTo(scores[k]!, 6); // raw, low ones kept
    });
    // The ten 0.9s count; the 0.1s are at or below 0.2.
    expect(pose.score).toBeCloseTo(0.9, 6);
  });

  it('drops a pose scoring below minPoseScore (0.25 by default)', () => {
    // Keypoints above 0.2 average 0.24: no pose.
    const weak = new Float32Array(personValues(COCO_KEYPOINTS.map((_, k) => (k < 2 ? 0.24 : 0.05))));
    expect(decodeMoveNetSingle(weak, { toImage })).toEqual([]);
    expect(decodeMoveNetSingle(weak, { toImage, minPoseScore: 0.2 })).toHaveLength(1);
    // Nothing above 0.2: score 0.
    expect(decodeMoveNetSingle(new Float32Array(personValues(new Array(17).fill(0.2))), { toImage })).toEqual([]);
  });

  it('rejects a wrong-sized output or a missing mapping', () => {
    expect(() => decodeMoveNetSingle(new Float32Array(50), { toImage })).toThrow(ShapeError);
    expect(() => decodeMoveNetSingle(new Float32Array(51), {} as never)).toThrow(InputError);
  });
});

describe('decodeMoveNetMulti', () => {
  /** One [56] instance: keypoints, then box (ymin, xmin, ymax, xmax) and person score. */
  function instance(score: number, shift: number): number[] {
    const values = personValues(new Array(17).fill(0.8)).map((v, i) => (i % 3 === 2 ? v : v + shift));
    return [...values, 0.2 + shift, 0.1 + shift, 0.7 + shift, 0.8 + shift, score];
  }

  it('keeps the people scoring at least 0.25, in output order, with mapped keypoints and box', () => {
    const output = new Float32Array([
      ...instance(0.9, 0), ...instance(0.1, 0.05), ...instance(0.25, 0.1),
      ...instance(0.249, 0), ...instance(0, 0), ...instance(0.6, -0.05),
    ]);
    const poses = decodeMoveNetMulti(output, { toImage });
    expect(poses.map((p) => p.score)).toEqual([0.9, 0.25, 0.6].map(Math.fround));
    const shifts = [0, 0.1, -0.05];
    poses.forEach((pose, i) => {
      const shift = shifts[i]!;
      pose.keypoints.forEach((kp, k) => {
        expect(kp.name).toBe(COCO_KEYPOINTS[k]);
        expect(kp.x).toBeCloseTo((0.1 + 0.04 * k + shift) * 640, 3);
        expect(kp.y).toBeCloseTo((0.2 + 0.03 * k + shift) * 640 - 80, 3);
        expect(kp.score).toBeCloseTo(0.8, 6);
      });
      expect(pose.box!.xMin).toBeCloseTo((0.1 + shift) * 640, 3);
      expect(pose.box!.yMin).toBeCloseTo((0.2 + shift) * 640 - 80, 3);
      expect(pose.box!.width).toBeCloseTo(0.7 * 640, 3);
      expect(pose.box!.height).toBeCloseTo(0.5 * 640, 3);
    });
    expect(decodeMoveNetMulti(output, { toImage, minPoseScore: 0.95 })).toEqual([]);
  });

  it('rejects an output that is not whole 56-value instances', () => {
    expect(() => decodeMoveNetMulti(new Float32Array(56 * 6 - 1), { toImage })).toThrow(ShapeError);
    expect(() => decodeMoveNetMulti(new Float32Array(0), { toImage })).toThrow(ShapeError);
  });
});

describe('decodeEfficientPose', () => {
  const GRID = { height: 8, width: 8 };
  /** NHWC [8, 8, 16]: part c peaks at cell (x = c % 8, y = c >> 1 & 7) with value 0.5 + c / 40. */
  function heatmaps(): Float32Array {
    const data = new Float32Array(8 * 8 * 16).fill(0.01);
    for (let c = 0; c < 16; c++) data[(((c >> 1) & 7) * 8 + (c % 8)) * 16 + c] = 0.5 + c / 40;
    return data;
  }

  it('maps the 12 limb parts to COCO keypoints and leaves the face unfound', () => {
    expect(COCO_FROM_EFFICIENTPOSE).toEqual([-1, -1, -1, -1, -1, 6, 2, 7, 3, 8, 4, 13, 10, 14, 11, 15, 12]);
    const pose = decodeEfficientPose(heatmaps(), GRID, { layout: 'NHWC', toImage: (x, y) => [x * 100, y * 200] });
    expect(pose.keypoints.map((k) => k.name)).toEqual([...COCO_KEYPOINTS]);
    for (let i = 0; i < 5; i++) expect(pose.keypoints[i]).toEqual({ x: 0, y: 0, score: 0, name: COCO_KEYPOINTS[i] });
    const leftShoulder = pose.keypoints[5]!; // channel 6: cell (6, 3)
    expect(leftShoulder.x).toBeCloseTo((6 / 8) * 100, 9);
    expect(leftShoulder.y).toBeCloseTo((3 / 8) * 200, 9);
    expect(leftShoulder.score).toBeCloseTo(0.5 + 6 / 40, 6);
    expect(pose.score).toBeCloseTo(0.5 + 15 / 40, 6); // the best part (left_ankle)
  });

  it("returns the 16 native parts on request, and drops parts at or below minScore", () => {
    const pose = decodeEfficientPose(heatmaps(), GRID, {
      layout: 'NHWC', toImage: (x, y) => [x, y], keypoints: 'native', minScore: 0.61,
    });
    expect(pose.keypoints.map((k) => k.name)).toEqual([...EFFICIENTPOSE_KEYPOINTS]);
    // 0.5 + c / 40 > 0.61 from c = 5 on.
    expect(pose.keypoints.filter((k) => k.score > 0).length).toBe(11);
    expect(pose.keypoints[0]!.score).toBe(0);
  });
});
