// Hostile graphs and API misuse: every class of issue 12 that lives at the graph, the session or
// the API surface ends in a typed error (or, for Dropout's mask, in a working run).
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, ModelFormatError, SessionDisposedError, ShapeError, WasmposeError } from '../src/nn/errors.js';
import { emptyGraph, emptyModel, type Model } from '../src/nn/graph.js';
import { limits, setLimits } from '../src/nn/limits.js';
import { Session } from '../src/nn/session.js';
import { float32, toFloat32 } from '../src/nn/tensor.js';
import { randomTensor, seededRandom, singleNodeModel } from './support/harness.js';
import { createImage } from '../src/image/image.js';
import { PoseEstimator } from '../src/pipeline/estimator.js';
import type { InferenceRunner } from '../src/pipeline/runner.js';
import { findTfjsModel } from '../src/pipeline/tfjs-models.js';

const x4 = { name: 'x', dtype: 'float32' as const, shape: [1, 2, 5, 5] };

function conv(attrs: Model['graph']['nodes'][number]['attrs']): Model {
  return singleNodeModel({ op: 'Conv', inputs: [x4, { name: 'w', dtype: 'float32', shape: [2, 2, 3, 3] }], outputs: ['y'], attrs, initializers: { w: randomTensor([2, 2, 3, 3], seededRandom(1)) } });
}

async function refusal(model: Model, options = {}): Promise<WasmposeError> {
  const e = await Session.create(model, options).then(
    (s) => { s.dispose(); return undefined; },
    (err: unknown) => err,
  );
  expect(e, 'expected a typed error').toBeInstanceOf(WasmposeError);
  return e as WasmposeError;
}

