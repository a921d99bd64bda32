// Golden tests of the conv family against ONNX Runtime: single-node Conv / ConvTranspose / Gemm /
// MatMul models over the attribute combinations, Conv followed by each activation (which the
// engine fuses and ORT runs as its own op), and a small multi-layer network (conv-bn-relu,
// depthwise-separable blocks, a residual Add) with seeded random weights. Tolerance 1e-4 x
// max(1, max |ort|).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { emptyGraph, emptyModel, type Attr, type Model, type Node } from '../src/nn/graph.js';
import { convTuning } from '../src/nn/ops/conv/conv.js';
import { hasOp } from '../src/nn/ops/registry.js';
import { float32, type Tensor } from '../src/nn/tensor.js';
import { randomTensor, seededRandom, singleNodeModel } from './support/harness.js';
import { opCaseFeeds, opCaseModel, type OpCase } from './support/op-case.js';
import { expectEngineMatchesOrt } from './support/ort.js';

const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const int = (value: number): Attr => ({ kind: 'int', value });
const float = (value: number): Attr => ({ kind: 'float', value });
const str = (value: string): Attr => ({ kind: 'string', value });

interface ConvSpec {
  x: [number, number, number, number];
  cout: number;
  kernel: [number, number];
  attrs: Record<string, Attr>;
  bias?: boolean;
}

const CONVS: [string, ConvSpec][] = [
  ['dense 3x3 pad 1', { x: [1, 3, 9, 57], cout: 13, kernel: [3, 3], attrs: { pads: ints([1, 1, 1, 1]) } }],
  ['dense 3x3 stride 2 asymmetric pads', { x: [1, 13, 7, 7], cout: 64, kernel: [3, 3], attrs: { strides: ints([2, 2]), pads: ints([1, 0, 2, 1]) } }],
  ['dense 3x3 dilation 2', { x: [1, 64, 5, 57], cout: 13, kernel: [3, 3], attrs: { dilations: ints([2, 2]), pads: ints([2, 2, 2, 2]) } }],
  ['dense 5x5 mixed strides and dilations', { x: [1, 13, 11, 9], cout: 7, kernel: [5, 5], attrs: { strides: ints([2, 1]), dilations: ints([1, 2]), pads: ints([2, 3, 1, 0]) } }],
  ['dense non-square SAME_UPPER', { x: [1, 2, 6, 7], cout: 3, kernel: [1, 3], attrs: { auto_pad: { kind: 'string', value: 'SAME_UPPER' } } }],
  ['dense 4x2 stride 2x3 SAME_LOWER', { x: [1, 2, 6, 7], cout: 3, kernel: [4, 2], attrs: { strides: ints([2, 3]), auto_pad: { kind: 'string', value: 'SAME_LOWER' } } }],
  ['dense 3x1 VALID no bias', { x: [1, 4, 8, 57], cout: 6, kernel: [3, 1], attrs: { strides: ints([2, 2]), auto_pad: { kind: 'string', value: 'VALID' } }, bias: false }],
  ['dense groups 2 batch 2', { x: [2, 6, 7, 5], cout: 4, kernel: [3, 3], attrs: { group: int(2), pads: ints([0, 1, 1, 0]) } }],
  ['width 1', { x: [1, 3, 1, 1], cout: 5, kernel: [3, 3], attrs: { pads: ints([1, 1, 1, 1]) } }],
  ['pointwise 64 -> 13', { x: [1, 64, 7, 57], cout: 13, kernel: [1, 1], attrs: {} }],
  ['pointwise groups 2', { x: [2, 64, 5, 57], cout: 64, kernel: [1, 1], attrs: { group: int(2) } }],
  ['1x1 stride 2', { x: [1, 13, 3, 4], cout: 13, kernel: [1, 1], attrs: { strides: ints([2, 2]) } }],
  ['depthwise 3x3', { x: [1, 64, 7, 57], cout: 64, kernel: [3, 3], attrs: { group: int(64), pads: ints([1, 1, 1, 1]) } }],
  ['depthwise 3x3 stride 2', { x: [1, 13, 9, 57], cout: 13, kernel: [3, 3], attrs: { group: int(13), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } }],
  ['depthwise 3x3 dilation 2', { x: [1, 13, 7, 7], cout: 13, kernel: [3, 3], attrs: { group: int(13), dilations: ints([2, 2]), pads: ints([2, 2, 2, 2]) } }],
  ['depthwise multiplier 2', { x: [1, 3, 7, 7], cout: 6, kernel: [3, 3], attrs: { group: int(3), pads: ints([1, 1, 1, 1]) } }],
  ['depthwise 5x3 stride 3x2', { x: [2, 3, 9, 11], cout: 9, kernel: [5, 3], attrs: { group: int(3), strides: ints([3, 2]), pads: ints([2, 1, 0, 1]) } }],
  // (ORT refuses dilation with SAME_*; the kernel tests cover that combination against the reference.)
  ['depthwise 2x5 SAME_LOWER', { x: [1, 13, 7, 57], cout: 13, kernel: [2, 5], attrs: { group: int(13), strides: ints([1, 2]), auto_pad: { kind: 'string', value: 'SAME_LOWER' } } }],
];

