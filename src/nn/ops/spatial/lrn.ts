// LRN (local response normalization across channels), ONNX's definition:
//   y[c] = x[c] / (bias + alpha / size * sum of x[c']^2 for c' in [c - floor((size-1)/2), c + ceil((size-1)/2)]) ^ beta
// (Caffe's ACROSS_CHANNELS LRN with k = bias is the same formula).
import { ShapeError } from '../../errors.js';
import { attrFloat, attrInt, type Node } from '../../graph.js';
import { float32, shapeString, toFloat32 } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { sameAsInput, where } from './common.js';

interface LrnParams {
  size: number;
  alpha: number;
  beta: number;
  bias: number;
}

function params(node: Node): LrnParams {
  const size = attrInt(node, 'size', 0);
  if (!Number.isInteger(size) || size < 1) throw new ShapeError(`${where(node)}: size must be a positive integer, got ${size}`);
  return { size, alpha: attrFloat(node, 'alpha', 1e-4), beta: attrFloat(node, 'beta', 0.75), bias: attrFloat(node, 'bias', 1) };
}

function layout(node: Node, shape: readonly number[]): [number, number, number] {
  if (shape.length < 2) throw new ShapeError(`${where(node)}: input shape ${shapeString(shape)}; expected [N, C, ...]`);
  return [shape[0]!, shape[1]!, shape.slice(2).reduce((a, b) => a * b, 1)];
}

export const lrn: OpDef = {
  type: 'LRN',
  inferTypes: (ctx) => {
    params(ctx.node);
    layout(ctx.node, ctx.inputs[0]!.shape);
    return sameAsInput(ctx);
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const { size, alpha, beta, bias } = params(node);
    const [n, c, plane] = layout(node, x.shape);
    const data = toFloat32(x);
    const y = new Float32Array(data.length);
    const before = Math.floor((size - 1) / 2);
    const after = Math.ceil((size - 1) / 2);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        for (let i = 0; i < plane; i++) {
          let sum = 0;
          for (let q = Math.max(0, ch - before); q <= Math.min(c - 1, ch + after); q++) sum += data[(b * c + q) * plane + i]! ** 2;
          const at = (b * c + ch) * plane + i;
          y[at] = data[at]! / (bias + (alpha / size) * sum) ** beta;
        }
      }
    }
    return [float32(x.shape, y)];
  },
  plan: ({ node, inputs }) => {
    const { size, alpha, beta, bias } = params(node);
    const [n, c, plane] = layout(node, inputs[0]!.shape);
    return { calls: [{ fn: 'lrn', args: [{ input: 0 }, { output: 0 }, c, plane, size, alpha, beta, bias], parallel: n * c }] };
  },
};
