// GatherND (opset 11, batch_dims from 12): indices [..., k] address slices of data. With b =
// batch_dims leading dimensions shared by data and indices, the output is
//   indices.shape[:-1] ++ data.shape[b + k:]
// and output tuple t of batch n copies data[n, idx_0, ..., idx_{k-1}, ...]. Negative indices
// count from the end. An index outside its dimension yields a zero slice (ONNX leaves this
// undefined; the WASM kernel cannot throw mid-run, so the reference does the same).
import { ShapeError } from '../../errors.js';
import { attrInt, type Node } from '../../graph.js';
import { allocData, shapeString, sizeOf, toNumbers, type Tensor, type TensorData } from '../../tensor.js';
import type { OpDef } from '../types.js';

interface GatherNdLayout {
  shape: number[];
  /** Index tuples per batch, and elements each tuple copies. */
  tuplesPerBatch: number;
  batches: number;
  tupleLength: number;
  sliceSize: number;
  /** Elements of data per batch. */
  batchStride: number;
  /** The k addressed data dimensions and their strides (in elements). */
  dims: number[];
  strides: number[];
}

function layoutOf(node: Node, data: readonly number[], indices: readonly number[]): GatherNdLayout {
  const b = attrInt(node, 'batch_dims', 0);
  const k = indices[indices.length - 1];
  const fail = (why: string): never => {
    throw new ShapeError(`GatherND node '${node.name}': ${why} (data ${shapeString(data)}, indices ${shapeString(indices)}, batch_dims ${b})`);
  };
  if (indices.length < 1 || k === undefined) return fail('indices must have rank >= 1');
  if (!Number.isInteger(b) || b < 0 || b >= Math.min(data.length, indices.length)) fail('batch_dims out of range');
  if (b + k > data.length) fail('the index tuples are longer than data has dimensions');
  for (let d = 0; d < b; d++) if (data[d] !== indices[d]) fail(`batch dimension ${d} differs`);
  const dims = data.slice(b, b + k);
  const sliceSize = sizeOf(data.slice(b + k));
  const strides = dims.map((_, j) => sizeOf(data.slice(b + j + 1)));
  return {
    shape: [...indices.slice(0, -1), ...data.slice(b + k)],
    batches: sizeOf(data.slice(0, b)),
    tuplesPerBatch: sizeOf(indices.slice(b, -1)),
    tupleLength: k,
    sliceSize,
    batchStride: sizeOf(data.slice(b)),
    dims,
    strides,
  };
}

export const gatherNd: OpDef = {
  type: 'GatherND',
  inferTypes: ({ node, inputs }) => [{ dtype: inputs[0]!.dtype, shape: layoutOf(node, inputs[0]!.shape, inputs[1]!.shape).shape }],
  reference: ({ node, inputs }) => {
    const data = inputs[0]!;
    const layout = layoutOf(node, data.shape, inputs[1]!.shape);
    const { batches, tuplesPerBatch, tupleLength, sliceSize, batchStride, dims, strides } = layout;
    const indices = toNumbers(inputs[1]!);
    const out = allocData(data.dtype, sizeOf(layout.shape));
    const source = data.data as unknown as { [i: number]: number | bigint };
    const target = out as unknown as { [i: number]: number | bigint };
    for (let t = 0; t < batches * tuplesPerBatch; t++) {
      let offset = Math.floor(t / tuplesPerBatch) * batchStride;
      let inRange = true;
      for (let j = 0; j < tupleLength; j++) {
        let index = indices[t * tupleLength + j]!;
        if (index < 0) index += dims[j]!;
        if (index < 0 || index >= dims[j]!) inRange = false;
        offset += index * strides[j]!;
      }
      // Fresh storage is zero, which is what an out-of-range tuple yields.
      if (inRange) for (let e = 0; e < sliceSize; e++) target[t * sliceSize + e] = source[offset + e]!;
    }
    return [{ dtype: data.dtype, shape: layout.shape, data: out as TensorData } satisfies Tensor];
  },
  plan: ({ node, inputs, outputs }) => {
    // Run-time values are 4 bytes whatever their dtype, so one copy kernel serves all of them.
    const layout = layoutOf(node, inputs[0]!.shape, inputs[1]!.shape);
    const tuples = layout.batches * layout.tuplesPerBatch;
    if (sizeOf(outputs[0]!.shape) === 0) return { calls: [] };
    return {
      calls: [
        {
          fn: 'gatherNd',
          args: [{ input: 0 }, { input: 1 }, { output: 0 }, layout.tupleLength, layout.sliceSize, layout.tuplesPerBatch, layout.batchStride, { packed: 0 }],
          parallel: tuples,
        },
      ],
      packed: [Int32Array.from([...layout.dims, ...layout.strides])],
    };
  },
};
