// And, Or, Xor: elementwise logic on bool tensors with numpy broadcasting, on the elementwise
// family's compare kernel.
import { fromNumbers, toNumbers } from '../../tensor.js';
import { comparePlan, type CompareKernel } from '../elementwise/kernel-plans.js';
import type { OpDef } from '../types.js';
import { broadcastShape, broadcastSources } from './common.js';

function logical(type: CompareKernel, combine: (a: boolean, b: boolean) => boolean): OpDef {
  return {
    type,
    inferTypes: ({ node, inputs }) => [{ dtype: 'bool', shape: broadcastShape(node, inputs[0]!.shape, inputs[1]!.shape) }],
    reference: ({ node, inputs }) => {
      const [a, b] = [inputs[0]!, inputs[1]!];
      const shape = broadcastShape(node, a.shape, b.shape);
      const [av, bv] = [toNumbers(a), toNumbers(b)];
      const [fromA, fromB] = [broadcastSources(a.shape, shape), broadcastSources(b.shape, shape)];
      return [fromNumbers('bool', shape, Array.from(fromA, (ia, i) => (combine(av[ia] !== 0, bv[fromB[i]!] !== 0) ? 1 : 0)))];
    },
    plan: ({ inputs, outputs }) => comparePlan(type, [inputs[0]!, inputs[1]!], outputs[0]!),
  };
}

export const and = logical('And', (a, b) => a && b);
export const or = logical('Or', (a, b) => a || b);
export const xor = logical('Xor', (a, b) => a !== b);
