// The spatial family against ONNX Runtime: one single-node model per op and attribute/opset
// variant, written by the project's ONNX writer and run by onnxruntime-node.
import { describe, it } from 'vitest';
import type { Attr } from '../src/nn/graph.js';
import { float32, int64, type Tensor } from '../src/nn/tensor.js';
import { randomTensor, seededRandom } from './support/harness.js';
import { expectEngineMatchesOrt } from './support/ort.js';
import { opCaseFeeds, opCaseModel, type OpCase } from './support/op-case.js';

const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const int = (value: number): Attr => ({ kind: 'int', value });
const float = (value: number): Attr => ({ kind: 'float', value });
const floats = (value: number[]): Attr => ({ kind: 'floats', value });
const str = (value: string): Attr => ({ kind: 'string', value });

interface Case {
  name: string;
  op: string;
  /** Shape of the run-time input x. */
  shape: number[];
  /** Constant inputs after it (undefined: an omitted optional input). */
  constants?: (Tensor | undefined)[];
  attrs?: Record<string, Attr>;
  opset?: number;
}

async function golden(c: Case, seed: number): Promise<void> {
  const opCase: OpCase = { ...c, data: [c.shape], range: [-2, 2] };
  await expectEngineMatchesOrt(opCaseModel(opCase), opCaseFeeds(opCase, seed));
}

function run(cases: Case[]): void {
  cases.forEach((c, i) => it(`${c.op} ${c.name}${c.opset === undefined ? '' : ` (opset ${c.opset})`}`, () => golden(c, 100 + i)));
}

const pools: Case[] = [];
for (const op of ['MaxPool', 'AveragePool']) {
  const pool = (name: string, shape: number[], attrs: Record<string, Attr>, opset?: number) => pools.push({ name, op, shape, attrs, opset });
  pool('3x3 s1 p1', [1, 13, 9, 57], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
  pool('2x2 s2', [1, 3, 8, 16], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  pool('2x2 s2 ceil_mode on odd sizes', [1, 3, 7, 57], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(1) });
  pool('3x3 s2 ceil_mode with pads (last window dropped)', [1, 2, 6, 8], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), ceil_mode: int(1) });
  pool('2x2 s2 p1 ceil_mode (last window would start in the end padding)', [1, 2, 5, 5], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), ceil_mode: int(1) });
  pool('3x2 s(2,1) asymmetric pads', [2, 3, 7, 7], { kernel_shape: ints([3, 2]), strides: ints([2, 1]), pads: ints([0, 1, 2, 0]) });
  pool('5x1 s3 ceil', [1, 1, 11, 7], { kernel_shape: ints([5, 1]), strides: ints([3, 3]), ceil_mode: int(1) });
  for (const autoPad of ['SAME_UPPER', 'SAME_LOWER', 'VALID']) {
    pool(`3x3 s2 ${autoPad}`, [1, 3, 7, 8], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), auto_pad: str(autoPad) });
    pool(`2x2 s1 ${autoPad}`, [1, 3, 5, 6], { kernel_shape: ints([2, 2]), auto_pad: str(autoPad) });
  }
  pool('width 1', [1, 64, 5, 1], { kernel_shape: ints([3, 1]), pads: ints([1, 0, 1, 0]) });
  const dilationOpset = op === 'AveragePool' ? 19 : undefined;
  pool('3x3 dilation 2', [1, 3, 9, 13], { kernel_shape: ints([3, 3]), dilations: ints([2, 2]) }, dilationOpset);
  pool('3x3 s2 dilation (2,1) pads 1', [1, 3, 9, 13], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), dilations: ints([2, 1]), pads: ints([1, 1, 1, 1]) }, dilationOpset);
  if (op === 'AveragePool') {
    pool('3x3 s1 p1 count_include_pad', [1, 13, 9, 57], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), count_include_pad: int(1) });
    pool('3x3 s2 p1 ceil count_include_pad', [1, 3, 8, 9], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), ceil_mode: int(1), count_include_pad: int(1) });
    pool('2x2 s2 ceil count_include_pad, no pads', [1, 3, 7, 7], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(1), count_include_pad: int(1) });
    pool('SAME_UPPER count_include_pad', [1, 3, 7, 8], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), auto_pad: str('SAME_UPPER'), count_include_pad: int(1) });
  }
  pool('opset 7', [1, 3, 7, 8], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, 7);
}

