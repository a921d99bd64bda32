// Quantized ops against ONNX Runtime, one node each: QLinearConv (dense, 1x1, grouped, depthwise,
// Winograd, strided; uint8/int8; per-tensor and per-channel weights), ConvInteger, MatMulInteger, QLinearMatMul,
// QuantizeLinear, DequantizeLinear. Integer outputs must be equal: the engine requantizes with
// ONNX Runtime's float32 arithmetic and rounding.
import { describe, expect, it } from 'vitest';
import { emptyGraph, emptyModel, type Model } from '../src/nn/graph.js';
import { float32, fromNumbers, toFloat32, toNumbers, type Tensor } from '../src/nn/tensor.js';
import { Session } from '../src/nn/session.js';
import { randomTensor, seededRandom, singleNodeModel } from './support/harness.js';
import { runOrt } from './support/ort.js';
import { qlinearConvModel, qmatmulModel, randomInts as ints, saturateWeights, WIDE_SUMS, type QConvCase } from './support/quant.js';

async function engineInts(model: Model, feeds: Record<string, Tensor>): Promise<Record<string, number[]>> {
  const inputShapes = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, [...t.shape]]));
  const session = await Session.create(model, { inputShapes });
  const out = session.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dtype === 'float32' ? toFloat32(t) : Int32Array.from(toNumbers(t))])));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data)]));
}

async function expectSameAsOrt(model: Model, feeds: Record<string, Tensor>): Promise<void> {
  const golden = await runOrt(model, feeds);
  const engine = await engineInts(model, feeds);
  for (const [name, g] of Object.entries(golden)) expect(engine[name], name).toEqual(g.data);
}

const CONV_CASES: QConvCase[] = [
  { cin: 13, cout: 7, h: 7, w: 9, kernel: [3, 3], pads: [1, 1, 1, 1], bias: true },
  { cin: 13, cout: 9, h: 11, w: 7, kernel: [3, 3], strides: [2, 2], pads: [1, 0, 1, 1], perChannel: true, bias: true },
  { cin: 16, cout: 33, h: 5, w: 7, kernel: [1, 1], bias: true, xType: 'int8' },
  { cin: 6, cout: 10, h: 9, w: 7, kernel: [3, 1], groups: 2, dilations: [2, 1], pads: [2, 0, 2, 0], perChannel: true },
  { cin: 13, cout: 13, h: 7, w: 9, kernel: [3, 3], groups: 13, pads: [1, 1, 1, 1], perChannel: true, bias: true },
  // Winograd F(4x4, 3x3) in integers (16+ channels), plain and dilated; a first layer on the direct kernel's stride phases.
  { cin: 17, cout: 19, h: 13, w: 23, kernel: [3, 3], pads: [1, 1, 1, 1], perChannel: true, bias: true },
  { cin: 16, cout: 21, h: 11, w: 9, kernel: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2], xType: 'int8', bias: true },
  { cin: 3, cout: 8, h: 17, w: 21, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], bias: true },
  { cin: 24, cout: 24, h: 19, w: 17, kernel: [3, 3], groups: 24, strides: [2, 2], pads: [1, 1, 1, 1], perChannel: true, bias: true },
];

describe('QLinearConv against ONNX Runtime (equal integers)', () => {
  CONV_CASES.forEach((c, i) => {
    it(`${c.cin}->${c.cout} ${c.h}x${c.w} k${c.kernel.join('x')} g${c.groups ?? 1} ${c.xType ?? 'uint8'}${c.perChannel ? ' per-channel' : ''}`, async () => {
      const { model, x } = qlinearConvModel(c, 200 + i);
      await expectSameAsOrt(model, { x });
    });
  });

  it('Winograd F(2x2, 3x3) where sums could leave F(4x4, 3x3)\'s range (saturated weights, 224 channels)', async () => {
    const { model, x } = qlinearConvModel(WIDE_SUMS, 250);
    saturateWeights(model);
    await expectSameAsOrt(model, { x });
  });
});

