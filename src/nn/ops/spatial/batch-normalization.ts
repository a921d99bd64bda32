// BatchNormalization at inference: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel
// (axis 1). Usually folded into the preceding Conv; this runs it where it cannot be. Training
// mode (its extra outputs, training_mode = 1) and the pre-opset-9 spatial = 0 form are refused.
import { UnsupportedOpError } from '../../errors.js';
import { attrFloat, attrInt, type Node } from '../../graph.js';
import { float32, toFloat32 } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { channelVector, checkChannelInputs, refuseExtraOutputs, sameAsInput, where } from './common.js';

function check(node: Node, shape: readonly number[]): [number, number, number] {
  refuseExtraOutputs(node, 'training (running mean and variance)');
  if (attrInt(node, 'training_mode', 0) !== 0) throw new UnsupportedOpError(`${where(node)}: training_mode 1 is not supported (inference only)`);
  if (attrInt(node, 'spatial', 1) === 0) throw new UnsupportedOpError(`${where(node)}: spatial 0 (per-element statistics) is not supported`);
  if (shape.length < 2) throw new UnsupportedOpError(`${where(node)}: input of rank ${shape.length}; expected [N, C, ...]`);
  return [shape[0]!, shape[1]!, shape.slice(2).reduce((a, b) => a * b, 1)];
}

export const batchNormalization: OpDef = {
  type: 'BatchNormalization',
  inferTypes: (ctx) => {
    const [, c] = check(ctx.node, ctx.inputs[0]!.shape);
    checkChannelInputs(ctx.node, ctx.inputs, 1, c);
    return sameAsInput(ctx);
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const [n, c, size] = check(node, x.shape);
    const [scale, bias, mean, variance] = ['scale', 'B', 'mean', 'var'].map((what, i) => channelVector(node, inputs[i + 1], c, what));
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    const data = toFloat32(x);
    const y = new Float32Array(data.length);
    for (let p = 0; p < n * c; p++) {
      const ch = p % c;
      const stdDev = Math.sqrt(variance![ch]! + epsilon);
      for (let i = p * size; i < (p + 1) * size; i++) y[i] = ((data[i]! - mean![ch]!) / stdDev) * scale![ch]! + bias![ch]!;
    }
    return [float32(x.shape, y)];
  },
  plan: ({ node, inputs }) => {
    const [n, c, size] = check(node, inputs[0]!.shape);
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    return {
      calls: [{ fn: 'batchNorm', args: [{ input: 0 }, { input: 1 }, { input: 2 }, { input: 3 }, { input: 4 }, epsilon, { output: 0 }, c, size], parallel: n * c }],
    };
  },
};
