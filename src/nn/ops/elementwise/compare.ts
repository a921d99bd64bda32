// The comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual) and the logic ops on bools
// (And, Or, Xor): numpy broadcasting, giving bool. They run on the `compare` kernel (float32 or
// int32 run-time values, bools for logic); the reference compares exact values, which is what the
// kernel computes for every value the run-time types hold.
import type { OpDef } from '../types.js';
import { broadcastShapes, checkSameDType, mapBroadcast } from './common.js';
import { comparePlan, type CompareKernel } from './kernel-plans.js';

function comparison(type: CompareKernel, holds: (a: number | bigint, b: number | bigint) => boolean): OpDef {
  return {
    type,
    inferTypes: ({ node, inputs }) => {
      checkSameDType(node, [inputs[0]!.dtype, inputs[1]!.dtype]);
      return [{ dtype: 'bool', shape: broadcastShapes(node, [inputs[0]!.shape, inputs[1]!.shape]) }];
    },
    reference: ({ node, inputs }) => [mapBroadcast(node, [inputs[0]!, inputs[1]!], 'bool', ([a, b]) => (holds(a!, b!) ? 1 : 0))],
    plan: ({ inputs, outputs }) => comparePlan(type, [inputs[0]!, inputs[1]!], outputs[0]!),
  };
}

export const equal = comparison('Equal', (a, b) => a === b);
export const less = comparison('Less', (a, b) => a < b);
export const greater = comparison('Greater', (a, b) => a > b);
export const lessOrEqual = comparison('LessOrEqual', (a, b) => a <= b);
export const greaterOrEqual = comparison('GreaterOrEqual', (a, b) => a >= b);
// Bools come as exact integers (0n, 1n): Boolean reads either as false or true.
export const and = comparison('And', (a, b) => Boolean(a) && Boolean(b));
export const or = comparison('Or', (a, b) => Boolean(a) || Boolean(b));
export const xor = comparison('Xor', (a, b) => Boolean(a) !== Boolean(b));
