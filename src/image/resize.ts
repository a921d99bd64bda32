// Geometric resampling of RGB images: bilinear resize and bilinear affine warp, both following
// OpenCV's conventions so that preprocessing matches the reference Python demos.
//
// Coordinate convention (the same as OpenCV's): pixel (i, j) covers the square [i-0.5, i+0.5] x
// [j-0.5, j+0.5], so its centre is at the integer coordinates (i, j).
//
// OpenCV computes 8-bit bilinear weights in fixed point (11 bits for resize, 1/32-pixel steps for
// warpAffine); we use doubles and round once, so results can differ from OpenCV's by 1 grey level.
import { ImageError } from '../nn/errors.js';
import type { Affine } from './geometry.js';
import { assertRgbImage, checkImageSize, type Rgb, type RgbImage } from './image.js';

/**
 * Where one output coordinate samples along one axis: the two input indices its bilinear
 * interpolation blends (-1: outside the image, reads the border colour) and the weight of the
 * second. Every output row (column) shares its column (row) taps, so resampling computes them
 * once per axis instead of once per pixel.
 */
export interface AxisTaps {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly weight: Float64Array;
}

/**
 * Taps of cv2.resize(INTER_LINEAR) along one axis: output i samples input (i + 0.5) * inSize /
 * outSize - 0.5; left of the first pixel centre or right of the last one, the edge pixel is
 * repeated (weight 0).
 */
export function resizeTaps(inSize: number, outSize: number): AxisTaps {
  const first = new Int32Array(outSize);
  const second = new Int32Array(outSize);
  const weight = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const coordinate = (i + 0.5) * scale - 0.5;
    let tap = Math.floor(coordinate);
    let w = coordinate - tap;
    if (tap < 0) { tap = 0; w = 0; }
    if (tap >= inSize - 1) { tap = inSize - 1; w = 0; }
    first[i] = tap;
    second[i] = Math.min(tap + 1, inSize - 1);
    weight[i] = w;
  }
  return { first, second, weight };
}

/**
 * Taps of an axis-aligned warp along one axis: output i samples input scale * i + offset, and
 * taps outside [0, inSize) read the border (BORDER_CONSTANT).
 */
export function affineTaps(scale: number, offset: number, inSize: number, outSize: number): AxisTaps {
  const first = new Int32Array(outSize);
  const second = new Int32Array(outSize);
  const weight = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const coordinate = scale * i + offset;
    const tap = Math.floor(coordinate);
    // Compared as doubles, before any index arithmetic, so huge coordinates stay harmless.
    const firstInside = tap >= 0 && tap < inSize;
    const secondInside = tap + 1 >= 0 && tap + 1 < inSize;
    first[i] = firstInside ? tap : -1;
    second[i] = secondInside ? tap + 1 : -1;
    // Two border taps blend to the border whatever the weight; 0 also covers an infinite coordinate.
    weight[i] = firstInside || secondInside ? coordinate - tap : 0;
  }
  return { first, second, weight };
}

/**
 * Separable bilinear resampling into `out` (columns.length x rows.length RGB pixels).
 *
 * Per output pixel and channel this computes exactly what the per-pixel formulation does,
 * top = p00 + (p01 - p00) * wx, bottom = p10 + (p11 - p10) * wx, round(top + (bottom - top) * wy),
 * in the same double arithmetic, so results are bit-identical to it; but the horizontal blends of
 * an input row are computed once and reused by every output row that reads that input row, and
 * border taps read a border pixel placed either side of a copy of the row, so the inner loops
 * have no branches.
 */
