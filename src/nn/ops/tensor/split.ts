// Split: cuts a tensor along one axis into pieces. The sizes come from the `split` attribute
// (before opset 13), the `split` input (from 13), or are equal: one per output, or, from opset
// 18, `num_outputs` pieces of ceil(dim / num_outputs) with a smaller last one.
import { ShapeError } from '../../errors.js';
import { attrInt, attrInts, type Node } from '../../graph.js';
import { toNumbers, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts, normalizeAxis, stridedSources, stridesOf, takeElements } from './common.js';
import { blockCopies } from './concat.js';

function pieceSizes(node: Node, dim: number, given: number[] | undefined): number[] {
  const count = node.outputs.length;
  const what = `Split node '${node.name}'`;
  let sizes: number[];
  if (given !== undefined) {
    sizes = given;
  } else if (node.attrs['num_outputs'] !== undefined) {
    const n = attrInt(node, 'num_outputs', count);
    if (n !== count) throw new ShapeError(`${what}: num_outputs is ${n} but the node has ${count} outputs`);
    const piece = Math.ceil(dim / n);
    sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(piece, dim - i * piece)));
  } else {
    if (dim % count !== 0) throw new ShapeError(`${what}: axis size ${dim} does not split into ${count} equal pieces`);
    sizes = new Array<number>(count).fill(dim / count);
  }
  if (sizes.length !== count) throw new ShapeError(`${what}: ${sizes.length} split sizes for ${count} outputs`);
  if (sizes.some((s) => !Number.isInteger(s) || s < 0)) throw new ShapeError(`${what}: invalid split sizes [${sizes.join(', ')}]`);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== dim) throw new ShapeError(`${what}: split sizes [${sizes.join(', ')}] add up to ${total}, the axis has ${dim}`);
  return sizes;
}

/** The pieces' shapes; `given` holds the split sizes when an attribute or input states them. */
function splitShapes(node: Node, shape: readonly number[], given: number[] | undefined): { axis: number; shapes: number[][] } {
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), shape.length);
  const sizes = pieceSizes(node, shape[axis]!, given);
  return { axis, shapes: sizes.map((s) => shape.map((d, i) => (i === axis ? s : d))) };
}

/** Sizes stated by the node: the attribute before opset 13, the optional second input after. */
function statedSizes(node: Node, splitInput: () => number[] | undefined): number[] | undefined {
  return attrInts(node, 'split') ?? (node.inputs[1] ? splitInput() : undefined);
}

export const split: OpDef = {
  type: 'Split',
  inferTypes: (ctx) => {
    const x = ctx.inputs[0]!;
    const given = statedSizes(ctx.node, () => constantInts(ctx, 1, 'split'));
    return splitShapes(ctx.node, x.shape, given).shapes.map((shape) => ({ dtype: x.dtype, shape }));
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const given = statedSizes(node, () => toNumbers(inputs[1]!));
    const { axis, shapes } = splitShapes(node, x.shape, given);
    const strides = stridesOf(x.shape);
    let start = 0;
    return shapes.map((shape): Tensor => {
      // A piece is a strided read of x starting `start` along the axis.
      const piece = takeElements(x, shape, stridedSources(shape, strides, start * strides[axis]!));
      start += shape[axis]!;
      return piece;
    });
  },
  plan: ({ node, inputs, outputs }) => {
    const shape = inputs[0]!.shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), shape.length);
    return { calls: blockCopies(outputs, shape, axis, 'split') };
  },
};
