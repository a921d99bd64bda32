// Transpose: output dimension i is input dimension perm[i] (perm defaults to reversing the
// dimensions). The kernel path first merges dimensions that stay neighbours; a permutation that
// then swaps two groups (NCHW <-> NHWC among them) is a batch of 2-D transposes done in SIMD
// tiles, and anything else is a general strided copy.
import { ShapeError } from '../../errors.js';
import { attrInts, type Node } from '../../graph.js';
import { sizeOf } from '../../tensor.js';
import type { KernelPlan, OpDef } from '../types.js';
import { stridedCopyPlan, stridedSources, stridesOf, takeElements } from './common.js';

function permutation(node: Node, rank: number): number[] {
  const perm = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const valid = perm.length === rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank) && new Set(perm).size === rank;
  if (!valid) throw new ShapeError(`Transpose node '${node.name}': perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  return perm;
}

/** Output shape, and the input strides read along each output dimension. */
function transposedRead(node: Node, shape: readonly number[]): { shape: number[]; strides: number[] } {
  const perm = permutation(node, shape.length);
  const strides = stridesOf(shape);
  return { shape: perm.map((p) => shape[p]!), strides: perm.map((p) => strides[p]!) };
}

/**
 * Input dimensions merged where the permutation keeps them adjacent and in order, size-1
 * dimensions dropped: e.g. NCHW -> NHWC becomes [N, C, HW] with perm [0, 2, 1].
 */
function mergedPermutation(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((p) => shape[p] !== 1);
  // Groups of input axes that appear consecutively (p, p+1, ...) in the output order.
  const groups: number[][] = [];
  for (const p of kept) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1]! + 1 === p) last.push(p);
    else groups.push([p]);
  }
  const inputOrder = [...groups].sort((a, b) => a[0]! - b[0]!);
  return {
    shape: inputOrder.map((g) => g.reduce((n, p) => n * shape[p]!, 1)),
    perm: groups.map((g) => inputOrder.indexOf(g)),
  };
}

function transposePlan(node: Node, shape: readonly number[]): KernelPlan {
  if (sizeOf(shape) === 0) return { calls: [] };
  const merged = mergedPermutation(shape, permutation(node, shape.length));
  const p = merged.perm.join(',');
  if (p === '1,0' || p === '0,2,1') {
    const [batch, rows, cols] = p === '1,0' ? [1, merged.shape[0]!, merged.shape[1]!] : (merged.shape as [number, number, number]);
    const bands = Math.ceil(cols / 4);
    return { calls: [{ fn: 'transpose2d', args: [{ output: 0 }, { input: 0 }, batch, rows, cols], parallel: batch * bands }] };
  }
  const read = transposedRead(node, shape);
  return stridedCopyPlan(read.shape, read.strides, 0);
}

export const transpose: OpDef = {
  type: 'Transpose',
  inferTypes: ({ node, inputs }) => [{ dtype: inputs[0]!.dtype, shape: transposedRead(node, inputs[0]!.shape).shape }],
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const read = transposedRead(node, x.shape);
    return [takeElements(x, read.shape, stridedSources(read.shape, read.strides, 0))];
  },
  plan: ({ node, inputs }) => transposePlan(node, inputs[0]!.shape),
};
