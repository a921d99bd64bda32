// The quantized family's WASM kernels (QLinearConv on the int16-pair dot-product GEMM and the
// depthwise kernel, QLinearMatMul and MatMulInteger on the same tile, QuantizeLinear, DequantizeLinear) against the plain TypeScript reference on
// odd shapes, in the strict and the relaxed build: integer outputs must be equal, not close.
import { describe, expect, it } from 'vitest';
import type { Model } from '../src/nn/graph.js';
import { runReference } from '../src/nn/reference.js';
import { Session, type SessionOptions } from '../src/nn/session.js';
import { relaxedSimdSupported } from '../src/nn/runtime/kernels.js';
import { ShapeError } from '../src/nn/errors.js';
import { float32, fromNumbers, toFloat32, toNumbers, type Tensor } from '../src/nn/tensor.js';
import { randomTensor, seededRandom, singleNodeModel } from './support/harness.js';
import { qlinearConvModel, qmatmulModel, saturateWeights, WIDE_SUMS, type QConvCase, type QMatMulCase } from './support/quant.js';
import { qlinearConv } from '../src/nn/ops/quant/qlinear-conv.js';

async function runInts(model: Model, feeds: Record<string, Tensor>, options: SessionOptions = {}): Promise<Record<string, number[]>> {
  const inputShapes = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, [...t.shape]]));
  const session = await Session.create(model, { inputShapes, ...options });
  const out = session.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dtype === 'float32' ? toFloat32(t) : Int32Array.from(toNumbers(t))])));
  session.dispose();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data)]));
}

const BUILDS: SessionOptions['build'][] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];

