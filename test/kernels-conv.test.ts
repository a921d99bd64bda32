// The conv family's WASM kernels (dense, pointwise, depthwise, transposed, matrix products,
// fused epilogues) against the plain TypeScript reference on odd shapes. A seeded sample of the
// combinations (channels, widths, strides, dilations, groups, kernels, pads, auto_pad,
// activations) keeps the file fast; the fixed cases pin every path and every activation at least
// once.
import { describe, it } from 'vitest';
import { attr, type Attr } from '../src/nn/graph.js';
import { activationAttrs, type FusedActivation } from '../src/nn/ops/conv/activation.js';
import { convGeometry } from '../src/nn/ops/conv/geometry.js';
import { expectEngineMatchesReference, randomTensor, seededRandom, singleNodeModel } from './support/harness.js';
import type { Tensor } from '../src/nn/tensor.js';
import { setLimits } from '../src/nn/limits.js';
import type { SessionOptions } from '../src/nn/session.js';

const { ints, int, string: str } = attr;

interface ConvCase {
  batch?: number;
  cin: number;
  cout: number;
  h: number;
  w: number;
  kernel: [number, number];
  groups?: number;
  strides?: [number, number];
  dilations?: [number, number];
  pads?: [number, number, number, number];
  autoPad?: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  bias?: boolean;
  activation?: FusedActivation;
}

function convAttrs(c: ConvCase): Record<string, Attr> {
  const attrs: Record<string, Attr> = {
    kernel_shape: { kind: 'ints', value: c.kernel },
    group: { kind: 'int', value: c.groups ?? 1 },
    strides: { kind: 'ints', value: c.strides ?? [1, 1] },
    dilations: { kind: 'ints', value: c.dilations ?? [1, 1] },
  };
  if (c.autoPad !== undefined && c.autoPad !== 'NOTSET') attrs.auto_pad = { kind: 'string', value: c.autoPad };
  else attrs.pads = { kind: 'ints', value: c.pads ?? [0, 0, 0, 0] };
  return attrs;
}

function describeCase(c: ConvCase): string {
  const parts = [`${c.batch ?? 1}x${c.cin}x${c.h}x${c.w} -> ${c.cout}`, `k${c.kernel.join('x')}`, `g${c.groups ?? 1}`, `s${(c.strides ?? [1, 1]).join('x')}`, `d${(c.dilations ?? [1, 1]).join('x')}`];
  parts.push(c.autoPad !== undefined && c.autoPad !== 'NOTSET' ? c.autoPad : `p${(c.pads ?? [0, 0, 0, 0]).join(',')}`);
  if (c.bias === false) parts.push('nobias');
  if (c.activation) parts.push(`${c.activation.name}(${c.activation.params.map((p) => p.toFixed(2)).join(',')})`);
  return parts.join(' ');
}

/** Whether the case gives a non-empty output (sampled combinations may not). */
function valid(c: ConvCase): boolean {
  try {
    const node = { name: 'probe', op: 'Conv', domain: '', inputs: [], outputs: [], attrs: convAttrs(c) };
    convGeometry(node, [1, c.cin, c.h, c.w], [c.cout, c.cin / (c.groups ?? 1), ...c.kernel]);
    return true;
  } catch {
    return false;
  }
}

async function checkConv(c: ConvCase, seed: number, options: SessionOptions = {}): Promise<void> {
  const rng = seededRandom(seed);
  const groups = c.groups ?? 1;
  const xShape = [c.batch ?? 1, c.cin, c.h, c.w];
  const wShape = [c.cout, c.cin / groups, ...c.kernel];
  const initializers: Record<string, Tensor> = { W: randomTensor(wShape, rng) };
  const inputs = [{ name: 'X', dtype: 'float32' as const, shape: xShape }, { name: 'W', dtype: 'float32' as const, shape: wShape }];
  if (c.bias !== false) {
    initializers.B = randomTensor([c.cout], rng);
    inputs.push({ name: 'B', dtype: 'float32', shape: [c.cout] });
  }
  const attrs = { ...convAttrs(c), ...(c.activation ? activationAttrs(c.activation) : {}) };
  const model = singleNodeModel({ op: 'Conv', inputs, outputs: ['Y'], attrs, initializers });
  await expectEngineMatchesReference(model, { X: randomTensor(xShape, rng) }, 1e-4, options);
}

