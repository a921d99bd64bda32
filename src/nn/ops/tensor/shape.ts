// Shape: the input's dimensions as an int64 vector; from opset 15, the dimensions [start, end)
// (negative counts from the end, clamped to [0, rank]). Only the input's type matters, so it is
// known at load whenever the input's shape is: `valuesFromTypes` lets the fold pass use that.
import { attrInt, type Node } from '../../graph.js';
import { fromNumbers, type Tensor } from '../../tensor.js';
import type { OpContext, OpDef } from '../types.js';

function shapeValue(node: Node, shape: readonly number[]): Tensor {
  const rank = shape.length;
  const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
  const start = clamp(attrInt(node, 'start', 0));
  const end = clamp(attrInt(node, 'end', rank));
  const dims = shape.slice(start, Math.max(start, end));
  return fromNumbers('int64', [dims.length], dims);
}

export const shape: OpDef & { valuesFromTypes(ctx: OpContext): Tensor[] } = {
  type: 'Shape',
  inferTypes: ({ node, inputs }) => [{ dtype: 'int64', shape: [...shapeValue(node, inputs[0]!.shape).shape] }],
  reference: ({ node, inputs }) => [shapeValue(node, inputs[0]!.shape)],
  valuesFromTypes: ({ node, inputs }) => [shapeValue(node, inputs[0]!.shape)],
};