const CASES: QConvCase[] = [
  { cin: 13, cout: 7, h: 7, w: 9, kernel: [3, 3], pads: [1, 1, 1, 1], bias: true },
  { cin: 13, cout: 9, h: 11, w: 7, kernel: [3, 3], strides: [2, 2], pads: [1, 0, 1, 1], perChannel: true, bias: true, activation: { name: 'Relu', params: [] } },
  { cin: 5, cout: 6, h: 9, w: 13, kernel: [1, 1], perChannel: true },
  { cin: 16, cout: 33, h: 5, w: 7, kernel: [1, 1], bias: true, xType: 'int8' },
  // Blocks of pixels per unit, the last one partial, in two groups.
  { cin: 10, cout: 6, h: 19, w: 31, kernel: [1, 1], groups: 2, bias: true, perChannel: true },
  { cin: 6, cout: 10, h: 9, w: 7, kernel: [3, 1], groups: 2, dilations: [2, 1], pads: [2, 0, 2, 0], wType: 'uint8', perChannel: true },
  { cin: 3, cout: 5, h: 13, w: 11, kernel: [5, 5], strides: [2, 1], pads: [2, 2, 2, 2], bias: true, activation: { name: 'Clip', params: [0, 1.5] } },
  // Stride 1 beyond 1x1 runs the direct kernel: dilated, asymmetric and no padding, a band of rows per unit.
  { cin: 13, cout: 9, h: 37, w: 23, kernel: [3, 3], dilations: [2, 2], pads: [2, 1, 2, 3], perChannel: true, bias: true, activation: { name: 'Relu', params: [] } },
  { cin: 4, cout: 5, h: 6, w: 13, kernel: [2, 3], pads: [0, 0, 0, 0], xType: 'int8' },
  // 3x3 at stride 1 with 16 channels or more: Winograd F(4x4, 3x3) in integers, dilated phases included.
  { cin: 17, cout: 19, h: 13, w: 23, kernel: [3, 3], pads: [1, 1, 1, 1], perChannel: true, bias: true, activation: { name: 'Relu', params: [] } },
  { cin: 16, cout: 21, h: 11, w: 9, kernel: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2], xType: 'int8', wType: 'uint8', perChannel: true, bias: true },
  { cin: 20, cout: 16, h: 7, w: 12, kernel: [3, 3], dilations: [3, 2], pads: [1, 0, 3, 2], bias: true },
  { cin: 16, cout: 17, h: 9, w: 41, kernel: [3, 3], dilations: [1, 2], pads: [1, 2, 1, 2], xType: 'int8', bias: true },
  // ... and at other strides on phase planes: a first layer (3 channels, stride 2), strided and padded 1x1.
  { cin: 3, cout: 8, h: 17, w: 21, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], bias: true, activation: { name: 'Relu', params: [] } },
  { cin: 6, cout: 5, h: 9, w: 11, kernel: [1, 1], strides: [2, 3], perChannel: true },
  { cin: 7, cout: 6, h: 5, w: 9, kernel: [1, 1], pads: [1, 0, 0, 2], bias: true },
  { cin: 13, cout: 13, h: 7, w: 9, kernel: [3, 3], groups: 13, pads: [1, 1, 1, 1], perChannel: true, bias: true },
  // Depthwise planes wide enough for the vector copies, at strides 1, 2 (odd left padding) and 3 (the scalar copy).
  { cin: 4, cout: 4, h: 9, w: 29, kernel: [3, 3], groups: 4, pads: [1, 0, 1, 2], bias: true },
  { cin: 5, cout: 5, h: 19, w: 37, kernel: [3, 3], groups: 5, strides: [2, 2], pads: [1, 1, 1, 1], perChannel: true, bias: true, activation: { name: 'Relu', params: [] } },
  { cin: 3, cout: 6, h: 17, w: 35, kernel: [5, 5], groups: 3, strides: [1, 3], dilations: [2, 2], pads: [4, 2, 3, 1], perChannel: true, wType: 'uint8' },
  { cin: 7, cout: 14, h: 11, w: 7, kernel: [3, 3], groups: 7, strides: [2, 2], pads: [0, 1, 1, 1], bias: true, activation: { name: 'Relu', params: [] }, xType: 'int8' },
  // ... dilated at stride 1 (one phase of pairs dw apart), dilated at stride 2 (the scalar pairs), even and wide kernels
  // on the stride-2 row of pairs, a Clip's bounds in the requantization.
  { cin: 13, cout: 13, h: 9, w: 23, kernel: [3, 3], groups: 13, dilations: [2, 2], pads: [2, 2, 2, 2], perChannel: true, bias: true, activation: { name: 'Clip', params: [0.2, 1.5] } },
  { cin: 13, cout: 26, h: 11, w: 7, kernel: [3, 3], groups: 13, strides: [2, 2], dilations: [2, 2], pads: [2, 1, 1, 2], xType: 'int8', wType: 'uint8', bias: true },
  { cin: 5, cout: 5, h: 8, w: 19, kernel: [2, 4], groups: 5, strides: [2, 2], pads: [0, 1, 1, 2], perChannel: true, bias: true },
  { cin: 6, cout: 6, h: 13, w: 29, kernel: [5, 5], groups: 6, strides: [2, 2], pads: [2, 2, 2, 2], perChannel: true, bias: true, activation: { name: 'Relu', params: [] } },
  // Pairs of rows at stride 1: an even kernel height at row stride 2, a row dilation past the top padding, one row of taps.
  { cin: 7, cout: 7, h: 12, w: 21, kernel: [4, 3], groups: 7, strides: [2, 1], dilations: [2, 2], pads: [1, 2, 3, 1], bias: true, xType: 'int8' },
  { cin: 6, cout: 12, h: 5, w: 17, kernel: [1, 3], groups: 6, pads: [0, 1, 0, 1], perChannel: true },
  // Rows narrower than the kernel's vector of outputs: the last rows' sums through scratch.
  { cin: 5, cout: 10, h: 6, w: 3, kernel: [3, 5], groups: 5, pads: [1, 2, 1, 2], perChannel: true, bias: true },
];

function caseName(c: QConvCase): string {
  return `${c.cin}->${c.cout} ${c.h}x${c.w} k${c.kernel.join('x')} g${c.groups ?? 1} s${(c.strides ?? [1, 1]).join('x')} ${c.xType ?? 'uint8'}/${c.wType ?? 'int8'}${c.perChannel ? ' per-channel' : ''}${c.bias ? ' bias' : ''}${c.activation ? ` ${c.activation.name}` : ''}`;
}

