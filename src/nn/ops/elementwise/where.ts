// Where(condition, X, Y): X where condition is true, else Y, all three broadcast together.
// Host-only, like the comparisons that feed it.
import { ModelFormatError } from '../../errors.js';
import type { OpDef } from '../types.js';
import { broadcastShapes, checkSameDType, mapBroadcast } from './common.js';

export const where: OpDef = {
  type: 'Where',
  inferTypes: ({ node, inputs }) => {
    const [condition, x, y] = [inputs[0]!, inputs[1]!, inputs[2]!];
    if (condition.dtype !== 'bool') throw new ModelFormatError(`Where node '${node.name}': condition is ${condition.dtype}, expected bool`);
    checkSameDType(node, [x.dtype, y.dtype]);
    return [{ dtype: x.dtype, shape: broadcastShapes(node, [condition.shape, x.shape, y.shape]) }];
  },
  reference: ({ node, inputs }) => [mapBroadcast(node, [inputs[0]!, inputs[1]!, inputs[2]!], inputs[1]!.dtype, ([c, x, y]) => (c ? x! : y!))],
};