function activations(cout: number, rng: () => number): FusedActivation[] {
  return [
    { name: 'Relu', params: [] },
    { name: 'Clip', params: [0, 6] },
    { name: 'Clip', params: [-0.5, 0.7] },
    { name: 'LeakyRelu', params: [0.1] },
    { name: 'PRelu', params: [0.25] },
    { name: 'PRelu', params: Array.from({ length: cout }, () => rng() - 0.5) },
    { name: 'Elu', params: [1] },
    { name: 'Elu', params: [0.7] },
    { name: 'Sigmoid', params: [] },
    { name: 'HardSigmoid', params: [0.2, 0.5] },
    { name: 'HardSigmoid', params: [0.3, 0.4] },
    { name: 'HardSwish', params: [] },
  ];
}

const FIXED: ConvCase[] = [
  // dense, the im2col path
  { cin: 3, cout: 13, h: 9, w: 57, kernel: [3, 3], pads: [1, 1, 1, 1] },
  { cin: 13, cout: 64, h: 7, w: 7, kernel: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1] },
  // stride 2 on rows wide enough for the vector gather of even columns, ending mid-vector
  { cin: 3, cout: 13, h: 9, w: 37, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  { cin: 64, cout: 13, h: 5, w: 57, kernel: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2] },
  { cin: 13, cout: 7, h: 11, w: 9, kernel: [5, 5], strides: [2, 1], dilations: [1, 2], pads: [2, 3, 1, 0] },
  { cin: 3, cout: 5, h: 1, w: 1, kernel: [3, 3], pads: [1, 1, 1, 1] },
  { cin: 2, cout: 3, h: 6, w: 7, kernel: [1, 3], autoPad: 'SAME_UPPER' },
  { cin: 2, cout: 3, h: 6, w: 7, kernel: [4, 2], strides: [2, 3], autoPad: 'SAME_LOWER' },
  { cin: 4, cout: 6, h: 8, w: 57, kernel: [3, 1], strides: [2, 2], autoPad: 'VALID', bias: false },
  { batch: 2, cin: 6, cout: 4, h: 7, w: 5, kernel: [3, 3], groups: 2, pads: [0, 1, 1, 0] },
  { cin: 1, cout: 1, h: 1, w: 57, kernel: [1, 5], pads: [0, 2, 0, 2], bias: false },
  { cin: 13, cout: 13, h: 3, w: 4, kernel: [1, 1], strides: [2, 2] },
  // pointwise, 1x1 stride 1 no padding
  { cin: 64, cout: 13, h: 7, w: 57, kernel: [1, 1] },
  { cin: 13, cout: 64, h: 1, w: 1, kernel: [1, 1], bias: false },
  { batch: 2, cin: 64, cout: 64, h: 5, w: 57, kernel: [1, 1], groups: 2 },
  { cin: 3, cout: 7, h: 3, w: 3, kernel: [1, 1], autoPad: 'SAME_UPPER' },
  // depthwise, 3x3 stride 1 / 2 fast paths (any dilation), multiplier, generic fallback
  { cin: 64, cout: 64, h: 7, w: 57, kernel: [3, 3], groups: 64, pads: [1, 1, 1, 1] },
  { cin: 13, cout: 13, h: 9, w: 57, kernel: [3, 3], groups: 13, strides: [2, 2], pads: [1, 1, 1, 1] },
  { cin: 13, cout: 13, h: 7, w: 7, kernel: [3, 3], groups: 13, dilations: [2, 2], pads: [2, 2, 2, 2] },
  { cin: 3, cout: 3, h: 8, w: 7, kernel: [3, 3], groups: 3, strides: [2, 2], pads: [0, 1, 1, 0] },
  { cin: 3, cout: 6, h: 7, w: 7, kernel: [3, 3], groups: 3, pads: [1, 1, 1, 1] },
  { batch: 2, cin: 3, cout: 9, h: 9, w: 11, kernel: [5, 3], groups: 3, strides: [3, 2], pads: [2, 1, 0, 1] },
  { cin: 13, cout: 13, h: 7, w: 57, kernel: [2, 5], groups: 13, strides: [1, 2], dilations: [2, 1], autoPad: 'SAME_LOWER' },
  { cin: 1, cout: 1, h: 1, w: 1, kernel: [3, 3], groups: 1, pads: [1, 1, 1, 1] },
  { cin: 1, cout: 4, h: 5, w: 7, kernel: [3, 3], autoPad: 'SAME_UPPER', bias: false },
  // depthwise 3x3 stride 2 on the de-interleaved plane (rows of 12+ outputs): left pads 0, 1, 2,
  // odd and even widths, a multiplier; narrower rows and dilation 2 take the shuffled loads
  { cin: 3, cout: 6, h: 10, w: 31, kernel: [3, 3], groups: 3, strides: [2, 2], pads: [0, 0, 1, 1] },
  { cin: 7, cout: 7, h: 13, w: 26, kernel: [3, 3], groups: 7, strides: [2, 2], pads: [1, 2, 1, 2] },
  { cin: 13, cout: 13, h: 24, w: 24, kernel: [3, 3], groups: 13, strides: [2, 2], autoPad: 'SAME_UPPER' },
  { cin: 5, cout: 5, h: 11, w: 30, kernel: [3, 3], groups: 5, strides: [2, 2], dilations: [2, 2], pads: [2, 2, 2, 2] },
  { cin: 4, cout: 4, h: 6, w: 9, kernel: [3, 3], groups: 4, strides: [2, 2], pads: [1, 1, 1, 1], bias: false },
  // depthwise 3x3 stride 1, dilation 1 (constant tap offsets) and 2 (dilated rows), odd widths
  { cin: 64, cout: 64, h: 5, w: 13, kernel: [3, 3], groups: 64, dilations: [1, 2], pads: [1, 2, 1, 2] },
  { cin: 3, cout: 3, h: 9, w: 1, kernel: [3, 3], groups: 3, pads: [1, 1, 1, 1] },
  // winograd F(4x4, 3x3): 3x3 stride 1 groups 1 with enough channels (test/winograd.test.ts has the rest)
  { cin: 64, cout: 64, h: 7, w: 57, kernel: [3, 3], pads: [1, 1, 1, 1] },
  { batch: 2, cin: 16, cout: 17, h: 9, w: 7, kernel: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2] },
  { cin: 32, cout: 16, h: 5, w: 1, kernel: [3, 3], autoPad: 'SAME_LOWER' },
];

