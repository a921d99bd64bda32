// Constant: a value held in an attribute: `value` (a tensor), or from opset 12 `value_float`,
// `value_floats`, `value_int` (int64 scalar), `value_ints`. No inputs, so it is always folded
// at load.
import { UnsupportedOpError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { fromNumbers, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';

function constantValue(node: Node): Tensor {
  const [name, attr] = Object.entries(node.attrs)[0] ?? [];
  if (name === 'value' && attr?.kind === 'tensor') return attr.value;
  if (name === 'value_float' && attr?.kind === 'float') return fromNumbers('float32', [], [attr.value]);
  if (name === 'value_floats' && attr?.kind === 'floats') return fromNumbers('float32', [attr.value.length], attr.value);
  if (name === 'value_int' && attr?.kind === 'int') return fromNumbers('int64', [], [attr.value]);
  if (name === 'value_ints' && attr?.kind === 'ints') return fromNumbers('int64', [attr.value.length], attr.value);
  const given = Object.keys(node.attrs).join(', ') || 'none';
  throw new UnsupportedOpError(
    `Constant node '${node.name}': expected one of value, value_float(s), value_int(s) (attributes given: ${given}); string and sparse constants are not supported`,
  );
}

export const constant: OpDef = {
  type: 'Constant',
  inferTypes: ({ node }) => {
    const value = constantValue(node);
    return [{ dtype: value.dtype, shape: [...value.shape] }];
  },
  reference: ({ node }) => [constantValue(node)],
};
