// Size: the input's element count as an int64 scalar. Like Shape, known from the type alone.
import { fromNumbers, sizeOf, type Tensor } from '../../tensor.js';
import type { OpContext, OpDef } from '../types.js';

function sizeValue(shape: readonly number[]): Tensor {
  return fromNumbers('int64', [], [sizeOf(shape)]);
}

export const size: OpDef & { valuesFromTypes(ctx: OpContext): Tensor[] } = {
  type: 'Size',
  inferTypes: () => [{ dtype: 'int64', shape: [] }],
  reference: ({ inputs }) => [sizeValue(inputs[0]!.shape)],
  valuesFromTypes: ({ inputs }) => [sizeValue(inputs[0]!.shape)],
};
