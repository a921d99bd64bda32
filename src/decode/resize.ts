// Bicubic upsampling of CHW feature maps by an integer factor, matching OpenCV's
// cv2.resize(map, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC), which is what the
// OpenPose-family decoders run on the network's stride-8 outputs before looking for peaks.
//
// What OpenCV does, and so what this does:
// - Half-pixel alignment: output pixel X samples the source at (X + 0.5) / factor - 0.5, so the
//   centre of the output grid lines up with the centre of the input grid.
// - Keys' cubic convolution kernel with a = -0.75 (not the a = -0.5 Catmull-Rom variant).
// - Separable: a horizontal pass, then a vertical pass.
// - Borders replicate: taps that fall outside the map read the nearest edge value.
// OpenCV keeps its intermediate sums in float32; this uses float64 and rounds once on store, so
// results agree with OpenCV to float32 rounding.

import { InputError, ShapeError } from '../nn/errors.js';

/** Size of a CHW map: `channels` planes of `height` x `width` values. */
export interface MapDims {
  channels: number;
  height: number;
  width: number;
}

/** OpenCV's bicubic coefficient. */
const CUBIC_A = -0.75;

/** The four Keys weights for taps at offsets -1, 0, 1, 2 from floor(source), for fraction t. */
function cubicWeights(t: number): [number, number, number, number] {
  const w0 = ((CUBIC_A * (t + 1) - 5 * CUBIC_A) * (t + 1) + 8 * CUBIC_A) * (t + 1) - 4 * CUBIC_A;
  const w1 = ((CUBIC_A + 2) * t - (CUBIC_A + 3)) * t * t + 1;
  const u = 1 - t;
  const w2 = ((CUBIC_A + 2) * u - (CUBIC_A + 3)) * u * u + 1;
  return [w0, w1, w2, 1 - w0 - w1 - w2];
}

/**
 * For each of the `inSize * factor` output positions along one axis: the 4 source indices
 * (clamped to the map, i.e. replicated borders) and their 4 weights.
 */
function axisTaps(inSize: number, factor: number): { index: Int32Array; weight: Float64Array } {
  const outSize = inSize * factor;
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  for (let o = 0; o < outSize; o++) {
    const source = (o + 0.5) / factor - 0.5;
    const base = Math.floor(source);
    const w = cubicWeights(source - base);
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(inSize - 1, Math.max(0, base - 1 + k));
      weight[o * 4 + k] = w[k]!;
    }
  }
  return { index, weight };
}

export function checkMapDims(data: Float32Array, dims: MapDims, what: string): void {
  const { channels, height, width } = dims;
  for (const [name, value] of [['channels', channels], ['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ShapeError(`${what}: ${name} must be a positive integer, got ${value}`);
    }
  }
  if (data.length !== channels * height * width) {
    throw new ShapeError(
      `${what}: ${data.length} values do not fill ${channels}x${height}x${width} (CHW) = ` +
        `${channels * height * width}`,
    );
  }
}

/**
 * Upsample every channel of a CHW map by an integer `factor` with OpenCV's INTER_CUBIC.
 * Returns a new map of `channels x (height * factor) x (width * factor)`.
 */
export function upsampleBicubic(
  data: Float32Array,
  dims: MapDims,
  factor: number,
): { data: Float32Array; dims: MapDims } {
  checkMapDims(data, dims, 'upsampleBicubic');
  if (!Number.isInteger(factor) || factor < 1) {
    throw new InputError(`upsampleBicubic: factor must be a positive integer, got ${factor}`);
  }
  const { channels, height, width } = dims;
  const outHeight = height * factor;
  const outWidth = width * factor;
  const outDims = { channels, height: outHeight, width: outWidth };
  if (factor === 1) return { data: data.slice(), dims: outDims };

  const columns = axisTaps(width, factor);
  const rows = axisTaps(height, factor);
  const out = new Float32Array(channels * outHeight * outWidth);
  // One source-height x output-width plane: the result of the horizontal pass.
  const wide = new Float64Array(height * outWidth);

  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    for (let y = 0; y < height; y++) {
      const row = plane + y * width;
      for (let x = 0; x < outWidth; x++) {
        const t = x * 4;
        wide[y * outWidth + x] =
          columns.weight[t]! * data[row + columns.index[t]!]! +
          columns.weight[t + 1]! * data[row + columns.index[t + 1]!]! +
          columns.weight[t + 2]! * data[row + columns.index[t + 2]!]! +
          columns.weight[t + 3]! * data[row + columns.index[t + 3]!]!;
      }
    }
    const outPlane = c * outHeight * outWidth;
    for (let y = 0; y < outHeight; y++) {
      const t = y * 4;
      const r0 = rows.index[t]! * outWidth, r1 = rows.index[t + 1]! * outWidth;
      const r2 = rows.index[t + 2]! * outWidth, r3 = rows.index[t + 3]! * outWidth;
      const w0 = rows.weight[t]!, w1 = rows.weight[t + 1]!, w2 = rows.weight[t + 2]!, w3 = rows.weight[t + 3]!;
      const outRow = outPlane + y * outWidth;
      for (let x = 0; x < outWidth; x++) {
        out[outRow + x] = w0 * wide[r0 + x]! + w1 * wide[r1 + x]! + w2 * wide[r2 + x]! + w3 * wide[r3 + x]!;
      }
    }
  }
  return { data: out, dims: outDims };
}
