// Reshape: the same elements under a new shape. In the target shape a 0 copies the input's
// dimension at that position (unless allowzero = 1, opset 14, where 0 means 0) and one -1 is
// inferred from the element count. Opset 1 gave the shape as an attribute. Zero-copy: the
// executor lets the output share the input's buffer.
import { ShapeError } from '../../errors.js';
import { attrInt, attrInts, type Node } from '../../graph.js';
import { shapeString, sizeOf, toNumbers, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts } from './common.js';

function reshapedShape(node: Node, input: readonly number[], target: readonly number[]): number[] {
  const what = `Reshape node '${node.name}'`;
  const allowZero = attrInt(node, 'allowzero', 0) === 1;
  if (allowZero && target.includes(0) && target.includes(-1)) throw new ShapeError(`${what}: with allowzero, shape ${shapeString(target)} cannot hold both 0 and -1`);
  const shape = target.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= input.length) throw new ShapeError(`${what}: shape ${shapeString(target)} copies dimension ${i}, the input ${shapeString(input)} has none`);
      return input[i]!;
    }
    if (!Number.isInteger(d) || d < -1) throw new ShapeError(`${what}: invalid dimension ${d} in shape ${shapeString(target)}`);
    return d;
  });
  const total = sizeOf(input);
  const inferred = shape.indexOf(-1);
  if (inferred !== shape.lastIndexOf(-1)) throw new ShapeError(`${what}: shape ${shapeString(target)} has more than one -1`);
  if (inferred >= 0) {
    const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
    if (known === 0 || total % known !== 0) throw new ShapeError(`${what}: cannot infer the -1 in ${shapeString(target)} for ${total} elements ${shapeString(input)}`);
    shape[inferred] = total / known;
  }
  if (sizeOf(shape) !== total) throw new ShapeError(`${what}: cannot reshape ${shapeString(input)} (${total} elements) to ${shapeString(target)}`);
  return shape;
}

/** The same data under another shape. */
export function withShape(x: Tensor, shape: readonly number[]): Tensor {
  return { dtype: x.dtype, shape: [...shape], data: x.data };
}

export const reshape: OpDef = {
  type: 'Reshape',
  aliasesInput: true,
  inferTypes: (ctx) => {
    const x = ctx.inputs[0]!;
    const target = attrInts(ctx.node, 'shape') ?? constantInts(ctx, 1, 'shape');
    return [{ dtype: x.dtype, shape: reshapedShape(ctx.node, x.shape, target) }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const target = attrInts(node, 'shape') ?? toNumbers(inputs[1]!);
    return [withShape(x, reshapedShape(node, x.shape, target))];
  },
};
