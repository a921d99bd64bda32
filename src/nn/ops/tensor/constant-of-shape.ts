// ConstantOfShape: a tensor of the given shape filled with `value` (a one-element tensor
// attribute; float32 0 when absent). Its dtype is the value's.
import { ShapeError } from '../../errors.js';
import { attrTensor, type Node } from '../../graph.js';
import { float32, sizeOf, toNumbers, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts, takeElements } from './common.js';

function fillValue(node: Node): Tensor {
  const value = attrTensor(node, 'value') ?? float32([1], [0]);
  if (sizeOf(value.shape) !== 1) throw new ShapeError(`ConstantOfShape node '${node.name}': value must hold one element, it has shape [${value.shape.join(', ')}]`);
  return value;
}

function filled(node: Node, shape: number[]): Tensor {
  return takeElements(fillValue(node), shape, new Int32Array(sizeOf(shape)));
}

export const constantOfShape: OpDef = {
  type: 'ConstantOfShape',
  inferTypes: (ctx) => [{ dtype: fillValue(ctx.node).dtype, shape: constantInts(ctx, 0, 'shape') }],
  reference: ({ node, inputs }) => [filled(node, toNumbers(inputs[0]!))],
};
