// DequantizeLinear (opset 10, per axis from 13): y = (x - zero) * scale in float32. On the WASM
// kernel with one scale and zero point known at load; per axis on the host.
import { attrInt } from '../../graph.js';
import { float32, sizeOf, toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { nodeWhere, paramIndex, quantParams, scalarParams } from './common.js';

export const dequantizeLinear: OpDef = {
  type: 'DequantizeLinear',
  inferTypes: ({ inputs }) => [{ dtype: 'float32', shape: [...inputs[0]!.shape] }],
  reference: ({ node, inputs }) => {
    const [x, scale, zero] = inputs;
    const p = quantParams(nodeWhere(node), x!.shape, scale!, zero, attrInt(node, 'axis', 1));
    const xs = toNumbers(x!);
    const y = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const c = paramIndex(p, i);
      y[i] = (xs[i]! - p.zeros[c]!) * p.scales[c]!;
    }
    return [float32(x!.shape, y)];
  },
  plan: ({ node, inputs, constants }) => {
    const [scale, zero] = [constants[1], constants[2]];
    if (scale === undefined || (inputs[2] !== undefined && zero === undefined)) return undefined;
    if (scale.data.length !== 1 || (zero !== undefined && zero.data.length !== 1)) return undefined;
    const p = scalarParams(nodeWhere(node), 'x', scale, zero);
    return { calls: [{ fn: 'dequantizeLinear', args: [{ input: 0 }, { output: 0 }, p.scale, p.zero], parallel: sizeOf(inputs[0]!.shape) }] };
  },
};
