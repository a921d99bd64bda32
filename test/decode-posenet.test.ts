import { describe, expect, it } from 'vitest';
import { decodePoseNet, decodePoseNetSingle, POSE_CHAIN, type TensorLayout } from '../src/decode/posenet.js';
import { COCO_KEYPOINTS } from '../src/decode/pose.js';
import { InputError, ShapeError } from '../src/nn/errors.js';

// Synthetic PoseNet outputs on a 17 x 17 grid (stride 16, a 257 x 257 input), built the way the
// network is trained to produce them: a heatmap bump at the cell nearest each keypoint, the offset
// from that cell's corner to the keypoint, and displacements along every edge of the pose chain.

const GRID = { height: 17, width: 17 };
const STRIDE = 16;
const BACKGROUND_LOGIT = -10;

/** A body in input pixels, relative to its top-left; fractional so no point sits on a cell corner. */
const TEMPLATE: [number, number][] = [
  [40, 20], [48, 12], [32, 12], [56, 16], [24, 16], [64, 56], [16, 56], [72, 96], [8, 96],
  [76, 136], [4, 136], [56, 140], [24, 140], [58, 190], [22, 190], [60, 230], [20, 230],
].map(([x, y]) => [x! + 3.3, y! + 2.7]);

interface SyntheticPerson {
  origin: [number, number];
  /** Heatmap logit of each keypoint (the root is the highest). */
  logits: number[];
}

function positions(person: SyntheticPerson): { x: number; y: number }[] {
  return TEMPLATE.map(([x, y]) => ({ x: x + person.origin[0], y: y + person.origin[1] }));
}

const cellOf = (p: { x: number; y: number }): { x: number; y: number } =>
  ({ x: Math.round(p.x / STRIDE), y: Math.round(p.y / STRIDE) });

/** NHWC maps for the people; `extra` adds lone heatmap bumps (keypoint, cell, logit, offset). */
function synthesize(
  people: SyntheticPerson[],
  extra: { keypoint: number; cell: { x: number; y: number }; logit: number; offset: { x: number; y: number } }[] = [],
): { heatmaps: Float32Array; offsets: Float32Array; fwd: Float32Array; bwd: Float32Array } {
  const { height, width } = GRID;
  const heatmaps = new Float32Array(height * width * 17).fill(BACKGROUND_LOGIT);
  const offsets = new Float32Array(height * width * 34);
  const fwd = new Float32Array(height * width * 32);
  const bwd = new Float32Array(height * width * 32);
  const at = (cell: { x: number; y: number }, channels: number, c: number): number => (cell.y * width + cell.x) * channels + c;
  for (const person of people) {
    const points = positions(person);
    points.forEach((p, k) => {
      const cell = cellOf(p);
      heatmaps[at(cell, 17, k)] = person.logits[k]!;
      offsets[at(cell, 34, k)] = p.y - cell.y * STRIDE;
      offsets[at(cell, 34, 17 + k)] = p.x - cell.x * STRIDE;
    });
    POSE_CHAIN.forEach(([parent, child], edge) => {
      const from = points[parent]!, to = points[child]!;
      fwd[at(cellOf(from), 32, edge)] = to.y - from.y;
      fwd[at(cellOf(from), 32, 16 + edge)] = to.x - from.x;
      bwd[at(cellOf(to), 32, edge)] = from.y - to.y;
      bwd[at(cellOf(to), 32, 16 + edge)] = from.x - to.x;
    });
  }
  for (const bump of extra) {
    heatmaps[at(bump.cell, 17, bump.keypoint)] = bump.logit;
    offsets[at(bump.cell, 34, bump.keypoint)] = bump.offset.y;
    offsets[at(bump.cell, 34, 17 + bump.keypoint)] = bump.offset.x;
  }
  return { heatmaps, offsets, fwd, bwd };
}

/** NHWC [H, W, C] -> NCHW [C, H, W]. */
function toNchw(data: Float32Array, channels: number): Float32Array {
  const { height, width } = GRID;
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) out[(c * height + y) * width + x] = data[(y * width + x) * channels + c]!;
    }
  }
  return out;
}

const sigmoid = (v: number): number => Math.fround(1 / (1 + Math.exp(-v)));

// Person A roots at its nose (logit 3), B at its left hip (logit 2.5); every other keypoint has
// logit 1 (score 0.731, above the 0.5 threshold, so each is also a root candidate that NMS must drop).
const A: SyntheticPerson = { origin: [8, 4], logits: TEMPLATE.map((_, k) => (k === 0 ? 3 : 1)) };
const B: SyntheticPerson = { origin: [150, 6], logits: TEMPLATE.map((_, k) => (k === 11 ? 2.5 : 1 + k * 0.01)) };