describe('QLinearConv kernels against the reference (equal integers)', () => {
  for (const build of BUILDS) {
    CASES.forEach((c, i) => {
      it(`${build}: ${caseName(c)}`, async () => {
        const { model, x } = qlinearConvModel(c, 100 + i);
        const expected = toNumbers(runReference(model, { x })['y']!);
        const session = await Session.create(model, { build });
        expect(session.nodes.length).toBe(1);
        session.dispose();
        const got = (await runInts(model, { x }, { build }))['y']!;
        expect(got).toEqual(expected);
        // The sample exercises saturation and the middle of the range, not one constant.
        expect(new Set(expected).size).toBeGreaterThan(5);
      });
    });
  }

  // ConvInteger: the same geometries on the direct kernel, its int32 sums kept.
  CASES.filter((c) => c.activation === undefined).slice(0, 6).forEach((c, i) => {
    it(`ConvInteger ${caseName(c)}`, async () => {
      const { model, x } = qlinearConvModel(c, 500 + i);
      const node = model.graph.nodes[0]!;
      const { activation: _a, activation_params: _p, ...attrs } = node.attrs;
      model.graph.nodes = [{ ...node, op: 'ConvInteger', inputs: ['x', 'w', 'x_zero', 'w_zero'], attrs }];
      model.graph.outputs = [{ name: 'y', dtype: 'int32' }];
      const expected = toNumbers(runReference(model, { x })['y']!);
      const timings: { macs: number }[] = [];
      const session = await Session.create(model, { inputShapes: { x: [...x.shape] } });
      session.run({ x: Int32Array.from(toNumbers(x)) }, { timings: timings as never });
      session.dispose();
      expect(timings[0]!.macs).toBeGreaterThan(0);
      expect((await runInts(model, { x }))['y']).toEqual(expected);
    });
  });

  it('plans each kernel where the header says it runs', () => {
    const kernelOf = (c: QConvCase, edit: (model: Model) => void = () => {}): string => {
      const { model, x } = qlinearConvModel(c, 1);
      edit(model);
      const node = model.graph.nodes[0]!;
      const init = model.graph.initializers;
      const typeOf = (name: string) => (name === 'x' ? { dtype: x.dtype, shape: [...x.shape] } : name === '' ? undefined : { dtype: init.get(name)!.dtype, shape: [...init.get(name)!.shape] });
      const plan = qlinearConv.plan!({ node, opset: 13, inputs: node.inputs.map(typeOf), constants: node.inputs.map((n) => init.get(n)), outputs: [] });
      return plan!.calls.map((call) => call.fn).join(',');
    };
    expect(kernelOf({ cin: 16, cout: 16, h: 9, w: 9, kernel: [3, 3], pads: [1, 1, 1, 1] })).toBe('qconvWinogradF4x3Dot16');
    expect(kernelOf(WIDE_SUMS, saturateWeights)).toBe('qconvWinogradF2x3Dot16');
    expect(kernelOf({ cin: 15, cout: 16, h: 9, w: 9, kernel: [3, 3], pads: [1, 1, 1, 1] })).toBe('qconvDirect4x8c2Dot16');
    expect(kernelOf({ cin: 16, cout: 16, h: 9, w: 9, kernel: [3, 3], strides: [2, 2] })).toBe('qconvDirect4x8c2Dot16');
    expect(kernelOf({ cin: 16, cout: 16, h: 9, w: 9, kernel: [1, 1] })).toBe('qconvPointwise4x8c2Dot16');
    expect(kernelOf({ cin: 16, cout: 16, h: 9, w: 9, kernel: [3, 3], groups: 16 })).toBe('qconvDepthwiseI16x8');
  });

  // QLinearConv -> DequantizeLinear -> Elu (or Sigmoid) -> QuantizeLinear becomes one node with a
  // lookup table: the same integers as the reference running the three ops.
  for (const [op, xType] of [['Elu', 'uint8'], ['Sigmoid', 'int8']] as const) {
    it(`folds DequantizeLinear -> ${op} -> QuantizeLinear after a QLinearConv (${xType}) into a lookup`, async () => {
      const { model, x } = qlinearConvModel({ cin: 13, cout: 17, h: 9, w: 11, kernel: [3, 3], pads: [1, 1, 1, 1], bias: true, xType }, 21);
      const g = model.graph;
      g.nodes[0]!.outputs = ['conv_q'];
      g.initializers.set('dq_scale', float32([], [0.05]));
      g.initializers.set('q_scale', float32([], [op === 'Elu' ? 0.04 : 1 / 256]));
      g.initializers.set('q_zero', fromNumbers(xType, [], [xType === 'uint8' ? 40 : -128]));
      g.nodes.push(
        { name: 'dq', op: 'DequantizeLinear', domain: '', inputs: ['conv_q', 'dq_scale', 'y_zero'], outputs: ['conv_f'], attrs: {} },
        { name: 'act', op, domain: '', inputs: ['conv_f'], outputs: ['act_f'], attrs: {} },
        { name: 'q', op: 'QuantizeLinear', domain: '', inputs: ['act_f', 'q_scale', 'q_zero'], outputs: ['y'], attrs: {} },
      );
      const expected = toNumbers(runReference(model, { x })['y']!);
      for (const build of BUILDS) {
        const session = await Session.create(model, { build });
        expect(session.nodes.map((n) => n.op)).toEqual(['QLinearConv']);
        session.dispose();
        expect((await runInts(model, { x }, { build }))['y']).toEqual(expected);
      }
      expect(new Set(expected).size).toBeGreaterThan(5);
    });
  }

  // DequantizeLinear -> Elu (or Sigmoid) whose float result goes on as float (a graph output here;
  // an Add in human-pose-estimation-0001) becomes one DequantizeLinear with a table of floats.
  for (const [op, xType] of [['Elu', 'uint8'], ['Sigmoid', 'int8']] as const) {
    it(`folds DequantizeLinear -> ${op} with a float result into a lookup of floats (${xType})`, async () => {
      const { model, x } = qlinearConvModel({ cin: 13, cout: 17, h: 9, w: 11, kernel: [3, 3], pads: [1, 1, 1, 1], bias: true, xType }, 22);
      const g = model.graph;
      g.nodes[0]!.outputs = ['conv_q'];
      g.initializers.set('dq_scale', float32([], [0.05]));
      g.nodes.push(
        { name: 'dq', op: 'DequantizeLinear', domain: '', inputs: ['conv_q', 'dq_scale', 'y_zero'], outputs: ['conv_f'], attrs: {} },
        { name: 'act', op, domain: '', inputs: ['conv_f'], outputs: ['y'], attrs: {} },
      );
      g.outputs = [{ name: 'y', dtype: 'float32' }];
      const expected = Array.from(toFloat32(runReference(model, { x })['y']!));
      for (const build of BUILDS) {
        const session = await Session.create(model, { build });
        expect(session.nodes.map((n) => n.op)).toEqual(['QLinearConv', 'DequantizeLinear']);
        session.dispose();
        expect((await runInts(model, { x }, { build }))['y']).toEqual(expected);
      }
      expect(new Set(expected).size).toBeGreaterThan(5);
    });
  }

  it('leaves DequantizeLinear -> Elu of a graph input alone (a value fed as int32 may lie outside the table)', async () => {
    const { model } = qlinearConvModel({ cin: 3, cout: 4, h: 5, w: 5, kernel: [1, 1] }, 24);
    const g = model.graph;
    g.initializers.set('dq_scale', float32([], [0.05]));
    g.nodes = [
      { name: 'dq', op: 'DequantizeLinear', domain: '', inputs: ['x', 'dq_scale', 'x_zero'], outputs: ['x_f'], attrs: {} },
      { name: 'act', op: 'Elu', domain: '', inputs: ['x_f'], outputs: ['y'], attrs: {} },
    ];
    g.outputs = [{ name: 'y', dtype: 'float32' }];
    const session = await Session.create(model);
    expect(session.nodes.map((n) => n.op)).toEqual(['DequantizeLinear', 'Elu']);
    session.dispose();
  });

  it('refuses a lookup of the wrong length or kind with a ShapeError naming the node', async () => {
    const { model } = qlinearConvModel({ cin: 3, cout: 4, h: 5, w: 5, kernel: [1, 1] }, 23);
    const g = model.graph;
    g.nodes[0]!.attrs['lookup'] = { kind: 'ints', value: [1, 2, 3] };
    await expect(Session.create(model)).rejects.toThrow(ShapeError);
    await expect(Session.create(model)).rejects.toThrow(/QLinearConv.*lookup must hold 256 uint8 values/);
    delete g.nodes[0]!.attrs['lookup'];
    g.nodes[0]!.outputs = ['conv_q'];
    g.initializers.set('dq_scale', float32([], [0.05]));
    g.nodes.push({ name: 'dq', op: 'DequantizeLinear', domain: '', inputs: ['conv_q', 'dq_scale', 'y_zero'], outputs: ['y'], attrs: { lookup: { kind: 'ints', value: new Array<number>(256).fill(0) } } });
    g.outputs = [{ name: 'y', dtype: 'float32' }];
    await expect(Session.create(model)).rejects.toThrow(/'dq'.*lookup must hold 256 floats/);
  });

  // Weights at +-127 over 224 channels: sums up to 224 x 9 x 127 x 138 > 2^25, past F(4x4)'s bound
  // (576 Y must fit int32 modulo its odd factor), inside F(2x2)'s (4 Y).
  it('runs Winograd F(2x2, 3x3) where sums could leave F(4x4, 3x3)\'s range, with the same integers', async () => {
    const { model, x } = qlinearConvModel(WIDE_SUMS, 12);
    saturateWeights(model);
    const expected = toNumbers(runReference(model, { x })['y']!);
    for (const build of BUILDS) expect((await runInts(model, { x }, { build }))['y']).toEqual(expected);
    expect(new Set(expected).size).toBeGreaterThan(5);
  });

  // The epilogue clamps in float: products far beyond int32 saturate (multipliers up to
  // 1e6), and infinite or NaN multipliers give the reference's outputs too (plans map them to the
  // largest float and 0). Channels with ordinary multipliers keep the middle of the range in play.
  it('requantizes huge, infinite and NaN multipliers as the reference does (every kernel)', async () => {
    const wild = (count: number): number[] => Array.from({ length: count }, (_, c) => [0.004, 1e6, Infinity, 0.009, NaN, -Infinity, 30][c % 7]!);
    for (const c of [
      { cin: 13, cout: 14, h: 5, w: 11, kernel: [1, 1], perChannel: true, bias: true },
      { cin: 5, cout: 9, h: 9, w: 7, kernel: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1], perChannel: true, xType: 'int8', activation: { name: 'Relu', params: [] } },
      { cin: 17, cout: 18, h: 11, w: 13, kernel: [3, 3], pads: [1, 1, 1, 1], perChannel: true, bias: true },
      { cin: 14, cout: 14, h: 9, w: 19, kernel: [3, 3], groups: 14, pads: [1, 1, 1, 1], perChannel: true, bias: true },
    ] satisfies QConvCase[]) {
      const { model, x } = qlinearConvModel(c, 17);
      model.graph.initializers.set('w_scale', float32([c.cout], wild(c.cout)));
      const expected = toNumbers(runReference(model, { x })['y']!);
      for (const build of BUILDS) expect((await runInts(model, { x }, { build }))['y']).toEqual(expected);
      expect(new Set(expected).size).toBeGreaterThan(5);
    }
    const { model, a } = qmatmulModel({ op: 'QLinearMatMul', m: 9, k: 11, n: 14, perColumn: true }, 17);
    model.graph.initializers.set('bs', float32([14], wild(14)));
    const expected = toNumbers(runReference(model, { a })['y']!);
    for (const build of BUILDS) expect((await runInts(model, { a }, { build }))['y']).toEqual(expected);
    expect(new Set(expected).size).toBeGreaterThan(5);
  });

  it('leaves an int32 output, beyond the epilogue\'s exact range, to the host reference', () => {
    const { model, x } = qlinearConvModel({ cin: 4, cout: 4, h: 3, w: 3, kernel: [1, 1] }, 1);
    const init = model.graph.initializers;
    init.set('y_zero', fromNumbers('int32', [], [0]));
    const node = model.graph.nodes[0]!;
    const typeOf = (name: string) => (name === 'x' ? { dtype: x.dtype, shape: [...x.shape] } : { dtype: init.get(name)!.dtype, shape: [...init.get(name)!.shape] });
    expect(qlinearConv.plan!({ node, opset: 13, inputs: node.inputs.map(typeOf), constants: node.inputs.map((n) => init.get(n)), outputs: [] })).toBeUndefined();
  });

  it('runs Winograd F(4x4, 3x3) and F(2x2, 3x3) on two threads with the same integers', async () => {
    const { model, x } = qlinearConvModel({ cin: 24, cout: 18, h: 29, w: 21, kernel: [3, 3], dilations: [2, 1], pads: [2, 1, 2, 1], bias: true }, 9);
    const expected = toNumbers(runReference(model, { x })['y']!);
    expect((await runInts(model, { x }, { threads: 2 }))['y']).toEqual(expected);
    const wide = qlinearConvModel(WIDE_SUMS, 13);
    saturateWeights(wide.model);
    expect((await runInts(wide.model, { x: wide.x }, { threads: 2 }))['y']).toEqual(toNumbers(runReference(wide.model, { x: wide.x })['y']!));
  });

  it('runs the direct, pointwise and depthwise kernels on two threads with the same integers (small maps split their channels)', async () => {
    for (const c of [
      { cin: 13, cout: 9, h: 23, w: 19, kernel: [3, 3], pads: [1, 1, 1, 1], bias: true },
      { cin: 13, cout: 37, h: 3, w: 5, kernel: [3, 3], pads: [1, 1, 1, 1], bias: true },
      { cin: 16, cout: 33, h: 5, w: 7, kernel: [1, 1], bias: true },
      { cin: 13, cout: 13, h: 23, w: 19, kernel: [3, 3], groups: 13, dilations: [2, 2], pads: [2, 2, 2, 2], bias: true },
      { cin: 13, cout: 26, h: 23, w: 19, kernel: [3, 3], groups: 13, strides: [2, 2], pads: [1, 1, 1, 1], bias: true },
    ] satisfies QConvCase[]) {
      const { model, x } = qlinearConvModel(c, 7);
      const expected = toNumbers(runReference(model, { x })['y']!);
      expect((await runInts(model, { x }, { threads: 2 }))['y']).toEqual(expected);
    }
  });
});