const normalization: Case[] = [
  { name: 'channel 1', op: 'GlobalAveragePool', shape: [1, 1, 7, 57] },
  { name: '64 channels', op: 'GlobalAveragePool', shape: [2, 64, 7, 7] },
  { name: 'channel 1', op: 'GlobalMaxPool', shape: [1, 1, 7, 57] },
  { name: '13 channels', op: 'GlobalMaxPool', shape: [2, 13, 1, 57] },
  { name: 'size 5 (AlexNet)', op: 'LRN', shape: [1, 13, 7, 9], attrs: { size: int(5), alpha: float(1e-4), beta: float(0.75), bias: float(1) } },
  { name: 'size 3, beta 0.5, bias 2, large alpha', op: 'LRN', shape: [1, 3, 5, 57], attrs: { size: int(3), alpha: float(0.5), beta: float(0.5), bias: float(2) } },
  // ONNX Runtime accepts odd sizes only; even sizes are checked against the reference in kernels-spatial.
  { name: 'size 3 over 64 channels', op: 'LRN', shape: [2, 64, 3, 7], attrs: { size: int(3), alpha: float(0.01), beta: float(1.2), bias: float(1) } },
];
for (const c of [1, 3, 13, 64]) {
  const rng = seededRandom(c);
  const vec = (lo: number, hi: number) => randomTensor([c], rng, lo, hi);
  normalization.push({ name: `${c} channels`, op: 'BatchNormalization', shape: [2, c, 5, 7], constants: [vec(0.5, 2), vec(-1, 1), vec(-1, 1), vec(0.1, 2)], attrs: { epsilon: float(1e-3) } });
  normalization.push({ name: `${c} channels`, op: 'InstanceNormalization', shape: [2, c, 5, 7], constants: [vec(0.5, 2), vec(-1, 1)], attrs: { epsilon: float(1e-5) } });
}
normalization.push({ name: 'rank 2', op: 'BatchNormalization', shape: [4, 3], constants: [float32([3], [1, 2, 3]), float32([3], [0, 1, -1]), float32([3], [0.5, 0, -0.5]), float32([3], [1, 2, 0.5])] });
normalization.push({ name: 'opset 7', op: 'BatchNormalization', shape: [1, 3, 5, 7], constants: [float32([3], [1, 2, 3]), float32([3], [0, 1, -1]), float32([3], [0.5, 0, -0.5]), float32([3], [1, 2, 0.5])], opset: 7 });

const pads: Case[] = [];
for (const mode of ['constant', 'edge', 'reflect']) {
  pads.push({ name: `${mode}, attribute form`, op: 'Pad', shape: [1, 3, 5, 7], attrs: { mode: str(mode), pads: ints([0, 0, 1, 2, 0, 0, 3, 1]), ...(mode === 'constant' ? { value: float(1.5) } : {}) }, opset: 2 });
  pads.push({ name: `${mode}, input form`, op: 'Pad', shape: [1, 13, 4, 57], attrs: { mode: str(mode) }, constants: [int64([8], [0, 0, 2, 1, 0, 0, 1, 3]), ...(mode === 'constant' ? [float32([], [-2])] : [])], opset: 13 });
  pads.push({ name: `${mode}, width 1`, op: 'Pad', shape: [1, 3, 4, 1], attrs: { mode: str(mode) }, constants: [int64([8], [0, 0, 0, mode === 'reflect' ? 0 : 2, 0, 0, 1, mode === 'reflect' ? 0 : 1])], opset: 13 });
  pads.push({ name: `${mode}, axes input`, op: 'Pad', shape: [1, 3, 5, 7], attrs: { mode: str(mode) }, constants: [int64([4], [2, 1, 1, 3]), undefined, int64([2], [2, 3])], opset: 18 });
}
pads.push({ name: 'constant on channels, default value', op: 'Pad', shape: [1, 3, 5, 7], constants: [int64([8], [0, 2, 0, 0, 0, 1, 0, 0])], opset: 11 });
pads.push({ name: 'negative pads crop', op: 'Pad', shape: [1, 3, 6, 7], constants: [int64([8], [0, 0, -1, 2, 0, 0, 1, -3])], opset: 13 });

