// GlobalAveragePool and GlobalMaxPool: one value per channel plane (the mean, the largest),
// keeping rank ([N, C, 1, 1] for NCHW). The two differ only in how a plane reduces, so they
// share the rest, as their kernels share assembly/kernels/spatial/global-pool.ts.
import { ShapeError } from '../../errors.js';
import { float32, shapeString, toFloat32 } from '../../tensor.js';
import type { OpDef, ValueType } from '../types.js';
import type { Node } from '../../graph.js';
import { where } from './common.js';

/** [N*C planes, elements per plane] of an N, C, spatial... input. */
function globalPlanes(node: Node, shape: readonly number[]): [number, number] {
  if (shape.length < 3) throw new ShapeError(`${where(node)}: input shape ${shapeString(shape)} has no spatial axes`);
  return [shape[0]! * shape[1]!, shape.slice(2).reduce((a, b) => a * b, 1)];
}

function globalPoolTypes(node: Node, x: { dtype: ValueType['dtype']; shape: readonly number[] }): ValueType[] {
  globalPlanes(node, x.shape);
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i < 2 ? d : 1)) }];
}

/** A global pool whose plane of `size` values starting at `at` reduces by `reduce`, run by kernel `fn`. */
function globalPool(type: string, fn: 'globalAveragePool' | 'globalMaxPool', reduce: (data: Float32Array, at: number, size: number) => number): OpDef {
  return {
    type,
    inferTypes: ({ node, inputs }) => globalPoolTypes(node, inputs[0]!),
    reference: ({ node, inputs }) => {
      const x = inputs[0]!;
      const [planes, size] = globalPlanes(node, x.shape);
      const data = toFloat32(x);
      const y = new Float32Array(planes);
      for (let p = 0; p < planes; p++) y[p] = reduce(data, p * size, size);
      return [float32(globalPoolTypes(node, x)[0]!.shape, y)];
    },
    plan: ({ node, inputs }) => {
      const [planes, size] = globalPlanes(node, inputs[0]!.shape);
      return { calls: [{ fn, args: [{ input: 0 }, { output: 0 }, size], parallel: planes }] };
    },
  };
}

export const globalAveragePool = globalPool('GlobalAveragePool', 'globalAveragePool', (data, at, size) => {
  let sum = 0;
  for (let i = 0; i < size; i++) sum += data[at + i]!;
  return sum / size;
});

export const globalMaxPool = globalPool('GlobalMaxPool', 'globalMaxPool', (data, at, size) => {
  let best = -Infinity;
  for (let i = 0; i < size; i++) best = Math.max(best, data[at + i]!);
  return best;
});
