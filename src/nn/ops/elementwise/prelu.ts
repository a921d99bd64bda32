// PRelu: y = x < 0 ? slope * x : x, the slope broadcast to x (unidirectionally: the output has
// x's shape), typically one slope per channel as [C, 1, 1].
import type { OpDef } from '../types.js';
import { checkBroadcastsTo, checkSameDType, mapBroadcast } from './common.js';
import { allFloat32, binaryCall } from './kernel-plans.js';

export const prelu: OpDef = {
  type: 'PRelu',
  inferTypes: ({ node, inputs }) => {
    const [x, slope] = [inputs[0]!, inputs[1]!];
    checkSameDType(node, [x.dtype, slope.dtype]);
    checkBroadcastsTo(node, slope.shape, x.shape, 'slope');
    return [x];
  },
  reference: ({ node, inputs }) => {
    const [x, slope] = [inputs[0]!, inputs[1]!];
    checkBroadcastsTo(node, slope.shape, x.shape, 'slope');
    return [mapBroadcast(node, [x, slope], x.dtype, ([v, s]) => (v! < 0 ? (typeof v === 'bigint' ? v * (s as bigint) : v * (s as number)) : v!))];
  },
  plan: ({ inputs, outputs }) => {
    if (!allFloat32([...inputs, ...outputs])) return undefined;
    const packed: Int32Array[] = [];
    const call = binaryCall('PRelu', { arg: { input: 0 }, shape: inputs[0]!.shape }, { arg: { input: 1 }, shape: inputs[1]!.shape }, outputs[0]!.shape, packed);
    return { calls: call === undefined ? [] : [call], packed };
  },
};
