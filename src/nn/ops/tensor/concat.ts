// Concat: joins tensors along one axis. Viewed as [outer, dim_k * inner] blocks per input, each
// input's blocks land side by side in the output's [outer, sum(dim_k) * inner] rows: on NCHW
// with batch 1 along the channels that is one contiguous copy per input.
import { ShapeError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { allocData, shapeString, sizeOf, type TensorData } from '../../tensor.js';
import type { Arg, OpDef, ValueType, WasmCall } from '../types.js';
import { normalizeAxis } from './common.js';

function concatAxis(node: Node, opset: number, rank: number): number {
  // Concat-1 defaulted to axis 1; from opset 4 the attribute is required.
  if (node.attrs['axis'] === undefined && opset >= 4) throw new ShapeError(`Concat node '${node.name}' has no axis attribute`);
  return normalizeAxis(node, attrInt(node, 'axis', 1), rank);
}

function concatShape(node: Node, opset: number, shapes: readonly (readonly number[])[]): { axis: number; shape: number[] } {
  if (shapes.length === 0) throw new ShapeError(`Concat node '${node.name}' has no inputs`);
  const first = shapes[0]!;
  const axis = concatAxis(node, opset, first.length);
  const shape = [...first];
  shape[axis] = 0;
  for (const s of shapes) {
    const fits = s.length === first.length && s.every((d, i) => i === axis || d === first[i]);
    if (!fits) throw new ShapeError(`Concat node '${node.name}': shapes ${shapes.map(shapeString).join(', ')} differ outside axis ${axis}`);
    shape[axis] += s[axis]!;
  }
  return { axis, shape };
}

type Elements = { [i: number]: number | bigint };

export const concat: OpDef = {
  type: 'Concat',
  inferTypes: ({ node, opset, inputs }) => {
    const types = inputs.map((t) => t!);
    return [{ dtype: types[0]!.dtype, shape: concatShape(node, opset, types.map((t) => t.shape)).shape }];
  },
  reference: ({ node, opset, inputs }) => {
    const parts = inputs.map((t) => t!);
    const { axis, shape } = concatShape(node, opset, parts.map((t) => t.shape));
    const outer = sizeOf(shape.slice(0, axis));
    const inner = sizeOf(shape.slice(axis + 1));
    const data = allocData(parts[0]!.dtype, sizeOf(shape));
    const out = data as unknown as Elements;
    let o = 0;
    for (let row = 0; row < outer; row++) {
      for (const part of parts) {
        const block = part.shape[axis]! * inner;
        const src = part.data as unknown as Elements;
        for (let i = 0; i < block; i++) out[o++] = src[row * block + i]!;
      }
    }
    return [{ dtype: parts[0]!.dtype, shape, data: data as TensorData }];
  },
  plan: ({ node, inputs, outputs }) => {
    const shape = outputs[0]!.shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 1), shape.length);
    return { calls: blockCopies(inputs.map((t) => t!), shape, axis, 'concat') };
  },
};

/**
 * copyBlocks calls between one tensor of `whole` shape and its pieces along `axis`: Concat
 * copies each piece into the whole, Split the whole into each piece.
 */
export function blockCopies(pieces: readonly ValueType[], whole: readonly number[], axis: number, direction: 'concat' | 'split'): WasmCall[] {
  const outer = sizeOf(whole.slice(0, axis));
  const inner = sizeOf(whole.slice(axis + 1));
  const wholeRow = whole[axis]! * inner;
  const calls: WasmCall[] = [];
  let offset = 0;
  pieces.forEach((piece, k) => {
    const block = piece.shape[axis]! * inner;
    if (block > 0 && outer > 0) {
      const args: [Arg, Arg, Arg, Arg, Arg, Arg] =
        direction === 'concat'
          ? [{ output: 0 }, offset, wholeRow, { input: k }, 0, block]
          : [{ output: k }, 0, block, { input: 0 }, offset, wholeRow];
      calls.push({ fn: 'copyBlocks', args: [...args, block], parallel: outer });
    }
    offset += block;
  });
  return calls;
}