describe('decodePoseNet (multi-person, tfjs-models posenet)', () => {
  it('recovers two people exactly, root-score order, keypoints named in COCO order', () => {
    const { heatmaps, offsets, fwd, bwd } = synthesize([A, B]);
    const poses = decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHWC' });
    // 34 root candidates; all but the two roots fall within 20 px of an already decoded keypoint.
    expect(poses).toHaveLength(2);
    poses.forEach((pose, i) => {
      const person = [A, B][i]!;
      const expected = positions(person);
      pose.keypoints.forEach((k, j) => {
        expect(k.name).toBe(COCO_KEYPOINTS[j]);
        expect(k.x).toBeCloseTo(expected[j]!.x, 4);
        expect(k.y).toBeCloseTo(expected[j]!.y, 4);
        expect(k.score).toBe(sigmoid(person.logits[j]!));
      });
      // No keypoint overlaps the other person's, so the score is the plain mean.
      const mean = person.logits.reduce((sum, l) => sum + sigmoid(l), 0) / 17;
      expect(pose.score).toBeCloseTo(mean, 12);
      expect(pose.box).toBeDefined();
    });
  });

  it('gives the same result for NCHW outputs', () => {
    const { heatmaps, offsets, fwd, bwd } = synthesize([A, B]);
    const nhwc = decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHWC' });
    const nchw = decodePoseNet(toNchw(heatmaps, 17), toNchw(offsets, 34), toNchw(fwd, 32), toNchw(bwd, 32), GRID, {
      layout: 'NCHW' as TensorLayout,
    });
    expect(nchw).toEqual(nhwc);
  });

  it('NMS drops a duplicate root near an existing person, and keeps it when the radius is smaller', () => {
    // A second nose bump, 3 cells right of A's nose, whose offset points back to 12 px from A's nose.
    const nose = positions(A)[0]!;
    const cell = { x: cellOf(nose).x + 3, y: cellOf(nose).y };
    const offset = { x: nose.x + 12 - cell.x * STRIDE, y: nose.y - cell.y * STRIDE };
    const { heatmaps, offsets, fwd, bwd } = synthesize([A, B], [{ keypoint: 0, cell, logit: 2.8, offset }]);
    expect(decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHWC' })).toHaveLength(2);
    const loose = decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHWC', nmsRadius: 10 });
    expect(loose).toHaveLength(3);
    // Decoded second (score 0.943 > B's root 0.924): its nose is new (12 px away). With zero
    // displacements its other keypoints land either on A's keypoints (within 10 px: not counted)
    // or on empty cells (score sigmoid(-10) = 4.5e-5), so its score is about the nose's alone / 17.
    expect(loose[1]!.keypoints[0]!.x).toBeCloseTo(nose.x + 12, 4);
    expect(loose[1]!.score).toBeGreaterThanOrEqual(sigmoid(2.8) / 17);
    expect(loose[1]!.score).toBeLessThan((sigmoid(2.8) + 16 * sigmoid(BACKGROUND_LOGIT)) / 17);
  });

  it('honours maxPoses, scoreThreshold and mapToImage', () => {
    const { heatmaps, offsets, fwd, bwd } = synthesize([A, B]);
    expect(decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHWC', maxPoses: 1 })).toHaveLength(1);
    // Only A's nose (0.953) reaches 0.95.
    expect(decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHWC', scoreThreshold: 0.95 })).toHaveLength(1);
    const mapped = decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, {
      layout: 'NHWC', mapToImage: (x, y) => [2 * x + 1, 2 * y + 3],
    });
    const nose = positions(A)[0]!;
    expect(mapped[0]!.keypoints[0]!.x).toBeCloseTo(2 * nose.x + 1, 4);
    expect(mapped[0]!.keypoints[0]!.y).toBeCloseTo(2 * nose.y + 3, 4);
  });

  it('finds nobody on an empty map, and rejects mis-sized outputs', () => {
    const { heatmaps, offsets, fwd, bwd } = synthesize([]);
    expect(decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHWC' })).toEqual([]);
    expect(() => decodePoseNet(heatmaps.subarray(1), offsets, fwd, bwd, GRID, { layout: 'NHWC' })).toThrow(ShapeError);
    expect(() => decodePoseNet(heatmaps, offsets, fwd.subarray(32), bwd, GRID, { layout: 'NHWC' })).toThrow(/displacementsFwd/);
    expect(() => decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHCW' as TensorLayout })).toThrow(InputError);
    expect(() => decodePoseNet(heatmaps, offsets, fwd, bwd, GRID, { layout: 'NHWC', nmsRadius: 0 })).toThrow(InputError);
  });
});

describe('decodePoseNetSingle', () => {
  it('takes each heatmap maximum plus its offset; the score is the mean', () => {
    const { heatmaps, offsets } = synthesize([A]);
    const pose = decodePoseNetSingle(heatmaps, offsets, GRID, { layout: 'NHWC' });
    const expected = positions(A);
    pose.keypoints.forEach((k, j) => {
      expect(k.x).toBeCloseTo(expected[j]!.x, 4);
      expect(k.y).toBeCloseTo(expected[j]!.y, 4);
    });
    expect(pose.score).toBeCloseTo(A.logits.reduce((sum, l) => sum + sigmoid(l), 0) / 17, 12);
  });
});
