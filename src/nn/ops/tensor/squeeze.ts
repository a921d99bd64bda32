// Squeeze: removes size-1 dimensions, the listed axes (an attribute before opset 13, an
// optional input from 13) or all of them. Zero-copy.
import { ShapeError } from '../../errors.js';
import { attrInts, type Node } from '../../graph.js';
import { shapeString, toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts, normalizeAxes } from './common.js';
import { withShape } from './reshape.js';

function squeezedShape(node: Node, shape: readonly number[], axes: number[] | undefined): number[] {
  if (axes === undefined) return shape.filter((d) => d !== 1);
  const drop = normalizeAxes(node, axes, shape.length);
  for (const a of drop) {
    if (shape[a] !== 1) throw new ShapeError(`Squeeze node '${node.name}': axis ${a} of ${shapeString(shape)} has size ${shape[a]}, not 1`);
  }
  return shape.filter((_, i) => !drop.includes(i));
}

export const squeeze: OpDef = {
  type: 'Squeeze',
  aliasesInput: true,
  inferTypes: (ctx) => {
    const x = ctx.inputs[0]!;
    const axes = attrInts(ctx.node, 'axes') ?? (ctx.node.inputs[1] ? constantInts(ctx, 1, 'axes') : undefined);
    return [{ dtype: x.dtype, shape: squeezedShape(ctx.node, x.shape, axes) }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const axes = attrInts(node, 'axes') ?? (inputs[1] === undefined ? undefined : toNumbers(inputs[1]));
    return [withShape(x, squeezedShape(node, x.shape, axes))];
  },
};
