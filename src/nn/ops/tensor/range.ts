// Range (opset 11): start, start + delta, ... up to but excluding limit; the count is
// max(ceil((limit - start) / delta), 0). The three scalar inputs share one dtype.
import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { fromNumbers, toNumbers, type DType, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts } from './common.js';

function rangeCount(node: Node, start: number, limit: number, delta: number): number {
  if (delta === 0 || !Number.isFinite(delta)) throw new ShapeError(`Range node '${node.name}': delta is ${delta}`);
  return Math.max(Math.ceil((limit - start) / delta), 0);
}

function rangeValue(node: Node, dtype: DType, start: number, limit: number, delta: number): Tensor {
  const n = rangeCount(node, start, limit, delta);
  return fromNumbers(dtype, [n], Array.from({ length: n }, (_, i) => start + i * delta));
}

export const range: OpDef = {
  type: 'Range',
  inferTypes: (ctx) => {
    const [start, limit, delta] = ['start', 'limit', 'delta'].map((what, i) => constantInts(ctx, i, what)[0]!) as [number, number, number];
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [rangeCount(ctx.node, start, limit, delta)] }];
  },
  reference: ({ node, inputs }) => {
    const [start, limit, delta] = inputs.map((t) => toNumbers(t!)[0]!) as [number, number, number];
    return [rangeValue(node, inputs[0]!.dtype, start, limit, delta)];
  },
};
