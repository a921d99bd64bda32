// Not: logical negation of a bool tensor. Host-only.
import { ModelFormatError } from '../../errors.js';
import { fromNumbers, toNumbers } from '../../tensor.js';
import type { OpDef } from '../types.js';

export const not: OpDef = {
  type: 'Not',
  inferTypes: ({ node, inputs }) => {
    if (inputs[0]!.dtype !== 'bool') throw new ModelFormatError(`Not node '${node.name}': input is ${inputs[0]!.dtype}, expected bool`);
    return [inputs[0]!];
  },
  reference: ({ inputs }) => [fromNumbers('bool', inputs[0]!.shape, toNumbers(inputs[0]!).map((v) => (v ? 0 : 1)))],
};