describe('Conv kernels vs the reference', () => {
  it.each(FIXED.map((c, i) => [describeCase(c), c, i] as const))('%s', async (_, c, i) => {
    await checkConv(c, 100 + i);
  });

  // Three threads take bands of the image (depthwise, Winograd, pointwise units) and steal across
  // their homes: every path, with shapes whose bands and units do not divide evenly.
  const threaded: ConvCase[] = [
    { cin: 13, cout: 13, h: 11, w: 57, kernel: [3, 3], groups: 13, pads: [1, 1, 1, 1] },
    { batch: 2, cin: 13, cout: 26, h: 13, w: 29, kernel: [3, 3], groups: 13, strides: [2, 2], pads: [1, 1, 1, 1] },
    { cin: 13, cout: 13, h: 7, w: 7, kernel: [3, 3], groups: 13, dilations: [2, 2], pads: [2, 2, 2, 2] },
    { batch: 2, cin: 16, cout: 17, h: 19, w: 23, kernel: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2] },
    { cin: 64, cout: 64, h: 13, w: 57, kernel: [3, 3], pads: [1, 1, 1, 1] },
    { cin: 13, cout: 29, h: 13, w: 57, kernel: [1, 1] },
  ];
  it.each(threaded.map((c, i) => [describeCase(c), c, i] as const))('three threads %s', async (_, c, i) => {
    const previous = setLimits({ maxThreads: 3 });
    try {
      await checkConv(c, 200 + i, { threads: 3 });
    } finally {
      setLimits(previous);
    }
  });

  const rngActs = seededRandom(7);
  const actPaths: ConvCase[] = [
    { cin: 13, cout: 13, h: 5, w: 9, kernel: [3, 3], pads: [1, 1, 1, 1] },
    { cin: 13, cout: 7, h: 3, w: 13, kernel: [1, 1] },
    { cin: 13, cout: 13, h: 5, w: 9, kernel: [3, 3], groups: 13, pads: [1, 1, 1, 1] },
    { cin: 13, cout: 13, h: 9, w: 29, kernel: [3, 3], groups: 13, strides: [2, 2], pads: [1, 1, 1, 1] }, // de-interleaved stride 2
    { cin: 16, cout: 16, h: 5, w: 9, kernel: [3, 3], pads: [1, 1, 1, 1] }, // winograd
  ];
  const withActivations = actPaths.flatMap((c) => activations(c.cout, rngActs).map((activation) => ({ ...c, activation })));
  it.each(withActivations.map((c, i) => [describeCase(c), c, i] as const))('fused %s', async (_, c, i) => {
    await checkConv(c, 300 + i);
  });

  // A seeded sample of the full combination space, smaller spatial sizes for the big channel counts.
  const rng = seededRandom(2024);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const sampled: ConvCase[] = [];
  const kernels: [number, number][] = [[1, 1], [3, 3], [5, 5], [1, 3], [3, 1], [2, 5]];
  const autoPads = ['NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const;
  while (sampled.length < 40) {
    const cin = pick([1, 3, 13, 64]);
    const groupsKind = pick(['one', 'two', 'all'] as const);
    const groups = groupsKind === 'one' ? 1 : groupsKind === 'all' ? cin : cin % 2 === 0 ? 2 : 1;
    const cout = groupsKind === 'all' ? cin * pick([1, 1, 2]) : groups * pick([1, 3, 13, 32]);
    const w = pick([1, 7, 57]);
    const h = cin * cout > 400 ? pick([1, 3, 5]) : pick([1, 4, 9]);
    const c: ConvCase = {
      cin, cout, h, w, groups,
      kernel: pick(kernels),
      strides: [pick([1, 2]), pick([1, 2])],
      dilations: [pick([1, 2]), pick([1, 2])],
      pads: [pick([0, 1, 2]), pick([0, 1, 2]), pick([0, 1, 2]), pick([0, 1, 2])],
      autoPad: pick(autoPads),
      bias: rng() < 0.8,
    };
    if (rng() < 0.4) c.activation = pick(activations(cout, rng));
    if (valid(c)) sampled.push(c);
  }
  it.each(sampled.map((c, i) => [describeCase(c), c, i] as const))('sampled %s', async (_, c, i) => {
    await checkConv(c, 500 + i);
  });
});

