// Slice: a strided window per axis. Opset 1 takes starts/ends/axes as attributes; from opset 10
// they are inputs, with optional axes and steps (negative steps walk backwards). Out-of-range
// starts and ends, INT64_MAX and INT64_MIN included, are clamped as the ONNX spec says.
import { ShapeError } from '../../errors.js';
import { attrInts, type Node } from '../../graph.js';
import { toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantInts, normalizeAxes, stridedCopyPlan, stridedSources, stridesOf, takeElements } from './common.js';

interface SliceArgs {
  starts: number[];
  ends: number[];
  axes?: number[];
  steps?: number[];
}

/** Per input dimension: first index read, step, and count; the output is the counts. */
interface Window {
  start: number[];
  step: number[];
  shape: number[];
}

function sliceWindow(node: Node, shape: readonly number[], args: SliceArgs): Window {
  const what = `Slice node '${node.name}'`;
  const n = args.starts.length;
  const axes = normalizeAxes(node, args.axes ?? Array.from({ length: n }, (_, i) => i), shape.length);
  const steps = args.steps ?? new Array<number>(n).fill(1);
  if (args.ends.length !== n || axes.length !== n || steps.length !== n) {
    throw new ShapeError(`${what}: starts, ends, axes and steps must have the same length (${n}, ${args.ends.length}, ${axes.length}, ${steps.length})`);
  }
  const window: Window = { start: shape.map(() => 0), step: shape.map(() => 1), shape: [...shape] };
  axes.forEach((axis, i) => {
    const dim = shape[axis]!;
    const step = steps[i]!;
    if (step === 0 || !Number.isFinite(step)) throw new ShapeError(`${what}: step ${step} on axis ${axis}`);
    let start = args.starts[i]!;
    let end = args.ends[i]!;
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    // Forward, indices live in [0, dim]; backward, start in [0, dim - 1] and end in [-1, dim - 1].
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    window.start[axis] = count > 0 ? start : 0;
    // A step only matters when it moves: keeping huge ones (INT64_MAX) out of offset sums.
    window.step[axis] = count > 1 ? step : 1;
    window.shape[axis] = count;
  });
  return window;
}

/** Where the node states its slice: attributes in opset 1, inputs 1-4 from opset 10. */
function sliceArgs(node: Node, input: (index: number, what: string) => number[] | undefined): SliceArgs {
  const starts = attrInts(node, 'starts');
  if (starts !== undefined) {
    const ends = attrInts(node, 'ends');
    if (ends === undefined) throw new ShapeError(`Slice node '${node.name}' has starts but no ends attribute`);
    return { starts, ends, axes: attrInts(node, 'axes') };
  }
  const required = (index: number, what: string): number[] => {
    const values = input(index, what);
    if (values === undefined) throw new ShapeError(`Slice node '${node.name}' has no ${what}`);
    return values;
  };
  return { starts: required(1, 'starts'), ends: required(2, 'ends'), axes: input(3, 'axes'), steps: input(4, 'steps') };
}

/** Strides and offset of the window's strided read of the input. */
function windowRead(shape: readonly number[], window: Window): { strides: number[]; offset: number } {
  const strides = stridesOf(shape);
  const offset = window.start.reduce((sum, s, d) => sum + s * strides[d]!, 0);
  return { strides: strides.map((s, d) => s * window.step[d]!), offset };
}

export const slice: OpDef = {
  type: 'Slice',
  inferTypes: (ctx) => {
    const x = ctx.inputs[0]!;
    const args = sliceArgs(ctx.node, (i, what) => (ctx.node.inputs[i] ? constantInts(ctx, i, what) : undefined));
    return [{ dtype: x.dtype, shape: sliceWindow(ctx.node, x.shape, args).shape }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const args = sliceArgs(node, (i) => (inputs[i] === undefined ? undefined : toNumbers(inputs[i]!)));
    const window = sliceWindow(node, x.shape, args);
    const { strides, offset } = windowRead(x.shape, window);
    return [takeElements(x, window.shape, stridedSources(window.shape, strides, offset))];
  },
  plan: (ctx) => {
    const x = ctx.inputs[0]!;
    const args = sliceArgs(ctx.node, (i, what) => (ctx.node.inputs[i] ? constantInts(ctx, i, what) : undefined));
    const window = sliceWindow(ctx.node, x.shape, args);
    const { strides, offset } = windowRead(x.shape, window);
    return stridedCopyPlan(window.shape, strides, offset);
  },
};
