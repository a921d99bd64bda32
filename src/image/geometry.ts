// Crop geometry: the 2x3 affine maps between a photo's pixels and a network's input (or output
// grid), and the crops built from them. Preprocessing warps with these matrices and decoding maps
// keypoints back with them (or their inverses), so both sides must use this one module, or
// keypoints come back shifted.
//
// Two crops:
// - Top-down pose estimators (HRNet, SimpleBaseline): a person box becomes a centre and a scale,
//   the scale is padded and stretched to the network's aspect ratio, and one affine transform maps
//   the image into the network input (cropTransform). The heatmap decoder maps its peaks back with
//   the inverse transform.
// - Square crops of the TFJS models (MoveNet, PoseNet, EfficientPose): a square region of the photo
//   (the whole photo padded to a square, or a square around a person box) resampled to the
//   network's square input (squareCropTransform).
//
// The top-down crop follows HRNet's lib/utils/transforms.py get_affine_transform (rotation 0, shift 0) and
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
// Coordinates follow OpenCV's pixel-centre convention (resize.ts): pixel (i, j) is centred at (i, j).

import { InputError } from '../nn/errors.js';

/** A person box in pixel-centre coordinates (the fields of decode/pose.ts's BoundingBox the crops read). */
export interface BoxLike {
  xMin: number;
  yMin: number;
  width: number;
  height: number;
}

/**
 * A 2x3 affine matrix [a, b, c, d, e, f] mapping (x, y) to (a*x + b*y + c, d*x + e*y + f),
 * row-major like OpenCV's and numpy's 2x3 arrays.
 */
export type Affine = readonly [number, number, number, number, number, number];

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
  box: BoxLike,
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
  return [m[0]! * x + m[1]! * y + m[2]!, m[3]! * x + m[4]! * y + m[5]!];
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

// ---------------------------------------------------------------------------------------------
// Square crops: every TFJS model here takes a square NHWC image.

/** A square region of the photo, in edge coordinates: u in [left, left + side] (the image spans [0, width]). */
export interface SquareRegion {
  left: number;
  top: number;
  side: number;
}

/** The whole photo padded to a centred square (pose-detection's initial crop, human's padInput). */
export function letterboxRegion(image: { width: number; height: number }): SquareRegion {
  const side = Math.max(image.width, image.height);
  return { left: (image.width - side) / 2, top: (image.height - side) / 2, side };
}

/** A square of `padding` x the box's longer side around the box's centre. */
export function boxRegion(box: BoxLike, padding = 1.25): SquareRegion {
  const { xMin, yMin, width, height } = box;
  if (![xMin, yMin, width, height].every(Number.isFinite) || !(Math.max(width, height) > 0)) {
    throw new InputError(`person box must be finite with a positive size, got x ${xMin} y ${yMin} w ${width} h ${height}`);
  }
  const side = Math.max(width, height) * padding;
  // Box corners are pixel-centre coordinates; the box covers [xMin - 0.5, xMax + 0.5] in edges.
  return { left: xMin + width / 2 + 0.5 - side / 2, top: yMin + height / 2 + 0.5 - side / 2, side };
}

/**
 * The input -> image transform of a square crop: `region` resampled to a `size` x `size` input.
 * Input pixel i (centre i + 0.5 in input edges) is image edge left + (i + 0.5) * unit, i.e. image
 * pixel-centre coordinate left + (i + 0.5) * unit - 0.5, with unit = side / size image pixels per
 * input pixel.
 */
export function squareCropTransform(region: SquareRegion, size: number): Affine {
  if (!(region.side > 0) || ![region.left, region.top, region.side].every(Number.isFinite)) {
    throw new InputError(`square region must be finite with a positive side, got ${JSON.stringify(region)}`);
  }
  const unit = region.side / size;
  return [unit, 0, region.left + 0.5 * unit - 0.5, 0, unit, region.top + 0.5 * unit - 0.5];
}

// The same map as squareCropTransform, point by point, in the closed form the square-crop decoders
// have always been evaluated in: applyAffine on the matrix rounds differently (by 1e-13 pixel), and
// keypoints stay bit-identical this way.

/** Input pixel (x, y) of a `size` x `size` square crop of `region` -> image pixel (pixel-centre). */
export function squareCropToImage(region: SquareRegion, size: number, x: number, y: number): [number, number] {
  const unit = region.side / size;
  return [region.left + (x + 0.5) * unit - 0.5, region.top + (y + 0.5) * unit - 0.5];
}

/** Normalised input coordinates (0..1 over the input's edges, as MoveNet outputs them) of a square crop of `region` -> image pixel. */
export function squareNormalizedToImage(region: SquareRegion, x: number, y: number): [number, number] {
  return [region.left + x * region.side - 0.5, region.top + y * region.side - 0.5];
}