export function resampleInto(image: RgbImage, columns: AxisTaps, rows: AxisTaps, border: Rgb, out: Uint8Array): void {
  const outWidth = columns.first.length;
  const outHeight = rows.first.length;
  const rowLength = outWidth * 3;
  // Byte offsets of the taps in the padded row: pixel i at (i + 1) * 3, the border at 0.
  const first = Int32Array.from(columns.first, (i) => (i < 0 ? 0 : (i + 1) * 3));
  const second = Int32Array.from(columns.second, (i) => (i < 0 ? 0 : (i + 1) * 3));
  const padded = new Uint8Array((image.width + 2) * 3);
  padded.set(border, 0);
  padded.set(border, (image.width + 1) * 3);
  // Horizontally blended input rows: two slots, tagged with the input row they hold (-2: none;
  // -1 is the all-border row).
  const blended = [new Float64Array(rowLength), new Float64Array(rowLength)] as const;
  let slotRow0 = -2;
  let slotRow1 = -2;
  /** Blends input row `row` unless a slot holds it, into the slot that does not hold `keep`. */
  const bring = (row: number, keep: number): void => {
    if (slotRow0 === row || slotRow1 === row) return;
    const slot = slotRow0 === keep ? 1 : 0;
    blendInputRow(image, padded, first, second, columns.weight, border, row, blended[slot]);
    if (slot === 0) slotRow0 = row;
    else slotRow1 = row;
  };
  for (let y = 0; y < outHeight; y++) {
    const r0 = rows.first[y]!;
    const r1 = rows.second[y]!;
    const wy = rows.weight[y]!;
    bring(r0, r1);
    bring(r1, r0);
    const top = slotRow0 === r0 ? blended[0] : blended[1];
    const bottom = slotRow0 === r1 ? blended[0] : blended[1];
    for (let i = 0, o = y * rowLength; i < rowLength; i++, o++) {
      const t = top[i]!;
      const value = t + (bottom[i]! - t) * wy;
      // roundHalfUp, written out: the loop runs interpreted until the JIT compiles it, and a
      // call per pixel would make those first images much slower.
      const r = Math.floor(value + 0.5);
      out[o] = r - 0.5 > value ? r - 1 : r;
    }
  }
}

/**
 * Math.round(x) for |x| < 2^52 (up to the sign of a zero result), computed as floor(x + 0.5) with a
 * correction for the one case where x + 0.5 rounds up (x = 0.5 - 2^-54). Math.round itself compiles
 * to a branch on the fraction, which photos make unpredictable: 3x slower in resampleInto.
 */
export function roundHalfUp(x: number): number {
  const r = Math.floor(x + 0.5);
  return r - 0.5 > x ? r - 1 : r;
}

/**
 * Input row `inputRow` blended at every output column into `out` (tap byte offsets `first`,
 * `second` into `padded`, which receives a copy of the row); -1 is the all-border row.
 */
function blendInputRow(
  image: RgbImage, padded: Uint8Array, first: Int32Array, second: Int32Array, weight: Float64Array, border: Rgb, inputRow: number, out: Float64Array,
): void {
  if (inputRow < 0) {
    for (let o = 0; o < out.length; o += 3) { out[o] = border[0]; out[o + 1] = border[1]; out[o + 2] = border[2]; }
    return;
  }
  padded.set(image.data.subarray(inputRow * image.width * 3, (inputRow + 1) * image.width * 3), 3);
  for (let x = 0, o = 0; x < first.length; x++, o += 3) {
    const p0 = first[x]!;
    const p1 = second[x]!;
    const w = weight[x]!;
    const a0 = padded[p0]!, a1 = padded[p0 + 1]!, a2 = padded[p0 + 2]!;
    out[o] = a0 + (padded[p1]! - a0) * w;
    out[o + 1] = a1 + (padded[p1 + 1]! - a1) * w;
    out[o + 2] = a2 + (padded[p1 + 2]! - a2) * w;
  }
}

/**
 * Bilinear resize to outWidth x outHeight, pixel-centre aligned like cv2.resize(INTER_LINEAR):
 * output pixel x samples input coordinate (x + 0.5) * inWidth / outWidth - 0.5, clamped to the image.
 * Like OpenCV (and unlike INTER_AREA) it does not average when shrinking.
 */
