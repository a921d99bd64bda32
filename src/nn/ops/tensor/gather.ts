// Gather: picks slices along one axis by index (negative indices count from the end). Output
// shape: data dims before the axis, then the indices' shape, then data dims after it. With
// indices known at load the kernel copies one contiguous slice per (outer, index); indices
// computed at run time take the host path (the reference), which checks their range.
import { ShapeError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { sizeOf, toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { normalizeAxis, takeElements } from './common.js';

function gatherShape(node: Node, data: readonly number[], indices: readonly number[]): { axis: number; shape: number[] } {
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), data.length);
  return { axis, shape: [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)] };
}

/** Indices made non-negative, refusing those outside [-dim, dim). */
function checkedIndices(node: Node, indices: readonly number[], dim: number): number[] {
  return indices.map((i) => {
    if (!Number.isInteger(i) || i < -dim || i >= dim) throw new ShapeError(`Gather node '${node.name}': index ${i} is out of range for axis size ${dim}`);
    return i < 0 ? i + dim : i;
  });
}

export const gather: OpDef = {
  type: 'Gather',
  inferTypes: ({ node, inputs }) => [{ dtype: inputs[0]!.dtype, shape: gatherShape(node, inputs[0]!.shape, inputs[1]!.shape).shape }],
  reference: ({ node, inputs }) => {
    const data = inputs[0]!;
    const { axis, shape } = gatherShape(node, data.shape, inputs[1]!.shape);
    const dim = data.shape[axis]!;
    const indices = checkedIndices(node, toNumbers(inputs[1]!), dim);
    const outer = sizeOf(data.shape.slice(0, axis));
    const inner = sizeOf(data.shape.slice(axis + 1));
    // Output [outer, j, inner] comes from data [outer, indices[j], inner].
    const sources = new Int32Array(outer * indices.length * inner);
    let i = 0;
    for (let o = 0; o < outer; o++) {
      for (const index of indices) {
        for (let k = 0; k < inner; k++) sources[i++] = (o * dim + index) * inner + k;
      }
    }
    return [takeElements(data, shape, sources)];
  },
  plan: ({ node, inputs, constants, outputs }) => {
    const indicesTensor = constants[1];
    if (indicesTensor === undefined) return undefined;
    const data = inputs[0]!.shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), data.length);
    const dim = data[axis]!;
    const indices = Int32Array.from(checkedIndices(node, toNumbers(indicesTensor), dim));
    const outer = sizeOf(data.slice(0, axis));
    const inner = sizeOf(data.slice(axis + 1));
    if (sizeOf(outputs[0]!.shape) === 0) return { calls: [] };
    return {
      calls: [{ fn: 'gatherBlocks', args: [{ output: 0 }, { input: 0 }, { packed: 0 }, indices.length, dim, inner], parallel: outer }],
      packed: [indices],
    };
  },
};
