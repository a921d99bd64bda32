import { describe, expect, it } from 'vitest';
import {
  applyAffine, boxToCenterScale, cropTransform, heatmapToImageTransform, invertAffine, type Affine,
} from '../src/image/geometry.js';
import { decodeHeatmaps } from '../src/decode/heatmap.js';
import { COCO_KEYPOINTS } from '../src/decode/pose.js';
import { InputError, ShapeError } from '../src/nn/errors.js';

const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** HRNet's get_affine_transform (rot 0, shift 0, scale in pixels): three point pairs, solved. */
function hrnetAffine(center: [number, number], scale: [number, number], outW: number, outH: number): number[] {
  const third = (a: number[], b: number[]): number[] => [b[0]! - (a[1]! - b[1]!), b[1]! + (a[0]! - b[0]!)];
  const src0 = center, src1 = [center[0], center[1] - scale[0] * 0.5];
  const dst0 = [outW * 0.5, outH * 0.5], dst1 = [outW * 0.5, outH * 0.5 - outW * 0.5];
  const src = [src0, src1, third(src0, src1)], dst = [dst0, dst1, third(dst0, dst1)];
  // Solve [x y 1] . row = target for each output row, by Cramer's rule.
  const det3 = (m: number[][]): number =>
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) - m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  const a = src.map(([x, y]) => [x!, y!, 1]);
  const d = det3(a);
  const row = (k: number): number[] =>
    [0, 1, 2].map((col) => det3(a.map((r, i) => r.map((v, j) => (j === col ? dst[i]![k]! : v)))) / d);
  return [...row(0), ...row(1)];
}

describe('crop geometry (HRNet)', () => {
  it('boxToCenterScale grows the box to the network aspect ratio and pads it', () => {
    const tall = boxToCenterScale({ xMin: 10, yMin: 20, width: 30, height: 100 }, 192 / 256);
    expect(tall.center).toEqual([25, 70]);
    expect(tall.scale[0]).toBeCloseTo(75 * 1.25, 12);
    expect(tall.scale[1]).toBeCloseTo(100 * 1.25, 12);
    const wide = boxToCenterScale({ xMin: 0, yMin: 0, width: 200, height: 100 }, 0.75, 1);
    expect(wide.center).toEqual([100, 50]);
    expect(wide.scale[0]).toBeCloseTo(200, 12);
    expect(wide.scale[1]).toBeCloseTo(200 / 0.75, 12);
  });

  it('boxToCenterScale rejects bad input', () => {
    expect(() => boxToCenterScale({ xMin: 0, yMin: 0, width: 0, height: 0 }, 0.75)).toThrow(InputError);
    expect(() => boxToCenterScale({ xMin: 0, yMin: 0, width: 10, height: 10 }, 0)).toThrow(InputError);
    expect(() => boxToCenterScale({ xMin: Number.NaN, yMin: 0, width: 10, height: 10 }, 1)).toThrow(InputError);
  });

  it('cropTransform is HRNet get_affine_transform', () => {
    const { center, scale } = boxToCenterScale({ xMin: 37.5, yMin: 12.25, width: 81, height: 190 }, 192 / 256);
    const ours = cropTransform(center, scale, 192, 256);
    hrnetAffine(center, scale, 192, 256).forEach((v, i) => expect(ours[i]).toBeCloseTo(v, 9));
    const heat = cropTransform(center, scale, 48, 64);
    hrnetAffine(center, scale, 48, 64).forEach((v, i) => expect(heat[i]).toBeCloseTo(v, 9));
  });

  it('box -> crop -> back round-trips within 1e-6', () => {
    const { center, scale } = boxToCenterScale({ xMin: 315.2, yMin: 80.7, width: 140.3, height: 310.9 }, 0.75);
    const toCrop = cropTransform(center, scale, 192, 256);
    const back = invertAffine(toCrop);
    expect(applyAffine(toCrop, center[0], center[1])).toEqual([96, 128]);
    for (const [x, y] of [[315.2, 80.7], [455.5, 391.6], [0, 0], [1000, -50], center] as [number, number][]) {
      const [cx, cy] = applyAffine(toCrop, x, y);
      const [bx, by] = applyAffine(back, cx, cy);
      expect(Math.abs(bx - x)).toBeLessThan(1e-6);
      expect(Math.abs(by - y)).toBeLessThan(1e-6);
    }
    // The padded region fills the crop exactly.
    const [x0, y0] = applyAffine(toCrop, center[0] - scale[0] / 2, center[1] - scale[1] / 2);
    const [x1, y1] = applyAffine(toCrop, center[0] + scale[0] / 2, center[1] + scale[1] / 2);
    [x0, y0, x1, y1].forEach((v, i) => expect(v).toBeCloseTo([0, 0, 192, 256][i]!, 9));
  });

  it('heatmap cell x is crop pixel 4x, as in HRNet training targets', () => {
    const { center, scale } = boxToCenterScale({ xMin: 50, yMin: 60, width: 70, height: 150 }, 0.75);
    const heatToImage = heatmapToImageTransform(center, scale, 48, 64);
    const cropToImage = invertAffine(cropTransform(center, scale, 192, 256));
    for (const [hx, hy] of [[0, 0], [12.25, 40.75], [47, 63]] as const) {
      const [ax, ay] = applyAffine(heatToImage, hx, hy);
      const [bx, by] = applyAffine(cropToImage, 4 * hx, 4 * hy);
      expect(ax).toBeCloseTo(bx, 9);
      expect(ay).toBeCloseTo(by, 9);
    }
  });

  it('invertAffine rejects singular matrices', () => {
    expect(() => invertAffine([1, 2, 3, 2, 4, 6])).toThrow(InputError);
    expect(() => invertAffine([1, 0, 0])).toThrow(InputError);
  });
});