const resizes: Case[] = [];
const roi = float32([0], []);
const noScales = float32([0], []);
for (const mode of ['nearest', 'linear']) {
  resizes.push({ name: `${mode} x2`, op: 'Upsample', shape: [1, 3, 5, 7], attrs: { mode: str(mode), scales: floats([1, 1, 2, 2]) }, opset: 7 });
  resizes.push({ name: `${mode} x(1.5, 3)`, op: 'Upsample', shape: [1, 13, 4, 57], attrs: { mode: str(mode) }, constants: [float32([4], [1, 1, 1.5, 3])], opset: 9 });
  resizes.push({ name: `${mode} x(2, 0.5)`, op: 'Resize', shape: [1, 3, 5, 8], attrs: { mode: str(mode) }, constants: [float32([4], [1, 1, 2, 0.5])], opset: 10 });
  resizes.push({ name: `${mode} x(0.6, 2.5)`, op: 'Resize', shape: [1, 3, 5, 8], attrs: { mode: str(mode) }, constants: [float32([4], [1, 1, 0.6, 2.5])], opset: 10 });
}
const coordinateModes = ['half_pixel', 'asymmetric', 'pytorch_half_pixel', 'align_corners', 'tf_half_pixel_for_nn'];
for (const coordinates of coordinateModes) {
  for (const nearest of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
    resizes.push({ name: `nearest ${coordinates} ${nearest} x(2, 3)`, op: 'Resize', shape: [1, 3, 4, 7], attrs: { mode: str('nearest'), coordinate_transformation_mode: str(coordinates), nearest_mode: str(nearest) }, constants: [roi, float32([4], [1, 1, 2, 3])], opset: 13 });
    resizes.push({ name: `nearest ${coordinates} ${nearest} sizes 3x5 from 7x9`, op: 'Resize', shape: [1, 3, 7, 9], attrs: { mode: str('nearest'), coordinate_transformation_mode: str(coordinates), nearest_mode: str(nearest) }, constants: [roi, noScales, int64([4], [1, 3, 3, 5])], opset: 11 });
  }
  if (coordinates === 'tf_half_pixel_for_nn') continue;
  resizes.push({ name: `linear ${coordinates} x(2, 1.5)`, op: 'Resize', shape: [1, 13, 5, 7], attrs: { mode: str('linear'), coordinate_transformation_mode: str(coordinates) }, constants: [roi, float32([4], [1, 1, 2, 1.5])], opset: 13 });
  resizes.push({ name: `linear ${coordinates} sizes 4x20 from 7x57`, op: 'Resize', shape: [1, 3, 7, 57], attrs: { mode: str('linear'), coordinate_transformation_mode: str(coordinates) }, constants: [roi, noScales, int64([4], [1, 3, 4, 20])], opset: 11 });
  resizes.push({ name: `linear ${coordinates} to 1x1`, op: 'Resize', shape: [1, 3, 4, 5], attrs: { mode: str('linear'), coordinate_transformation_mode: str(coordinates) }, constants: [roi, noScales, int64([4], [1, 3, 1, 1])], opset: 13 });
  for (const [a, exclude] of [[-0.75, 0], [-0.5, 1]] as const) {
    resizes.push({ name: `cubic ${coordinates} a=${a} exclude_outside=${exclude} x(2, 3)`, op: 'Resize', shape: [1, 3, 5, 7], attrs: { mode: str('cubic'), coordinate_transformation_mode: str(coordinates), cubic_coeff_a: float(a), exclude_outside: int(exclude) }, constants: [roi, float32([4], [1, 1, 2, 3])], opset: 13 });
    resizes.push({ name: `cubic ${coordinates} a=${a} exclude_outside=${exclude} sizes 4x5 from 9x7`, op: 'Resize', shape: [1, 3, 9, 7], attrs: { mode: str('cubic'), coordinate_transformation_mode: str(coordinates), cubic_coeff_a: float(a), exclude_outside: int(exclude) }, constants: [roi, noScales, int64([4], [1, 3, 4, 5])], opset: 11 });
  }
}
resizes.push({ name: 'linear x8 (OpenPose heatmap upsampling)', op: 'Resize', shape: [1, 19, 6, 8], attrs: { mode: str('linear') }, constants: [undefined, float32([4], [1, 1, 8, 8])], opset: 13 });
resizes.push({ name: 'cubic x4 width 1', op: 'Resize', shape: [1, 2, 3, 1], attrs: { mode: str('cubic') }, constants: [undefined, float32([4], [1, 1, 4, 4])], opset: 13 });
resizes.push({ name: 'linear axes [2, 3] sizes', op: 'Resize', shape: [1, 3, 5, 7], attrs: { mode: str('linear'), axes: ints([2, 3]) }, constants: [undefined, undefined, int64([2], [9, 4])], opset: 18 });
resizes.push({ name: 'nearest half_pixel_symmetric x(2, 1.7)', op: 'Resize', shape: [1, 3, 5, 7], attrs: { mode: str('nearest'), coordinate_transformation_mode: str('half_pixel_symmetric') }, constants: [undefined, float32([4], [1, 1, 2, 1.7])], opset: 19 });
resizes.push({ name: 'linear half_pixel_symmetric x(0.5, 1.7)', op: 'Resize', shape: [1, 3, 6, 7], attrs: { mode: str('linear'), coordinate_transformation_mode: str('half_pixel_symmetric') }, constants: [undefined, float32([4], [1, 1, 0.5, 1.7])], opset: 19 });

describe('pooling vs ONNX Runtime', () => run(pools));
describe('normalization and global pools vs ONNX Runtime', () => run(normalization));
describe('Pad vs ONNX Runtime', () => run(pads));
describe('Resize and Upsample vs ONNX Runtime', () => run(resizes));
