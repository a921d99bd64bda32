// Helpers shared by the tensor ops: axes, strides, constant shape-determining inputs, a
// dtype-agnostic element copy for the references, and the strided-copy kernel call.
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { allocData, shapeString, sizeOf, toNumbers, type Tensor, type TensorData } from '../../tensor.js';
import type { KernelPlan, OpContext } from '../types.js';

/** An axis in [-rank, rank) made non-negative. */
export function normalizeAxis(node: Node, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(`${node.op} node '${node.name}': axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Axes made non-negative, refusing repeats. */
export function normalizeAxes(node: Node, axes: readonly number[], rank: number): number[] {
  const result = axes.map((a) => normalizeAxis(node, a, rank));
  if (new Set(result).size !== result.length) throw new ShapeError(`${node.op} node '${node.name}': axes [${axes.join(', ')}] repeat an axis`);
  return result;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/**
 * The values of input `index` when known at load. Inputs that determine an output shape must
 * be: the engine plans every shape before the run.
 */
export function constantInts(ctx: OpContext, index: number, what: string): number[] {
  const t = ctx.constants[index];
  if (t === undefined) {
    throw new UnsupportedOpError(
      `${ctx.node.op} node '${ctx.node.name}': ${what} (input ${index}, '${ctx.node.inputs[index]}') is computed at run time; ` +
        'the engine plans static shapes, so it must be a constant or foldable at load',
    );
  }
  return toNumbers(t);
}

/** Indexable view of any tensor storage: numbers, or bigints for int64. */
type Elements = { [i: number]: number | bigint; readonly length: number };

/**
 * A tensor of t's dtype and the given shape whose element i is t's element sourceOf[i]. Every
 * data-movement reference reduces to this, so one copy loop serves every dtype.
 */
export function takeElements(t: Tensor, shape: readonly number[], sourceOf: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (sourceOf.length !== n) throw new ShapeError(`${sourceOf.length} source indices for shape ${shapeString(shape)}`);
  const data = allocData(t.dtype, n);
  const out = data as unknown as Elements;
  const src = t.data as unknown as Elements;
  for (let i = 0; i < n; i++) out[i] = src[sourceOf[i]!]!;
  return { dtype: t.dtype, shape: [...shape], data: data as TensorData };
}

/**
 * Source element indices of a strided read: output element (i0, ..., ik) of `shape` comes from
 * offset + sum(i_d * strides[d]). Visits the output in row-major order.
 */
export function stridedSources(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = sizeOf(shape);
  const sources = new Int32Array(n);
  const index = new Array<number>(shape.length).fill(0);
  let source = offset;
  for (let i = 0; i < n; i++) {
    sources[i] = source;
    // Odometer step: bump the last dimension, carrying into earlier ones.
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]!++;
      source += strides[d]!;
      if (index[d]! < shape[d]!) break;
      source -= index[d]! * strides[d]!;
      index[d] = 0;
    }
  }
  return sources;
}

/**
 * Merges dimensions a strided read can walk as one (size-1 dimensions dropped; neighbours merged
 * when the outer stride is the inner one times its size), so the kernel's inner loop is as long
 * and as contiguous as the layout allows.
 */
function collapseStrided(shape: readonly number[], strides: readonly number[]): { shape: number[]; strides: number[] } {
  const dims: number[] = [];
  const steps: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && steps[last] === strides[i]! * d) {
      dims[last] = dims[last]! * d;
      steps[last] = strides[i]!;
    } else {
      dims.push(d);
      steps.push(strides[i]!);
    }
  });
  return dims.length === 0 ? { shape: [1], strides: [1] } : { shape: dims, strides: steps };
}

/**
 * The plan of a strided read from input 0 into output 0 (see stridedSources): one copyStrided
 * call over the merged dimensions, its layout (dims, then strides) packed as constant 0.
 */
export function stridedCopyPlan(shape: readonly number[], strides: readonly number[], offset: number): KernelPlan {
  if (sizeOf(shape) === 0) return { calls: [] };
  const c = collapseStrided(shape, strides);
  const rank = c.shape.length;
  const rows = c.shape.slice(0, rank - 1).reduce((a, b) => a * b, 1);
  return {
    calls: [{ fn: 'copyStrided', args: [{ output: 0 }, { input: 0 }, offset, { packed: 0 }, rank], parallel: rows }],
    packed: [Int32Array.from([...c.shape, ...c.strides])],
  };
}
