// How the elementwise ops call their kernels (assembly/kernels/elementwise/). The codes below
// match the constants at the top of binary.ts, unary.ts and compare.ts there.
import { isFloatType, sizeOf } from '../../tensor.js';
import type { Arg, KernelPlan, ValueType, WasmCall } from '../types.js';
import { alignedStrides } from './common.js';

export const BINARY_CODES = { Add: 0, Sub: 1, Mul: 2, Div: 3, Pow: 4, Max: 5, Min: 6, PRelu: 7 } as const;
export type BinaryKernel = keyof typeof BINARY_CODES;

export const UNARY_CODES = {
  Relu: 0, LeakyRelu: 1, Elu: 2, Selu: 3, Sigmoid: 4, Tanh: 5, Softplus: 6, Clip: 7, HardSigmoid: 8,
  HardSwish: 9, Exp: 10, Sqrt: 11, Neg: 12, Abs: 13, Erf: 14, Floor: 15, Ceil: 16, Round: 17, Reciprocal: 18,
} as const;
export type UnaryKernel = keyof typeof UNARY_CODES;

/** Comparison and logic ops of the `compare` kernel; comparisons exist for float32 and int32 operands. */
export type CompareKernel = 'Equal' | 'Less' | 'Greater' | 'LessOrEqual' | 'GreaterOrEqual' | 'And' | 'Or' | 'Xor';
const COMPARE_FLOAT_CODES: Record<CompareKernel, number> = { Equal: 0, Less: 1, Greater: 2, LessOrEqual: 3, GreaterOrEqual: 4, And: 10, Or: 11, Xor: 12 };
/** int32 comparisons are the float32 code plus this. */
const COMPARE_INT_OFFSET = 5;

/** The kernels compute float32 only; other dtypes run the reference on the host. */
export function allFloat32(types: readonly (ValueType | undefined)[]): boolean {
  return types.every((t) => t === undefined || t.dtype === 'float32');
}

/** y = op(x, p0, p1) elementwise, x and y of one shape. */
export function unaryPlan(op: UnaryKernel, output: ValueType, p0 = 0, p1 = 0): KernelPlan {
  const n = sizeOf(output.shape);
  return { calls: n === 0 ? [] : [{ fn: 'unary', args: [UNARY_CODES[op], { input: 0 }, { output: 0 }, p0, p1], parallel: n }] };
}

/** One operand of a binary kernel call: where it is and its shape before broadcasting. */
export interface Operand {
  arg: Arg;
  shape: readonly number[];
}

/**
 * The dimensions of a broadcast a op b, merged where both operands allow (a run of dimensions
 * both read contiguously, or both broadcast, walks as one) and with size-1 dimensions dropped.
 */
function collapse(out: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): { dims: number[]; a: number[]; b: number[] } {
  const dims: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  out.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && a[last] === aStrides[i]! * d && b[last] === bStrides[i]! * d) {
      dims[last] = dims[last]! * d;
      a[last] = aStrides[i]!;
      b[last] = bStrides[i]!;
    } else {
      dims.push(d);
      a.push(aStrides[i]!);
      b.push(bStrides[i]!);
    }
  });
  return { dims, a, b };
}

/**
 * One kernel call computing output 0 (of shape `out`, which both operands broadcast to) as
 * a op b, choosing the fastest kernel the layout allows. A general broadcast's layout is pushed
 * onto `packed` (and the call refers to it by index).
 */