describe('graph validation', () => {
  it('refuses two nodes writing one value (they would write past each other\'s buffers)', async () => {
    const model = singleNodeModel({ op: 'Relu', inputs: [x4], outputs: ['y'] });
    model.graph.nodes.push({ ...model.graph.nodes[0]!, name: 'second', op: 'Sigmoid' });
    const e = await refusal(model);
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/'y' is written by more than one.*node 'second'/);
  });

  it('refuses a node writing a graph input or an initializer', async () => {
    const model = singleNodeModel({ op: 'Relu', inputs: [x4], outputs: ['x'] });
    expect((await refusal(model)).message).toMatch(/'x' is written by more than one/);
  });

  it.each([
    ['strides', [1, 2 ** 53]],
    ['strides', [1, 1e308]],
    ['strides', [4294967296, 1]],
    ['dilations', [2 ** 31 - 1, 1]],
    ['strides', [0, 1]],
    ['pads', [100000, 0, 0, 0]],
    ['kernel_shape', [-3, 3]],
  ])('refuses Conv %s %j before a kernel sees it', async (name, value) => {
    const e = await refusal(conv({ [name]: { kind: 'ints', value } }));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toContain(`attribute '${name}'`);
    expect(e.message).toContain("node 'Conv_0'");
  });

  it('refuses an attribute of the wrong kind with a typed error naming it', async () => {
    const wrongKinds: Parameters<typeof conv>[0][] = [{ strides: { kind: 'float', value: 2 } }, { group: { kind: 'string', value: 'x' } }, { auto_pad: { kind: 'int', value: 1 } }];
    for (const attrs of wrongKinds) {
      const e = await refusal(conv(attrs));
      expect(e).toBeInstanceOf(ModelFormatError);
      expect(e.message).toMatch(/attribute '\w+' is \w+, expected \w+/);
    }
  });

  it.each(['Add', 'Mul', 'MatMul', 'Where', 'Conv', 'Gemm', 'BatchNormalization', 'Concat', 'Range'])('refuses %s with a required input missing', async (op) => {
    const model = singleNodeModel({ op, inputs: [x4], outputs: ['y'] });
    if (op === 'Concat') model.graph.nodes[0]!.inputs = [];
    const e = await refusal(model);
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/required input \d+ is missing|inputs given/);
  });

  it.each(['QuantizeLinear', 'DequantizeLinear', 'MatMulInteger', 'ConvInteger', 'QLinearMatMul', 'QLinearConv', 'QLinearAdd'])('refuses quantized %s with a required input missing', async (op) => {
    const model = singleNodeModel({ op, inputs: [x4], outputs: ['y'] });
    const e = await refusal(model);
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/required input 1 is missing/);
  });

  it('refuses a Reshape or Upsample with neither its second input nor the attribute of early opsets', async () => {
    // Found by the fuzz campaign: a constant Reshape without its shape was folded before any check.
    const shape = { name: 'shape', dtype: 'float32' as const, shape: [2] };
    const reshape = singleNodeModel({ op: 'Reshape', inputs: [shape], outputs: ['y'], initializers: { shape: float32([2], [1, 2]) } });
    expect((await refusal(reshape)).message).toMatch(/input 1 \(shape\) is missing and there is no 'shape' attribute/);
    const upsample = singleNodeModel({ op: 'Upsample', inputs: [x4], outputs: ['y'], opset: 9 });
    expect((await refusal(upsample)).message).toMatch(/input 1 \(scales\) is missing/);
  });

  it('refuses an empty name in a required input position', async () => {
    const model = singleNodeModel({ op: 'Add', inputs: [x4, { name: '', dtype: 'float32', shape: [1] }], outputs: ['y'] });
    expect((await refusal(model)).message).toMatch(/required input 1 is missing/);
  });

  it('refuses a Pad that would need more elements than the budget, without crashing V8', async () => {
    const model = singleNodeModel({ op: 'Pad', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1] }], outputs: ['y'], attrs: { pads: { kind: 'ints', value: [0, 200_000_000, 0, 0] } }, opset: 2 });
    expect(await refusal(model)).toBeInstanceOf(ShapeError);
  });

  it('pads a wide axis through one index table (no spread into an argument list)', async () => {
    const model = singleNodeModel({ op: 'Pad', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1] }], outputs: ['y'], attrs: { pads: { kind: 'ints', value: [0, 300_000, 0, 0] } }, opset: 2 });
    const s = await Session.create(model);
    try {
      const y = s.run({ x: Float32Array.of(7) }).y!.data;
      expect(y.length).toBe(300_001);
      expect(y[300_000]).toBe(7);
      expect(y[0]).toBe(0);
    } finally {
      s.dispose();
    }
  });

  it("runs Dropout's optional mask output at opset 9 (ONNX model zoo exports) and at 12", async () => {
    for (const opset of [9, 12]) {
      const graph = emptyGraph('dropout');
      graph.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 3] }];
      graph.outputs = [{ name: 'z', dtype: 'float32' }, { name: 'mask', dtype: opset >= 10 ? 'bool' : 'float32' }];
      graph.nodes = [
        { name: 'drop', op: 'Dropout', domain: '', inputs: ['x'], outputs: ['d', 'mask'], attrs: { ratio: { kind: 'float', value: 0.5 } } },
        { name: 'relu', op: 'Relu', domain: '', inputs: ['d'], outputs: ['z'], attrs: {} },
      ];
      const s = await Session.create(emptyModel(graph, opset));
      try {
        const out = s.run({ x: Float32Array.of(-1, 2, 3) });
        expect(Array.from(out.z!.data)).toEqual([0, 2, 3]);
        expect(Array.from(out.mask!.data)).toEqual([1, 1, 1]);
      } finally {
        s.dispose();
      }
    }
  });

  it('runs a Dropout whose mask output is named but read by nobody (SqueezeNet, VGG-19 at opset 9)', async () => {
    const graph = emptyGraph('dropout');
    graph.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 3] }];
    graph.outputs = [{ name: 'z', dtype: 'float32' }];
    graph.nodes = [
      { name: 'drop', op: 'Dropout', domain: '', inputs: ['x'], outputs: ['d', 'unused_mask'], attrs: {} },
      { name: 'relu', op: 'Relu', domain: '', inputs: ['d'], outputs: ['z'], attrs: {} },
    ];
    const s = await Session.create(emptyModel(graph, 9));
    try {
      expect(Array.from(s.run({ x: Float32Array.of(-1, 2, 3) }).z!.data)).toEqual([0, 2, 3]);
    } finally {
      s.dispose();
    }
  });

  it('takes inputs and outputs named after Object.prototype members', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const graph = emptyGraph('proto');
      graph.inputs = [{ name, dtype: 'float32', shape: [1, 2] }];
      graph.outputs = [{ name: `${name}_out`, dtype: 'float32' }, { name: '__proto__' === name ? 'valueOf' : '__proto__', dtype: 'float32' }];
      graph.nodes = [
        { name: 'a', op: 'Relu', domain: '', inputs: [name], outputs: [`${name}_out`], attrs: {} },
        { name: 'b', op: 'Neg', domain: '', inputs: [name], outputs: [graph.outputs[1]!.name], attrs: {} },
      ];
      const s = await Session.create(emptyModel(graph));
      try {
        expect(s.inputs[0]!.shape).toEqual([1, 2]);
        const feeds = Object.create(null) as Record<string, Float32Array>;
        Object.defineProperty(feeds, name, { value: Float32Array.of(-1, 2), enumerable: true });
        const out = s.run(feeds);
        expect(Object.hasOwn(out, graph.outputs[1]!.name)).toBe(true);
        expect(Array.from(out[`${name}_out`]!.data)).toEqual([0, 2]);
        await expect(async () => s.run({})).rejects.toBeInstanceOf(InputError);
      } finally {
        s.dispose();
      }
    }
  });
});

