// OpenVINO's INT8 forms (src/nn/formats/openvino/int8.ts) onto the integer kernels: an IR shaped
// like OpenVINO's FP16-INT8 output (FakeQuantize on the activations before each convolution,
// weights through a per-channel FakeQuantize and in the compressed Const i8/u8 -> Convert ->
// [Subtract] -> Multiply form, bias Adds, Relus, a 3x3, a depthwise 3x3 and a 1x1 convolution)
// runs its convolutions as QLinearConv and matches the float decomposition of FakeQuantize (the
// reader's `int8: false`) and ONNX Runtime on the same graph within one step of the output grid;
// FakeQuantize that int8 cannot express (16 levels, input range other than the output range, a
// zero point off the grid) still runs as the float decomposition.
import { describe, expect, it } from 'vitest';
import { readOpenVino } from '../src/nn/formats/openvino/reader.js';
import { writeOpenVino } from '../src/nn/formats/openvino/writer.js';
import { activationQuantization } from '../src/nn/formats/openvino/int8.js';
import { Session } from '../src/nn/session.js';
import { concatenate, floatToHalf, fromNumbers, toFloat32, type Tensor } from '../src/nn/tensor.js';
import { randomTensor, runEngine, seededRandom } from './support/harness.js';
import { runOrt } from './support/ort.js';

/** Builds an IR .xml and its .bin layer by layer (ids in order, edges from each layer's inputs). */
class IrBuilder {
  private readonly layers: string[] = [];
  private readonly edges: string[] = [];
  private readonly blobs: Uint8Array[] = [];
  private readonly ports = new Map<number, number>();
  private bytes = 0;
  private nextId = 0;

  private static dims(shape: readonly number[]): string {
    return shape.map((d) => `<dim>${d}</dim>`).join('');
  }

  /** A layer reading the given outputs (id, shape); returns its output's id and shape. */
  layer(type: string, data: Record<string, string | number>, inputs: { id: number; shape: number[] }[], shape: number[], precision = 'FP32'): { id: number; shape: number[] } {
    const id = this.nextId++;
    const attrs = Object.entries(data).map(([k, v]) => ` ${k}="${v}"`).join('');
    const ins = inputs.map((input, port) => `<port id="${port}" precision="FP32">${IrBuilder.dims(input.shape)}</port>`).join('');
    inputs.forEach((input, port) => this.edges.push(`<edge from-layer="${input.id}" from-port="${this.ports.get(input.id)!}" to-layer="${id}" to-port="${port}"/>`));
    const out = type === 'Result' ? '' : `<output><port id="${inputs.length}" precision="${precision}" names="${type === 'Parameter' ? 'x' : `${type.toLowerCase()}${id}`}">${IrBuilder.dims(shape)}</port></output>`;
    this.layers.push(`<layer id="${id}" name="${type.toLowerCase()}${id}" type="${type}" version="opset1"><data${attrs}/>${inputs.length > 0 ? `<input>${ins}</input>` : ''}${out}</layer>`);
    this.ports.set(id, inputs.length);
    return { id, shape };
  }

  constant(t: Tensor): { id: number; shape: number[] } {
    const type = { float32: 'f32', float16: 'f16', int8: 'i8', uint8: 'u8' }[t.dtype as 'float32'];
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
    const offset = this.bytes;
    this.blobs.push(bytes);
    this.bytes += bytes.length;
    return this.layer('Const', { element_type: type, shape: t.shape.join(','), offset, size: bytes.length }, [], [...t.shape], type.toUpperCase());
  }

  convert(input: { id: number; shape: number[] }): { id: number; shape: number[] } {
    return this.layer('Convert', { destination_type: 'f32' }, [input], input.shape);
  }

  fakeQuantize(x: { id: number; shape: number[] }, levels: number, ranges: Tensor[]): { id: number; shape: number[] } {
    return this.layer('FakeQuantize', { levels, auto_broadcast: 'numpy' }, [x, ...ranges.map((r) => this.constant(r))], x.shape);
  }

  xml(): string {
    return `<?xml version="1.0"?>\n<net name="int8" version="11"><layers>\n${this.layers.join('\n')}\n</layers><edges>\n${this.edges.join('\n')}\n</edges></net>`;
  }

