// QuantizeLinear (opset 10, per axis from 13): y = saturate(round_half_even(x / scale) + zero),
// to the zero point's type (uint8 when it is absent). On the WASM kernel with one scale and zero
// point known at load; per axis on the host.
import { fromNumbers, sizeOf, toFloat32 } from '../../tensor.js';
import { attrInt } from '../../graph.js';
import type { OpDef } from '../types.js';
import { kernelRangeExact, nodeWhere, paramIndex, quantize, quantParams, quantRange, scalarParams } from './common.js';

export const quantizeLinear: OpDef = {
  type: 'QuantizeLinear',
  inferTypes: ({ inputs }) => [{ dtype: inputs[2]?.dtype ?? 'uint8', shape: [...inputs[0]!.shape] }],
  reference: ({ node, inputs }) => {
    const [x, scale, zero] = inputs;
    const dtype = zero?.dtype ?? 'uint8';
    const [lo, hi] = quantRange(dtype, nodeWhere(node));
    const p = quantParams(nodeWhere(node), x!.shape, scale!, zero, attrInt(node, 'axis', 1));
    const xs = toFloat32(x!);
    const q = new Array<number>(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const c = paramIndex(p, i);
      q[i] = quantize(Math.fround(xs[i]! / p.scales[c]!), p.zeros[c]!, lo, hi);
    }
    return [fromNumbers(dtype, x!.shape, q)];
  },
  plan: ({ node, inputs, constants }) => {
    const [scale, zero] = [constants[1], constants[2]];
    if (inputs[0]!.dtype !== 'float32' || scale === undefined || (inputs[2] !== undefined && zero === undefined)) return undefined;
    if (scale.data.length !== 1 || (zero !== undefined && zero.data.length !== 1)) return undefined;
    const p = scalarParams(nodeWhere(node), 'y', scale, zero);
    const [lo, hi] = quantRange(inputs[2]?.dtype ?? 'uint8', nodeWhere(node));
    if (!kernelRangeExact(p.zero, lo, hi)) return undefined;
    const n = sizeOf(inputs[0]!.shape);
    return { calls: [{ fn: 'quantizeLinear', args: [{ input: 0 }, { output: 0 }, p.scale, p.zero, lo, hi], parallel: n }] };
  },
};