export function resizeBilinear(image: RgbImage, outWidth: number, outHeight: number): RgbImage {
  assertRgbImage(image);
  checkImageSize(outWidth, outHeight, 'resize target');
  const out = new Uint8Array(outWidth * outHeight * 3);
  resampleInto(image, resizeTaps(image.width, outWidth), resizeTaps(image.height, outHeight), [0, 0, 0], out);
  return { width: outWidth, height: outHeight, data: out };
}

/**
 * Bilinear affine warp into an outWidth x outHeight image.
 *
 * `outputToInput` maps OUTPUT pixel coordinates to INPUT pixel coordinates (what OpenCV calls the
 * inverse map: cv2.warpAffine(src, M, size, flags=INTER_LINEAR | WARP_INVERSE_MAP)). Passing the
 * inverse of a forward matrix M gives the result of plain cv2.warpAffine(src, M, size).
 *
 * Constant border like BORDER_CONSTANT: each of the four bilinear taps that falls outside the
 * input reads `border` instead, so edges blend into the border colour.
 *
 * Scale and translation only (the crops of every pipeline) take the separable path; a rotation
 * or shear takes the per-pixel one.
 */
export function warpAffine(
  image: RgbImage,
  outputToInput: Affine,
  outWidth: number,
  outHeight: number,
  border: number | Rgb = 0,
): RgbImage {
  assertRgbImage(image);
  checkImageSize(outWidth, outHeight, 'warp target');
  if (outputToInput.length !== 6 || !outputToInput.every(Number.isFinite)) {
    throw new ImageError(`warpAffine needs a 2x3 matrix of 6 finite numbers, got [${outputToInput.join(', ')}]`);
  }
  const borderRgb: Rgb = typeof border === 'number' ? [border, border, border] : border;
  if (borderRgb.length !== 3 || !borderRgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    throw new ImageError(`warpAffine border must be an integer 0..255 or three of them, got ${String(border)}`);
  }
  const out = new Uint8Array(outWidth * outHeight * 3);
  const [a, b, c, d, e, f] = outputToInput;
  // With b = d = 0, a * x + b * y + c is exactly a * x + c (adding a zero product changes no
  // double), so input x depends on output x alone and y on y alone.
  if (b === 0 && d === 0) {
    resampleInto(image, affineTaps(a, c, image.width, outWidth), affineTaps(e, f, image.height, outHeight), borderRgb, out);
    return { width: outWidth, height: outHeight, data: out };
  }
  const { width: inW, height: inH, data: src } = image;
  const tap = (x: number, y: number, channel: number): number =>
    x >= 0 && y >= 0 && x < inW && y < inH ? src[(y * inW + x) * 3 + channel]! : borderRgb[channel]!;

  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const wx = sx - x0;
      const wy = sy - y0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < inW && y0 + 1 < inH) {
        // All four taps inside: the common case, without per-tap bounds checks.
        const p00 = (y0 * inW + x0) * 3;
        const p10 = p00 + inW * 3;
        for (let ch = 0; ch < 3; ch++) {
          const top = src[p00 + ch]! + (src[p00 + 3 + ch]! - src[p00 + ch]!) * wx;
          const bottom = src[p10 + ch]! + (src[p10 + 3 + ch]! - src[p10 + ch]!) * wx;
          out[o++] = roundHalfUp(top + (bottom - top) * wy);
        }
      } else if (x0 < -1 || y0 < -1 || x0 >= inW || y0 >= inH) {
        // Entirely outside (also keeps huge coordinates away from the index arithmetic).
        out[o++] = borderRgb[0];
        out[o++] = borderRgb[1];
        out[o++] = borderRgb[2];
      } else {
        for (let ch = 0; ch < 3; ch++) {
          const top = tap(x0, y0, ch) + (tap(x0 + 1, y0, ch) - tap(x0, y0, ch)) * wx;
          const bottom = tap(x0, y0 + 1, ch) + (tap(x0 + 1, y0 + 1, ch) - tap(x0, y0 + 1, ch)) * wx;
          out[o++] = roundHalfUp(top + (bottom - top) * wy);
        }
      }
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}
