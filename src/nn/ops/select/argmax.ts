// ArgMax / ArgMin: the index of the largest (smallest) element along `axis`, as int64. Ties go
// to the first index, or the last with select_last_index=1. A NaN is never chosen over the
// element it follows (comparisons with NaN are false), matching TF's and tfjs's loops.
import { ShapeError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { fromNumbers, isFloatType, sizeOf, toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { axisView, checkedAxis } from './common.js';

function outputShape(node: Node, shape: readonly number[]): { axis: number; shape: number[] } {
  const axis = checkedAxis(node, attrInt(node, 'axis', 0), shape.length);
  if (shape[axis] === 0) throw new ShapeError(`${node.op} node '${node.name}': axis ${axis} is empty, there is no extreme to pick`);
  const keep = attrInt(node, 'keepdims', 1) !== 0;
  return { axis, shape: keep ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis) };
}

function argExtreme(type: 'ArgMax' | 'ArgMin'): OpDef {
  const wantMax = type === 'ArgMax';
  return {
    type,
    inferTypes: ({ node, inputs }) => [{ dtype: 'int64', shape: outputShape(node, inputs[0]!.shape).shape }],
    reference: ({ node, inputs }) => {
      const x = inputs[0]!;
      const { axis, shape } = outputShape(node, x.shape);
      const { outer, axisLength, inner } = axisView(x.shape, axis);
      const selectLast = attrInt(node, 'select_last_index', 0) !== 0;
      const values = toNumbers(x);
      const result: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const at = (j: number): number => values[(o * axisLength + j) * inner + i]!;
          let best = 0;
          for (let j = 1; j < axisLength; j++) {
            const v = at(j);
            const better = wantMax ? v > at(best) : v < at(best);
            if (better || (selectLast && v === at(best))) best = j;
          }
          result.push(best);
        }
      }
      return [fromNumbers('int64', shape, result)];
    },
    plan: ({ node, inputs, outputs }) => {
      const x = inputs[0]!;
      if (!isFloatType(x.dtype) || sizeOf(outputs[0]!.shape) === 0) return undefined;
      const { axis } = outputShape(node, x.shape);
      const { outer, axisLength, inner } = axisView(x.shape, axis);
      if (axisLength === 0) return undefined;
      const selectLast = attrInt(node, 'select_last_index', 0) !== 0 ? 1 : 0;
      return {
        calls: [{ fn: 'argExtremeF32', args: [{ input: 0 }, { output: 0 }, axisLength, inner, wantMax ? 1 : 0, selectLast], parallel: outer * inner }],
      };
    },
  };
}

export const argMax = argExtreme('ArgMax');
export const argMin = argExtreme('ArgMin');
