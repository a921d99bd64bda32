// Softmax and LogSoftmax, with the largest value subtracted first so e^x never overflows.
// Before opset 13 the input is coerced to 2-D at `axis` (default 1): each of the
// prod(shape[..axis]) rows of prod(shape[axis..]) values is normalised as a whole. From opset 13
// the op runs along the one axis (default -1), every other index fixed.
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { fromNumbers, isFloatType, sizeOf, toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { allFloat32 } from './kernel-plans.js';

/** The input as [outer, n, inner]: softmax runs over the n values of each (outer, inner) column. */
function softmaxView(node: Node, opset: number, shape: readonly number[]): { outer: number; n: number; inner: number } {
  const rank = shape.length;
  const axis = attrInt(node, 'axis', opset < 13 ? 1 : -1);
  if (axis < -rank || axis >= rank) throw new ShapeError(`${node.op} node '${node.name}': axis ${axis} is out of range for rank ${rank}`);
  const a = axis < 0 ? axis + rank : axis;
  const outer = sizeOf(shape.slice(0, a));
  if (opset < 13) return { outer, n: sizeOf(shape.slice(a)), inner: 1 };
  return { outer, n: shape[a]!, inner: sizeOf(shape.slice(a + 1)) };
}

function softmaxOp(type: 'Softmax' | 'LogSoftmax'): OpDef {
  const log = type === 'LogSoftmax';
  return {
    type,
    inferTypes: ({ node, opset, inputs }) => {
      const x = inputs[0]!;
      if (!isFloatType(x.dtype)) throw new UnsupportedOpError(`${type} node '${node.name}': input type ${x.dtype} is not supported (floating-point only)`);
      softmaxView(node, opset, x.shape);
      return [x];
    },
    reference: ({ node, opset, inputs }) => {
      const x = inputs[0]!;
      const { outer, n, inner } = softmaxView(node, opset, x.shape);
      const v = toNumbers(x);
      const y = new Array<number>(v.length);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const at = (i: number): number => (o * n + i) * inner + j;
          let max = -Infinity;
          for (let i = 0; i < n; i++) max = Math.max(max, v[at(i)]!);
          let sum = 0;
          for (let i = 0; i < n; i++) sum += Math.exp(v[at(i)]! - max);
          for (let i = 0; i < n; i++) {
            y[at(i)] = log ? v[at(i)]! - max - Math.log(sum) : Math.exp(v[at(i)]! - max) / sum;
          }
        }
      }
      return [fromNumbers(x.dtype, x.shape, y)];
    },
    plan: ({ node, opset, inputs, outputs }) => {
      if (!allFloat32([...inputs, ...outputs])) return undefined;
      const { outer, n, inner } = softmaxView(node, opset, inputs[0]!.shape);
      const columns = outer * inner;
      if (columns === 0 || n === 0) return { calls: [] };
      return { calls: [{ fn: 'softmax', args: [{ input: 0 }, { output: 0 }, n, inner, log ? 1 : 0], parallel: columns }] };
    },
  };
}

export const softmax = softmaxOp('Softmax');
export const logSoftmax = softmaxOp('LogSoftmax');
