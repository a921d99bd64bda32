// Post-training quantization end to end: quantizeModel's QDQ file runs in ONNX Runtime, the
// session rewrites it onto the integer kernels (QLinearConv chains, no dequantize between them),
// and its outputs match ONNX Runtime's (which fuses QDQ to its own integer ops) within one
// quantization step of the output; `wasmpose quantize` on a TFJS model and real photos.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { emptyGraph, emptyModel, type Model } from '../src/nn/graph.js';
import { readOnnx } from '../src/nn/formats/onnx/reader.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { Session } from '../src/nn/session.js';
import { float32, toFloat32 } from '../src/nn/tensor.js';
import { RangeCollector } from '../src/quantize/calibrate.js';
import { activationParams, calibrationValues, foldForQuantization, quantizeModel, quantizeWeights } from '../src/quantize/qdq.js';
import { randomTensor, seededRandom } from './support/harness.js';

/** x [1,3,13,11] -> Conv 3x3 (13) -> Relu -> Conv 1x1 (7) -> Clip(0, 6) -> depthwise 3x3 -> y. */
function smallNetwork(): Model {
  const rng = seededRandom(41);
  const g = emptyGraph('small');
  g.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 3, 13, 11] }];
  g.outputs = [{ name: 'y', dtype: 'float32' }];
  const init = (name: string, shape: number[], scale: number) => g.initializers.set(name, randomTensor(shape, rng, -scale, scale));
  init('w1', [13, 3, 3, 3], 0.4); init('b1', [13], 0.1);
  init('w2', [7, 13, 1, 1], 0.3); init('b2', [7], 0.1);
  init('w3', [7, 1, 3, 3], 0.5);
  g.initializers.set('lo', float32([], [0]));
  g.initializers.set('hi', float32([], [6]));
  const ints = (v: number[]) => ({ kind: 'ints' as const, value: v });
  g.nodes = [
    { name: 'c1', op: 'Conv', domain: '', inputs: ['x', 'w1', 'b1'], outputs: ['a1'], attrs: { pads: ints([1, 1, 1, 1]) } },
    { name: 'r1', op: 'Relu', domain: '', inputs: ['a1'], outputs: ['r1'], attrs: {} },
    { name: 'c2', op: 'Conv', domain: '', inputs: ['r1', 'w2', 'b2'], outputs: ['a2'], attrs: {} },
    { name: 'k2', op: 'Clip', domain: '', inputs: ['a2', 'lo', 'hi'], outputs: ['r2'], attrs: {} },
    { name: 'c3', op: 'Conv', domain: '', inputs: ['r2', 'w3'], outputs: ['y'], attrs: { group: { kind: 'int', value: 7 }, pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) } },
  ];
  return emptyModel(g, 13);
}

