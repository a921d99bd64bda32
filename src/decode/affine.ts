// The crop geometry of top-down pose estimators (HRNet, SimpleBaseline): a person box becomes a
// centre and a scale, the scale is padded and stretched to the network's aspect ratio, and one
// affine transform maps the image into the network input (the crop). The heatmap decoder maps
// its peaks back with the inverse transform. Preprocessing and decoding must use these same
// functions, or keypoints come back shifted.
//
// Follows HRNet's lib/utils/transforms.py get_affine_transform (rotation 0, shift 0) and
// lib/dataset/coco.py _xywh2cs, with two presentational differences:
// - `scale` here is in pixels: HRNet divides by pixel_std = 200 in _xywh2cs and multiplies by
//   200 again in get_affine_transform, so HRNet's scale * 200 = our scale.
// - The transform is built directly (uniform scale + translation) instead of solving for it from
//   three point pairs with cv2.getAffineTransform; for rotation 0 the result is the same matrix.
//
// Pixel convention, as in HRNet: the box centre maps to (outWidth / 2, outHeight / 2) of the crop,
// and the same function with the heatmap's size maps the box into heatmap cells. Because the two
// maps are built the same way, crop pixel x corresponds to heatmap cell x / stride, which is
// exactly how HRNet places its training targets (mu = joint / feat_stride), so decoding with
// invertAffine(cropTransform(center, scale, heatmapWidth, heatmapHeight)) is consistent with
// training.
//
// Matrices are 2x3, row-major: [a, b, c, d, e, f] maps (x, y) to (a x + b y + c, d x + e y + f),
// the layout of cv2.warpAffine's M.

import type { BoundingBox } from './pose.js';
import { InputError } from '../nn/errors.js';

export type Affine = [number, number, number, number, number, number];

export interface CenterScale {
  /** Box centre, image pixels. */
  center: [number, number];
  /** Width and height of the region to crop, image pixels, with outWidth / outHeight's aspect. */
  scale: [number, number];
}

/**
 * A person box as HRNet's centre and scale: the box is grown along one axis to the network's
 * aspect ratio (`aspect` = input width / input height), then both sides are multiplied by
 * `padding` (1.25 in HRNet) so the crop has some context around the person.
 */
export function boxToCenterScale(
  box: Pick<BoundingBox, 'xMin' | 'yMin' | 'width' | 'height'>,
  aspect: number,
  padding = 1.25,
): CenterScale {
  if (!(aspect > 0) || !Number.isFinite(aspect)) {
    throw new InputError(`boxToCenterScale: aspect must be a positive number, got ${aspect}`);
  }
  if (!(padding > 0) || !Number.isFinite(padding)) {
    throw new InputError(`boxToCenterScale: padding must be a positive number, got ${padding}`);
  }
  const { xMin, yMin, width, height } = box;
  if (![xMin, yMin, width, height].every(Number.isFinite) || width < 0 || height < 0) {
    throw new InputError(`boxToCenterScale: bad box ${JSON.stringify(box)}`);
  }
  let w = width, h = height;
  if (w > aspect * h) h = w / aspect;
  else w = h * aspect;
  if (!(w > 0)) throw new InputError('boxToCenterScale: the box is empty (width and height are 0)');
  return { center: [xMin + width * 0.5, yMin + height * 0.5], scale: [w * padding, h * padding] };
}

/**
 * The image -> crop transform: the region `scale` (pixels) around `center` becomes an
 * `outWidth` x `outHeight` image, with the centre landing on (outWidth / 2, outHeight / 2).
 * Like HRNet, the zoom is taken from the widths (scale[0] -> outWidth) and applied to both axes;
 * boxToCenterScale makes scale's aspect equal the output's, so nothing is distorted.
 */
export function cropTransform(
  center: readonly [number, number],
  scale: readonly [number, number],
  outWidth: number,
  outHeight: number,
): Affine {
  if (!(scale[0] > 0) || !Number.isFinite(scale[0])) {
    throw new InputError(`cropTransform: scale width must be a positive number, got ${scale[0]}`);
  }
  if (!(outWidth > 0) || !(outHeight > 0)) {
    throw new InputError(`cropTransform: output size must be positive, got ${outWidth}x${outHeight}`);
  }
  const zoom = outWidth / scale[0];
  return [zoom, 0, outWidth / 2 - zoom * center[0], 0, zoom, outHeight / 2 - zoom * center[1]];
}

/** The inverse of a 2x3 affine transform. */
export function invertAffine(m: readonly number[]): Affine {
  if (m.length !== 6) throw new InputError(`invertAffine: expected 6 numbers, got ${m.length}`);
  const [a, b, c, d, e, f] = m as Affine;
  const det = a * e - b * d;
  if (det === 0 || !Number.isFinite(det)) {
    throw new InputError(`invertAffine: the transform [${m.join(', ')}] is not invertible`);
  }
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export function applyAffine(m: readonly number[], x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/**
 * The heatmap -> image transform for a crop made with cropTransform(center, scale, ...): the
 * `heatmapToImage` option of decodeHeatmaps.
 */
export function heatmapToImageTransform(
  center: readonly [number, number],
  scale: readonly [number, number],
  heatmapWidth: number,
  heatmapHeight: number,
): Affine {
  return invertAffine(cropTransform(center, scale, heatmapWidth, heatmapHeight));
}
