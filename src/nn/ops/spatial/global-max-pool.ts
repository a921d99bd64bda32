// GlobalMaxPool: the largest value of each channel plane, keeping rank ([N, C, 1, 1] for NCHW).
import { float32, toFloat32 } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { globalPlanes, globalPoolTypes } from './global-average-pool.js';

export const globalMaxPool: OpDef = {
  type: 'GlobalMaxPool',
  inferTypes: ({ node, inputs }) => globalPoolTypes(node, inputs[0]!),
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const [planes, size] = globalPlanes(node, x.shape);
    const data = toFloat32(x);
    const y = new Float32Array(planes);
    for (let p = 0; p < planes; p++) {
      let best = -Infinity;
      for (let i = 0; i < size; i++) best = Math.max(best, data[p * size + i]!);
      y[p] = best;
    }
    return [float32(globalPoolTypes(node, x)[0]!.shape, y)];
  },
  plan: ({ node, inputs }) => {
    const [planes, size] = globalPlanes(node, inputs[0]!.shape);
    return { calls: [{ fn: 'globalMaxPool', args: [{ input: 0 }, { output: 0 }, size], parallel: planes }] };
  },
};
