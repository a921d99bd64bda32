// The tensor family against ONNX Runtime: one single-node model per op and attribute/opset
// variant, written by the project's ONNX writer and run by onnxruntime-node.
import { describe, it } from 'vitest';
import type { Attr } from '../src/nn/graph.js';
import { fromNumbers, int64 } from '../src/nn/tensor.js';
import { expectEngineMatchesOrt } from './support/ort.js';
import { opCaseFeeds, opCaseModel, type OpCase } from './support/op-case.js';

const INT64_MAX = 9223372036854775807;
const INT64_MIN = -9223372036854775808;

const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const int = (value: number): Attr => ({ kind: 'int', value });

type Case = OpCase & { name: string };

async function golden(c: Case): Promise<void> {
  await expectEngineMatchesOrt(opCaseModel(c), opCaseFeeds(c, 11));
}

const cases: Case[] = [
  { name: 'channels of NCHW', op: 'Concat', data: [[1, 3, 5, 7], [1, 13, 5, 7], [1, 1, 5, 7]], attrs: { axis: int(1) } },
  { name: 'negative axis, batch 2', op: 'Concat', data: [[2, 3, 7], [2, 3, 1]], attrs: { axis: int(-1) } },
  { name: 'constant input', op: 'Concat', data: [[2, 3]], constants: [fromNumbers('float32', [1, 3], [1, 2, 3])], attrs: { axis: int(0) } },

  { name: 'split attribute (opset 11)', op: 'Split', data: [[1, 13, 3, 7]], attrs: { axis: int(1), split: ints([2, 5, 6]) }, outputs: 3, opset: 11 },
  { name: 'equal (opset 11)', op: 'Split', data: [[6, 7]], outputs: 3, opset: 11 },
  { name: 'split input (opset 13)', op: 'Split', data: [[2, 13, 5]], constants: [int64([2], [4, 9])], attrs: { axis: int(-2) }, outputs: 2, opset: 13 },
  { name: 'num_outputs uneven (opset 18)', op: 'Split', data: [[1, 13, 7]], attrs: { axis: int(1), num_outputs: int(3) }, outputs: 3, opset: 18 },

  { name: 'attributes (opset 1)', op: 'Slice', data: [[1, 13, 7, 5]], attrs: { starts: ints([2, 1]), ends: ints([9, -1]), axes: ints([1, 3]) }, opset: 1 },
  { name: 'inputs, steps 2 and 3 (opset 10)', op: 'Slice', data: [[1, 13, 57]], constants: [int64([2], [1, 0]), int64([2], [13, 57]), int64([2], [1, 2]), int64([2], [2, 3])], opset: 10 },
  { name: 'negative step to INT64_MIN', op: 'Slice', data: [[3, 57]], constants: [int64([1], [-1]), int64([1], [INT64_MIN]), int64([1], [-1]), int64([1], [-1])] },
  { name: 'negative step 2 from the middle', op: 'Slice', data: [[2, 13, 7]], constants: [int64([2], [10, 5]), int64([2], [0, -100]), int64([2], [1, 2]), int64([2], [-2, -3])] },
  { name: 'INT64_MAX ends, negative axes', op: 'Slice', data: [[2, 3, 13]], constants: [int64([2], [1, 4]), int64([2], [INT64_MAX, INT64_MAX]), int64([2], [-3, -1])] },
  { name: 'channels', op: 'Slice', data: [[1, 64, 7, 7]], constants: [int64([1], [3]), int64([1], [16]), int64([1], [1])] },

  { name: 'NCHW -> NHWC', op: 'Transpose', data: [[1, 13, 7, 57]], attrs: { perm: ints([0, 2, 3, 1]) } },
  { name: 'NHWC -> NCHW, batch 2', op: 'Transpose', data: [[2, 7, 5, 64]], attrs: { perm: ints([0, 3, 1, 2]) } },
  { name: 'default reverses', op: 'Transpose', data: [[3, 5, 7]] },
  { name: 'general', op: 'Transpose', data: [[3, 2, 7, 5]], attrs: { perm: ints([1, 0, 3, 2]) } },

  { name: 'repeats', op: 'Tile', data: [[3, 1, 7]], constants: [int64([3], [2, 3, 1])] },
  { name: 'inner repeats', op: 'Tile', data: [[2, 3, 5]], constants: [int64([3], [1, 2, 2])] },

  { name: 'axis 0, negative indices', op: 'Gather', data: [[13, 7]], constants: [int64([4], [0, 12, -1, 3])] },
  { name: 'axis 1, 2-D indices', op: 'Gather', data: [[2, 13, 5]], constants: [int64([2, 3], [1, -13, 4, 4, 0, 12])], attrs: { axis: int(1) } },
  { name: 'axis -1, scalar index', op: 'Gather', data: [[3, 57]], constants: [int64([], [-2])], attrs: { axis: int(-1) } },

  { name: 'to a larger rank', op: 'Expand', data: [[3, 1]], constants: [int64([3], [2, 3, 7])] },
  { name: 'per-channel to NCHW', op: 'Expand', data: [[1, 13, 1, 1]], constants: [int64([4], [2, 13, 5, 7])] },
  { name: 'target of ones', op: 'Expand', data: [[2, 3, 4]], constants: [int64([2], [3, 1])] },

  { name: '0 and -1', op: 'Reshape', data: [[1, 13, 5, 7]], constants: [int64([3], [0, -1, 7])] },
  { name: 'allowzero (opset 14)', op: 'Reshape', data: [[2, 3, 7]], constants: [int64([3], [7, 3, 2])], attrs: { allowzero: int(1) }, opset: 14 },
  { name: 'axis 2', op: 'Flatten', data: [[2, 3, 5, 7]], attrs: { axis: int(2) } },
  { name: 'axis -1', op: 'Flatten', data: [[2, 3, 5]], attrs: { axis: int(-1) } },
  { name: 'axis 0', op: 'Flatten', data: [[2, 3, 5]], attrs: { axis: int(0) } },
  { name: 'axes attribute (opset 11)', op: 'Squeeze', data: [[1, 3, 1, 7]], attrs: { axes: ints([0, -2]) }, opset: 11 },
  { name: 'axes input (opset 13)', op: 'Squeeze', data: [[1, 3, 1, 7]], constants: [int64([1], [2])], opset: 13 },
  { name: 'all ones (opset 13)', op: 'Squeeze', data: [[1, 3, 1, 7]], opset: 13 },
  { name: 'axes attribute (opset 11)', op: 'Unsqueeze', data: [[3, 7]], attrs: { axes: ints([0, 3]) }, opset: 11 },
  { name: 'negative axes input (opset 13)', op: 'Unsqueeze', data: [[3, 7]], constants: [int64([2], [-1, 1])], opset: 13 },

  { name: 'of a graph input', op: 'Shape', data: [[2, 3, 5, 7]], outputType: 'int64' },
  { name: 'start/end (opset 15)', op: 'Shape', data: [[2, 3, 5, 7]], attrs: { start: int(1), end: int(-1) }, outputType: 'int64', opset: 15 },
  { name: 'of a graph input', op: 'Size', data: [[2, 3, 5, 7]], outputType: 'int64' },
  { name: 'default float zeros', op: 'ConstantOfShape', data: [], constants: [int64([2], [2, 3])] },
  { name: 'int64 value', op: 'ConstantOfShape', data: [], constants: [int64([1], [3])], attrs: { value: { kind: 'tensor', value: int64([1], [7]) } }, outputType: 'int64' },
  { name: 'value tensor', op: 'Constant', data: [], attrs: { value: { kind: 'tensor', value: fromNumbers('float32', [2], [1.5, -2]) } } },
  { name: 'value_ints (opset 13)', op: 'Constant', data: [], attrs: { value_ints: ints([3, -1]) }, outputType: 'int64', opset: 13 },
  { name: 'value_float (opset 13)', op: 'Constant', data: [], attrs: { value_float: { kind: 'float', value: 0.25 } }, opset: 13 },
  { name: 'int64 descending', op: 'Range', data: [], constants: [int64([], [10]), int64([], [1]), int64([], [-3])], outputType: 'int64' },
  { name: 'float', op: 'Range', data: [], constants: [fromNumbers('float32', [], [0]), fromNumbers('float32', [], [1]), fromNumbers('float32', [], [0.25])] },
];

describe('tensor ops vs ONNX Runtime', () => {
  it.each(cases.map((c) => [`${c.op}: ${c.name}`, c] as const))('%s', async (_name, c) => {
    await golden(c);
  });
});
