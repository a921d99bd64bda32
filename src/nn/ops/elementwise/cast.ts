// Cast to another element type (the `to` attribute, an ONNX TensorProto data type). Floating to
// integer truncates toward zero (as ONNX Runtime does), saturating at the target's range, NaN
// becoming 0; to bool is v != 0; between integers the value wraps to the target's width.
// Reference only: casts sit in shape chains that fold at load, or act on small values.
import { UnsupportedOpError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { isFloatType, type DType } from '../../tensor.js';
import type { OpDef } from '../types.js';
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
};