describe('session misuse', () => {
  const relu = singleNodeModel({ op: 'Relu', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }], outputs: ['y'] });

  it.each([
    ['run(undefined)', undefined],
    ['run(null)', null],
    ['run([])', []],
    ['run({x: null})', { x: null }],
    ['run({0: null})', { 0: null }],
    ['run({x: "abcd"})', { x: 'abcd' }],
    ['run({x: [1, 2, "3", 4]})', { x: [1, 2, '3', 4] }],
    ['run({x: BigInt64Array})', { x: new BigInt64Array(4) }],
  ])('%s throws InputError', async (_label, feeds) => {
    const s = await Session.create(relu);
    try {
      expect(() => s.run(feeds as never)).toThrow(InputError);
    } finally {
      s.dispose();
    }
  });

  it('rejects NaN and Infinity inputs by default, naming the element, and runs them when allowed', async () => {
    const s = await Session.create(relu);
    const allowed = await Session.create(relu, { nonFinite: 'allow' });
    try {
      expect(() => s.run({ x: Float32Array.of(1, NaN, 0, 0) })).toThrow(/input 'x': element 1 is NaN/);
      expect(() => s.run({ x: [1, 2, Infinity, 0] })).toThrow(InputError);
      const y = allowed.run({ x: Float32Array.of(1, NaN, -Infinity, Infinity) }).y!.data;
      expect(Number.isNaN(y[1])).toBe(true);
      expect(y[3]).toBe(Infinity);
    } finally {
      s.dispose();
      allowed.dispose();
    }
  });

  it.each([1, 2])('a disposed %i-thread session refuses to run with a typed error (never spins)', async (threads) => {
    const s = await Session.create(relu, { threads });
    s.dispose();
    s.dispose();
    expect(() => s.run({ x: Float32Array.of(1, 2, 3, 4) })).toThrow(SessionDisposedError);
  });

  it('clamps threads to the cores the runtime reports', async () => {
    const previous = setLimits({ maxThreads: 2 });
    try {
      const s = await Session.create(relu, { threads: 1000 });
      try {
        expect(s.threads).toBeLessThanOrEqual(2);
        expect(Array.from(s.run({ x: Float32Array.of(-1, 2, -3, 4) }).y!.data)).toEqual([0, 2, 0, 4]);
      } finally {
        s.dispose();
      }
    } finally {
      setLimits(previous);
    }
  });

  it('refuses a session whose memory would pass the budget, before allocating it', async () => {
    const previous = setLimits({ maxSessionBytes: 1 << 20 });
    try {
      const model = singleNodeModel({ op: 'Relu', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1 << 20] }], outputs: ['y'] });
      expect((await refusal(model)).message).toMatch(/maxSessionBytes/);
    } finally {
      setLimits(previous);
    }
  });

  it('refuses a tensor over maxTensorElements, and bad limits', () => {
    expect(limits().maxTensorElements).toBe(2 ** 26);
    expect(() => setLimits({ maxTensorElements: 2 ** 30 })).toThrow(InputError);
    expect(() => setLimits({ maxThreads: 0 })).toThrow(InputError);
    expect(() => setLimits({ noSuchLimit: 1 } as never)).toThrow(InputError);
    expect(() => float32([2 ** 14, 2 ** 13], new Float32Array(0))).toThrow(ShapeError);
  });

  it('refuses Session.create without a model', async () => {
    for (const bad of [undefined, null, {}, { graph: null }]) await expect(Session.create(bad as never)).rejects.toBeInstanceOf(InputError);
  });

  it('gives the same result on two threads with chunks taken dynamically, over many calls', async () => {
    const model = singleNodeModel({ op: 'Sigmoid', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 13, 31, 7] }], outputs: ['y'] });
    const x = toFloat32(randomTensor([1, 13, 31, 7], seededRandom(9)));
    const one = await Session.create(model);
    const two = await Session.create(model, { threads: 2 });
    try {
      const want = Array.from(one.run({ x }).y!.data);
      for (let i = 0; i < 50; i++) expect(Array.from(two.run({ x }).y!.data)).toEqual(want);
    } finally {
      one.dispose();
      two.dispose();
    }
  });
});