  bin(): Uint8Array {
    return concatenate(this.blobs, (n) => new Uint8Array(n));
  }
}

const f32 = (shape: number[], values: ArrayLike<number>): Tensor => fromNumbers('float32', shape, values);
const scalar = (v: number): Tensor => f32([1, 1, 1, 1], [Math.fround(v)]);
/** Per-tensor activation ranges [lo, hi] = [-zero s, (255 - zero) s] as a quantizer writes them (float32). */
const activationRanges = (scale: number, zero: number): Tensor[] => {
  const lo = scalar(-zero * scale);
  const hi = scalar((255 - zero) * scale);
  return [lo, hi, lo, hi];
};

function convData(pad: number, stride = 1): Record<string, string> {
  return { strides: `${stride},${stride}`, dilations: '1,1', pads_begin: `${pad},${pad}`, pads_end: `${pad},${pad}`, auto_pad: 'explicit' };
}

/**
 * x [1, 3, 9, 11] -> FQ (256, zero 128) -> Convolution 3x3 (f32 weights through a per-channel
 * FQ, 255 levels) + bias -> Relu -> FQ (256, zero 0) -> GroupConvolution depthwise 3x3 stride 2
 * (Const i8 -> Convert -> Multiply per channel) + bias -> Relu -> FQ (256, zero 0) ->
 * Convolution 1x1 (Const u8 -> Convert -> Subtract u8 zero points -> Multiply f16 scales) + bias
 * -> FQ (256, zero 128) -> y [1, 5, 5, 6].
 */
function int8Network(): { xml: string; bin: Uint8Array; outputStep: number } {
  const rng = seededRandom(41);
  const uniform = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => lo + (hi - lo) * rng());
  const ir = new IrBuilder();
  const x = ir.layer('Parameter', { shape: '1,3,9,11', element_type: 'f32' }, [], [1, 3, 9, 11]);

  // 3x3, 3 -> 8: weights FakeQuantize'd per output channel, symmetric 255 levels.
  const xq = ir.fakeQuantize(x, 256, activationRanges(Math.fround(2.4 / 255), 128));
  const w1 = uniform(8 * 27, -0.3, 0.3);
  const reach = Array.from({ length: 8 }, (_, c) => Math.max(...w1.slice(c * 27, c * 27 + 27).map(Math.abs)) * 0.9);
  const w1q = ir.fakeQuantize(ir.constant(f32([8, 3, 3, 3], w1)), 255, [f32([8, 1, 1, 1], reach.map((r) => -r)), f32([8, 1, 1, 1], reach), f32([8, 1, 1, 1], reach.map((r) => -r)), f32([8, 1, 1, 1], reach)]);
  const c1 = ir.layer('Convolution', convData(1), [xq, w1q], [1, 8, 9, 11]);
  const b1 = ir.layer('Add', { auto_broadcast: 'numpy' }, [c1, ir.constant(f32([1, 8, 1, 1], uniform(8, -0.2, 0.2)))], [1, 8, 9, 11]);
  const r1 = ir.layer('Relu', {}, [b1], [1, 8, 9, 11]);

  // Depthwise 3x3 stride 2: compressed int8 weights, per-channel scales.
  const r1q = ir.fakeQuantize(r1, 256, activationRanges(Math.fround(2.5 / 255), 0));
  const w2 = ir.constant(fromNumbers('int8', [8, 1, 1, 3, 3], uniform(72, -127, 127).map(Math.round)));
  const w2f = ir.layer('Multiply', { auto_broadcast: 'numpy' }, [ir.convert(w2), ir.constant(f32([8, 1, 1, 1, 1], uniform(8, 0.002, 0.005)))], [8, 1, 1, 3, 3]);
  const c2 = ir.layer('GroupConvolution', convData(1, 2), [r1q, w2f], [1, 8, 5, 6]);
  const b2 = ir.layer('Add', { auto_broadcast: 'numpy' }, [c2, ir.constant(f32([1, 8, 1, 1], uniform(8, -0.1, 0.3)))], [1, 8, 5, 6]);
  const r2 = ir.layer('Relu', {}, [b2], [1, 8, 5, 6]);

  // 1x1, 8 -> 5: compressed uint8 weights with zero points, f16 scales.
  const r2q = ir.fakeQuantize(r2, 256, activationRanges(Math.fround(2 / 255), 0));
  const w3 = ir.constant(fromNumbers('uint8', [5, 8, 1, 1], uniform(40, 0, 255).map(Math.round)));
  const zp3 = ir.convert(ir.constant(fromNumbers('uint8', [5, 1, 1, 1], [120, 128, 131, 127, 140])));
  const s3 = ir.convert(ir.constant({ dtype: 'float16', shape: [5, 1, 1, 1], data: Uint16Array.from(uniform(5, 0.002, 0.004), floatToHalf) }));
  const w3f = ir.layer('Multiply', { auto_broadcast: 'numpy' }, [ir.layer('Subtract', { auto_broadcast: 'numpy' }, [ir.convert(w3), zp3], [5, 8, 1, 1]), s3], [5, 8, 1, 1]);
  const c3 = ir.layer('Convolution', convData(0), [r2q, w3f], [1, 5, 5, 6]);
  const b3 = ir.layer('Add', { auto_broadcast: 'numpy' }, [c3, ir.constant(f32([1, 5, 1, 1], uniform(5, -0.1, 0.1)))], [1, 5, 5, 6]);
  const outputStep = Math.fround(1.6 / 255);
  const y = ir.fakeQuantize(b3, 256, activationRanges(outputStep, 128));
  ir.layer('Result', {}, [y], []);
  return { xml: ir.xml(), bin: ir.bin(), outputStep };
}