const MATMUL_CASES: QMatMulCase[] = [
  { op: 'QLinearMatMul', m: 5, k: 13, n: 7 },
  { op: 'QLinearMatMul', m: 1, k: 1, n: 3, perColumn: true },
  { op: 'QLinearMatMul', aBatch: [3], m: 7, k: 33, n: 9, aType: 'int8', perColumn: true },
  { op: 'QLinearMatMul', m: 17, k: 8, n: 4, bType: 'uint8' },
  { op: 'MatMulInteger', m: 9, k: 15, n: 13, perColumn: true },
  { op: 'MatMulInteger', aBatch: [2, 2], m: 3, k: 20, n: 5, aType: 'int8', bType: 'uint8' },
];

describe('QLinearMatMul and MatMulInteger kernels against the reference (equal integers)', () => {
  for (const build of BUILDS) {
    MATMUL_CASES.forEach((c, i) => {
      it(`${build}: ${c.op} ${[...(c.aBatch ?? []), c.m, c.k].join('x')} x ${c.k}x${c.n} ${c.aType ?? 'uint8'}/${c.bType ?? 'int8'}${c.perColumn ? ' per-column' : ''}`, async () => {
        const { model, a } = qmatmulModel(c, 300 + i);
        const expected = toNumbers(runReference(model, { a })['y']!);
        const session = await Session.create(model, { build, inputShapes: { a: [...a.shape] } });
        // On the WASM kernel, not the host reference: a WASM step reports its multiply-adds.
        const timings: { macs: number }[] = [];
        session.run({ a: Int32Array.from(toNumbers(a)) }, { timings: timings as never });
        expect(timings.map((t) => t.macs)).toEqual([a.data.length * c.n]);
        session.dispose();
        expect((await runInts(model, { a }, { build }))['y']).toEqual(expected);
        expect(new Set(expected).size).toBeGreaterThan(Math.min(5, expected.length - 1));
      });
    });
  }

  it('runs on two threads with the same integers', async () => {
    const { model, a } = qmatmulModel({ op: 'QLinearMatMul', aBatch: [4], m: 19, k: 21, n: 11, perColumn: true }, 9);
    expect((await runInts(model, { a }, { threads: 2 }))['y']).toEqual(toNumbers(runReference(model, { a })['y']!));
  });
});