describe('integer ops against ONNX Runtime', () => {
  const rng = seededRandom(31);

  it('ConvInteger: uint8 input and weights with zero points', async () => {
    const model = singleNodeModel({
      op: 'ConvInteger', opset: 13,
      inputs: [{ name: 'x', dtype: 'uint8', shape: [1, 5, 7, 9] }, { name: 'w', dtype: 'uint8', shape: [3, 5, 3, 3] }, { name: 'xz', dtype: 'uint8', shape: [] }, { name: 'wz', dtype: 'uint8', shape: [] }],
      outputs: ['y'], attrs: { pads: { kind: 'ints', value: [1, 1, 1, 1] } },
      initializers: { w: ints('uint8', [3, 5, 3, 3], rng, 0, 255), xz: fromNumbers('uint8', [], [120]), wz: fromNumbers('uint8', [], [131]) },
    });
    model.graph.outputs = [{ name: 'y', dtype: 'int32' }];
    await expectSameAsOrt(model, { x: ints('uint8', [1, 5, 7, 9], rng, 0, 255) });
  });

  it('MatMulInteger: batched uint8 x int8 with zero points', async () => {
    const model = singleNodeModel({
      op: 'MatMulInteger', opset: 13,
      inputs: [{ name: 'a', dtype: 'uint8', shape: [2, 5, 13] }, { name: 'b', dtype: 'int8', shape: [13, 7] }, { name: 'az', dtype: 'uint8', shape: [] }, { name: 'bz', dtype: 'int8', shape: [] }],
      outputs: ['y'], initializers: { b: ints('int8', [13, 7], rng, -128, 127), az: fromNumbers('uint8', [], [7]), bz: fromNumbers('int8', [], [-3]) },
    });
    model.graph.outputs = [{ name: 'y', dtype: 'int32' }];
    await expectSameAsOrt(model, { a: ints('uint8', [2, 5, 13], rng, 0, 255) });
  });

  it('QLinearMatMul: uint8, requantized', async () => {
    const model = singleNodeModel({
      op: 'QLinearMatMul', opset: 13,
      inputs: [
        { name: 'a', dtype: 'uint8', shape: [5, 13] }, { name: 'as', dtype: 'float32', shape: [] }, { name: 'az', dtype: 'uint8', shape: [] },
        { name: 'b', dtype: 'uint8', shape: [13, 7] }, { name: 'bs', dtype: 'float32', shape: [] }, { name: 'bz', dtype: 'uint8', shape: [] },
        { name: 'ys', dtype: 'float32', shape: [] }, { name: 'yz', dtype: 'uint8', shape: [] },
      ],
      outputs: ['y'],
      initializers: {
        as: float32([], [0.03]), az: fromNumbers('uint8', [], [100]), b: ints('uint8', [13, 7], rng, 0, 255), bs: float32([], [0.01]),
        bz: fromNumbers('uint8', [], [128]), ys: float32([], [0.25]), yz: fromNumbers('uint8', [], [90]),
      },
    });
    model.graph.outputs = [{ name: 'y', dtype: 'uint8' }];
    await expectSameAsOrt(model, { a: ints('uint8', [5, 13], rng, 0, 255) });
  });

  it('QLinearMatMul on the WASM kernel: batched A, per-column B scales and zero points', async () => {
    const { model, a } = qmatmulModel({ op: 'QLinearMatMul', aBatch: [3], m: 7, k: 33, n: 9, perColumn: true }, 61);
    await expectSameAsOrt(model, { a });
  });

  it('MatMulInteger on the WASM kernel: per-column B zero points', async () => {
    const { model, a } = qmatmulModel({ op: 'MatMulInteger', m: 9, k: 15, n: 13, perColumn: true }, 62);
    await expectSameAsOrt(model, { a });
  });

  for (const dtype of ['uint8', 'int8'] as const) {
    it(`QuantizeLinear then DequantizeLinear, ${dtype}, per tensor and per channel`, async () => {
      const x = randomTensor([2, 3, 5, 7], rng, -4, 4);
      for (const perChannel of [false, true]) {
        const s = perChannel ? float32([3], [0.02, 0.05, 0.1]) : float32([], [0.05]);
        const z = perChannel ? fromNumbers(dtype, [3], dtype === 'uint8' ? [120, 128, 3] : [-5, 0, 9]) : fromNumbers(dtype, [], [dtype === 'uint8' ? 128 : -3]);
        const q = singleNodeModel({
          op: 'QuantizeLinear', opset: 13,
          inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3, 5, 7] }, { name: 's', dtype: 'float32', shape: [...s.shape] }, { name: 'z', dtype, shape: [...z.shape] }],
          outputs: ['y'], initializers: { s, z },
        });
        q.graph.outputs = [{ name: 'y', dtype }];
        await expectSameAsOrt(q, { x });
        const dq = singleNodeModel({
          op: 'DequantizeLinear', opset: 13,
          inputs: [{ name: 'q', dtype, shape: [2, 3, 5, 7] }, { name: 's', dtype: 'float32', shape: [...s.shape] }, { name: 'z', dtype, shape: [...z.shape] }],
          outputs: ['y'], initializers: { s, z },
        });
        await expectSameAsOrt(dq, { q: ints(dtype, [2, 3, 5, 7], rng, dtype === 'uint8' ? 0 : -128, dtype === 'uint8' ? 255 : 127) });
      }
    });
  }
});

