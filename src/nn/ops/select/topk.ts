// TopK: the k largest (or smallest, largest=0) elements along `axis`, sorted, with their int64
// indices. Equal values keep their original order (the lower index first), as ONNX specifies
// and TF and tfjs do; a NaN sorts after every number. k is an input from opset 10 (an
// attribute before) and must be known at load: it sets the output shape.
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { fromNumbers, isFloatType, sizeOf, toNumbers, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { axisView, checkedAxis } from './common.js';

function kOf(node: Node, inputs: readonly unknown[], kValue: Tensor | undefined): number {
  if (inputs.length < 2) return attrInt(node, 'k', -1);
  if (kValue === undefined) {
    throw new UnsupportedOpError(`TopK node '${node.name}': k is computed at run time; the engine plans static shapes, so it must be a constant`);
  }
  return toNumbers(kValue)[0]!;
}

function topKShape(node: Node, shape: readonly number[], k: number): { axis: number; shape: number[] } {
  const axis = checkedAxis(node, attrInt(node, 'axis', -1), shape.length);
  if (!Number.isInteger(k) || k < 0 || k > shape[axis]!) {
    throw new ShapeError(`TopK node '${node.name}': k=${k} is outside [0, ${shape[axis]}] (axis ${axis} of shape [${shape.join(', ')}])`);
  }
  return { axis, shape: shape.map((d, i) => (i === axis ? k : d)) };
}

/** Sort order: is value a (at index ia) output before value b (at index ib)? */
function goesBefore(a: number, ia: number, b: number, ib: number, largest: boolean): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) === Number.isNaN(b) ? ia < ib : Number.isNaN(b);
  if (a === b) return ia < ib;
  return largest ? a > b : a < b;
}

export const topK: OpDef = {
  type: 'TopK',
  inferTypes: ({ node, inputs, constants }) => {
    const x = inputs[0]!;
    const { shape } = topKShape(node, x.shape, kOf(node, inputs, constants[1]));
    return [
      { dtype: x.dtype, shape },
      { dtype: 'int64', shape },
    ];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const k = kOf(node, inputs, inputs[1]);
    const { axis, shape } = topKShape(node, x.shape, k);
    const largest = attrInt(node, 'largest', 1) !== 0;
    const { outer, axisLength, inner } = axisView(x.shape, axis);
    const xs = toNumbers(x);
    const values = new Array<number>(sizeOf(shape));
    const indices = new Array<number>(sizeOf(shape));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number): number => xs[(o * axisLength + j) * inner + i]!;
        const order = Array.from({ length: axisLength }, (_, j) => j);
        order.sort((p, q) => (goesBefore(at(p), p, at(q), q, largest) ? -1 : 1));
        for (let j = 0; j < k; j++) {
          const out = (o * k + j) * inner + i;
          values[out] = at(order[j]!);
          indices[out] = order[j]!;
        }
      }
    }
    return [fromNumbers(x.dtype, shape, values), fromNumbers('int64', shape, indices)];
  },
  plan: ({ node, inputs, constants, outputs }) => {
    const x = inputs[0]!;
    const k = kOf(node, inputs, constants[1]);
    if (!isFloatType(x.dtype) || k === 0 || sizeOf(outputs[0]!.shape) === 0) return undefined;
    const { axis } = topKShape(node, x.shape, k);
    const { outer, axisLength, inner } = axisView(x.shape, axis);
    const largest = attrInt(node, 'largest', 1) !== 0 ? 1 : 0;
    return {
      calls: [{ fn: 'topKF32', args: [{ input: 0 }, { output: 0 }, { output: 1 }, axisLength, inner, k, largest], parallel: outer * inner }],
    };
  },
};