describe('QuantizeLinear and DequantizeLinear kernels against the reference', () => {
  for (const dtype of ['uint8', 'int8'] as const) {
    it(`${dtype}: round half to even, saturation, NaN and infinities, 13 x 7 values`, async () => {
      const x = randomTensor([13, 7], seededRandom(3), -3, 3);
      // Exact halves (0.5, 1.5 and 2.5 quantization steps) to pin the rounding; NaN quantizes to the zero point.
      const data = x.data as Float32Array;
      data.set([0.025, 0.075, -0.025, -0.075, 1e9, -1e9, NaN, Infinity, -Infinity, -0, 0.125, -0.125], 0);
      data.set([NaN, -Infinity, 0.125], 88);
      const zero = fromNumbers(dtype, [], [dtype === 'uint8' ? 128 : -3]);
      const q = singleNodeModel({
        op: 'QuantizeLinear', opset: 13,
        inputs: [{ name: 'x', dtype: 'float32', shape: [13, 7] }, { name: 's', dtype: 'float32', shape: [] }, { name: 'z', dtype, shape: [] }],
        outputs: ['y'], initializers: { s: float32([], [0.05]), z: zero },
      });
      q.graph.outputs = [{ name: 'y', dtype }];
      const expected = toNumbers(runReference(q, { x })['y']!);
      expect(expected.slice(0, 4)).toEqual(dtype === 'uint8' ? [128, 130, 128, 126] : [-3, -1, -3, -5]);
      for (const build of BUILDS) expect((await runInts(q, { x }, { build, nonFinite: 'allow' }))['y']).toEqual(expected);

      const ints = fromNumbers(dtype, [13, 7], expected);
      const dq = singleNodeModel({
        op: 'DequantizeLinear', opset: 13,
        inputs: [{ name: 'q', dtype, shape: [13, 7] }, { name: 's', dtype: 'float32', shape: [] }, { name: 'z', dtype, shape: [] }],
        outputs: ['y'], initializers: { s: float32([], [0.05]), z: zero },
      });
      const back = toNumbers(runReference(dq, { q: ints })['y']!);
      for (const build of BUILDS) expect((await runInts(dq, { q: ints }, { build }))['y']).toEqual(back);
    });
  }
});

