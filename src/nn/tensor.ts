// Host-side tensors: what model files hold and what constant folding computes on. The engine
// itself computes in float32 (and int32 for the few integer values that flow at run time).
import { ShapeError } from './errors.js';
import { limits } from './limits.js';

export type DType = 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

/** Storage per dtype: float16 keeps its raw bits; bool is one byte per element. */
export interface TensorDataMap {
  float32: Float32Array;
  float16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}
export type TensorData = TensorDataMap[DType];

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** Largest element count one tensor can ever have (a wasm32 memory holds 4 GiB of float32). */
export const MAX_ELEMENTS = 2 ** 30;

/** The element count of a shape, refused beyond the maxTensorElements budget (see limits.ts). */
export function sizeOf(shape: readonly number[]): number {
  const max = Math.min(MAX_ELEMENTS, limits().maxTensorElements);
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`invalid dimension ${d} in shape ${describeShape(shape)}`);
    n *= d;
  }
  if (n > max) throw new ShapeError(`shape ${describeShape(shape)} has ${n} elements, more than the ${max} allowed (limit maxTensorElements)`);
  return n;
}

/** A shape for a message: a file may declare millions of dims, so long ones are cut short. */
function describeShape(shape: readonly number[]): string {
  return shape.length <= 16 ? `[${shape.join(', ')}]` : `[${shape.slice(0, 8).join(', ')}, ... ${shape.length} dims]`;
}

export function isFloatType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'float64';
}

/** The typed array that stores each dtype. */
const STORAGE: Readonly<Record<DType, {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): TensorData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData;
}>> = {
  float32: Float32Array, float16: Uint16Array, float64: Float64Array, int8: Int8Array,
  uint8: Uint8Array, bool: Uint8Array, int32: Int32Array, int64: BigInt64Array,
};

/** Bytes of one element of `dtype` as stored (float16 as its raw bits, bool as one byte). */
export function bytesPerElement(dtype: DType): number {
  return STORAGE[dtype].BYTES_PER_ELEMENT;
}

export function allocData(dtype: DType, length: number): TensorData {
  return new STORAGE[dtype](length);
}

/** `count` elements of `dtype` viewed in `buffer` from `byteOffset`, which must be aligned for the type. */
export function viewData(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, count: number): TensorData {
  return new STORAGE[dtype](buffer, byteOffset, count);
}

export function tensor<D extends DType>(dtype: D, shape: readonly number[], data?: TensorDataMap[D]): Tensor {
  const n = sizeOf(shape);
  const d = data ?? allocData(dtype, n);
  if (d.length !== n) throw new ShapeError(`tensor data has ${d.length} elements but shape [${shape.join(', ')}] needs ${n}`);
  return { dtype, shape: [...shape], data: d };
}

/** Decodes one IEEE 754 half-precision value from its bits. */
function decodeHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Every half value as float32 (each is exact there), built on first use: float16 weights are decoded by look-up. */
let halfTable: Float32Array | undefined;

/** Decodes one IEEE 754 half-precision value. */
export function halfToFloat(h: number): number {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = decodeHalf(bits);
  }
  return halfTable[h & 0xffff]!;
}

const halfScratch = new Float32Array(1);
const halfScratchBits = new Uint32Array(halfScratch.buffer);

/** Encodes a number as IEEE 754 half precision, rounding to nearest even. */
export function floatToHalf(value: number): number {
  halfScratch[0] = value;
  const x = halfScratchBits[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** The values as float32 (float16 decoded, integers converted). */
export function toFloat32(t: Tensor): Float32Array {
  if (t.dtype === 'float32') return t.data as Float32Array;
  const out = new Float32Array(t.data.length);
  if (t.dtype === 'float16') {
    const d = t.data as Uint16Array;
    for (let i = 0; i < d.length; i++) out[i] = halfToFloat(d[i]!);
  } else if (t.dtype === 'int64') {
    const d = t.data as BigInt64Array;
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
  } else {
    const d = t.data as Exclude<TensorData, BigInt64Array>;
    for (let i = 0; i < d.length; i++) out[i] = d[i]!;
  }
  return out;
}

/** The values as plain numbers (int64 beyond 2^53 is rounded, which only the INT64 sentinels hit). */
export function toNumbers(t: Tensor): number[] {
  if (t.dtype === 'int64') return Array.from(t.data as BigInt64Array, (v) => Number(v));
  if (t.dtype === 'float16') return Array.from(t.data as Uint16Array, halfToFloat);
  // A plain loop: Array.from goes through the typed array's iterator, ten times slower on millions of weights.
  const data = t.data as Exclude<TensorData, BigInt64Array>;
  const values = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) values[i] = data[i]!;
  return values;
}

/** Builds a tensor of any dtype from numbers (integers truncated toward zero, int64 saturated). */
export function fromNumbers(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new ShapeError(`${values.length} values given for shape [${shape.join(', ')}]`);
  const data = allocData(dtype, n);
  if (dtype === 'int64') {
    const d = data as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = Math.trunc(values[i]!);
      d[i] = v >= 9.223372036854776e18 ? 0x7fffffffffffffffn : v <= -9.223372036854776e18 ? -0x8000000000000000n : BigInt(v);
    }
  } else if (dtype === 'float16') {
    const d = data as Uint16Array;
    for (let i = 0; i < n; i++) d[i] = floatToHalf(values[i]!);
  } else if (dtype === 'bool') {
    const d = data as Uint8Array;
    for (let i = 0; i < n; i++) d[i] = values[i] ? 1 : 0;
  } else {
    (data as Exclude<TensorData, BigInt64Array>).set(Array.from(values));
  }
  return { dtype, shape: [...shape], data };
}

/**
 * Arrays end to end, copied by `set`, never spread: an argument list of millions of elements (a
 * pad of 2e8 on one side) is a V8 fatal error that no catch can stop.
 */
export function concatenate<T extends Uint8Array | Int32Array>(parts: readonly T[], allocate: (length: number) => T): T {
  const out = allocate(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function float32(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  return values === undefined ? tensor('float32', shape) : tensor('float32', shape, Float32Array.from(values));
}

export function int64(shape: readonly number[], values: ArrayLike<number>): Tensor {
  return fromNumbers('int64', shape, values);
}

export function shapeString(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