afterEach(() => {
  expect(limits().maxSessionBytes).toBe(3 * 2 ** 30);
});

describe('estimator misuse', () => {
  /** A runner answering with a fixed MoveNet MultiPose output: one person centred at (0.5, 0.5) of the photo. */
  function multiposeEstimator(): PoseEstimator {
    const people = new Float32Array(6 * 56);
    for (let k = 0; k < 17; k++) people.set([0.5, 0.5, 0.8], k * 3);
    people.set([0.25, 0.25, 0.75, 0.75, 0.9], 51);
    const runner: InferenceRunner = { run: () => ({ output_0: { shape: [1, 6, 56], data: people } }), dispose: () => undefined };
    return PoseEstimator.fromRunner(findTfjsModel('movenet-multipose')!.spec, runner);
  }

  it('estimate(null), estimate(undefined) and a null config are typed errors', async () => {
    const estimator = multiposeEstimator();
    for (const bad of [null, undefined, 42, 'photo.jpg']) await expect(estimator.estimate(bad as never)).rejects.toBeInstanceOf(WasmposeError);
    await expect(estimator.estimate(createImage(40, 40), null as never)).rejects.toBeInstanceOf(InputError);
  });

  it('a multi-person estimator uses the boxes it is given: people outside them are dropped', async () => {
    const estimator = multiposeEstimator();
    const image = createImage(400, 400);
    expect(await estimator.estimate(image)).toHaveLength(1);
    expect(await estimator.estimate(image, { boxes: [{ xMin: 150, yMin: 150, xMax: 250, yMax: 250, width: 100, height: 100 }] })).toHaveLength(1);
    expect(await estimator.estimate(image, { boxes: [{ xMin: 0, yMin: 0, xMax: 50, yMax: 50, width: 50, height: 50 }] })).toHaveLength(0);
  });

  it('refuses boxes with non-finite or inverted corners', async () => {
    const estimator = multiposeEstimator();
    for (const box of [{ xMin: NaN, yMin: 0, xMax: 1, yMax: 1 }, { xMin: 5, yMin: 0, xMax: 1, yMax: 1 }, null]) {
      await expect(estimator.estimate(createImage(40, 40), { boxes: [box as never] })).rejects.toBeInstanceOf(InputError);
    }
  });
});