function convModel(label: string, spec: ConvSpec, seed: number): { model: Model; x: Tensor } {
  const rng = seededRandom(seed);
  const groups = spec.attrs.group?.kind === 'int' ? spec.attrs.group.value : 1;
  const wShape = [spec.cout, spec.x[1] / groups, ...spec.kernel];
  const initializers: Record<string, Tensor> = { W: randomTensor(wShape, rng) };
  const inputs = [{ name: 'X', dtype: 'float32' as const, shape: [...spec.x] }, { name: 'W', dtype: 'float32' as const, shape: wShape }];
  if (spec.bias !== false) {
    initializers.B = randomTensor([spec.cout], rng);
    inputs.push({ name: 'B', dtype: 'float32', shape: [spec.cout] });
  }
  const model = singleNodeModel({ op: 'Conv', inputs, outputs: ['Y'], attrs: { kernel_shape: ints(spec.kernel), ...spec.attrs }, initializers });
  model.graph.name = label;
  return { model, x: randomTensor(spec.x, rng) };
}

describe('Conv vs ONNX Runtime', () => {
  it.each(CONVS.map(([label, spec], i) => [label, spec, i] as const))('%s', async (label, spec, i) => {
    const { model, x } = convModel(label, spec, 40 + i);
    await expectEngineMatchesOrt(model, { X: x });
  });
});

// Conv then an activation node: the engine fuses it into the Conv's epilogue.
const ACTIVATIONS: { op: string; attrs?: Record<string, Attr>; constants?: Record<string, Tensor>; opset?: number }[] = [
  { op: 'Relu' },
  { op: 'Clip', attrs: { min: float(0), max: float(6) }, opset: 6 },
  { op: 'Clip', constants: { lo: float32([], [-0.5]), hi: float32([], [0.7]) } },
  { op: 'LeakyRelu', attrs: { alpha: float(0.1) } },
  { op: 'PRelu', constants: { slope: float32([7, 1, 1], [0.1, -0.2, 0.3, 0.5, 2, 0, 1]) } },
  { op: 'Elu', attrs: { alpha: float(0.7) } },
  { op: 'Sigmoid' },
  { op: 'HardSigmoid', attrs: { alpha: float(0.3), beta: float(0.4) } },
  { op: 'HardSwish' },
];

function convActivationModel(a: (typeof ACTIVATIONS)[number], depthwise: boolean, seed: number): { model: Model; x: Tensor } {
  const rng = seededRandom(seed);
  const graph = emptyGraph(`Conv+${a.op}`);
  const cin = depthwise ? 7 : 5;
  graph.inputs = [{ name: 'X', dtype: 'float32', shape: [1, cin, 6, 9] }];
  graph.outputs = [{ name: 'Y', dtype: 'float32' }];
  graph.initializers.set('W', randomTensor([7, depthwise ? 1 : cin, 3, 3], rng));
  graph.initializers.set('B', randomTensor([7], rng));
  const extra = Object.keys(a.constants ?? {});
  for (const [k, t] of Object.entries(a.constants ?? {})) graph.initializers.set(k, t);
  graph.nodes = [
    { name: 'conv', op: 'Conv', domain: '', inputs: ['X', 'W', 'B'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]), group: int(depthwise ? 7 : 1) } },
    { name: 'act', op: a.op, domain: '', inputs: ['c', ...extra], outputs: ['Y'], attrs: a.attrs ?? {} },
  ];
  const opset = a.op === 'HardSwish' ? 14 : a.opset ?? 13;
  return { model: emptyModel(graph, opset), x: randomTensor([1, cin, 6, 9], rng, -2, 2) };
}