describe('decodeHeatmaps', () => {
  const W = 48, H = 64, PLANE = W * H;
  const blank = (): Float32Array => new Float32Array(17 * PLANE);
  const set = (maps: Float32Array, c: number, x: number, y: number, v: number): void => {
    maps[c * PLANE + y * W + x] = v;
  };

  it('moves the peak a quarter cell toward the higher neighbour', () => {
    const maps = blank();
    // Channel 0: right and upper neighbours higher.
    set(maps, 0, 10, 20, 1); set(maps, 0, 11, 20, 0.6); set(maps, 0, 9, 20, 0.4);
    set(maps, 0, 10, 19, 0.7); set(maps, 0, 10, 21, 0.2);
    // Channel 1: left and lower neighbours higher.
    set(maps, 1, 30, 40, 0.9); set(maps, 1, 29, 40, 0.5); set(maps, 1, 30, 41, 0.5);
    // Channel 2: equal neighbours, no move.
    set(maps, 2, 5, 6, 0.8); set(maps, 2, 4, 6, 0.3); set(maps, 2, 6, 6, 0.3);
    // Channel 3: on the left edge, only y can move.
    set(maps, 3, 0, 30, 0.8); set(maps, 3, 1, 30, 0.5); set(maps, 3, 0, 31, 0.5);
    // Channel 4: bottom-right corner, no move.
    set(maps, 4, W - 1, H - 1, 0.8); set(maps, 4, W - 2, H - 1, 0.5);
    for (let c = 5; c < 17; c++) set(maps, c, c, c, 0.5);
    const { keypoints } = decodeHeatmaps(maps, { channels: 17, height: H, width: W }, { heatmapToImage: IDENTITY });
    expect(keypoints.slice(0, 5).map((k) => [k.x, k.y])).toEqual([
      [10.25, 19.75], [29.75, 40.25], [5, 6], [0, 30.25], [W - 1, H - 1],
    ]);
    expect(keypoints.map((k) => k.name)).toEqual([...COCO_KEYPOINTS]);
  });

  it('maps peaks back to the image through the inverse crop transform', () => {
    const { center, scale } = boxToCenterScale({ xMin: 200, yMin: 40, width: 120, height: 300 }, 0.75);
    const imageToHeat = cropTransform(center, scale, W, H);
    const truth = COCO_KEYPOINTS.map((_, k) => [210 + 6 * k, 60 + 15 * k] as [number, number]);
    const maps = blank();
    truth.forEach(([x, y], c) => {
      const [hx, hy] = applyAffine(imageToHeat, x, y);
      for (let yy = 0; yy < H; yy++) {
        for (let xx = 0; xx < W; xx++) set(maps, c, xx, yy, Math.exp(-((xx - hx) ** 2 + (yy - hy) ** 2) / 8));
      }
    });
    const heatmapToImage = heatmapToImageTransform(center, scale, W, H);
    const cell = scale[0] / W; // image pixels per heatmap cell
    const { keypoints, score } = decodeHeatmaps(maps, { channels: 17, height: H, width: W }, { heatmapToImage });
    keypoints.forEach((k, c) => {
      // Argmax + quarter shift is within 0.25 cell (plus the float32 map) of the true point.
      expect(Math.abs(k.x - truth[c]![0])).toBeLessThanOrEqual(0.26 * cell);
      expect(Math.abs(k.y - truth[c]![1])).toBeLessThanOrEqual(0.26 * cell);
      expect(k.score).toBeGreaterThan(0.8);
    });
    expect(score).toBeCloseTo(keypoints.reduce((s, k) => s + k.score, 0) / 17, 12);
  });

  it('decodes flat maps: zero and negative are unfound, a constant is the first cell', () => {
    const maps = blank();
    maps.fill(0.5, 1 * PLANE, 2 * PLANE);
    maps.fill(-0.5, 2 * PLANE, 3 * PLANE);
    const shift: Affine = [2, 0, 100, 0, 2, 50];
    const { keypoints, score } = decodeHeatmaps(maps, { channels: 17, height: H, width: W }, { heatmapToImage: shift });
    expect(keypoints[0]).toEqual({ x: 0, y: 0, score: 0, name: 'nose' });
    expect(keypoints[1]).toEqual({ x: 100, y: 50, score: 0.5, name: 'left_eye' });
    expect(keypoints[2]).toEqual({ x: 0, y: 0, score: 0, name: 'right_eye' });
    expect(score).toBeCloseTo(0.5 / 17, 12);
  });

  it('clamps scores only when asked', () => {
    const maps = new Float32Array(2 * 4 * 4);
    maps[5] = 1.25;
    maps[16 + 6] = 0.5;
    const dims = { channels: 2, height: 4, width: 4 };
    const names = ['a', 'b'];
    const raw = decodeHeatmaps(maps, dims, { heatmapToImage: IDENTITY, keypointNames: names });
    expect(raw.keypoints.map((k) => k.score)).toEqual([1.25, 0.5]);
    const clamped = decodeHeatmaps(maps, dims, { heatmapToImage: IDENTITY, keypointNames: names, clampScores: true });
    expect(clamped.keypoints.map((k) => k.score)).toEqual([1, 0.5]);
    expect(clamped.score).toBe(0.75);
  });

  it('rejects bad shapes, names and transforms', () => {
    const dims = { channels: 17, height: H, width: W };
    expect(() => decodeHeatmaps(new Float32Array(10), dims, { heatmapToImage: IDENTITY })).toThrow(ShapeError);
    expect(() => decodeHeatmaps(blank(), dims, { heatmapToImage: IDENTITY, keypointNames: ['a'] })).toThrow(ShapeError);
    expect(() => decodeHeatmaps(blank(), dims, { heatmapToImage: [1, 0, 0] })).toThrow(InputError);
    expect(() => decodeHeatmaps(blank(), dims, { heatmapToImage: [1, 0, Number.NaN, 0, 1, 0] })).toThrow(InputError);
  });
});
