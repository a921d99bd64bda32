// The elementwise family against ONNX Runtime: one single-node model per op and attribute/opset
// variant, written by the project's ONNX writer and run by onnxruntime-node. (ORT has no Add
// before opset 7, so the legacy broadcast attributes are tested against the reference only.)
import { describe, it } from 'vitest';
import type { Attr } from '../src/nn/graph.js';
import { fromNumbers, int64, type Tensor } from '../src/nn/tensor.js';
import { expectEngineMatchesOrt } from './support/ort.js';
import { opCaseFeeds, opCaseModel, type OpCase } from './support/op-case.js';

const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const int = (value: number): Attr => ({ kind: 'int', value });
const float = (value: number): Attr => ({ kind: 'float', value });
const f32 = (values: number[], shape: number[] = []): Tensor => fromNumbers('float32', shape, values);

type Case = OpCase & { name: string };

async function golden(c: Case): Promise<void> {
  await expectEngineMatchesOrt(opCaseModel(c), opCaseFeeds(c, 11));
}

const binaryShapes: [string, number[][]][] = [
  ['same shape', [[1, 13, 7, 57], [1, 13, 7, 57]]],
  ['scalar', [[13, 57], []]],
  ['per-channel', [[2, 13, 7, 7], [13, 1, 1]]],
  ['middle axis, first operand broadcast', [[7, 1], [3, 7, 13]]],
  ['outer product', [[13, 1], [1, 57]]],
];

