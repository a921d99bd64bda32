// InstanceNormalization: each (n, c) plane normalized by its own mean and biased variance,
// y = (x - mean) / sqrt(var + epsilon) * scale[c] + B[c].
import { ShapeError } from '../../errors.js';
import { attrFloat, type Node } from '../../graph.js';
import { float32, shapeString, toFloat32 } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { channelVector, checkChannelInputs, sameAsInput, where } from './common.js';

function planes(node: Node, shape: readonly number[]): [number, number, number] {
  if (shape.length < 3) throw new ShapeError(`${where(node)}: input shape ${shapeString(shape)}; expected [N, C, spatial...]`);
  return [shape[0]!, shape[1]!, shape.slice(2).reduce((a, b) => a * b, 1)];
}

export const instanceNormalization: OpDef = {
  type: 'InstanceNormalization',
  inferTypes: (ctx) => {
    const [, c] = planes(ctx.node, ctx.inputs[0]!.shape);
    checkChannelInputs(ctx.node, ctx.inputs, 1, c);
    return sameAsInput(ctx);
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const [n, c, size] = planes(node, x.shape);
    const scale = channelVector(node, inputs[1], c, 'scale');
    const bias = channelVector(node, inputs[2], c, 'B');
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    const data = toFloat32(x);
    const y = new Float32Array(data.length);
    for (let p = 0; p < n * c; p++) {
      const start = p * size;
      let sum = 0;
      for (let i = start; i < start + size; i++) sum += data[i]!;
      const mean = sum / size;
      let squared = 0;
      for (let i = start; i < start + size; i++) squared += (data[i]! - mean) ** 2;
      const stdDev = Math.sqrt(squared / size + epsilon);
      for (let i = start; i < start + size; i++) y[i] = ((data[i]! - mean) / stdDev) * scale[p % c]! + bias[p % c]!;
    }
    return [float32(x.shape, y)];
  },
  plan: ({ node, inputs }) => {
    const [n, c, size] = planes(node, inputs[0]!.shape);
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    return { calls: [{ fn: 'instanceNorm', args: [{ input: 0 }, { input: 1 }, { input: 2 }, epsilon, { output: 0 }, c, size], parallel: n * c }] };
  },
};
