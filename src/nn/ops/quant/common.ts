// What the quantized ops share: ONNX's rounding (half to even) and saturation, the integer range
// of each quantized type, and scales and zero points read per tensor or per axis.
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { toNumbers, toFloat32, type DType, type Tensor } from '../../tensor.js';

/** The integer range of a quantized type. */
export function quantRange(dtype: DType, where: string): [number, number] {
  switch (dtype) {
    case 'uint8': return [0, 255];
    case 'int8': return [-128, 127];
    case 'int32': return [-2147483648, 2147483647];
    default: throw new UnsupportedOpError(`${where}: quantized type ${dtype} is not supported (uint8, int8, int32)`);
  }
}

/**
 * The `lookup` attribute the QDQ pass (passes/qdq-to-qlinear.ts) gives QLinearConv and
 * DequantizeLinear: one entry per integer of the indexing type `index`, from its least value up,
 * each an integer of `entries` or (entries 'float32') a float; undefined without one. Anything
 * else is a ShapeError naming the node.
 */
export function lookupValues(where: string, node: Node, index: DType, entries: DType): number[] | undefined {
  const a = node.attrs['lookup'];
  if (a === undefined) return undefined;
  const [lo, hi] = quantRange(index, where);
  if (entries === 'float32') {
    if (a.kind !== 'floats' || a.value.length !== hi - lo + 1) throw new ShapeError(`${where}: lookup must hold ${hi - lo + 1} floats`);
    return a.value;
  }
  const [least, most] = quantRange(entries, where);
  if (a.kind !== 'ints' || a.value.length !== hi - lo + 1 || a.value.some((v) => !Number.isInteger(v) || v < least || v > most)) {
    throw new ShapeError(`${where}: lookup must hold ${hi - lo + 1} ${entries} values`);
  }
  return a.value;
}

/** Round half to even, as ONNX's QuantizeLinear and the QLinear ops round. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** saturate(roundHalfEven(v) + zero) to [lo, hi]; NaN quantizes to the zero point. */
export function quantize(v: number, zero: number, lo: number, hi: number): number {
  const q = Number.isNaN(v) ? zero : roundHalfEven(v) + zero;
  return Math.min(hi, Math.max(lo, q));
}

/**
 * Whether the kernels' float rounding (quantize4 in assembly/kernels/quant/requantize.ts) is exact
 * for this output range: |bound - zero point| <= 2^22 (int8 and uint8; not int32).
 */
export function kernelRangeExact(zero: number, lo: number, hi: number): boolean {
  return Math.max(Math.abs(lo - zero), Math.abs(hi - zero)) <= 2 ** 22;
}

/**
 * Multipliers as the kernels' epilogue takes them (assembly/kernels/quant/requantize.ts clamps in
 * float, where NaN has no order): NaN becomes 0 and +-Infinity +-the largest float32, which
 * requantize every integer sum to the same outputs (a nonzero sum times either saturates, a zero
 * sum gives the zero point). Undefined when the output range is beyond what the epilogue rounds
 * exactly (int32 outputs): the reference runs those on the host.
 */
export function epilogueMultipliers(multipliers: Float32Array, zero: number, lo: number, hi: number): Float32Array | undefined {
  if (!kernelRangeExact(zero, lo, hi)) return undefined;
  const largest = 3.4028234663852886e38;
  return multipliers.map((m) => (Number.isNaN(m) ? 0 : Math.max(-largest, Math.min(largest, m))));
}

/** Scale values (float32) and zero points, one per tensor or one per index of `axis`. */
export interface QuantParams {
  scales: Float32Array;
  zeros: number[];
  /** Elements between consecutive indices of the axis (1 for the last axis); unused per tensor. */
  inner: number;
  /** Size of the axis (1 per tensor). */
  count: number;
}

/** Per-tensor or per-axis parameters for a tensor of `shape`; the zero point defaults to 0. */
export function quantParams(where: string, shape: readonly number[], scale: Tensor, zero: Tensor | undefined, axis: number): QuantParams {
  const scales = Float32Array.from(toFloat32(scale));
  const zeros = zero === undefined ? new Array<number>(scales.length).fill(0) : toNumbers(zero);
  if (zeros.length !== scales.length) throw new ShapeError(`${where}: ${scales.length} scales but ${zeros.length} zero points`);
  if (scales.length === 1 && scale.shape.length <= 1) return { scales, zeros, inner: 1, count: 1 };
  const a = axis < 0 ? axis + shape.length : axis;
  if (scale.shape.length !== 1 || a < 0 || a >= shape.length || shape[a] !== scales.length) {
    throw new ShapeError(`${where}: ${scales.length} scales do not match axis ${axis} of shape [${shape.join(', ')}]`);
  }
  return { scales, zeros, inner: shape.slice(a + 1).reduce((p, d) => p * d, 1), count: scales.length };
}

/** The index into QuantParams of element i. */
export function paramIndex(p: QuantParams, i: number): number {
  return p.count === 1 ? 0 : Math.floor(i / p.inner) % p.count;
}

/** A scalar scale (float32) and zero point, refusing per-axis ones where an op takes only one. */
export function scalarParams(where: string, what: string, scale: Tensor, zero: Tensor | undefined): { scale: number; zero: number } {
  if (scale.data.length !== 1 || (zero !== undefined && zero.data.length !== 1)) throw new ShapeError(`${where}: ${what} scale and zero point must be scalars`);
  return { scale: toFloat32(scale)[0]!, zero: zero === undefined ? 0 : toNumbers(zero)[0]! };
}

export function nodeWhere(node: Node): string {
  return `${node.op} node '${node.name}'`;
}