const cases: Case[] = [
  ...['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min'].flatMap((op) => binaryShapes.map(([name, data]): Case => ({ name, op, data }))),
  { name: 'positive base, tensor exponent', op: 'Pow', data: [[13, 57], [57]], range: [0.1, 2] },
  { name: 'constant exponent 2', op: 'Pow', data: [[4097]], constants: [f32([2])] },
  { name: 'int64 exponent (opset 12)', op: 'Pow', data: [[57]], constants: [int64([], [3])], opset: 12 },
  { name: 'opset 7 broadcast', op: 'Mul', data: [[2, 3, 7], [7]], opset: 7 },

  { name: 'three inputs broadcast', op: 'Sum', data: [[3], [1], [2, 3]] },
  { name: 'one input', op: 'Sum', data: [[57]] },
  { name: 'four inputs', op: 'Max', data: [[1, 13, 7, 7], [13, 1, 1], [1], [1, 13, 7, 7]] },
  { name: 'three inputs (opset 8)', op: 'Min', data: [[7, 1], [1, 13], [13]], opset: 8 },

  { name: 'per-channel slope', op: 'PRelu', data: [[1, 13, 7, 7]], constants: [f32(Array.from({ length: 13 }, (_, i) => i / 4 - 1), [13, 1, 1])] },
  { name: 'one slope', op: 'PRelu', data: [[2, 57], [1]] },

  { name: 'default', op: 'Relu', data: [[4097]] },
  { name: 'default alpha', op: 'LeakyRelu', data: [[13, 57]] },
  { name: 'alpha 0.2', op: 'LeakyRelu', data: [[57]], attrs: { alpha: float(0.2) } },
  { name: 'default alpha', op: 'Elu', data: [[13, 57]], range: [-8, 3] },
  { name: 'alpha 0.5', op: 'Elu', data: [[57]], range: [-8, 3], attrs: { alpha: float(0.5) } },
  { name: 'defaults', op: 'Selu', data: [[13, 57]], range: [-8, 3] },
  { name: 'alpha 2, gamma 0.5', op: 'Selu', data: [[57]], range: [-8, 3], attrs: { alpha: float(2), gamma: float(0.5) } },
  { name: 'wide range', op: 'Sigmoid', data: [[4097]], range: [-20, 20] },
  { name: 'wide range', op: 'Tanh', data: [[4097]], range: [-12, 12] },
  { name: 'wide range', op: 'Softplus', data: [[4097]], range: [-30, 30] },
  { name: 'defaults', op: 'HardSigmoid', data: [[13, 57]], range: [-6, 6] },
  { name: 'alpha 0.5, beta 0.25', op: 'HardSigmoid', data: [[57]], range: [-6, 6], attrs: { alpha: float(0.5), beta: float(0.25) } },
  { name: 'default', op: 'HardSwish', data: [[13, 57]], range: [-5, 5] },
  { name: 'default', op: 'Exp', data: [[4097]], range: [-10, 10] },
  { name: 'default', op: 'Sqrt', data: [[57]], range: [0, 9] },
  { name: 'default', op: 'Neg', data: [[57]] },
  { name: 'default', op: 'Abs', data: [[57]] },
  { name: 'default', op: 'Erf', data: [[4097]], range: [-4, 4] },
  { name: 'default', op: 'Floor', data: [[57]], range: [-9, 9] },
  { name: 'default', op: 'Ceil', data: [[57]], range: [-9, 9] },
  { name: 'default', op: 'Round', data: [[57]], range: [-9, 9] },
  { name: 'default', op: 'Reciprocal', data: [[57]], range: [0.5, 4] },

  { name: 'attributes (opset 6)', op: 'Clip', data: [[13, 57]], attrs: { min: float(-0.5), max: float(0.25) }, opset: 6 },
  { name: 'min attribute only (opset 6)', op: 'Clip', data: [[57]], attrs: { min: float(0) }, opset: 6 },
  { name: 'both inputs (opset 13)', op: 'Clip', data: [[13, 57]], constants: [f32([-0.3]), f32([0.6])], opset: 13 },
  { name: 'max input only (opset 13)', op: 'Clip', data: [[57]], constants: [undefined, f32([0.1])], opset: 13 },
  { name: 'no bounds (opset 13)', op: 'Clip', data: [[7]], opset: 13 },
  { name: 'min > max (opset 13)', op: 'Clip', data: [[13]], constants: [f32([0.5]), f32([-0.5])], opset: 13 },
  { name: 'bounds at run time (opset 11)', op: 'Clip', data: [[13], [], []], opset: 11 },

  ...['Softmax', 'LogSoftmax'].flatMap((op): Case[] => [
    { name: 'default axis (opset 11, coerced to 2-D)', op, data: [[2, 3, 7, 5]], opset: 11, range: [-20, 20] },
    { name: 'axis 2 (opset 11)', op, data: [[2, 3, 7, 5]], attrs: { axis: int(2) }, opset: 11 },
    { name: 'default axis -1 (opset 13)', op, data: [[2, 13, 57]], opset: 13, range: [-20, 20] },
    { name: 'channels of NCHW (opset 13)', op, data: [[1, 13, 7, 7]], attrs: { axis: int(1) }, opset: 13 },
    { name: 'axis 0 (opset 13)', op, data: [[5, 7]], attrs: { axis: int(0) }, opset: 13 },
  ]),

  { name: 'axes attribute (opset 11)', op: 'ReduceSum', data: [[2, 3, 7, 5]], attrs: { axes: ints([1, 3]) }, opset: 11 },
  { name: 'all axes, keepdims 0 (opset 11)', op: 'ReduceSum', data: [[3, 57]], attrs: { keepdims: int(0) }, opset: 11 },
  { name: 'axes input (opset 13)', op: 'ReduceSum', data: [[2, 3, 7, 5]], constants: [int64([2], [2, 3])], opset: 13 },
  { name: 'axes input, keepdims 0 (opset 13)', op: 'ReduceSum', data: [[2, 13, 7]], constants: [int64([1], [-2])], attrs: { keepdims: int(0) }, opset: 13 },
  { name: 'noop_with_empty_axes (opset 13)', op: 'ReduceSum', data: [[3, 7]], attrs: { noop_with_empty_axes: int(1) }, opset: 13 },
  { name: 'spatial mean (opset 13)', op: 'ReduceMean', data: [[1, 13, 7, 57]], attrs: { axes: ints([2, 3]) }, opset: 13 },
  { name: 'axes 0 and 2, keepdims 0 (opset 13)', op: 'ReduceMean', data: [[3, 7, 5]], attrs: { axes: ints([0, 2]), keepdims: int(0) }, opset: 13 },
  { name: 'axes input (opset 18)', op: 'ReduceMean', data: [[2, 13, 7]], constants: [int64([1], [1])], opset: 18 },
  { name: 'channels (opset 13)', op: 'ReduceMax', data: [[1, 13, 7, 7]], attrs: { axes: ints([1]) }, opset: 13 },
  { name: 'axes input (opset 18)', op: 'ReduceMax', data: [[2, 3, 57]], constants: [int64([2], [0, -1])], attrs: { keepdims: int(0) }, opset: 18 },

  { name: 'float to int64', op: 'Cast', data: [[57]], range: [-9, 9], attrs: { to: int(7) }, outputType: 'int64' },
  { name: 'float to int32', op: 'Cast', data: [[57]], range: [-9, 9], attrs: { to: int(6) }, outputType: 'int32' },
  { name: 'float to bool', op: 'Cast', data: [[7]], attrs: { to: int(9) }, outputType: 'bool' },
  { name: 'int64 to float (folded)', op: 'Cast', data: [], constants: [int64([4], [-3, 0, 7, 1 << 30])], attrs: { to: int(1) } },

  { name: 'float, broadcast', op: 'Equal', data: [[7]], constants: [f32([0.5, 0.5, 1, 1, 1, 1, 1], [7])], outputType: 'bool' },
  { name: 'int64 (folded)', op: 'Equal', data: [], constants: [int64([3], [1, 2, 3]), int64([1], [2])], outputType: 'bool' },
  { name: 'broadcast', op: 'Less', data: [[3, 1], [5]], outputType: 'bool' },
  { name: 'broadcast', op: 'Greater', data: [[3, 1], [5]], outputType: 'bool' },
  { name: 'bool condition, float values', op: 'Where', data: [], constants: [fromNumbers('bool', [3, 1], [1, 0, 1]), f32([1, 2, 3, 4], [4]), f32([-1])] },
  { name: 'int64 values (folded)', op: 'Where', data: [], constants: [fromNumbers('bool', [3], [0, 1, 1]), int64([3], [1, 2, 3]), int64([1], [-5])], outputType: 'int64' },
  { name: 'bool', op: 'Not', data: [], constants: [fromNumbers('bool', [4], [1, 0, 0, 1])], outputType: 'bool' },
  { name: 'int64 division truncates (folded)', op: 'Div', data: [], constants: [int64([4], [-7, 7, -7, 9]), int64([4], [2, -2, -2, 3])], outputType: 'int64' },
  { name: 'int64 shape arithmetic (folded)', op: 'Mul', data: [], constants: [int64([3], [2, 3, 4]), int64([], [5])], outputType: 'int64' },
];

describe('elementwise ops vs ONNX Runtime', () => {
  for (const c of cases) it(`${c.op}: ${c.name}`, () => golden(c));
});
