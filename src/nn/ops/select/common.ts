// Helpers shared by the select ops: axis checks, numpy-style broadcasting for the host-only
// comparison and logic ops, and the (outer, axis, inner) view every per-axis op works on.
import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { shapeString, sizeOf } from '../../tensor.js';

/** An axis in [-rank, rank) made non-negative. */
export function checkedAxis(node: Node, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(`${node.op} node '${node.name}': axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** A shape split around one axis: `outer` slices of `axisLength` x `inner` elements. */
export interface AxisView {
  outer: number;
  axisLength: number;
  inner: number;
}

export function axisView(shape: readonly number[], axis: number): AxisView {
  return { outer: sizeOf(shape.slice(0, axis)), axisLength: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

/** The numpy broadcast of two shapes (aligned at their last dimensions). */
export function broadcastShape(node: Node, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${node.op} node '${node.name}': shapes ${shapeString(a)} and ${shapeString(b)} do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each element of `out` (row-major), the index of the element of `input` broadcast to it. */
export function broadcastSources(input: readonly number[], out: readonly number[]): Int32Array {
  const n = sizeOf(out);
  const rank = out.length;
  // Strides of the input seen at the output's rank; 0 along broadcast (size-1 or missing) axes.
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let d = rank - 1, k = input.length - 1; k >= 0; d--, k--) {
    strides[d] = input[k] === 1 ? 0 : stride;
    stride *= input[k]!;
  }
  const sources = new Int32Array(n);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let i = 0; i < n; i++) {
    sources[i] = source;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      source += strides[d]!;
      if (index[d]! < out[d]!) break;
      source -= strides[d]! * index[d]!;
      index[d] = 0;
    }
  }
  return sources;
}
