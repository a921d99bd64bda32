// QLinearAdd (com.microsoft's signature: A, A_scale, A_zero, B, B_scale, B_zero, C_scale, C_zero),
// made only by the QDQ pass (passes/qdq-to-qlinear.ts) from DequantizeLinear(A) + DequantizeLinear(B)
// -> Add -> QuantizeLinear, the residual connections of quantized networks. Its reference runs those
// three ops' references, so it means exactly what they meant (broadcasting included); the kernel
// (assembly/kernels/quant/qlinear-add.ts) takes A and B of one shape with scalar parameters
// known at load, and does the same float32 arithmetic in one pass over the integers.
import { sameShape, sizeOf } from '../../tensor.js';
import type { Node } from '../../graph.js';
import type { OpDef } from '../types.js';
import { add } from '../elementwise/arithmetic.js';
import { broadcastShapes } from '../elementwise/common.js';
import { dequantizeLinear } from './dequantize-linear.js';
import { quantizeLinear } from './quantize-linear.js';
import { kernelRangeExact, nodeWhere, quantRange, scalarParams } from './common.js';

const part = (node: Node, op: string): Node => ({ ...node, op, attrs: {} });

export const qlinearAdd: OpDef = {
  type: 'QLinearAdd',
  inferTypes: ({ node, inputs }) => [{ dtype: inputs[7]?.dtype ?? 'uint8', shape: broadcastShapes(node, [inputs[0]!.shape, inputs[3]!.shape]) }],
  reference: ({ node, opset, inputs }) => {
    const [a, aScale, aZero, b, bScale, bZero, yScale, yZero] = inputs;
    const dq = (x: typeof a, s: typeof a, z: typeof a) => dequantizeLinear.reference({ node: part(node, 'DequantizeLinear'), opset, inputs: [x, s, z] })[0]!;
    const sum = add.reference({ node: part(node, 'Add'), opset, inputs: [dq(a, aScale, aZero), dq(b, bScale, bZero)] })[0]!;
    return quantizeLinear.reference({ node: part(node, 'QuantizeLinear'), opset, inputs: [sum, yScale, yZero] });
  },
  plan: ({ node, inputs, constants }) => {
    const [a, , , b] = inputs;
    if (!sameShape(a!.shape, b!.shape) || [1, 4, 6].some((i) => constants[i] === undefined) || [2, 5, 7].some((i) => inputs[i] !== undefined && constants[i] === undefined)) return undefined;
    if ([1, 2, 4, 5, 6, 7].some((i) => constants[i] !== undefined && constants[i]!.data.length !== 1)) return undefined;
    const where = nodeWhere(node);
    const pa = scalarParams(where, 'A', constants[1]!, constants[2]);
    const pb = scalarParams(where, 'B', constants[4]!, constants[5]);
    const py = scalarParams(where, 'C', constants[6]!, constants[7]);
    const [lo, hi] = quantRange(inputs[7]?.dtype ?? 'uint8', where);
    if (!kernelRangeExact(py.zero, lo, hi)) return undefined;
    return { calls: [{ fn: 'qlinearAdd', args: [{ input: 0 }, { input: 3 }, { output: 0 }, pa.scale, pa.zero, pb.scale, pb.zero, py.scale, py.zero, lo, hi], parallel: sizeOf(a!.shape) }] };
  },
};
