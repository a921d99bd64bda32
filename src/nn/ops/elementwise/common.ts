// Helpers shared by the elementwise ops: numpy broadcasting (shapes, aligned strides, the source
// element of every output element) and exact element values for the references, so integer
// arithmetic in shape chains (int64 above all) is exact and wraps like fixed-width integers.
import { ModelFormatError, ShapeError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { allocData, fromNumbers, isFloatType, shapeString, sizeOf, toNumbers, type DType, type Tensor, type TensorData } from '../../tensor.js';

/** The numpy broadcast of several shapes: aligned at their last dimensions, a 1 stretches. */
export function broadcastShapes(node: Node, shapes: readonly (readonly number[])[]): number[] {
  let out: number[] = [];
  shapes.forEach((shape, k) => {
    const rank = Math.max(out.length, shape.length);
    const next: number[] = [];
    for (let i = 0; i < rank; i++) {
      const a = out[out.length - rank + i] ?? 1;
      const b = shape[shape.length - rank + i] ?? 1;
      if (a !== b && a !== 1 && b !== 1) {
        const so = k === 1 ? shapeString(shapes[0]!) : `${shapeString(out)} (the broadcast of inputs 0..${k - 1})`;
        throw new ShapeError(`${node.op} node '${node.name}': cannot broadcast ${so} with ${shapeString(shape)}`);
      }
      next.push(a === 1 ? b : a);
    }
    out = next;
  });
  return out;
}

/** Unidirectional broadcast (PRelu's slope): `shape` must stretch to `target` without changing it. */
export function checkBroadcastsTo(node: Node, shape: readonly number[], target: readonly number[], what: string): void {
  const fits = shape.length <= target.length && shape.every((d, i) => d === 1 || d === target[target.length - shape.length + i]);
  if (!fits) throw new ShapeError(`${node.op} node '${node.name}': cannot broadcast ${what} ${shapeString(shape)} to ${shapeString(target)}`);
}

/** Strides (in elements) of `input` seen at the output's rank: 0 along broadcast dimensions. */
export function alignedStrides(input: readonly number[], output: readonly number[]): number[] {
  const strides = new Array<number>(output.length).fill(0);
  let stride = 1;
  for (let d = output.length - 1, k = input.length - 1; k >= 0; d--, k--) {
    strides[d] = input[k] === 1 ? 0 : stride;
    stride *= input[k]!;
  }
  return strides;
}

/** For each element of `output` (row-major), the index of the element of `input` broadcast to it. */
export function sourceIndices(input: readonly number[], output: readonly number[]): Int32Array {
  const strides = alignedStrides(input, output);
  const n = sizeOf(output);
  const sources = new Int32Array(n);
  const index = new Array<number>(output.length).fill(0);
  let source = 0;
  for (let i = 0; i < n; i++) {
    sources[i] = source;
    // Odometer step: bump the last dimension, carrying into earlier ones.
    for (let d = output.length - 1; d >= 0; d--) {
      index[d]!++;
      source += strides[d]!;
      if (index[d]! < output[d]!) break;
      source -= strides[d]! * index[d]!;
      index[d] = 0;
    }
  }
  return sources;
}

/** Element values without loss: numbers for floating-point tensors, bigints for integer and bool ones. */
export type ExactValues = number[] | bigint[];

export function exactValues(t: Tensor): ExactValues {
  if (isFloatType(t.dtype)) return toNumbers(t);
  if (t.dtype === 'int64') return Array.from(t.data as BigInt64Array);
  return toNumbers(t).map((v) => BigInt(v));
}

const INTEGER_BITS: Partial<Record<DType, { bits: number; signed: boolean }>> = {
  int8: { bits: 8, signed: true },
  uint8: { bits: 8, signed: false },
  int32: { bits: 32, signed: true },
  int64: { bits: 64, signed: true },
};

/** An integer wrapped to the dtype's width, as C++ fixed-width arithmetic (and so ONNX Runtime) leaves it. */
export function wrapInteger(dtype: DType, v: bigint): bigint {
  if (dtype === 'bool') return v === 0n ? 0n : 1n;
  const spec = INTEGER_BITS[dtype]!;
  return spec.signed ? BigInt.asIntN(spec.bits, v) : BigInt.asUintN(spec.bits, v);
}

/** A tensor of `dtype` from exact values: numbers are rounded to the (float) dtype, bigints wrapped to the (integer) one. */
export function fromExact(dtype: DType, shape: readonly number[], values: ArrayLike<number | bigint>): Tensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new ShapeError(`${values.length} values given for shape ${shapeString(shape)}`);
  if (isFloatType(dtype)) return fromNumbers(dtype, shape, Array.from(values, Number));
  const data = allocData(dtype, n);
  if (dtype === 'int64') {
    const d = data as BigInt64Array;
    for (let i = 0; i < n; i++) d[i] = wrapInteger(dtype, toBigInt(values[i]!));
  } else {
    const d = data as Exclude<TensorData, BigInt64Array>;
    for (let i = 0; i < n; i++) d[i] = Number(wrapInteger(dtype, toBigInt(values[i]!)));
  }
  return { dtype, shape: [...shape], data };
}

/** An exact value as an integer: numbers truncate toward zero, saturate at the int64 range, NaN is 0. */
export function toBigInt(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (Number.isNaN(v)) return 0n;
  if (v >= 2 ** 63) return 0x7fffffffffffffffn;
  if (v <= -(2 ** 63)) return -0x8000000000000000n;
  return BigInt(Math.trunc(v));
}

/** Operands of one elementwise op must share a dtype (ONNX's type constraint T). */
export function checkSameDType(node: Node, dtypes: readonly DType[]): void {
  const differing = dtypes.findIndex((d) => d !== dtypes[0]);
  if (differing > 0) {
    throw new ModelFormatError(`${node.op} node '${node.name}': input ${differing} is ${dtypes[differing]} but input 0 is ${dtypes[0]}; the inputs must share one type`);
  }
}

/**
 * The reference of an elementwise op over any number of broadcast inputs: output element i is
 * f of the inputs' elements broadcast to it, given as exact values (numbers for floating-point
 * inputs, bigints for integer ones).
 */
export function mapBroadcast(node: Node, inputs: readonly Tensor[], dtype: DType, f: (values: (number | bigint)[]) => number | bigint): Tensor {
  const shape = broadcastShapes(node, inputs.map((t) => t.shape));
  const sources = inputs.map((t) => sourceIndices(t.shape, shape));
  const values = inputs.map(exactValues);
  const out = new Array<number | bigint>(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = f(values.map((v, k) => v[sources[k]![i]!]!));
  return fromExact(dtype, shape, out);
}
