// PRelu: y = x < 0 ? slope * x : x, the slope broadcast to x (unidirectionally: the output has
// x's shape), typically one slope per channel as [C, 1, 1]. Before opset 7 a 1-D slope of C
// values meant one per channel (axis 1), which later opsets spell [C, 1, 1].
import type { Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { checkBroadcastsTo, checkSameDType, mapBroadcast } from './common.js';
import { allFloat32, binaryCall } from './kernel-plans.js';

function slopeShape(opset: number, slope: readonly number[], x: readonly number[]): number[] {
  const perChannel = opset < 7 && slope.length === 1 && x.length >= 3 && slope[0] === x[1] && slope[0] !== x[x.length - 1];
  return perChannel ? [slope[0]!, ...new Array<number>(x.length - 2).fill(1)] : [...slope];
}

export const prelu: OpDef = {
  type: 'PRelu',
  inferTypes: ({ node, opset, inputs }) => {
    const [x, slope] = [inputs[0]!, inputs[1]!];
    checkSameDType(node, [x.dtype, slope.dtype]);
    checkBroadcastsTo(node, slopeShape(opset, slope.shape, x.shape), x.shape, 'slope');
    return [x];
  },
  reference: ({ node, opset, inputs }) => {
    const x = inputs[0]!;
    const slope: Tensor = { ...inputs[1]!, shape: slopeShape(opset, inputs[1]!.shape, x.shape) };
    checkBroadcastsTo(node, slope.shape, x.shape, 'slope');
    return [mapBroadcast(node, [x, slope], x.dtype, ([v, s]) => (v! < 0 ? (typeof v === 'bigint' ? v * (s as bigint) : v! * (s as number)) : v!))];
  },
  plan: ({ opset, inputs, outputs }) => {
    if (!allFloat32([...inputs, ...outputs])) return undefined;
    const packed: Int32Array[] = [];
    const x = inputs[0]!.shape;
    const call = binaryCall('PRelu', { arg: { input: 0 }, shape: x }, { arg: { input: 1 }, shape: slopeShape(opset, inputs[1]!.shape, x) }, outputs[0]!.shape, packed);
    return { calls: call === undefined ? [] : [call], packed };
  },
};