describe('Conv + activation (fused) vs ONNX Runtime', () => {
  for (const [i, a] of ACTIVATIONS.entries()) {
    const available = hasOp(a.op);
    if (!available) console.log(`golden-conv: ${a.op} is not registered yet; skipping Conv+${a.op}`);
    for (const depthwise of [false, true]) {
      it.skipIf(!available)(`${depthwise ? 'depthwise' : 'dense'} Conv + ${a.op}${a.opset ? ` (opset ${a.opset})` : ''}`, async () => {
        const { model, x } = convActivationModel(a, depthwise, 70 + 2 * i + (depthwise ? 1 : 0));
        await expectEngineMatchesOrt(model, { X: x });
      });
    }
  }
});

// The Winograd F(4x4, 3x3) path (3x3, stride 1, groups 1). Its channel threshold is lowered so
// the small and odd channel counts take it too; the 64- and 128-channel cases take it anyway.
const WINOGRAD_CONVS: [string, ConvSpec][] = [
  ['winograd 128 -> 128 32x57 pad 1', { x: [1, 128, 32, 57], cout: 128, kernel: [3, 3], attrs: { pads: ints([1, 1, 1, 1]) } }],
  ['winograd 128 -> 128 32x57 dilation 2', { x: [1, 128, 32, 57], cout: 128, kernel: [3, 3], attrs: { pads: ints([2, 2, 2, 2]), dilations: ints([2, 2]) } }],
  ['winograd 64 -> 13 width 57 pad 0', { x: [1, 64, 9, 57], cout: 13, kernel: [3, 3], attrs: {} }],
  ['winograd 1 -> 3 width 1', { x: [1, 1, 6, 1], cout: 3, kernel: [3, 3], attrs: { pads: ints([1, 1, 1, 1]) } }],
  ['winograd 3 -> 64 width 7 batch 2', { x: [2, 3, 7, 7], cout: 64, kernel: [3, 3], attrs: { pads: ints([1, 1, 1, 1]) } }],
  ['winograd 13 -> 13 asymmetric pads no bias', { x: [1, 13, 10, 11], cout: 13, kernel: [3, 3], attrs: { pads: ints([0, 1, 1, 0]) }, bias: false }],
  ['winograd 13 -> 7 dilation 2 batch 2', { x: [2, 13, 11, 57], cout: 7, kernel: [3, 3], attrs: { pads: ints([2, 2, 2, 2]), dilations: ints([2, 2]) } }],
];

describe('Conv on the Winograd path vs ONNX Runtime', () => {
  const saved = { ...convTuning };
  beforeAll(() => {
    Object.assign(convTuning, { winogradMinChannels: 1, winogradMinTiles: 1 });
  });
  afterAll(() => {
    Object.assign(convTuning, saved);
  });
  it.each(WINOGRAD_CONVS.map(([label, spec], i) => [label, spec, i] as const))('%s', async (label, spec, i) => {
    const { model, x } = convModel(label, spec, 140 + i);
    await expectEngineMatchesOrt(model, { X: x });
  });
  for (const [i, a] of ACTIVATIONS.entries()) {
    it.skipIf(!hasOp(a.op))(`winograd Conv + ${a.op}${a.opset ? ` (opset ${a.opset})` : ''}`, async () => {
      const { model, x } = convActivationModel(a, false, 170 + i);
      await expectEngineMatchesOrt(model, { X: x });
    });
  }
});

