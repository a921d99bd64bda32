// The image type every stage shares: decoders produce it, preprocessing reads it, the overlay
// renderer draws on it. Platform-neutral (no Node APIs) so it runs in browsers as well.
import { ImageError } from '../nn/errors.js';
import { DEFAULT_LIMITS, limits } from '../nn/limits.js';

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B.
 *
 * Why RGB and not RGBA: the networks take three colour channels, photos have no meaningful alpha
 * (JPEG cannot even store one), and a fourth byte per pixel would only add a third more memory
 * traffic to every resize, warp and normalisation loop. Decoders drop alpha at the boundary.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 3 bytes. */
  readonly data: Uint8Array;
}

/** An 8-bit RGBA image (what canvases and most decoders hand out), 4 bytes per pixel. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes. */
  readonly data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

/** The default largest image (see limits().maxImagePixels): 100 megapixels is far beyond any camera photo. */
export const MAX_IMAGE_PIXELS = DEFAULT_LIMITS.maxImagePixels;

/** Throws ImageError unless width x height is a non-empty image of at most MAX_IMAGE_PIXELS. */
export function checkImageSize(width: number, height: number, what = 'image'): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageError(`${what} has invalid size ${width}x${height}: width and height must be positive integers`);
  }
  const max = limits().maxImagePixels;
  if (width * height > max) {
    throw new ImageError(
      `${what} is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} megapixels), ` +
        `more than the ${max / 1e6} megapixels accepted (limit maxImagePixels)`,
    );
  }
}

/** A new image filled with one colour (black by default). */
export function createImage(width: number, height: number, fill: Rgb = [0, 0, 0]): RgbImage {
  checkImageSize(width, height);
  const data = new Uint8Array(width * height * 3);
  if (fill[0] !== 0 || fill[1] !== 0 || fill[2] !== 0) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = fill[0];
      data[i + 1] = fill[1];
      data[i + 2] = fill[2];
    }
  }
  return { width, height, data };
}

/** Throws ImageError unless `image` is a well-formed RgbImage (size and buffer length agree). */
export function assertRgbImage(image: RgbImage): void {
  checkImageSize(image.width, image.height);
  if (!(image.data instanceof Uint8Array) || image.data.length !== image.width * image.height * 3) {
    throw new ImageError(
      `RGB image ${image.width}x${image.height} needs ${image.width * image.height * 3} bytes of data, ` +
        `got ${image.data instanceof Uint8Array ? image.data.length : typeof image.data}`,
    );
  }
}

export function cloneImage(image: RgbImage): RgbImage {
  return { width: image.width, height: image.height, data: image.data.slice() };
}

/** Drops the alpha channel (the colour values are kept as they are, not composited). */
export function rgbaToRgb(image: RgbaImage): RgbImage {
  checkImageSize(image.width, image.height);
  const n = image.width * image.height;
  if (image.data.length !== n * 4) {
    throw new ImageError(`RGBA image ${image.width}x${image.height} needs ${n * 4} bytes of data, got ${image.data.length}`);
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n * 4; i += 4, j += 3) {
    out[j] = image.data[i]!;
    out[j + 1] = image.data[i + 1]!;
    out[j + 2] = image.data[i + 2]!;
  }
  return { width: image.width, height: image.height, data: out };
}

/** Adds an opaque alpha channel (for canvases' ImageData). */
export function rgbToRgba(image: RgbImage): RgbaImage {
  const n = image.width * image.height;
  const out = new Uint8Array(n * 4);
  for (let i = 0, j = 0; j < n * 4; i += 3, j += 4) {
    out[j] = image.data[i]!;
    out[j + 1] = image.data[i + 1]!;
    out[j + 2] = image.data[i + 2]!;
    out[j + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}

/**
 * Rotates/flips an image as its EXIF Orientation tag (1..8) says, so that it shows upright.
 * Orientation 1 (or any value outside 2..8) returns the image unchanged.
 *
 * For every output pixel (x, y) we compute the stored pixel it comes from; orientations 5..8
 * swap width and height.
 */
export function applyExifOrientation(image: RgbImage, orientation: number): RgbImage {
  if (!Number.isInteger(orientation) || orientation < 2 || orientation > 8) return image;
  const { width: w, height: h, data } = image;
  const transposed = orientation >= 5;
  const outW = transposed ? h : w;
  const outH = transposed ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let sx: number, sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;            // mirrored horizontally
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;    // rotated 180
        case 4: sx = x; sy = h - 1 - y; break;            // mirrored vertically
        case 5: sx = y; sy = x; break;                    // transposed
        case 6: sx = y; sy = h - 1 - x; break;            // stored rotated 90 CCW: turn 90 CW
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;    // transversed
        default: sx = w - 1 - y; sy = x; break;           // 8: stored rotated 90 CW: turn 90 CCW
      }
      const s = (sy * w + sx) * 3;
      const d = (y * outW + x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: outW, height: outH, data: out };
}
