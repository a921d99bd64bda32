// The row-at-a-time resampling (src/image/resize.ts) and the fused resample + normalise passes of
// preprocessing against plain per-pixel reference implementations, on odd sizes: the results must
// be identical, not merely close (the fast code performs the same double arithmetic).
import { describe, expect, it } from 'vitest';
import { createImage, type Rgb, type RgbImage } from '../src/image/image.js';
import type { Affine } from '../src/image/geometry.js';
import { resizeBilinear, roundHalfUp, warpAffine } from '../src/image/resize.js';
import { boxRegion, letterboxRegion, type SquareRegion } from '../src/image/geometry.js';
import { cropForPerson, letterboxForStride, squareInput, type InputSpec } from '../src/pipeline/preprocess.js';
import { findTfjsModel } from '../src/pipeline/tfjs-models.js';

function noise(width: number, height: number, seed: number): RgbImage {
  const image = createImage(width, height);
  for (let i = 0; i < image.data.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    image.data[i] = seed % 256;
  }
  return image;
}

/** Bilinear sample of one channel at input coordinate (sx, sy): four taps, `border` outside. */
function referenceSample(image: RgbImage, sx: number, sy: number, channel: number, border: number): number {
  const tap = (x: number, y: number): number =>
    x >= 0 && y >= 0 && x < image.width && y < image.height ? image.data[(y * image.width + x) * 3 + channel]! : border;
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (!Number.isFinite(x0) || !Number.isFinite(y0)) return border;
  const wx = sx - x0;
  const wy = sy - y0;
  const top = tap(x0, y0) + (tap(x0 + 1, y0) - tap(x0, y0)) * wx;
  const bottom = tap(x0, y0 + 1) + (tap(x0 + 1, y0 + 1) - tap(x0, y0 + 1)) * wx;
  return Math.round(top + (bottom - top) * wy);
}

function referenceWarp(image: RgbImage, m: Affine, width: number, height: number, border: Rgb): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = referenceSample(image, m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5], c, border[c]!);
    }
  }
  return out;
}

/** cv2.resize(INTER_LINEAR): the sampling coordinate clamped to the pixel centres. */
function referenceResize(image: RgbImage, width: number, height: number): Uint8Array {
  const clamp = (v: number, size: number): number => Math.min(Math.max(v, 0), size - 1);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = clamp((y + 0.5) * (image.height / height) - 0.5, image.height);
    for (let x = 0; x < width; x++) {
      const sx = clamp((x + 0.5) * (image.width / width) - 0.5, image.width);
      // Clamped at the last centre the right/bottom taps repeat the edge pixel (weight 0 anyway).
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = referenceSample(image, sx, sy, c, 0);
    }
  }
  return out;
}

const sizes = [[1, 1], [2, 3], [7, 5], [33, 17], [101, 67]] as const;
const targets = [[1, 1], [3, 7], [19, 23], [64, 48]] as const;

describe('roundHalfUp', () => {
  it('is Math.round, including halves and the value just below 0.5', () => {
    const values = [0, 0.5, 1.5, 2.5, 254.5, 255, 0.49999999999999994, 0.5000000000000001, 1.4999999999999998, 3.4999999999999996, -0.7, -1.5, -2.5, 2 ** 52 + 1];
    let seed = 1;
    for (let i = 0; i < 10000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      values.push((seed / 2147483648) * 300, Math.floor(seed % 256) + 0.5, Math.floor(seed % 256) + 0.5 - 2 ** -44);
    }
    for (const v of values) expect(roundHalfUp(v), String(v)).toBe(Math.round(v) + 0); // + 0: -0 as 0
  });
});

describe('row-at-a-time resampling equals the per-pixel reference', () => {
  it('resizeBilinear, up and down, odd sizes', () => {
    for (const [w, h] of sizes) {
      const image = noise(w, h, w * 31 + h);
      for (const [ow, oh] of targets) expect(Array.from(resizeBilinear(image, ow, oh).data)).toEqual(Array.from(referenceResize(image, ow, oh)));
    }
  });

  it('warpAffine: scale + shift (separable path), flips, rotation, far outside', () => {
    const matrices: Affine[] = [
      [1, 0, 0, 0, 1, 0], [0.37, 0, -3.2, 0, 1.7, 2.5], [2.9, 0, -10.5, 0, 0.6, 5.25], [-0.7, 0, 20, 0, -1.3, 9],
      [1, 0, 1e12, 0, 1, -1e12], [0.9, 0.4, -5, -0.3, 1.1, 3],
    ];
    for (const [w, h] of sizes) {
      const image = noise(w, h, w + h * 7);
      for (const [ow, oh] of targets) {
        for (const m of matrices) expect(Array.from(warpAffine(image, m, ow, oh, [3, 200, 77]).data)).toEqual(Array.from(referenceWarp(image, m, ow, oh, [3, 200, 77])));
      }
    }
  });
});