/** ConvTranspose cases as the other single-node goldens state them (op-case.ts): x, then the constant inputs. */
const transposed: OpCase[] = [];
{
  const rng = seededRandom(7);
  const conv = (name: string, shape: number[], outPerGroup: number, kernel: [number, number], attrs: Record<string, Attr>, bias: boolean) => {
    const group = (attrs['group']?.value as number | undefined) ?? 1;
    const constants = [randomTensor([shape[1]!, outPerGroup, ...kernel], rng)];
    if (bias) constants.push(randomTensor([outPerGroup * group], rng));
    transposed.push({ name, op: 'ConvTranspose', data: [shape], range: [-2, 2], constants, attrs });
  };
  conv('4x4 s2 p1 (SimpleBaseline deconv)', [1, 13, 6, 5], 8, [4, 4], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, false);
  conv('3x3 s1 p1 bias', [1, 3, 7, 57], 5, [3, 3], { pads: ints([1, 1, 1, 1]) }, true);
  conv('3x3 s2 output_padding 1', [1, 3, 5, 7], 4, [3, 3], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) }, true);
  conv('3x2 s(3,2) dilation (2,1) asymmetric pads', [2, 3, 4, 7], 2, [3, 2], { strides: ints([3, 2]), dilations: ints([2, 1]), pads: ints([0, 1, 2, 0]) }, true);
  conv('group 2', [1, 4, 5, 7], 3, [3, 3], { strides: ints([2, 2]), group: int(2) }, true);
  conv('depthwise (group C) 4x4 s2 p1', [1, 13, 4, 7], 1, [4, 4], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), group: int(13) }, false);
  conv('64 channels 2x2 s2', [1, 64, 3, 7], 3, [2, 2], { strides: ints([2, 2]) }, true);
  conv('width 1', [1, 3, 5, 1], 2, [3, 3], { strides: ints([2, 2]) }, true);
  conv('output_shape (odd total padding)', [1, 3, 5, 7], 2, [3, 3], { strides: ints([2, 2]), output_shape: ints([10, 14]) }, true);
  conv('output_shape with SAME_UPPER', [1, 3, 5, 7], 2, [3, 3], { strides: ints([2, 2]), output_shape: ints([10, 14]), auto_pad: str('SAME_UPPER') }, true);
  conv('SAME_UPPER s2 k3', [1, 3, 5, 7], 2, [3, 3], { strides: ints([2, 2]), auto_pad: str('SAME_UPPER') }, true);
  conv('SAME_LOWER s2 k4', [1, 3, 5, 7], 2, [4, 4], { strides: ints([2, 2]), auto_pad: str('SAME_LOWER') }, true);
  conv('VALID s2 k3', [1, 3, 5, 7], 2, [3, 3], { strides: ints([2, 2]), auto_pad: str('VALID') }, false);
}

describe('ConvTranspose vs ONNX Runtime', () => {
  transposed.forEach((c, i) => it(`ConvTranspose ${c.name}`, () => expectEngineMatchesOrt(opCaseModel(c), opCaseFeeds(c, 100 + i))));
});

describe('Gemm and MatMul vs ONNX Runtime', () => {
  const gemms: { m: number; k: number; n: number; transA?: number; transB?: number; c?: number[]; alpha?: number; beta?: number }[] = [
    { m: 7, k: 13, n: 9, c: [9] },
    { m: 13, k: 57, n: 7, transA: 1, c: [13, 1] },
    { m: 5, k: 64, n: 17, transB: 1, c: [5, 17], alpha: 0.5, beta: -2 },
    { m: 3, k: 7, n: 3, transA: 1, transB: 1, c: [1] },
    { m: 1, k: 64, n: 13 },
  ];
  it.each(gemms.map((g, i) => [JSON.stringify(g), g, i] as const))('Gemm %s', async (_, g, i) => {
    const rng = seededRandom(200 + i);
    const aShape = g.transA ? [g.k, g.m] : [g.m, g.k];
    const bShape = g.transB ? [g.n, g.k] : [g.k, g.n];
    const attrs: Record<string, Attr> = { transA: int(g.transA ?? 0), transB: int(g.transB ?? 0) };
    if (g.alpha !== undefined) attrs.alpha = float(g.alpha);
    if (g.beta !== undefined) attrs.beta = float(g.beta);
    const inputs = [{ name: 'A', dtype: 'float32' as const, shape: aShape }, { name: 'B', dtype: 'float32' as const, shape: bShape }];
    const initializers: Record<string, Tensor> = { B: randomTensor(bShape, rng) };
    if (g.c) {
      inputs.push({ name: 'C', dtype: 'float32', shape: g.c });
      initializers.C = randomTensor(g.c, rng);
    }
    await expectEngineMatchesOrt(singleNodeModel({ op: 'Gemm', inputs, outputs: ['Y'], attrs, initializers }), { A: randomTensor(aShape, rng) });
  });

  const matmuls: [number[], number[], boolean][] = [
    [[7, 13], [13, 9], true],
    [[13], [13, 7], true],
    [[3, 7], [7], false],
    [[2, 5, 13], [13, 11], true],
    [[2, 1, 5, 7], [3, 7, 9], false],
  ];
  it.each(matmuls.map(([a, b, constantB], i) => [`${JSON.stringify(a)} x ${JSON.stringify(b)}`, a, b, constantB, i] as const))('MatMul %s', async (_, aShape, bShape, constantB, i) => {
    const rng = seededRandom(300 + i);
    const b = randomTensor(bShape, rng);
    const model = singleNodeModel({
      op: 'MatMul',
      inputs: [{ name: 'A', dtype: 'float32', shape: aShape }, { name: 'B', dtype: 'float32', shape: bShape }],
      outputs: ['Y'],
      initializers: constantB ? { B: b } : {},
    });
    await expectEngineMatchesOrt(model, constantB ? { A: randomTensor(aShape, rng) } : { A: randomTensor(aShape, rng), B: b });
  });
});

