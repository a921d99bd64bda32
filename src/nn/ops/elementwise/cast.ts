// Cast to another element type (the `to` attribute, an ONNX TensorProto data type). Floating to
// integer truncates toward zero (as ONNX Runtime does), saturating at the target's range, NaN
// becoming 0; to bool is v != 0; between integers the value wraps to the target's width.
// The `cast` kernel converts between the run-time types (float32 for floating-point dtypes, int32
// for integers and bool); only casts from or to float16, which round to half precision, run the
// reference on the host. (TFJS models cast their int32 image input to float32: a whole image.)
import { UnsupportedOpError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { isFloatType, sizeOf, type DType } from '../../tensor.js';
import type { KernelPlan, OpDef } from '../types.js';
import { exactValues, fromExact, toBigInt } from './common.js';

/** TensorProto.DataType codes of the types the engine holds. */
const CAST_TARGETS: Record<number, DType> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

/** Inclusive ranges of the integer targets, where float values saturate. */
const INTEGER_RANGES: Partial<Record<DType, [bigint, bigint]>> = {
  uint8: [0n, 255n],
  int8: [-128n, 127n],
  int32: [-2147483648n, 2147483647n],
  int64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

function target(node: Node): DType {
  const to = attrInt(node, 'to', 0);
  const dtype = CAST_TARGETS[to];
  if (dtype === undefined) throw new UnsupportedOpError(`Cast node '${node.name}': target type ${to} is not supported; supported: ${Object.entries(CAST_TARGETS).map(([k, v]) => `${k} (${v})`).join(', ')}`);
  return dtype;
}

/** Conversion codes of assembly/kernels/elementwise/cast.ts. */
const CAST_CODES = { copy: 0, intToFloat: 1, floatToInt: 2, floatToBool: 3, intToBool: 4, intToUint8: 5, intToInt8: 6 } as const;
const INT32_RANGE: [number, number] = [-2147483648, 2147483647];

/**
 * The kernel call for a cast between run-time values, or undefined for float16 on either side
 * (the host rounds those to half precision).
 */
function castPlan(from: DType, to: DType, n: number): KernelPlan | undefined {
  if (to === 'float16' || from === 'float16') return undefined;
  const floatIn = isFloatType(from);
  let code: number;
  let [lo, hi] = INT32_RANGE;
  if (to === 'bool') code = floatIn ? CAST_CODES.floatToBool : CAST_CODES.intToBool;
  else if (isFloatType(to)) code = floatIn ? CAST_CODES.copy : CAST_CODES.intToFloat;
  else if (floatIn) {
    code = CAST_CODES.floatToInt;
    // int64 values beyond int32 saturate at int32's range, as every run-time int64 does.
    if (to === 'uint8' || to === 'int8') [lo, hi] = INTEGER_RANGES[to]!.map(Number) as [number, number];
  } else code = to === 'uint8' ? CAST_CODES.intToUint8 : to === 'int8' ? CAST_CODES.intToInt8 : CAST_CODES.copy;
  return { calls: n === 0 ? [] : [{ fn: 'cast', args: [code, { input: 0 }, { output: 0 }, lo, hi], parallel: n }] };
}

export const cast: OpDef = {
  type: 'Cast',
  inferTypes: ({ node, inputs }) => [{ dtype: target(node), shape: [...inputs[0]!.shape] }],
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const to = target(node);
    const values = exactValues(x);
    if (to === 'bool') return [fromExact(to, x.shape, values.map((v) => (v === 0 || v === 0n ? 0 : 1)))];
    if (isFloatType(to)) return [fromExact(to, x.shape, values.map(Number))];
    if (!isFloatType(x.dtype)) return [fromExact(to, x.shape, values)];
    const [lo, hi] = INTEGER_RANGES[to]!;
    return [fromExact(to, x.shape, values.map((v) => {
      const t = toBigInt(v);
      return t < lo ? lo : t > hi ? hi : t;
    }))];
  },
  plan: ({ node, inputs, outputs }) => castPlan(inputs[0]!.dtype, target(node), sizeOf(outputs[0]!.shape)),
};
