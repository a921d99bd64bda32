// The sampling behind Resize and Upsample. Scaling a 2D image is separable: each output row
// blends a few input rows and each output column a few input columns, so the whole operation is
// described by two tables, one per axis, giving for each output index its input taps and their
// weights (1 tap for nearest, 2 for linear, 4 for cubic). The reference applies them directly;
// the kernel receives them as packed constants.
//
// The coordinate arithmetic is done in float32 (Math.fround), as ONNX Runtime does, so that
// nearest-neighbour rounding ties land the same way.
import { UnsupportedOpError } from '../../errors.js';
import type { Node } from '../../graph.js';
import type { KernelPlan } from '../types.js';
import { where } from './common.js';

export type InterpolationMode = 'nearest' | 'linear' | 'cubic';
export type CoordinateMode = 'half_pixel' | 'asymmetric' | 'pytorch_half_pixel' | 'align_corners' | 'tf_half_pixel_for_nn' | 'half_pixel_symmetric';
/** 'simple' is the rounding of Upsample and Resize-10: floor when enlarging, ceil when shrinking. */
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

export interface Sampling {
  mode: InterpolationMode;
  coordinates: CoordinateMode;
  nearest: NearestMode;
  cubicA: number;
  excludeOutside: boolean;
}

/** Taps per output index: input indices (clamped into the axis) and weights. */
export interface AxisTable {
  taps: number;
  index: Int32Array;
  weight: Float32Array;
}

