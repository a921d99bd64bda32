// Equal, Less, Greater: comparisons with numpy broadcasting, giving bool. They run on the
// `compare` kernel (float32 or int32 run-time values); the reference compares exact values, which
// is what the kernel computes for every value the run-time types hold.
import type { OpDef } from '../types.js';
import { broadcastShapes, checkSameDType, mapBroadcast } from './common.js';
import { comparePlan } from './kernel-plans.js';

function comparison(type: 'Equal' | 'Less' | 'Greater', holds: (a: number | bigint, b: number | bigint) => boolean): OpDef {
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