/** conv-bn-relu x 3, two depthwise-separable blocks, and (when Add is registered) a residual Add. */
function multiLayerModel(withResidual: boolean): Model {
  const rng = seededRandom(99);
  const graph = emptyGraph('conv-net');
  graph.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 3, 23, 31] }];
  const nodes: Node[] = [];
  let counter = 0;
  const constant = (shape: number[], lo = -0.5, hi = 0.5): string => {
    const name = `p${counter++}`;
    graph.initializers.set(name, randomTensor(shape, rng, lo, hi));
    return name;
  };
  const convBnRelu = (x: string, cin: number, cout: number, kernel: number, stride: number, groups = 1): string => {
    const id = counter++;
    const w = constant([cout, cin / groups, kernel, kernel], -1 / Math.sqrt((cin / groups) * kernel * kernel) * 2, 2 / Math.sqrt((cin / groups) * kernel * kernel));
    const pad = (kernel - 1) >> 1;
    nodes.push({ name: `conv${id}`, op: 'Conv', domain: '', inputs: [x, w], outputs: [`c${id}`], attrs: { kernel_shape: ints([kernel, kernel]), strides: ints([stride, stride]), pads: ints([pad, pad, pad, pad]), group: int(groups) } });
    nodes.push({ name: `bn${id}`, op: 'BatchNormalization', domain: '', inputs: [`c${id}`, constant([cout], 0.5, 1.5), constant([cout]), constant([cout]), constant([cout], 0.5, 1.5)], outputs: [`n${id}`], attrs: { epsilon: float(1e-3) } });
    nodes.push({ name: `relu${id}`, op: 'Relu', domain: '', inputs: [`n${id}`], outputs: [`r${id}`], attrs: {} });
    return `r${id}`;
  };
  let y = convBnRelu('x', 3, 16, 3, 2);
  y = convBnRelu(y, 16, 32, 3, 1);
  y = convBnRelu(y, 32, 32, 3, 1);
  const blockInput = y;
  y = convBnRelu(convBnRelu(y, 32, 32, 3, 1, 32), 32, 32, 1, 1); // depthwise-separable
  y = convBnRelu(convBnRelu(y, 32, 32, 3, 2, 32), 32, 48, 1, 1); // ... downsampling
  let output = y;
  if (withResidual) {
    // Residual: the block input brought to 48 channels at stride 2, added to the block output.
    const shortcut = convBnRelu(blockInput, 32, 48, 1, 2);
    nodes.push({ name: 'residual', op: 'Add', domain: '', inputs: [y, shortcut], outputs: ['sum'], attrs: {} });
    output = 'sum';
  }
  const head = constant([5, 48, 1, 1]);
  nodes.push({ name: 'head', op: 'Conv', domain: '', inputs: [output, head, constant([5])], outputs: ['out'], attrs: { kernel_shape: ints([1, 1]) } });
  graph.nodes = nodes;
  graph.outputs = [{ name: 'out', dtype: 'float32' }];
  return emptyModel(graph, 13);
}

const layered = hasOp('BatchNormalization') && hasOp('Relu');
if (!layered) console.log('golden-conv: BatchNormalization or Relu is not registered yet; skipping the multi-layer model');
if (layered && !hasOp('Add')) console.log('golden-conv: Add is not registered yet; the multi-layer model runs without its residual');

describe.skipIf(!layered)('multi-layer conv network vs ONNX Runtime', () => {
  it(`conv-bn-relu x3, depthwise-separable blocks${hasOp('Add') ? ', residual Add' : ''}`, async () => {
    const model = multiLayerModel(hasOp('Add'));
    await expectEngineMatchesOrt(model, { x: randomTensor([1, 3, 23, 31], seededRandom(123)) });
  });
});