export function binaryCall(op: BinaryKernel, a: Operand, b: Operand, out: readonly number[], packed: Int32Array[]): WasmCall | undefined {
  const code = BINARY_CODES[op];
  const n = sizeOf(out);
  if (n === 0) return undefined;
  const y: Arg = { output: 0 };
  const [aSize, bSize] = [sizeOf(a.shape), sizeOf(b.shape)];
  // Same element count as the output means the same layout (a broadcast adds no elements).
  if (aSize === n && bSize === n) return { fn: 'binarySame', args: [code, a.arg, b.arg, y], parallel: n };
  if (aSize === n && bSize === 1) return { fn: 'binaryScalar', args: [code, a.arg, b.arg, y, 0], parallel: n };
  if (aSize === 1 && bSize === n) return { fn: 'binaryScalar', args: [code, b.arg, a.arg, y, 1], parallel: n };

  const c = collapse(out, alignedStrides(a.shape, out), alignedStrides(b.shape, out));
  const rank = c.dims.length;
  // One value per row: the other operand's strides are [.., 0, 1, 0] over [outer, channels, inner].
  const perRow = (s: number[]): boolean => (rank === 2 || (rank === 3 && s[0] === 0)) && s[rank - 2] === 1 && s[rank - 1] === 0;
  const [channels, inner] = [c.dims[rank - 2]!, c.dims[rank - 1]!];
  if (aSize === n && rank >= 2 && perRow(c.b)) return { fn: 'binaryChannel', args: [code, a.arg, b.arg, y, channels, inner, 0], parallel: n / inner };
  if (bSize === n && rank >= 2 && perRow(c.a)) return { fn: 'binaryChannel', args: [code, b.arg, a.arg, y, channels, inner, 1], parallel: n / inner };

  packed.push(Int32Array.from([...c.dims, ...c.a, ...c.b]));
  return { fn: 'binaryStrided', args: [code, a.arg, b.arg, y, { packed: packed.length - 1 }, rank], parallel: n / c.dims[rank - 1]! };
}

/** The plan of output 0 = inputs[0] op inputs[1] op ... (left to right), float32 only. */
export function binaryChainPlan(op: BinaryKernel, inputs: readonly ValueType[], output: ValueType): KernelPlan | undefined {
  if (!allFloat32([...inputs, output])) return undefined;
  const out = output.shape;
  if (sizeOf(out) === 0) return { calls: [] };
  if (inputs.length === 1) return { calls: [{ fn: 'copyBytes', args: [{ output: 0 }, { input: 0 }, sizeOf(out) * 4] }] };
  const packed: Int32Array[] = [];
  const calls: WasmCall[] = [];
  // The first step broadcasts straight to the full output; later steps update it in place,
  // which is safe because the output is read exactly where it is written.
  const first = binaryCall(op, { arg: { input: 0 }, shape: inputs[0]!.shape }, { arg: { input: 1 }, shape: inputs[1]!.shape }, out, packed)!;
  calls.push(first);
  for (let i = 2; i < inputs.length; i++) {
    calls.push(binaryCall(op, { arg: { output: 0 }, shape: out }, { arg: { input: i }, shape: inputs[i]!.shape }, out, packed)!);
  }
  return { calls, packed };
}

/**
 * The plan of bool output 0 = inputs[0] op inputs[1], broadcast. Run-time values are float32 (every
 * floating-point dtype) or int32 (every integer dtype and bool), so the kernel compares exactly
 * what a host step would read. Both operands must share a dtype (ONNX's constraint).
 */
export function comparePlan(op: CompareKernel, inputs: readonly ValueType[], output: ValueType): KernelPlan | undefined {
  const [a, b] = [inputs[0]!, inputs[1]!];
  if (a.dtype !== b.dtype || output.dtype !== 'bool') return undefined;
  const logical = op === 'And' || op === 'Or' || op === 'Xor';
  if (logical && a.dtype !== 'bool') return undefined;
  const code = COMPARE_FLOAT_CODES[op] + (logical || isFloatType(a.dtype) ? 0 : COMPARE_INT_OFFSET);
  const out = output.shape;
  const n = sizeOf(out);
  if (n === 0) return { calls: [] };
  const c = collapse(out, alignedStrides(a.shape, out), alignedStrides(b.shape, out));
  // A single element has no dimension left: one row of one value.
  const layout = c.dims.length === 0 ? [1, 1, 1] : [...c.dims, ...c.a, ...c.b];
  const rank = Math.max(1, c.dims.length);
  return {
    calls: [{ fn: 'compare', args: [code, { input: 0 }, { input: 1 }, { output: 0 }, { packed: 0 }, rank], parallel: n / layout[rank - 1]! }],
    packed: [Int32Array.from(layout)],
  };
}
