// GreaterOrEqual and LessOrEqual (opset 12), and And, Or, Xor on bools: elementwise with numpy
// broadcasting, giving bool, on the elementwise family's compare kernel (the reference for other
// dtypes). Logic reads its bool operands as numbers, 0 being false.
import { fromNumbers, toNumbers } from '../../tensor.js';
import { comparePlan, type CompareKernel } from '../elementwise/kernel-plans.js';
import type { OpDef } from '../types.js';
import { broadcastShape, broadcastSources } from './common.js';

function comparison(type: CompareKernel, holds: (a: number, b: number) => boolean): OpDef {
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
    plan: ({ inputs, outputs }) => comparePlan(type, [inputs[0]!, inputs[1]!], outputs[0]!),
  };
}

export const greaterOrEqual = comparison('GreaterOrEqual', (a, b) => a >= b);
export const lessOrEqual = comparison('LessOrEqual', (a, b) => a <= b);
export const and = comparison('And', (a, b) => a !== 0 && b !== 0);
export const or = comparison('Or', (a, b) => a !== 0 || b !== 0);
export const xor = comparison('Xor', (a, b) => (a !== 0) !== (b !== 0));
