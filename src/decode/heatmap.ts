// Top-down heatmap decoding (HRNet, SimpleBaseline): the network saw one person crop and outputs
// one heatmap per keypoint; each keypoint is that heatmap's maximum, nudged a quarter cell toward
// the higher neighbour, and mapped back to the image through the inverse of the crop transform.
//
// Follows HRNet's lib/core/inference.py get_final_preds (get_max_preds + the 0.25 shift +
// transform_preds), with these deliberate differences:
// - The shift is decided per axis: x is refined when the peak is not in the first or last column,
//   y when it is not in the first or last row. HRNet refines only when 1 < x < W-1 and 1 < y < H-1
//   together (so also never in column or row 1, an off-by-one in its bounds check).
// - A keypoint whose maximum is <= 0 is reported as not found (x = y = 0, score = 0), the Keypoint
//   convention. HRNet zeroes its heatmap coordinates instead, which after the inverse transform
//   is some point of the crop.
// Ties (a flat map) resolve to the first maximum in row-major order, like numpy's argmax; equal
// neighbours mean no shift. NaN values never win a comparison, so they are ignored.
//
// The keypoint score is the heatmap's maximum as is; it can leave [0, 1] (networks trained on
// Gaussian targets overshoot a little), so `clampScores: true` clips it to [0, 1] for callers
// that need the Keypoint type's range. The person score is the mean of the keypoint scores.

import { applyAffine } from '../image/geometry.js';
import { COCO_KEYPOINTS, type Keypoint } from './pose.js';
import { checkMapDims, type MapDims } from './resize.js';
import { InputError, ShapeError } from '../nn/errors.js';

export interface HeatmapDecodeOptions {
  /** 2x3 matrix [a, b, c, d, e, f] from heatmap cells (x, y) to image pixels; see affine.ts. */
  heatmapToImage: readonly number[];
  /** One name per heatmap channel; default COCO_KEYPOINTS. */
  keypointNames?: readonly string[];
  /** Clip keypoint scores to [0, 1]; default false (raw heatmap maxima). */
  clampScores?: boolean;
  /** When given, one entry per channel is appended: what decided that keypoint. Results are unchanged. */
  trace?: HeatmapKeypointTrace[];
}

/** How one keypoint was read off its heatmap. */
export interface HeatmapKeypointTrace {
  name: string;
  /** The hottest cell (first in row-major order on ties); -1, -1 when the map has no maximum. */
  cellX: number;
  cellY: number;
  /** The heatmap's maximum: the keypoint's score. Found when > 0. */
  max: number;
  /** The quarter-cell shift toward the higher neighbour, per axis (0 on the border or a tie). */
  shiftX: number;
  shiftY: number;
  found: boolean;
}

/** The quarter-cell move toward the higher neighbour, given (next - previous); none for NaN. */
function quarterStep(difference: number): number {
  if (difference > 0) return 0.25;
  if (difference < 0) return -0.25;
  return 0;
}

export function decodeHeatmaps(
  heatmaps: Float32Array,
  dims: MapDims,
  options: HeatmapDecodeOptions,
): { keypoints: Keypoint[]; score: number } {
  checkMapDims(heatmaps, dims, 'decodeHeatmaps: heatmaps');
  const { channels, height, width } = dims;
  const names = options.keypointNames ?? COCO_KEYPOINTS;
  if (names.length !== channels) {
    throw new ShapeError(`decodeHeatmaps: ${channels} heatmap channels but ${names.length} keypoint names`);
  }
  const transform = options.heatmapToImage;
  if (transform.length !== 6 || !transform.every(Number.isFinite)) {
    throw new InputError('decodeHeatmaps: heatmapToImage must be 6 finite numbers [a, b, c, d, e, f]');
  }

  const plane = height * width;
  const keypoints: Keypoint[] = [];
  let scoreSum = 0;
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    let best = -1;
    let max = -Infinity;
    for (let i = 0; i < plane; i++) {
      if (heatmaps[base + i]! > max) {
        max = heatmaps[base + i]!;
        best = i;
      }
    }
    const px = best % width;
    const py = (best - px) / width;
    if (!(max > 0)) {
      options.trace?.push({ name: names[c]!, cellX: best < 0 ? -1 : px, cellY: best < 0 ? -1 : py, max, shiftX: 0, shiftY: 0, found: false });
      keypoints.push({ x: 0, y: 0, score: 0, name: names[c]! });
      continue;
    }
    let x = px, y = py;
    if (px > 0 && px < width - 1) {
      x += quarterStep(heatmaps[base + best + 1]! - heatmaps[base + best - 1]!);
    }
    if (py > 0 && py < height - 1) {
      y += quarterStep(heatmaps[base + best + width]! - heatmaps[base + best - width]!);
    }
    options.trace?.push({ name: names[c]!, cellX: px, cellY: py, max, shiftX: x - px, shiftY: y - py, found: true });
    const [ix, iy] = applyAffine(transform, x, y);
    const score = options.clampScores ? Math.min(1, max) : max;
    scoreSum += score;
    keypoints.push({ x: ix, y: iy, score, name: names[c]! });
  }
  return { keypoints, score: scoreSum / channels };
}