const opsOf = (nodes: readonly { op: string }[]): string[] => nodes.map((n) => n.op);

/** Largest |a - b| over the elements, and how many differ by more than `step` / 2 (one step, on a grid of that step). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>, step = Infinity): { max: number; count: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > step / 2) count++;
    max = Math.max(max, d);
  }
  return { max, count };
}

describe('OpenVINO FP16-INT8-style IR onto the integer kernels', () => {
  const { xml, bin, outputStep } = int8Network();
  const input = randomTensor([1, 3, 9, 11], seededRandom(42), -1.4, 1.4);

  it('reads FakeQuantize and compressed weights as QDQ, and runs every convolution as QLinearConv', async () => {
    const model = readOpenVino(xml, { weights: bin });
    const ops = opsOf(model.graph.nodes);
    expect(ops.filter((op) => op === 'QuantizeLinear')).toHaveLength(4);
    // Activations (4), weights (3) and the three biases (int32 on the grid s_x s_w).
    expect(ops.filter((op) => op === 'DequantizeLinear')).toHaveLength(10);
    // The decompression subgraphs and the FakeQuantize decompositions are gone.
    for (const op of ['Mul', 'Sub', 'Round', 'Div', 'Min', 'Max']) expect(ops, op).not.toContain(op);
    const session = await Session.create(model, { inputShapes: { x: [1, 3, 9, 11] } });
    try {
      const run = opsOf(session.nodes);
      expect(run.filter((op) => op === 'QLinearConv')).toHaveLength(3);
      expect(run).not.toContain('Conv');
      const depthwise = session.nodes.find((n) => n.op === 'QLinearConv' && n.attrs['group'] !== undefined);
      expect(depthwise, 'the GroupConvolution').toBeDefined();
    } finally {
      session.dispose();
    }
  });

  it('matches the float decomposition and ONNX Runtime within one step of the output grid', async () => {
    const int8 = readOpenVino(xml, { weights: bin });
    const float = readOpenVino(xml, { weights: bin, int8: false });
    expect(opsOf(float.graph.nodes)).not.toContain('QuantizeLinear');
    const name = int8.graph.outputs[0]!.name;
    const engineInt8 = (await runEngine(int8, { x: input }))[name]!;
    const engineFloat = (await runEngine(float, { x: input }))[name]!;
    const ort = (await runOrt(int8, { x: input }))[name]!.data;
    const ortFloat = (await runOrt(float, { x: input }))[name]!.data;
    // The outputs lie on the output grid, and not all on one value.
    expect(new Set(engineInt8).size).toBeGreaterThan(20);
    for (const v of engineInt8) expect(Math.abs(v / outputStep - Math.round(v / outputStep))).toBeLessThan(1e-3);
    const tolerance = outputStep * 1.001;
    const vsFloat = differences(engineInt8, engineFloat, outputStep);
    expect(vsFloat.max, 'integer kernels vs the float decomposition').toBeLessThanOrEqual(tolerance);
    expect(vsFloat.count, 'outputs one step apart').toBeLessThan(engineInt8.length / 20);
    // ONNX Runtime runs the same QDQ graph in float (dequantize, float convolution, quantize).
    expect(differences(engineInt8, ort).max, 'integer kernels vs ONNX Runtime on the QDQ graph').toBeLessThanOrEqual(tolerance);
    expect(differences(engineFloat, ortFloat).max, 'float decomposition, engine vs ONNX Runtime').toBeLessThanOrEqual(tolerance);
  });

  it('maps one activation FakeQuantize onto exactly OpenVINO\'s grid, one step apart at most near a rounding boundary', async () => {
    const ir = new IrBuilder();
    const x = ir.layer('Parameter', { shape: '1,1,64,64', element_type: 'f32' }, [], [1, 1, 64, 64]);
    const scale = Math.fround(1.7 / 255);
    const ranges = activationRanges(scale, 77);
    ir.layer('Result', {}, [ir.fakeQuantize(x, 256, ranges)], []);
    const model = readOpenVino(ir.xml(), { weights: ir.bin() });
    expect(opsOf(model.graph.nodes)).toEqual(['QuantizeLinear', 'DequantizeLinear']);
    // Random inputs beyond both ends, and every grid point and midpoint between two.
    const [lo, hi] = [toFloat32(ranges[0]!)[0]!, toFloat32(ranges[1]!)[0]!];
    const values = Float32Array.from({ length: 4096 }, (_, i) => (i < 512 ? lo + (i / 2) * scale : lo - 0.3 + (hi - lo + 0.6) * seededRandom(7 + i)()));
    const out = (await runEngine(model, { x: f32([1, 1, 64, 64], values) }))[model.graph.outputs[0]!.name]!;
    const apart: number[] = [];
    values.forEach((v, i) => {
      // OpenVINO's definition (FakeQuantize-1), in float64.
      const expected = v <= lo ? lo : v > hi ? hi : lo + Math.round((v - lo) / (hi - lo) * 255) / 255 * (hi - lo);
      const d = Math.abs(out[i]! - expected);
      expect(d, `x = ${v}`).toBeLessThanOrEqual(scale * 1.001);
      if (d > scale / 2) apart.push(i);
    });
    // Only midpoints between two grid values (ties, which ONNX rounds half to even on x / s and
    // this formula half up on (x - lo) / s) land one step apart; every grid point maps to itself.
    expect(apart.length).toBeGreaterThan(0);
    for (const i of apart) expect(i < 512 && i % 2 === 1, `x = ${values[i]} is a midpoint`).toBe(true);
  });
});

describe('the IR writer writes a QDQ model as an FP16-INT8-style IR', () => {
  const { xml, bin, outputStep } = int8Network();
  const input = randomTensor([1, 3, 9, 11], seededRandom(43), -1.4, 1.4);

  it.each(['FP32', 'FP16'] as const)('%s: FakeQuantize and compressed int8 weights that read back onto three QLinearConv, one output step apart at most', async (precision) => {
    const qdq = readOpenVino(xml, { weights: bin });
    const written = writeOpenVino(qdq, { precision });
    const layers = (type: string) => written.xml.split(`type="${type}"`).length - 1;
    expect(layers('FakeQuantize')).toBe(4);
    expect(written.xml).toContain('element_type="i8"');
    expect(written.xml).toContain('element_type="u8"');
    const back = readOpenVino(written.xml, { weights: written.bin });
    const session = await Session.create(back, { inputShapes: { x: [1, 3, 9, 11] } });
    try {
      expect(opsOf(session.nodes).filter((op) => op === 'QLinearConv')).toHaveLength(3);
    } finally {
      session.dispose();
    }
    const name = qdq.graph.outputs[0]!.name;
    const before = (await runEngine(qdq, { x: input }))[name]!;
    const after = (await runEngine(back, { x: input }))[back.graph.outputs[0]!.name]!;
    const d = differences(before, after, outputStep);
    // FP16 stores the ranges as float16: the output grid itself moves, by up to 255 x 2^-11 of a step.
    expect(d.max).toBeLessThanOrEqual(outputStep * (precision === 'FP16' ? 1 + 255 * 2 ** -11 : 1.001));
    // ... and the float16 scales move the outputs near a rounding boundary across it (12 of 150 here).
    expect(d.count).toBeLessThan(before.length / (precision === 'FP16' ? 5 : 20));
  });
});

describe('FakeQuantize that int8 does not express keeps the float decomposition', () => {
  // x -> FQ (16 levels) -> Convolution 1x1 (float weights) -> FQ (256 levels, input range other
  // than the output range) -> FQ (256 levels, zero point off the grid) -> y.
  const ir = new IrBuilder();
  const x = ir.layer('Parameter', { shape: '1,2,5,7', element_type: 'f32' }, [], [1, 2, 5, 7]);
  const coarse = ir.fakeQuantize(x, 16, [scalar(-1), scalar(1), scalar(-1), scalar(1)]);
  const conv = ir.layer('Convolution', convData(0), [coarse, ir.constant(f32([3, 2, 1, 1], [0.5, -0.25, 0.75, 0.125, -0.5, 1]))], [1, 3, 5, 7]);
  const requantized = ir.fakeQuantize(conv, 256, [scalar(-1.5), scalar(1.5), scalar(-0.7), scalar(0.9)]);
  const offGrid = ir.fakeQuantize(requantized, 256, [scalar(-1), scalar(1), scalar(-1), scalar(1)]);
  ir.layer('Result', {}, [offGrid], []);
  const xml = ir.xml();
  const bin = ir.bin();

  it('reads the same graph as int8: false and gives the same outputs, matching ONNX Runtime', async () => {
    const model = readOpenVino(xml, { weights: bin });
    const float = readOpenVino(xml, { weights: bin, int8: false });
    expect(opsOf(model.graph.nodes)).toEqual(opsOf(float.graph.nodes));
    expect(opsOf(model.graph.nodes)).not.toContain('QuantizeLinear');
    expect(opsOf(model.graph.nodes).filter((op) => op === 'Round')).toHaveLength(3);
    const input = randomTensor([1, 2, 5, 7], seededRandom(5), -1.3, 1.3);
    const name = model.graph.outputs[0]!.name;
    const engine = (await runEngine(model, { x: input }))[name]!;
    expect(Array.from(engine)).toEqual(Array.from((await runEngine(float, { x: input }))[name]!));
    expect(differences(engine, (await runOrt(model, { x: input }))[name]!.data).max).toBeLessThan(1e-5);
  });

  it('states when an activation range is int8: 256 levels, equal in and out ranges, an integral zero point to the rounding of the stored type', () => {
    const s = Math.fround(2 / 255);
    expect(activationQuantization(256, activationRanges(s, 100), 2 ** -24)).toEqual({ scale: s, zero: 100 });
    expect(activationQuantization(255, activationRanges(s, 100), 2 ** -24)).toBeUndefined();
    expect(activationQuantization(256, [scalar(-1), scalar(1), scalar(-1), scalar(1)], 2 ** -24)).toBeUndefined();
    // lo and hi rounded to float16 move the zero point off the integer by more than float32
    // rounding allows, within what float16 rounding does.
    const half = (v: number) => { const t = fromNumbers('float16', [1, 1, 1, 1], [v]); return f32([1, 1, 1, 1], toFloat32(t)); };
    const stored = [half(-100 * s), half(155 * s), half(-100 * s), half(155 * s)];
    expect(activationQuantization(256, stored, 2 ** -24)).toBeUndefined();
    expect(activationQuantization(256, stored, 2 ** -11)?.zero).toBe(100);
  });
});