describe('DequantizeLinear x2 -> Add -> QuantizeLinear (a residual connection) becomes QLinearAdd', () => {
  function residualModel(dtype: 'uint8' | 'int8', bShape: number[]): { model: Model; a: Tensor; b: Tensor } {
    const rng = seededRandom(31);
    const [lo, hi] = dtype === 'uint8' ? [0, 255] : [-128, 127];
    const ints = (shape: number[]) => fromNumbers(dtype, shape, Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => lo + Math.floor(rng() * (hi - lo + 1))));
    const a = ints([1, 13, 7, 9]);
    const b = ints(bShape);
    const zero = (v: number) => fromNumbers(dtype, [], [dtype === 'uint8' ? v : v - 128]);
    const model = singleNodeModel({
      op: 'Add', opset: 13,
      inputs: [{ name: 'a_f', dtype: 'float32', shape: [1, 13, 7, 9] }, { name: 'b_f', dtype: 'float32', shape: bShape }],
      outputs: ['sum'],
    });
    const g = model.graph;
    g.inputs = [{ name: 'a', dtype, shape: [1, 13, 7, 9] }, { name: 'b', dtype, shape: bShape }];
    // Output scale below the inputs': sums saturate at both ends as well as landing between.
    for (const [name, t] of [['sa', float32([], [0.05])], ['za', zero(120)], ['sb', float32([], [0.07])], ['zb', zero(131)], ['sy', float32([], [0.045])], ['zy', zero(100)]] as const) g.initializers.set(name, t);
    g.nodes.unshift(
      { name: 'dqa', op: 'DequantizeLinear', domain: '', inputs: ['a', 'sa', 'za'], outputs: ['a_f'], attrs: {} },
      { name: 'dqb', op: 'DequantizeLinear', domain: '', inputs: ['b', 'sb', 'zb'], outputs: ['b_f'], attrs: {} },
    );
    g.nodes.push({ name: 'q', op: 'QuantizeLinear', domain: '', inputs: ['sum', 'sy', 'zy'], outputs: ['y'], attrs: {} });
    g.outputs = [{ name: 'y', dtype }];
    return { model, a, b };
  }

  for (const dtype of ['uint8', 'int8'] as const) {
    it(`${dtype}: equal integers on the kernel (one shape) and on the host (broadcast)`, async () => {
      for (const bShape of [[1, 13, 7, 9], [1, 13, 1, 1]]) {
        const { model, a, b } = residualModel(dtype, bShape);
        const expected = toNumbers(runReference(model, { a, b })['y']!);
        for (const build of BUILDS) {
          const session = await Session.create(model, { build });
          expect(session.nodes.map((n) => n.op)).toEqual(['QLinearAdd']);
          session.dispose();
          expect((await runInts(model, { a, b }, { build }))['y']).toEqual(expected);
        }
        const [lo, hi] = dtype === 'uint8' ? [0, 255] : [-128, 127];
        expect(expected).toContain(lo);
        expect(expected).toContain(hi);
        expect(new Set(expected).size).toBeGreaterThan(50);
      }
    });
  }

  it('runs on two threads with the same integers', async () => {
    const { model, a, b } = residualModel('uint8', [1, 13, 7, 9]);
    expect((await runInts(model, { a, b }, { threads: 2 }))['y']).toEqual(toNumbers(runReference(model, { a, b })['y']!));
  });
});

