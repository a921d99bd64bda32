// Geometric resampling of RGB images: bilinear resize and bilinear affine warp, both following
// OpenCV's conventions so that preprocessing matches the reference Python demos.
//
// Coordinate convention (the same as OpenCV's): pixel (i, j) covers the square [i-0.5, i+0.5] x
// [j-0.5, j+0.5], so its centre is at the integer coordinates (i, j).
//
// OpenCV computes 8-bit bilinear weights in fixed point (11 bits for resize, 1/32-pixel steps for
// warpAffine); we use doubles and round once, so results can differ from OpenCV's by 1 grey level.
import { ImageError } from '../nn/errors.js';
import { assertRgbImage, checkImageSize, type Rgb, type RgbImage } from './image.js';

/**
 * A 2x3 affine matrix [a, b, c, d, e, f] mapping (x, y) to (a*x + b*y + c, d*x + e*y + f),
 * row-major like OpenCV's and numpy's 2x3 arrays.
 */
export type Affine2x3 = readonly [number, number, number, number, number, number];

/**
 * Bilinear resize to outWidth x outHeight, pixel-centre aligned like cv2.resize(INTER_LINEAR):
 * output pixel x samples input coordinate (x + 0.5) * inWidth / outWidth - 0.5, clamped to the image.
 * Like OpenCV (and unlike INTER_AREA) it does not average when shrinking.
 */
export function resizeBilinear(image: RgbImage, outWidth: number, outHeight: number): RgbImage {
  assertRgbImage(image);
  checkImageSize(outWidth, outHeight, 'resize target');
  const { width: inW, height: inH, data: src } = image;
  const out = new Uint8Array(outWidth * outHeight * 3);

  // Per output column: the left input column and the weight of the right one (shared by all rows).
  const x0s = new Int32Array(outWidth);
  const xWeights = new Float64Array(outWidth);
  const scaleX = inW / outWidth;
  for (let x = 0; x < outWidth; x++) {
    const [x0, w] = clampedTap((x + 0.5) * scaleX - 0.5, inW);
    x0s[x] = x0;
    xWeights[x] = w;
  }
  const scaleY = inH / outHeight;
  for (let y = 0; y < outHeight; y++) {
    const [y0, wy] = clampedTap((y + 0.5) * scaleY - 0.5, inH);
    const y1 = Math.min(y0 + 1, inH - 1);
    const row0 = y0 * inW * 3;
    const row1 = y1 * inW * 3;
    let o = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++) {
      const x0 = x0s[x]!;
      const wx = xWeights[x]!;
      const c0 = x0 * 3;
      const c1 = Math.min(x0 + 1, inW - 1) * 3;
      for (let c = 0; c < 3; c++) {
        const top = src[row0 + c0 + c]! + (src[row0 + c1 + c]! - src[row0 + c0 + c]!) * wx;
        const bottom = src[row1 + c0 + c]! + (src[row1 + c1 + c]! - src[row1 + c0 + c]!) * wx;
        out[o++] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}

/**
 * Integer tap and fractional weight for a source coordinate, clamped at the borders the way
 * cv2.resize does: left of the first pixel centre or right of the last one, the edge pixel is
 * repeated (weight 0).
 */
function clampedTap(coordinate: number, size: number): [number, number] {
  let i = Math.floor(coordinate);
  let w = coordinate - i;
  if (i < 0) { i = 0; w = 0; }
  if (i >= size - 1) { i = size - 1; w = 0; }
  return [i, w];
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
 */
export function warpAffine(
  image: RgbImage,
  outputToInput: Affine2x3,
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
  const [a, b, c, d, e, f] = outputToInput;
  const { width: inW, height: inH, data: src } = image;
  const out = new Uint8Array(outWidth * outHeight * 3);
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
          out[o++] = Math.round(top + (bottom - top) * wy);
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
          out[o++] = Math.round(top + (bottom - top) * wy);
        }
      }
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}
