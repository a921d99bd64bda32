// Flatten: [d0, ..., dn] -> [d0 * ... * d(axis-1), d(axis) * ... * dn], axis in [-rank, rank]
// (default 1, negative from opset 11). Zero-copy.
import { ShapeError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { sizeOf } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { withShape } from './reshape.js';

function flattenedShape(node: Node, shape: readonly number[]): number[] {
  const rank = shape.length;
  const axis = attrInt(node, 'axis', 1);
  if (axis < -rank || axis > rank) throw new ShapeError(`Flatten node '${node.name}': axis ${axis} is out of range for rank ${rank}`);
  const split = axis < 0 ? axis + rank : axis;
  return [sizeOf(shape.slice(0, split)), sizeOf(shape.slice(split))];
}

export const flatten: OpDef = {
  type: 'Flatten',
  aliasesInput: true,
  inferTypes: ({ node, inputs }) => [{ dtype: inputs[0]!.dtype, shape: flattenedShape(node, inputs[0]!.shape) }],
  reference: ({ node, inputs }) => [withShape(inputs[0]!, flattenedShape(node, inputs[0]!.shape))],
};
