// Tile: repeats the input repeats[d] times along each dimension d. Output dimension d of size
// repeats[d] * dim[d] is read as two, (repeat, index), with source strides (0, stride[d]): a
// strided copy like any other.
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts, stridedCopyPlan, stridedSources, stridesOf, takeElements } from './common.js';

function checkRepeats(node: Node, shape: readonly number[], repeats: readonly number[]): number[] {
  if (node.inputs.length > 2) throw new UnsupportedOpError(`Tile node '${node.name}': the opset-1 form (tiles, axis inputs) is not supported`);
  if (repeats.length !== shape.length || repeats.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new ShapeError(`Tile node '${node.name}': repeats [${repeats.join(', ')}] do not fit rank ${shape.length}`);
  }
  return shape.map((d, i) => d * repeats[i]!);
}

/** The output read as [r0, d0, r1, d1, ...] with strides [0, s0, 0, s1, ...]. */
function tiledRead(shape: readonly number[], repeats: readonly number[]): { shape: number[]; strides: number[] } {
  const strides = stridesOf(shape);
  return {
    shape: shape.flatMap((d, i) => [repeats[i]!, d]),
    strides: strides.flatMap((s) => [0, s]),
  };
}

export const tile: OpDef = {
  type: 'Tile',
  inferTypes: (ctx) => {
    const x = ctx.inputs[0]!;
    return [{ dtype: x.dtype, shape: checkRepeats(ctx.node, x.shape, constantInts(ctx, 1, 'repeats')) }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const repeats = toNumbers(inputs[1]!);
    const shape = checkRepeats(node, x.shape, repeats);
    const read = tiledRead(x.shape, repeats);
    return [takeElements(x, shape, stridedSources(read.shape, read.strides, 0))];
  },
  plan: (ctx) => {
    const read = tiledRead(ctx.inputs[0]!.shape, constantInts(ctx, 1, 'repeats'));
    return stridedCopyPlan(read.shape, read.strides, 0);
  },
};