/** Runs a one-node ConvTranspose of input X and the given constant inputs, in order, on both paths. */
async function checkConvTranspose(x: Tensor, attrs: Record<string, Attr>, initializers: Record<string, Tensor>): Promise<void> {
  const inputs = [{ name: 'X', dtype: 'float32' as const, shape: [...x.shape] }, ...Object.entries(initializers).map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape] }))];
  const model = singleNodeModel({ op: 'ConvTranspose', inputs, outputs: ['Y'], attrs, initializers });
  model.graph.name = `ConvTranspose ${JSON.stringify(x.shape)} ${JSON.stringify(Object.fromEntries(Object.entries(attrs).map(([k, a]) => [k, a.value])))}`;
  await expectEngineMatchesReference(model, { X: x });
}

function pick<T>(rng: () => number, values: readonly T[]): T {
  return values[Math.floor(rng() * values.length)]!;
}

describe('ConvTranspose kernel', () => {
  it('strides, dilations, groups 1, 2 and C, pads, output_padding, output_shape, auto_pad, bias', async () => {
    const rng = seededRandom(51);
    for (let trial = 0; trial < 30; trial++) {
      const c = pick(rng, [1, 3, 13, 64].filter((v) => trial < 20 || v < 64));
      const groupChoice = pick(rng, ['one', 'two', 'all']);
      const group = groupChoice === 'one' ? 1 : groupChoice === 'all' ? c : c % 2 === 0 ? 2 : 1;
      const outPerGroup = pick(rng, [1, 2, 5]);
      const [kh, kw] = [pick(rng, [1, 2, 3, 4]), pick(rng, [1, 3, 4])];
      const stride = [pick(rng, [1, 2]), pick(rng, [1, 2, 3])];
      const dilation = [pick(rng, [1, 2]), pick(rng, [1, 2])];
      const w = pick(rng, [1, 7, 57]);
      const h = pick(rng, [1, 3, 6]);
      const attrs: Record<string, Attr> = { strides: ints(stride), dilations: ints(dilation), group: int(group) };
      const variant = pick(rng, ['pads', 'output_padding', 'output_shape', 'SAME_UPPER', 'SAME_LOWER', 'VALID']);
      const full = (a: number) => stride[a]! * ([h, w][a]! - 1) + ([kh, kw][a]! - 1) * dilation[a]! + 1;
      if (variant === 'pads') attrs['pads'] = ints([pick(rng, [0, 1]), pick(rng, [0, 1]), pick(rng, [0, 1]), pick(rng, [0, 2])]);
      if (variant === 'output_padding') attrs['output_padding'] = ints([stride[0]! - 1, stride[1]! - 1]);
      if (variant === 'output_shape') attrs['output_shape'] = ints([Math.max(1, full(0) - pick(rng, [0, 1, 2])), Math.max(1, full(1) - pick(rng, [0, 1, 3]))]);
      if (variant.startsWith('SAME') || variant === 'VALID') attrs['auto_pad'] = str(variant);
      const weights = randomTensor([c, outPerGroup, kh, kw], rng);
      const initializers: Record<string, Tensor> = { W: weights };
      if (rng() < 0.6) initializers['B'] = randomTensor([outPerGroup * group], rng);
      const x = randomTensor([rng() < 0.2 ? 2 : 1, c, h, w], rng);
      const pads = attrs['pads']?.value as number[] | undefined;
      if (pads && (full(0) - pads[0]! - pads[2]! < 1 || full(1) - pads[1]! - pads[3]! < 1)) continue;
      if (variant.startsWith('SAME') && (h * stride[0]! > full(0) || w * stride[1]! > full(1))) continue;
      await checkConvTranspose(x, attrs, initializers);
    }
  });
});

