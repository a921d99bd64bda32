// DequantizeLinear (opset 10, per axis from 13): y = (x - zero) * scale in float32. On the WASM
// kernel with one scale and zero point known at load; per axis on the host. The QDQ pass
// (passes/qdq-to-qlinear.ts) may give it a float op that followed it as a table (attribute
// `lookup`, one float per value of the int8/uint8 input, from the least up): y = lookup[x - least].
import { ShapeError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { float32, sizeOf, toNumbers, type DType } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { lookupValues, nodeWhere, paramIndex, quantParams, quantRange, scalarParams } from './common.js';

/** The `lookup` table and the input type's least value; undefined without one. */
function lookupTable(node: Node, dtype: DType): { table: Float32Array; least: number } | undefined {
  const where = nodeWhere(node);
  if (node.attrs['lookup'] !== undefined && dtype !== 'uint8' && dtype !== 'int8') throw new ShapeError(`${where}: a lookup needs an int8 or uint8 input, got ${dtype}`);
  const values = lookupValues(where, node, dtype, 'float32');
  return values === undefined ? undefined : { table: Float32Array.from(values), least: quantRange(dtype, where)[0] };
}

export const dequantizeLinear: OpDef = {
  type: 'DequantizeLinear',
  inferTypes: ({ inputs }) => [{ dtype: 'float32', shape: [...inputs[0]!.shape] }],
  reference: ({ node, inputs }) => {
    const [x, scale, zero] = inputs;
    const lookup = lookupTable(node, x!.dtype);
    if (lookup !== undefined) return [float32(x!.shape, Float32Array.from(toNumbers(x!), (v) => lookup.table[v - lookup.least]!))];
    const p = quantParams(nodeWhere(node), x!.shape, scale!, zero, attrInt(node, 'axis', 1));
    const xs = toNumbers(x!);
    const y = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const c = paramIndex(p, i);
      y[i] = (xs[i]! - p.zeros[c]!) * p.scales[c]!;
    }
    return [float32(x!.shape, y)];
  },
  plan: ({ node, inputs, constants }) => {
    const lookup = lookupTable(node, inputs[0]!.dtype);
    if (lookup !== undefined) {
      // Floats as their bits: the integer lookup kernel moves them unchanged.
      return { calls: [{ fn: 'lookupI32', args: [{ input: 0 }, { packed: 0 }, { output: 0 }, -lookup.least], parallel: sizeOf(inputs[0]!.shape) }], packed: [new Int32Array(lookup.table.buffer)] };
    }
    const [scale, zero] = [constants[1], constants[2]];
    if (scale === undefined || (inputs[2] !== undefined && zero === undefined)) return undefined;
    if (scale.data.length !== 1 || (zero !== undefined && zero.data.length !== 1)) return undefined;
    const p = scalarParams(nodeWhere(node), 'x', scale, zero);
    return { calls: [{ fn: 'dequantizeLinear', args: [{ input: 0 }, { output: 0 }, p.scale, p.zero], parallel: sizeOf(inputs[0]!.shape) }] };
  },
};
