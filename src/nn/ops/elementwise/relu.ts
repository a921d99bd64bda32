// Relu: y = max(x, 0).
import { float32, toFloat32 } from '../../tensor.js';
import type { OpDef } from '../types.js';

export const relu: OpDef = {
  type: 'Relu',
  inferTypes: ({ inputs }) => [inputs[0]!],
  reference: ({ inputs }) => {
    const x = inputs[0]!;
    return [float32(x.shape, toFloat32(x).map((v) => Math.max(v, 0)))];
  },
  plan: ({ outputs }) => {
    const n = outputs[0]!.shape.reduce((a, b) => a * b, 1);
    return { calls: [{ fn: 'relu', args: [{ input: 0 }, { output: 0 }], parallel: n }] };
  },
};