describe('QDQ MatMul onto QLinearMatMul', () => {
  it('Q -> DQ(a), DQ(b int8 per column) -> MatMul -> Q runs as one QLinearMatMul on the kernel, within one step of ONNX Runtime on the float QDQ graph', async () => {
    const rng = seededRandom(71);
    const [m, k, n] = [2 * 7, 19, 11];
    const g = emptyGraph('qdq-matmul');
    g.inputs = [{ name: 'x', dtype: 'float32', shape: [2, 7, k] }];
    g.outputs = [{ name: 'y', dtype: 'uint8' }];
    const init = (name: string, t: Tensor) => g.initializers.set(name, t);
    init('xs', float32([], [0.02])); init('xz', fromNumbers('uint8', [], [120]));
    init('b', ints('int8', [k, n], rng, -127, 127));
    init('bs', float32([n], Array.from({ length: n }, () => 0.002 + 0.004 * rng()))); init('bz', fromNumbers('int8', [n], new Array<number>(n).fill(0)));
    init('ys', float32([], [0.03])); init('yz', fromNumbers('uint8', [], [128]));
    const node = (name: string, op: string, inputs: string[], attrs = {}) => ({ name, op, domain: '', inputs, outputs: [name], attrs });
    g.nodes = [
      node('xq', 'QuantizeLinear', ['x', 'xs', 'xz']), node('xd', 'DequantizeLinear', ['xq', 'xs', 'xz']),
      node('bd', 'DequantizeLinear', ['b', 'bs', 'bz'], { axis: { kind: 'int', value: 1 } }),
      node('mm', 'MatMul', ['xd', 'bd']), { ...node('yq', 'QuantizeLinear', ['mm', 'ys', 'yz']), outputs: ['y'] },
    ];
    const model = emptyModel(g, 13);
    const session = await Session.create(model);
    expect(session.nodes.map((s) => s.op)).toEqual(['QuantizeLinear', 'QLinearMatMul']);
    const x = randomTensor([2, 7, k], rng, -2.5, 2.5);
    const engine = (await engineInts(model, { x }))['y']!;
    const golden = (await runOrt(model, { x }))['y']!.data;
    expect(engine).toHaveLength(m * n);
    let equal = 0;
    engine.forEach((v, i) => {
      expect(Math.abs(v - golden[i]!)).toBeLessThanOrEqual(1);
      if (v === golden[i]) equal++;
    });
    expect(equal / engine.length).toBeGreaterThan(0.95);
    expect(new Set(engine).size).toBeGreaterThan(20);
  });
});
