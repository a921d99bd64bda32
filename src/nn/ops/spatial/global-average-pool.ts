// GlobalAveragePool: the mean of each channel plane, keeping rank ([N, C, 1, 1] for NCHW).
import { ShapeError } from '../../errors.js';
import { float32, shapeString, toFloat32 } from '../../tensor.js';
import type { OpDef, ValueType } from '../types.js';
import type { Node } from '../../graph.js';
import { where } from './common.js';

/** [N*C planes, elements per plane] of an N, C, spatial... input. */
export function globalPlanes(node: Node, shape: readonly number[]): [number, number] {
  if (shape.length < 3) throw new ShapeError(`${where(node)}: input shape ${shapeString(shape)} has no spatial axes`);
  return [shape[0]! * shape[1]!, shape.slice(2).reduce((a, b) => a * b, 1)];
}

export function globalPoolTypes(node: Node, x: { dtype: ValueType['dtype']; shape: readonly number[] }): ValueType[] {
  globalPlanes(node, x.shape);
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i < 2 ? d : 1)) }];
}

export const globalAveragePool: OpDef = {
  type: 'GlobalAveragePool',
  inferTypes: ({ node, inputs }) => globalPoolTypes(node, inputs[0]!),
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const [planes, size] = globalPlanes(node, x.shape);
    const data = toFloat32(x);
    const y = new Float32Array(planes);
    for (let p = 0; p < planes; p++) {
      let sum = 0;
      for (let i = 0; i < size; i++) sum += data[p * size + i]!;
      y[p] = sum / size;
    }
    return [float32(globalPoolTypes(node, x)[0]!.shape, y)];
  },
  plan: ({ node, inputs }) => {
    const [planes, size] = globalPlanes(node, inputs[0]!.shape);
    return { calls: [{ fn: 'globalAveragePool', args: [{ input: 0 }, { output: 0 }, size], parallel: planes }] };
  },
};
