// Add, Sub, Mul, Div, Pow: binary arithmetic with numpy broadcasting (opset 7 on; before 7, the
// legacy `broadcast`/`axis` attributes). The references work on every dtype: floating-point in
// double rounded to the dtype, integers exact and wrapped to their width, Div truncating toward
// zero as C++ (and so ONNX Runtime) does. The kernels run float32.
import { ShapeError, WasmposeError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { isFloatType, sameShape, shapeString, type DType, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { broadcastShapes, checkSameDType, mapBroadcast } from './common.js';
import { allFloat32, binaryCall, type BinaryKernel } from './kernel-plans.js';

interface Arithmetic {
  type: BinaryKernel;
  float: (a: number, b: number) => number;
  /** Exact integer arithmetic; without it integers go through `float` and truncate (Pow, as ORT computes it). */
  integer?: (a: bigint, b: bigint) => bigint;
}

/**
 * B's shape as numpy broadcasting sees it. Before opset 7 B broadcast only with broadcast=1,
 * matched against A's dimensions from `axis` on (by default A's trailing dimensions).
 */
export function alignedOperandShape(node: Node, opset: number, a: readonly number[], b: readonly number[]): readonly number[] {
  if (opset >= 7) return b;
  if (attrInt(node, 'broadcast', 0) === 0) {
    if (!sameShape(a, b)) throw new ShapeError(`${node.op} node '${node.name}': shapes ${shapeString(a)} and ${shapeString(b)} differ and broadcast is 0 (opset ${opset})`);
    return b;
  }
  const axis = attrInt(node, 'axis', a.length - b.length);
  const start = axis < 0 ? axis + a.length : axis;
  if (start < 0 || start + b.length > a.length) {
    throw new ShapeError(`${node.op} node '${node.name}': cannot broadcast ${shapeString(b)} into ${shapeString(a)} at axis ${axis}`);
  }
  return [...new Array<number>(start).fill(1), ...b, ...new Array<number>(a.length - start - b.length).fill(1)];
}

function withShape(t: Tensor, shape: readonly number[]): Tensor {
  return { dtype: t.dtype, shape, data: t.data };
}

function arithmetic({ type, float, integer }: Arithmetic): OpDef {
  /** Pow alone may take an exponent of another type; the result has the base's type. */
  const mixedTypes = type === 'Pow';
  const compute = (dtype: DType) =>
    isFloatType(dtype) || integer === undefined
      ? ([a, b]: (number | bigint)[]) => float(Number(a), Number(b))
      : ([a, b]: (number | bigint)[]) => integer(a as bigint, b as bigint);
  return {
    type,
    inferTypes: ({ node, opset, inputs }) => {
      const [a, b] = [inputs[0]!, inputs[1]!];
      if (!mixedTypes) checkSameDType(node, [a.dtype, b.dtype]);
      return [{ dtype: a.dtype, shape: broadcastShapes(node, [a.shape, alignedOperandShape(node, opset, a.shape, b.shape)]) }];
    },
    reference: ({ node, opset, inputs }) => {
      const [a, b] = [inputs[0]!, inputs[1]!];
      if (!mixedTypes) checkSameDType(node, [a.dtype, b.dtype]);
      const bAligned = withShape(b, alignedOperandShape(node, opset, a.shape, b.shape));
      return [mapBroadcast(node, [a, bAligned], a.dtype, compute(a.dtype))];
    },
    plan: ({ node, opset, inputs, outputs }) => {
      if (!allFloat32([...inputs, ...outputs])) return undefined;
      const [a, b] = [inputs[0]!, inputs[1]!];
      const packed: Int32Array[] = [];
      const call = binaryCall(type, { arg: { input: 0 }, shape: a.shape }, { arg: { input: 1 }, shape: alignedOperandShape(node, opset, a.shape, b.shape) }, outputs[0]!.shape, packed);
      return { calls: call === undefined ? [] : [call], packed };
    },
  };
}

export const add = arithmetic({ type: 'Add', float: (a, b) => a + b, integer: (a, b) => a + b });
export const sub = arithmetic({ type: 'Sub', float: (a, b) => a - b, integer: (a, b) => a - b });
export const mul = arithmetic({ type: 'Mul', float: (a, b) => a * b, integer: (a, b) => a * b });
export const div = arithmetic({
  type: 'Div',
  float: (a, b) => a / b,
  integer: (a, b) => {
    if (b === 0n) throw new WasmposeError('Div: integer division by zero');
    return a / b; // bigint division truncates toward zero
  },
});
export const pow = arithmetic({ type: 'Pow', float: Math.pow });
