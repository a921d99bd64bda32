// ReduceSum, ReduceMean, ReduceMax. The axes are an attribute until the opset where they became
// an optional input (ReduceSum 13, ReduceMean and ReduceMax 18). No axes means every axis, or
// nothing at all with noop_with_empty_axes=1. keepdims (default 1) keeps reduced axes as 1s.
// References work on every dtype (integer means truncate); float32 axes that form one run
// (like [2, 3] of NCHW, or [1]) run the reduceAxis kernel, other axis sets the reference.
import { UnsupportedOpError } from '../../errors.js';
import { attrInt, attrInts, type Node } from '../../graph.js';
import { isFloatType, sizeOf, toNumbers, type Tensor } from '../../tensor.js';
import { normalizeAxes, stridesOf } from '../tensor/common.js';
import type { OpDef } from '../types.js';
import { exactValues, fromExact } from './common.js';
import { allFloat32 } from './kernel-plans.js';

type ReduceType = 'ReduceSum' | 'ReduceMean' | 'ReduceMax';

/** Codes of assembly/kernels/elementwise/reduce.ts. */
const REDUCE_CODES: Record<ReduceType, number> = { ReduceSum: 0, ReduceMean: 1, ReduceMax: 2 };

/** The opset from which the axes are input 1. */
const AXES_INPUT_SINCE: Record<ReduceType, number> = { ReduceSum: 13, ReduceMean: 18, ReduceMax: 18 };

/** The reduced axes (sorted, non-negative), from the attribute or the (constant) axes input. */
function reducedAxes(node: Node, type: ReduceType, opset: number, rank: number, axesInput: Tensor | undefined, axesInputGiven: boolean): number[] {
  let axes: number[] | undefined;
  if (opset >= AXES_INPUT_SINCE[type]) {
    if (axesInputGiven && axesInput === undefined) {
      throw new UnsupportedOpError(`${type} node '${node.name}': axes (input 1) are computed at run time; the engine plans static shapes, so they must be a constant or foldable at load`);
    }
    axes = axesInput === undefined ? undefined : toNumbers(axesInput);
  } else {
    axes = attrInts(node, 'axes');
  }
  if (axes === undefined || axes.length === 0) {
    return attrInt(node, 'noop_with_empty_axes', 0) === 1 ? [] : Array.from({ length: rank }, (_, i) => i);
  }
  return normalizeAxes(node, axes, rank).sort((a, b) => a - b);
}

function outputShape(node: Node, shape: readonly number[], axes: readonly number[]): number[] {
  const keep = attrInt(node, 'keepdims', 1) === 1;
  return shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d]));
}

function reduceOp(type: ReduceType): OpDef {
  return {
    type,
    inferTypes: ({ node, opset, inputs, constants }) => {
      const x = inputs[0]!;
      const axes = reducedAxes(node, type, opset, x.shape.length, constants[1], inputs[1] !== undefined);
      return [{ dtype: x.dtype, shape: outputShape(node, x.shape, axes) }];
    },
    reference: ({ node, opset, inputs }) => {
      const x = inputs[0]!;
      const axes = reducedAxes(node, type, opset, x.shape.length, inputs[1], inputs[1] !== undefined);
      const shape = outputShape(node, x.shape, axes);
      const values = exactValues(x);
      const float = isFloatType(x.dtype);
      // Walk the input once, folding each element into the output element it reduces to: the
      // output index is the input's with reduced axes zeroed (stride 0).
      const keptStrides = stridesOf(x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
      const outStrides = keptStrides.map((s, d) => (axes.includes(d) ? 0 : s));
      const acc = new Array<number | bigint | undefined>(sizeOf(shape)).fill(type === 'ReduceMax' ? undefined : float ? 0 : 0n);
      const index = new Array<number>(x.shape.length).fill(0);
      for (const v of values) {
        const o = index.reduce((sum, i, d) => sum + i * outStrides[d]!, 0);
        const a = acc[o];
        if (type === 'ReduceMax') acc[o] = a === undefined || !(v <= a) ? v : a; // NaN wins, as in ORT
        else acc[o] = float ? (a as number) + (v as number) : (a as bigint) + (v as bigint);
        for (let d = index.length - 1; d >= 0; d--) {
          if (++index[d]! < x.shape[d]!) break;
          index[d] = 0;
        }
      }
      const count = sizeOf(axes.map((a) => x.shape[a]!));
      const result = acc.map((a) => {
        if (a === undefined) return float ? -Infinity : 0n; // the max of nothing
        if (type !== 'ReduceMean') return a;
        return float ? (a as number) / count : (a as bigint) / BigInt(count);
      });
      return [fromExact(x.dtype, shape, result)];
    },
    plan: ({ node, opset, inputs, outputs, constants }) => {
      if (!allFloat32([inputs[0], ...outputs])) return undefined;
      const shape = inputs[0]!.shape;
      const axes = reducedAxes(node, type, opset, shape.length, constants[1], inputs[1] !== undefined);
      // Size-1 axes change nothing: without them the rest must be one run [first, last].
      const real = axes.filter((a) => shape[a] !== 1);
      if (sizeOf(shape) === 0) return undefined;
      if (real.length === 0) return { calls: [{ fn: 'copyBytes', args: [{ output: 0 }, { input: 0 }, sizeOf(shape) * 4] }] };
      const [first, last] = [real[0]!, real[real.length - 1]!];
      if (shape.slice(first, last + 1).some((d, k) => d !== 1 && !real.includes(first + k))) return undefined;
      const outer = sizeOf(shape.slice(0, first));
      const n = sizeOf(shape.slice(first, last + 1));
      const inner = sizeOf(shape.slice(last + 1));
      return { calls: [{ fn: 'reduceAxis', args: [REDUCE_CODES[type], { input: 0 }, { output: 0 }, n, inner, 1 / n], parallel: outer * inner }] };
    },
  };
}

export const reduceSum = reduceOp('ReduceSum');
export const reduceMean = reduceOp('ReduceMean');
export const reduceMax = reduceOp('ReduceMax');