const COORDINATE_MODES: readonly string[] = ['half_pixel', 'asymmetric', 'pytorch_half_pixel', 'align_corners', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'];
const NEAREST_MODES: readonly string[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

export function interpolationMode(node: Node, mode: string): InterpolationMode {
  if (mode === 'bilinear') return 'linear';
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') throw new UnsupportedOpError(`${where(node)}: mode '${mode}' is not supported (nearest, linear, cubic)`);
  return mode;
}

export function coordinateMode(node: Node, mode: string): CoordinateMode {
  if (mode === 'tf_crop_and_resize') throw new UnsupportedOpError(`${where(node)}: coordinate_transformation_mode 'tf_crop_and_resize' is not supported`);
  if (!COORDINATE_MODES.includes(mode)) throw new UnsupportedOpError(`${where(node)}: coordinate_transformation_mode '${mode}' is not supported`);
  return mode as CoordinateMode;
}

export function nearestMode(node: Node, mode: string): NearestMode {
  if (!NEAREST_MODES.includes(mode)) throw new UnsupportedOpError(`${where(node)}: nearest_mode '${mode}' is not supported`);
  return mode as NearestMode;
}

const f = Math.fround;

/** The input coordinate output index `o` maps to, in float32 arithmetic. */
function originalCoordinate(mode: CoordinateMode, o: number, scale: number, outSize: number, inSize: number): number {
  switch (mode) {
    case 'asymmetric': return f(o / scale);
    case 'half_pixel': return f(f(f(o + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel': return outSize > 1 ? f(f(f(o + 0.5) / scale) - 0.5) : 0;
    case 'tf_half_pixel_for_nn': return f(f(o + 0.5) / scale);
    case 'align_corners': return outSize === 1 ? 0 : f(f(o * (inSize - 1)) / (outSize - 1));
    case 'half_pixel_symmetric': {
      const adjustment = f(outSize / f(scale * inSize));
      const offset = f(f(inSize / 2) * f(1 - adjustment));
      return f(offset + f(f(f(o + 0.5) / scale) - 0.5));
    }
  }
}

function nearestIndex(mode: NearestMode, x: number, shrinking: boolean): number {
  switch (mode) {
    case 'round_prefer_floor': return x === Math.trunc(x) + 0.5 ? Math.floor(x) : roundHalfAway(x);
    case 'round_prefer_ceil': return roundHalfAway(x);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'simple': return shrinking ? Math.ceil(x) : Math.trunc(x);
  }
}

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** Keys' cubic convolution weights for the taps at floor(x) - 1 .. floor(x) + 2, s = x - floor(x). */
function cubicWeights(s: number, a: number): number[] {
  const far = (t: number) => ((a * t - 5 * a) * t + 8 * a) * t - 4 * a; // 1 < t < 2
  const near = (t: number) => ((a + 2) * t - (a + 3)) * t * t + 1; // t <= 1
  return [far(s + 1), near(s), near(1 - s), far(2 - s)];
}

/**
 * The table of one axis scaled from inSize to outSize. `scale` is the factor the coordinate
 * mapping uses: the given scale, or outSize / inSize when sizes were given.
 */
export function axisTable(s: Sampling, inSize: number, outSize: number, scale: number): AxisTable {
  const taps = s.mode === 'nearest' ? 1 : s.mode === 'linear' ? 2 : 4;
  const index = new Int32Array(outSize * taps);
  const weight = new Float32Array(outSize * taps);
  const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const at = o * taps;
    if (s.mode === 'nearest') {
      const x = originalCoordinate(s.coordinates, o, scale, outSize, inSize);
      index[at] = clamp(nearestIndex(s.nearest, x, scale < 1));
      weight[at] = 1;
      continue;
    }
    // An unscaled axis maps onto itself (ONNX Runtime skips the transform there).
    const x = scale === 1 ? o : originalCoordinate(s.coordinates, o, scale, outSize, inSize);
    if (s.mode === 'linear') {
      const clamped = Math.min(Math.max(x, 0), inSize - 1);
      const first = Math.min(Math.trunc(clamped), inSize - 1);
      const second = Math.min(first + 1, inSize - 1);
      const frac = f(clamped - first);
      index[at] = first;
      index[at + 1] = second;
      weight[at] = first === second ? 0.5 : 1 - frac;
      weight[at + 1] = first === second ? 0.5 : frac;
      continue;
    }
    const base = Math.floor(x);
    const w = cubicWeights(f(x - base), s.cubicA);
    let sum = 0;
    for (let t = 0; t < 4; t++) {
      const i = base - 1 + t;
      if (s.excludeOutside && (i < 0 || i >= inSize)) w[t] = 0;
      sum += w[t]!;
    }
    for (let t = 0; t < 4; t++) {
      index[at + t] = clamp(base - 1 + t);
      weight[at + t] = s.excludeOutside ? w[t]! / sum : w[t]!;
    }
  }
  return { taps, index, weight };
}

/** Applies the row and column tables to `planes` planes of inH x inW (the reference path). */
export function interpolate(x: Float32Array, planes: number, inH: number, inW: number, rows: AxisTable, columns: AxisTable): Float32Array {
  const outH = rows.index.length / rows.taps;
  const outW = columns.index.length / columns.taps;
  const y = new Float32Array(planes * outH * outW);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * inH * inW;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let sum = 0;
        for (let ty = 0; ty < rows.taps; ty++) {
          const iy = rows.index[oy * rows.taps + ty]!;
          const wy = rows.weight[oy * rows.taps + ty]!;
          for (let tx = 0; tx < columns.taps; tx++) {
            sum += wy * columns.weight[ox * columns.taps + tx]! * x[plane + iy * inW + columns.index[ox * columns.taps + tx]!]!;
          }
        }
        y[o++] = sum;
      }
    }
  }
  return y;
}

/** How a 4D input is scaled: the output shape and the factors the coordinate mapping uses. */
export interface Scaling {
  outShape: [number, number, number, number];
  scaleH: number;
  scaleW: number;
}

/**
 * Output shape and per-axis factors from scales (output = floor(input x scale), in float32 as
 * ONNX Runtime computes it) or sizes (factor = output / input). Only H and W may change.
 */
export function resolveScaling(node: Node, shape: readonly number[], scales: number[] | undefined, sizes: number[] | undefined): Scaling {
  if (shape.length !== 4) throw new UnsupportedOpError(`${where(node)}: input of rank ${shape.length}; only 2D (NCHW, rank 4) scaling is supported`);
  let out: number[];
  let factors: number[];
  if (sizes !== undefined) {
    if (sizes.length !== 4) throw new UnsupportedOpError(`${where(node)}: ${sizes.length} sizes for a rank-4 input`);
    out = sizes;
    factors = sizes.map((s, i) => f(s / shape[i]!));
  } else if (scales !== undefined) {
    if (scales.length !== 4) throw new UnsupportedOpError(`${where(node)}: ${scales.length} scales for a rank-4 input`);
    if (scales.some((s) => !(s > 0))) throw new UnsupportedOpError(`${where(node)}: scales [${scales.join(', ')}] must be positive`);
    factors = scales.map(f);
    out = factors.map((s, i) => Math.floor(f(s * shape[i]!)));
  } else {
    throw new UnsupportedOpError(`${where(node)}: neither scales nor sizes is given`);
  }
  if (out[0] !== shape[0] || out[1] !== shape[1]) {
    throw new UnsupportedOpError(`${where(node)}: scales the batch or channel axis ([${shape.join(', ')}] to [${out.join(', ')}]); only H and W may be scaled`);
  }
  if (out[2]! < 1 || out[3]! < 1) throw new UnsupportedOpError(`${where(node)}: output [${out.join(', ')}] is empty`);
  return { outShape: [out[0]!, out[1]!, out[2]!, out[3]!], scaleH: factors[2]!, scaleW: factors[3]! };
}

/** The reference: tables, then interpolate. */
export function scaleImage(x: Float32Array, shape: readonly number[], sampling: Sampling, scaling: Scaling): Float32Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const [, , oh, ow] = scaling.outShape;
  return interpolate(x, n * c, h, w, axisTable(sampling, h, oh, scaling.scaleH), axisTable(sampling, w, ow, scaling.scaleW));
}

/** The kernel plan: one resize2d call over N*C planes, the tables packed as constants. */
export function scaleImagePlan(shape: readonly number[], sampling: Sampling, scaling: Scaling): KernelPlan {
  const [n, c, h, w] = shape as [number, number, number, number];
  const [, , oh, ow] = scaling.outShape;
  const rows = axisTable(sampling, h, oh, scaling.scaleH);
  const columns = axisTable(sampling, w, ow, scaling.scaleW);
  const taps = rows.taps;
  return {
    calls: [{ fn: 'resize2d', args: [{ input: 0 }, { output: 0 }, 'scratch', { packed: 0 }, { packed: 1 }, { packed: 2 }, { packed: 3 }, h, w, oh, ow, taps], parallel: n * c }],
    packed: [rows.index, rows.weight, columns.index, columns.weight],
    // Row tags (one vector), then `taps` cached rows of OW floats (rounded up to whole vectors).
    scratchBytes: 16 + taps * Math.ceil(ow / 4) * 16,
  };
}
