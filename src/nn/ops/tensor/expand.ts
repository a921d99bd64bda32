// Expand: broadcasts the input to a shape (numpy rules: dimensions align at the right, a 1
// stretches; the result is the broadcast of both, so a 1 in `shape` keeps the input's size).
// A broadcast dimension is read with stride 0.
import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { shapeString, toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts, stridedCopyPlan, stridedSources, stridesOf, takeElements } from './common.js';

function expandedShape(node: Node, input: readonly number[], target: readonly number[]): number[] {
  const rank = Math.max(input.length, target.length);
  return Array.from({ length: rank }, (_, i) => {
    const a = input[i - (rank - input.length)] ?? 1;
    const b = target[i - (rank - target.length)] ?? 1;
    if (a !== b && a !== 1 && b !== 1) throw new ShapeError(`Expand node '${node.name}': shape ${shapeString(input)} does not broadcast to ${shapeString(target)}`);
    return a === 1 ? b : a;
  });
}

/** Input strides aligned to the output's dimensions, 0 where the input is broadcast. */
function broadcastStrides(input: readonly number[], output: readonly number[]): number[] {
  const strides = stridesOf(input);
  const lead = output.length - input.length;
  return output.map((d, i) => (i < lead || (input[i - lead] === 1 && d !== 1) ? 0 : strides[i - lead]!));
}

export const expand: OpDef = {
  type: 'Expand',
  inferTypes: (ctx) => {
    const x = ctx.inputs[0]!;
    return [{ dtype: x.dtype, shape: expandedShape(ctx.node, x.shape, constantInts(ctx, 1, 'shape')) }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const shape = expandedShape(node, x.shape, toNumbers(inputs[1]!));
    return [takeElements(x, shape, stridedSources(shape, broadcastStrides(x.shape, shape), 0))];
  },
  plan: ({ inputs, outputs }) => {
    const shape = outputs[0]!.shape;
    return stridedCopyPlan(shape, broadcastStrides(inputs[0]!.shape, shape), 0);
  },
};