describe('fused resample + normalise equals resample, then normalise', () => {
  const spec: InputSpec = { width: 41, height: 29, colorOrder: 'BGR', mean: [128, 127.5, 100], scale: [255, 58.4, 1] };
  const sources = [2, 1, 0];

  it('letterboxForStride (both width modes, both pad values)', () => {
    for (const [w, h] of sizes) {
      const image = noise(w, h, 5 * w + h);
      for (const widthMode of ['fixed', 'stride'] as const) {
        for (const padValue of [undefined, [0, 0, 0] as Rgb]) {
          const { tensor, contentWidth, contentHeight } = letterboxForStride(image, spec, 8, { widthMode, padValue });
          const [, , th, tw] = tensor.shape as [number, number, number, number];
          const resized = referenceResize(image, contentWidth, contentHeight);
          const pad = padValue ?? [spec.mean[2], spec.mean[1], spec.mean[0]];
          const expected = new Float32Array(3 * th * tw);
          for (let c = 0; c < 3; c++) {
            for (let y = 0; y < th; y++) {
              for (let x = 0; x < tw; x++) {
                const pixel = x < contentWidth && y < contentHeight ? resized[(y * contentWidth + x) * 3 + sources[c]!]! : pad[sources[c]!]!;
                expected[(c * th + y) * tw + x] = (pixel - spec.mean[c]!) * (1 / spec.scale[c]!);
              }
            }
          }
          expect(Array.from(tensor.data as Float32Array)).toEqual(Array.from(expected));
        }
      }
    }
  });

  it('cropForPerson', () => {
    for (const [w, h] of sizes) {
      const image = noise(w, h, w * h + 3);
      const { tensor, transform } = cropForPerson(image, { xMin: w * 0.2, yMin: h * 0.1 - 1, width: w * 0.5 + 0.5, height: h * 0.7 + 1 }, spec);
      const crop = referenceWarp(image, transform.inputToImage, spec.width, spec.height, [0, 0, 0]);
      const plane = spec.width * spec.height;
      const expected = Float32Array.from({ length: 3 * plane }, (_, i) => {
        const c = Math.floor(i / plane);
        return (crop[(i % plane) * 3 + sources[c]!]! - spec.mean[c]!) * (1 / spec.scale[c]!);
      });
      expect(Array.from(tensor.data as Float32Array)).toEqual(Array.from(expected));
    }
  });

  it('squareInput, int32 (MoveNet) and float (PoseNet), letterbox and box regions', () => {
    for (const name of ['movenet-thunder', 'posenet']) {
      const base = findTfjsModel(name)!.spec;
      const network = { ...base, input: { ...base.input, width: 37, height: 37 } };
      for (const [w, h] of sizes) {
        const image = noise(w, h, 11 * w + h);
        const regions: SquareRegion[] = [letterboxRegion(image), boxRegion({ xMin: w * 0.3, yMin: -1, width: w * 0.4 + 1, height: h * 0.5 + 1 })];
        for (const region of regions) {
          const unit = region.side / 37;
          const m: Affine = [unit, 0, region.left + 0.5 * unit - 0.5, 0, unit, region.top + 0.5 * unit - 0.5];
          const crop = referenceWarp(image, m, 37, 37, [0, 0, 0]);
          const { mean, scale } = network.input;
          const expected = Array.from(crop, (v, i) => {
            const value = (v - mean[i % 3]!) / scale[i % 3]!;
            return network.inputType === 'int32' ? Math.round(value) : Math.fround(value);
          });
          expect(Array.from(squareInput(image, region, network).tensor.data as Int32Array | Float32Array)).toEqual(expected);
        }
      }
    }
  });
});