describe('Gemm and MatMul kernels vs the reference', () => {
  const gemmCases = [
    { m: 1, k: 1, n: 1, transA: 0, transB: 0, c: [] as number[] },
    { m: 7, k: 13, n: 9, transA: 0, transB: 0, c: [9] },
    { m: 13, k: 57, n: 7, transA: 1, transB: 0, c: [13, 1] },
    { m: 5, k: 64, n: 17, transA: 0, transB: 1, c: [5, 17], alpha: 0.5, beta: -2 },
    { m: 3, k: 7, n: 3, transA: 1, transB: 1, c: [1] },
    { m: 6, k: 8, n: 16, transA: 0, transB: 0 },
  ];
  it.each(gemmCases.map((g, i) => [JSON.stringify(g), g, i] as const))('Gemm %s', async (_, g, i) => {
    const rng = seededRandom(900 + i);
    const aShape = g.transA ? [g.k, g.m] : [g.m, g.k];
    const bShape = g.transB ? [g.n, g.k] : [g.k, g.n];
    const attrs: Record<string, Attr> = { transA: { kind: 'int', value: g.transA }, transB: { kind: 'int', value: g.transB } };
    if (g.alpha !== undefined) attrs.alpha = { kind: 'float', value: g.alpha };
    if (g.beta !== undefined) attrs.beta = { kind: 'float', value: g.beta };
    const inputs = [{ name: 'A', dtype: 'float32' as const, shape: aShape }, { name: 'B', dtype: 'float32' as const, shape: bShape }];
    const initializers: Record<string, Tensor> = { B: randomTensor(bShape, rng) };
    if (g.c !== undefined) {
      inputs.push({ name: 'C', dtype: 'float32', shape: g.c });
      initializers.C = randomTensor(g.c, rng);
    }
    const model = singleNodeModel({ op: 'Gemm', inputs, outputs: ['Y'], attrs, initializers });
    await expectEngineMatchesReference(model, { A: randomTensor(aShape, rng) });
  });

  it('Gemm with B computed at run time (transB)', async () => {
    const rng = seededRandom(950);
    const model = singleNodeModel({
      op: 'Gemm',
      inputs: [{ name: 'A', dtype: 'float32', shape: [7, 13] }, { name: 'B', dtype: 'float32', shape: [9, 13] }],
      outputs: ['Y'],
      attrs: { transB: { kind: 'int', value: 1 } },
    });
    await expectEngineMatchesReference(model, { A: randomTensor([7, 13], rng), B: randomTensor([9, 13], rng) });
  });

  const matmulCases: [number[], number[], boolean][] = [
    [[7, 13], [13, 9], true],
    [[1, 57], [57, 13], true],
    [[13], [13, 7], true],
    [[3, 7], [7], false],
    [[2, 5, 13], [13, 11], true],
    [[2, 1, 5, 7], [3, 7, 9], false],
    [[4, 1, 3], [1, 3, 17], false],
    [[64, 64], [64, 64], false],
  ];
  it.each(matmulCases.map(([a, b, constantB], i) => [`${JSON.stringify(a)} x ${JSON.stringify(b)}${constantB ? ' (B constant)' : ''}`, a, b, constantB, i] as const))(
    'MatMul %s', async (_, aShape, bShape, constantB, i) => {
      const rng = seededRandom(1000 + i);
      const b = randomTensor(bShape, rng);
      const model = singleNodeModel({
        op: 'MatMul',
        inputs: [{ name: 'A', dtype: 'float32', shape: aShape }, { name: 'B', dtype: 'float32', shape: bShape }],
        outputs: ['Y'],
        initializers: constantB ? { B: b } : {},
      });
      await expectEngineMatchesReference(model, constantB ? { A: randomTensor(aShape, rng) } : { A: randomTensor(aShape, rng), B: b });
    },
  );
});