describe('quantizeModel and the QDQ pass', () => {
  const model = smallNetwork();
  const calibration = [1, 2, 3].map((s) => toFloat32(randomTensor([1, 3, 13, 11], seededRandom(s), -2, 2)));

  async function ranges() {
    const collector = new RangeCollector({ kind: 'minmax' });
    const values = calibrationValues(model.graph);
    const session = await Session.create(model, { optimize: false });
    for (const x of calibration) {
      const out = session.run({ x }, { keep: values });
      for (const v of values) collector.observe(v, out[v]!.data);
    }
    return collector.ranges();
  }

  it('writes a QDQ model ONNX Runtime runs; the engine runs it as a QLinearConv chain and matches ONNX Runtime within one output step', async () => {
    const r = await ranges();
    // The last convolution is the network's output head, float by default: quantize it too here, for a chain of three.
    const quantized = quantizeModel(model, r, { heads: 'int8' });
    const bytes = writeOnnx(quantized);
    // The float weights are gone from the file: int8 weights, int32 biases.
    const read = readOnnx(bytes);
    expect([...read.graph.initializers.values()].filter((t) => t.dtype === 'int8').length).toBe(6); // 3 weights + 3 zero points
    expect([...read.graph.initializers.keys()]).not.toContain('w1');

    const session = await Session.create(read);
    const ops = session.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'QLinearConv')).toHaveLength(3);
    expect(ops).not.toContain('Conv');
    // One quantize at the input, one dequantize at the output: integers from conv to conv.
    expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(1);
    expect(ops.filter((o) => o === 'DequantizeLinear')).toHaveLength(1);

    const x = toFloat32(randomTensor([1, 3, 13, 11], seededRandom(9), -2, 2));
    const engine = session.run({ x })['y']!.data;
    const ortSession = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
    const golden = (await ortSession.run({ x: new ort.Tensor('float32', x, [1, 3, 13, 11]) }))['y']!.data as Float32Array;
    const step = activationParams(r.get('y')!).scale;
    let worst = 0;
    let equal = 0;
    for (let i = 0; i < golden.length; i++) {
      worst = Math.max(worst, Math.abs(engine[i]! - golden[i]!));
      if (engine[i] === golden[i]) equal++;
    }
    expect(worst, `max |engine - ORT| ${worst}, output step ${step}`).toBeLessThanOrEqual(step * 1.0001);
    expect(equal / golden.length).toBeGreaterThan(0.95);

    // And the integer network stays near the float one: rounding at three layers, each a fraction
    // of its own step, adds up to a few output steps.
    const float = (await Session.create(model)).run({ x })['y']!.data;
    let drift = 0;
    for (let i = 0; i < float.length; i++) drift = Math.max(drift, Math.abs(float[i]! - engine[i]!));
    expect(drift).toBeLessThan(16 * step);
  });

  it('keeps the output head float by default; corrects biases for the rounded weights where channel means were recorded', async () => {
    const r = await ranges();
    const session = await Session.create(readOnnx(writeOnnx(quantizeModel(model, r))));
    const ops = session.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'QLinearConv')).toHaveLength(2);
    expect(ops).toContain('Conv');

    // Channel means of c2's input: its int32 bias is the float one minus the rounded weights' shift on them.
    const means = Float32Array.from({ length: 13 }, (_, i) => 0.1 + 0.05 * i);
    const withMeans = new Map([...r].map(([k, v]) => [k, k === 'r1' ? { ...v, channelMeans: means } : v]));
    const corrected = quantizeModel(model, withMeans).graph;
    const w = toFloat32(model.graph.initializers.get('w2')!);
    const b = toFloat32(model.graph.initializers.get('b2')!);
    const { q, scales } = quantizeWeights(model.graph.initializers.get('w2')!);
    const xScale = activationParams(r.get('r1')!).scale;
    const biasQ = corrected.initializers.get('b2_quantized')!.data;
    for (let o = 0; o < 7; o++) {
      let shift = 0;
      for (let i = 0; i < 13; i++) shift += (Number(q.data[o * 13 + i]) * scales[o]! - w[o * 13 + i]!) * means[i]!;
      expect(shift).not.toBe(0);
      expect(Number(biasQ[o])).toBe(Math.round((b[o]! - shift) / Math.fround(xScale * scales[o]!)));
    }
  });

  it('folds BatchNormalization into the Conv before quantizing: Conv -> BN -> Relu becomes one QLinearConv with the Relu fused', async () => {
    const g = emptyGraph('bn');
    g.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 3, 13, 11] }];
    g.outputs = [{ name: 'y', dtype: 'float32' }];
    const rng = seededRandom(17);
    g.initializers.set('w', randomTensor([5, 3, 3, 3], rng, -0.5, 0.5));
    g.initializers.set('w2', randomTensor([4, 5, 1, 1], rng, -0.5, 0.5));
    for (const [name, lo, hi] of [['gamma', 0.5, 2], ['beta', -0.5, 0.5], ['mean', -0.2, 0.2], ['var', 0.5, 1.5]] as const) g.initializers.set(name, randomTensor([5], rng, lo, hi));
    g.nodes = [
      { name: 'c', op: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['a'], attrs: {} },
      { name: 'bn', op: 'BatchNormalization', domain: '', inputs: ['a', 'gamma', 'beta', 'mean', 'var'], outputs: ['n'], attrs: {} },
      { name: 'r', op: 'Relu', domain: '', inputs: ['n'], outputs: ['r'], attrs: {} },
      { name: 'c2', op: 'Conv', domain: '', inputs: ['r', 'w2'], outputs: ['y'], attrs: {} },
    ];
    const folded = foldForQuantization(emptyModel(g, 13));
    expect(folded.graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu', 'Conv']);
    const x = toFloat32(randomTensor([1, 3, 13, 11], seededRandom(3), -2, 2));
    const collector = new RangeCollector({ kind: 'minmax' });
    const values = calibrationValues(folded.graph);
    const out = (await Session.create(folded, { optimize: false })).run({ x }, { keep: values });
    for (const v of values) collector.observe(v, out[v]!.data, out[v]!.shape);
    const session = await Session.create(readOnnx(writeOnnx(quantizeModel(folded, collector.ranges()))));
    expect(session.nodes.map((n) => n.op).filter((o) => o !== 'QuantizeLinear' && o !== 'DequantizeLinear')).toEqual(['QLinearConv', 'Conv']);
  });

  it('percentile ranges are inside the min/max ones', async () => {
    const minmax = new RangeCollector({ kind: 'minmax' });
    const percentile = new RangeCollector({ kind: 'percentile', percentile: 99 });
    const data = toFloat32(randomTensor([10000], seededRandom(5), -1, 1));
    data[0] = 50;
    for (const c of [minmax, percentile]) c.observe('v', data, [1, 4, 50, 50]);
    expect(minmax.ranges().get('v')!.max).toBe(50);
    // Channel means ride along with either method.
    const mean0 = data.subarray(0, 2500).reduce((a, v) => a + v, 0) / 2500;
    expect(percentile.ranges().get('v')!.channelMeans![0]).toBeCloseTo(mean0, 5);
    expect(percentile.ranges().get('v')!.max).toBeLessThan(1);
    expect(percentile.ranges().get('v')!.max).toBeGreaterThan(0.9);
    expect(() => new RangeCollector({ kind: 'percentile', percentile: 20 })).toThrow(/percentile/);
  });
});