describe('MaxPool and Concat between DequantizeLinear and QuantizeLinear of one scale run on the integers', () => {
  const rng = seededRandom(77);
  const a = fromNumbers('uint8', [1, 3, 9, 11], Array.from({ length: 297 }, () => Math.floor(rng() * 256)));
  const b = fromNumbers('uint8', [1, 2, 9, 11], Array.from({ length: 198 }, () => Math.floor(rng() * 256)));
  function qdqModel(concatScale: number): Model {
    const model = singleNodeModel({ op: 'MaxPool', inputs: [{ name: 'a_f', dtype: 'float32', shape: [1, 3, 9, 11] }], outputs: ['p_f'], opset: 13,
      attrs: { kernel_shape: { kind: 'ints', value: [3, 3] }, strides: { kind: 'ints', value: [2, 2] }, pads: { kind: 'ints', value: [1, 1, 1, 1] } } });
    const g = model.graph;
    g.inputs = [{ name: 'a', dtype: 'uint8', shape: [1, 3, 9, 11] }, { name: 'b', dtype: 'uint8', shape: [1, 2, 9, 11] }];
    g.initializers.set('s', float32([], [0.03]));
    g.initializers.set('z', fromNumbers('uint8', [], [100]));
    g.initializers.set('s_concat', float32([], [concatScale]));
    const node = (op: string, inputs: string[], outputs: string[], attrs = {}) => ({ name: outputs[0]!, op, domain: '', inputs, outputs, attrs });
    g.nodes = [
      node('DequantizeLinear', ['a', 's', 'z'], ['a_f']),
      g.nodes[0]!,
      node('QuantizeLinear', ['p_f', 's', 'z'], ['pooled']),
      node('DequantizeLinear', ['b', 's', 'z'], ['b_f']),
      node('Concat', ['a_f', 'b_f'], ['c_f'], { axis: { kind: 'int', value: 1 } }),
      node('QuantizeLinear', ['c_f', 's_concat', 'z'], ['joined']),
    ];
    g.outputs = [{ name: 'pooled', dtype: 'uint8' }, { name: 'joined', dtype: 'uint8' }];
    return model;
  }

  it('equal integers, and no float op left where the scales agree', async () => {
    for (const [scale, ops] of [[0.03, ['MaxPool', 'Concat']], [0.05, ['MaxPool', 'DequantizeLinear', 'DequantizeLinear', 'Concat', 'QuantizeLinear']]] as const) {
      const model = qdqModel(scale);
      const expected = runReference(model, { a, b });
      const session = await Session.create(model, {});
      expect(session.nodes.map((n) => n.op).sort()).toEqual([...ops].sort());
      session.dispose();
      const got = await runInts(model, { a, b });
      expect(got['pooled']).toEqual(toNumbers(expected['pooled']!));
      expect(got['joined']).toEqual(toNumbers(expected['joined']!));
    }
  });
});
