// Helpers shared by the select ops: axis checks and the (outer, axis, inner) view every per-axis
// op works on.
import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { sizeOf } from '../../tensor.js';

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