const MEDIA = resolve(import.meta.dirname, '../../shared/data/openpose_media');

describe.skipIf(!existsSync(MEDIA))('wasmpose quantize on a TFJS model and photos', () => {
  if (!existsSync(MEDIA)) console.warn(`quantize: skipped, ${MEDIA} is absent`);
  const dir = mkdtempSync(join(tmpdir(), 'wasmpose-quantize-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('movenet-lightning calibrated on two photos: ONNX Runtime runs the file, the engine agrees with it', async () => {
    const out = join(dir, 'lightning.int8.onnx');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['quantize', 'movenet-lightning', '--calibrate', MEDIA, '--out', out, '--limit', '2', '--method', 'percentile']);
    log.mockRestore();
    err.mockRestore();
    expect(code).toBe(0);
    const bytes = readFileSync(out);
    const model = readOnnx(bytes);
    const input = model.graph.inputs[0]!;
    const shape = input.shape as number[];
    const pixels = Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i * 37 + (i >> 7)) % 256);
    const session = await Session.create(model);
    expect(session.nodes.filter((n) => n.op === 'QLinearConv').length).toBeGreaterThan(50);
    const engine = Object.values(session.run({ [input.name]: pixels }))[0]!.data;
    const ortSession = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, logSeverityLevel: 3 });
    const golden = Object.values(await ortSession.run({ [input.name]: new ort.Tensor('int32', pixels, shape) }))[0]!.data as Float32Array;
    expect(engine.length).toBe(golden.length);
    // Keypoint y, x, score in [0, 1]: the same integer network, up to rounding ties ONNX Runtime breaks otherwise.
    let close = 0;
    for (let i = 0; i < golden.length; i++) if (Math.abs(engine[i]! - golden[i]!) <= 0.02) close++;
    expect(close / golden.length).toBeGreaterThan(0.9);
  }, 240_000);
});
