// Equal, Less, Greater: comparisons with numpy broadcasting, giving bool. Host-only: in the pose
// models they act on small shape or post-processing tensors.
import type { OpDef } from '../types.js';
import { broadcastShapes, checkSameDType, mapBroadcast } from './common.js';

function comparison(type: string, holds: (a: number | bigint, b: number | bigint) => boolean): OpDef {
  return {
    type,
    inferTypes: ({ node, inputs }) => {
      checkSameDType(node, [inputs[0]!.dtype, inputs[1]!.dtype]);
      return [{ dtype: 'bool', shape: broadcastShapes(node, [inputs[0]!.shape, inputs[1]!.shape]) }];
    },
    reference: ({ node, inputs }) => [mapBroadcast(node, [inputs[0]!, inputs[1]!], 'bool', ([a, b]) => (holds(a!, b!) ? 1 : 0))],
  };
}

export const equal = comparison('Equal', (a, b) => a === b);
export const less = comparison('Less', (a, b) => a < b);
export const greater = comparison('Greater', (a, b) => a > b);
