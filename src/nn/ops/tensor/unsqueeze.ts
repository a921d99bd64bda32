// Unsqueeze: inserts size-1 dimensions at the listed axes of the output (an attribute before
// opset 13, an input from 13; negative axes count from the output's end). Zero-copy.
import { ShapeError } from '../../errors.js';
import { attrInts, type Node } from '../../graph.js';
import { toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts, normalizeAxes } from './common.js';
import { withShape } from './reshape.js';

function unsqueezedShape(node: Node, shape: readonly number[], axes: number[] | undefined): number[] {
  if (axes === undefined) throw new ShapeError(`Unsqueeze node '${node.name}' has no axes`);
  const rank = shape.length + axes.length;
  const inserted = normalizeAxes(node, axes, rank);
  const rest = [...shape];
  return Array.from({ length: rank }, (_, i) => (inserted.includes(i) ? 1 : rest.shift()!));
}

export const unsqueeze: OpDef = {
  type: 'Unsqueeze',
  aliasesInput: true,
  inferTypes: (ctx) => {
    const x = ctx.inputs[0]!;
    const axes = attrInts(ctx.node, 'axes') ?? (ctx.node.inputs[1] ? constantInts(ctx, 1, 'axes') : undefined);
    return [{ dtype: x.dtype, shape: unsqueezedShape(ctx.node, x.shape, axes) }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const axes = attrInts(node, 'axes') ?? (inputs[1] === undefined ? undefined : toNumbers(inputs[1]));
    return [withShape(x, unsqueezedShape(node, x.shape, axes))];
  },
};
