// GreaterOrEqual and LessOrEqual (opset 12): elementwise comparisons with numpy broadcasting,
// giving bool. They run on the host: in the pose models they act on small post-processing
// tensors (box bounds), never on feature maps.
import { fromNumbers, toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { broadcastShape, broadcastSources } from './common.js';

function comparison(type: string, holds: (a: number, b: number) => boolean): OpDef {
  return {
    type,
    inferTypes: ({ node, inputs }) => [{ dtype: 'bool', shape: broadcastShape(node, inputs[0]!.shape, inputs[1]!.shape) }],
    reference: ({ node, inputs }) => {
      const [a, b] = [inputs[0]!, inputs[1]!];
      const shape = broadcastShape(node, a.shape, b.shape);
      const [av, bv] = [toNumbers(a), toNumbers(b)];
      const [fromA, fromB] = [broadcastSources(a.shape, shape), broadcastSources(b.shape, shape)];
      return [fromNumbers('bool', shape, Array.from(fromA, (ia, i) => (holds(av[ia]!, bv[fromB[i]!]!) ? 1 : 0)))];
    },
  };
}

export const greaterOrEqual = comparison('GreaterOrEqual', (a, b) => a >= b);
export const lessOrEqual = comparison('LessOrEqual', (a, b) => a <= b);
