// The TensorFlow.js graph-model reader and the select ops it relies on.
//   - select ops (ArgMax/ArgMin, TopK, GatherND, comparisons, logic): WASM kernels vs the
//     TypeScript references on odd shapes, and the references vs ONNX Runtime;
//   - the reader: weights decoding (float32, int32, bool, uint8/uint16/float16 quantization)
//     checked against tfjs-core's own decoder, the NHWC -> NCHW mapping of small hand-written
//     graphs checked against tfjs-backend-cpu running the same model.json, and the refusals.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedOpError } from '../src/nn/errors.js';
import type { Attr, Model } from '../src/nn/graph.js';
import { decodeWeights, parseModelJson, type TfNode, type TfWeightSpec } from '../src/nn/formats/tfjs/model-json.js';
import { readTfjsModel } from '../src/nn/formats/tfjs/reader.js';
import { fromNumbers, floatToHalf, toFloat32, toNumbers, type DType, type Tensor } from '../src/nn/tensor.js';
import { expectClose, expectEngineMatchesReference, randomTensor, runEngine, seededRandom, singleNodeModel } from './support/harness.js';
import { runOrt } from './support/ort.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---- select ops ----

function opModel(op: string, inputs: { name: string; value: Tensor; constant?: boolean }[], outputs: { name: string; dtype: DType }[], attrs: Record<string, Attr> = {}): Model {
  const model = singleNodeModel({
    op,
    inputs: inputs.map((i) => ({ name: i.name, dtype: i.value.dtype, shape: [...i.value.shape] })),
    outputs: outputs.map((o) => o.name),
    attrs,
    initializers: Object.fromEntries(inputs.filter((i) => i.constant).map((i) => [i.name, i.value])),
  });
  model.graph.outputs = outputs;
  return model;
}

function feedsOf(inputs: { name: string; value: Tensor; constant?: boolean }[]): Record<string, Tensor> {
  return Object.fromEntries(inputs.filter((i) => !i.constant).map((i) => [i.name, i.value]));
}

/** Engine vs reference, and reference (through the ONNX writer) vs ONNX Runtime. */
async function checkOp(op: string, inputs: { name: string; value: Tensor; constant?: boolean }[], outputs: { name: string; dtype: DType }[], attrs: Record<string, Attr> = {}): Promise<void> {
  const model = opModel(op, inputs, outputs, attrs);
  const feeds = feedsOf(inputs);
  await expectEngineMatchesReference(model, feeds);
  const golden = await runOrt(model, feeds);
  const engine = await runEngine(model, feeds);
  for (const o of outputs) {
    expectClose(Array.from(engine[o.name]!), golden[o.name]!.data, 1e-4, `${op}:${o.name}`);
  }
}

/** Values from a small set, so ties are common. */
function tiedTensor(shape: number[], rng: () => number, levels = 4): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromNumbers('float32', shape, Array.from({ length: n }, () => Math.floor(rng() * levels) - 1));
}

describe('select ops', () => {
  const int = (value: number): Attr => ({ kind: 'int', value });

  it('ArgMax / ArgMin over every axis, keepdims, select_last_index, with ties', async () => {
    const rng = seededRandom(11);
    for (const shape of [[3, 13, 7], [1, 57], [2, 1, 64]]) {
      const x = tiedTensor(shape, rng);
      for (let axis = -1; axis < shape.length; axis++) {
        for (const op of ['ArgMax', 'ArgMin']) {
          for (const [keepdims, last] of [[1, 0], [0, 1]]) {
            await checkOp(op, [{ name: 'x', value: x }], [{ name: 'y', dtype: 'int64' }], { axis: int(axis), keepdims: int(keepdims!), select_last_index: int(last!) });
          }
        }
      }
    }
  });

  it('TopK: largest and smallest, inner axes, ties keep the lower index first', async () => {
    const rng = seededRandom(12);
    const cases: [number[], number, number][] = [[[2, 57, 3], 1, 5], [[4, 2304], -1, 6], [[13], 0, 13], [[3, 7], 1, 1]];
    for (const [shape, axis, k] of cases) {
      for (const x of [randomTensor(shape, rng), tiedTensor(shape, rng)]) {
        for (const largest of [1, 0]) {
          await checkOp('TopK', [{ name: 'x', value: x }, { name: 'k', value: fromNumbers('int64', [1], [k]), constant: true }], [{ name: 'values', dtype: 'float32' }, { name: 'indices', dtype: 'int64' }], { axis: int(axis), largest: int(largest), sorted: int(1) });
        }
      }
    }
  });

  it('GatherND: batch_dims 0 and 1, partial tuples, negative indices', async () => {
    const rng = seededRandom(13);
    const data = randomTensor([2, 7, 13, 5], rng);
    const index = (shape: number[], bounds: number[]): Tensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      const k = shape[shape.length - 1]!;
      return fromNumbers('int64', shape, Array.from({ length: n }, (_, i) => {
        const dim = bounds[i % k]!;
        return Math.floor(rng() * 2 * dim) - dim; // in [-dim, dim)
      }));
    };
    const cases: [Tensor, number][] = [
      [index([3, 2], [2, 7]), 0],
      [index([4, 4], [2, 7, 13, 5]), 0],
      [index([5, 1, 3], [2, 7, 13]), 0],
      [index([2, 4, 1], [7]), 1],
      [index([2, 3, 2], [7, 13]), 1],
    ];
    for (const [indices, batchDims] of cases) {
      for (const constant of [true, false]) {
        await checkOp('GatherND', [{ name: 'data', value: data }, { name: 'indices', value: indices, constant }], [{ name: 'y', dtype: 'float32' }], { batch_dims: int(batchDims) });
      }
    }
  });

  it('GreaterOrEqual, LessOrEqual, And, Or, Xor with broadcasting', async () => {
    const rng = seededRandom(14);
    const a = tiedTensor([6, 1, 7], rng);
    const b = tiedTensor([5, 1], rng);
    for (const op of ['GreaterOrEqual', 'LessOrEqual']) await checkOp(op, [{ name: 'a', value: a }, { name: 'b', value: b }], [{ name: 'y', dtype: 'bool' }]);
    const p = fromNumbers('bool', [3, 1], [1, 0, 1]);
    const q = fromNumbers('bool', [1, 4], [0, 1, 1, 0]);
    for (const op of ['And', 'Or', 'Xor']) {
      const model = opModel(op, [{ name: 'p', value: p, constant: true }, { name: 'q', value: q, constant: true }], [{ name: 'y', dtype: 'bool' }]);
      const golden = await runOrt(model, {});
      expect((await runEngine(model, {}))['y']).toEqual(Int32Array.from(golden['y']!.data));
    }
  });
});

// ---- hand-written tfjs models ----

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const A = {
  i: (v: number) => ({ i: String(v) }),
  f: (v: number) => ({ f: v }),
  b: (v: boolean) => ({ b: v }),
  s: (v: string) => ({ s: b64(v) }),
  type: (v: string) => ({ type: v }),
  ints: (v: number[]) => ({ list: { i: v.map(String) } }),
  strs: (v: string[]) => ({ list: { s: v.map(b64) } }),
  shape: (dims: number[]) => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } }),
};

interface WeightInput {
  name: string;
  dtype?: 'float32' | 'int32' | 'bool';
  shape: number[];
  values: number[];
  quantize?: 'uint8' | 'uint16' | 'float16';
}

/** model.json + one .bin for the given nodes and weights (quantized as asked). */
function tfModel(nodes: TfNode[], weights: WeightInput[], outputs: string[]): { json: object; bin: Uint8Array } {
  const specs: TfWeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const w of weights) {
    const dtype = w.dtype ?? 'float32';
    const spec: TfWeightSpec = { name: w.name, shape: w.shape, dtype };
    if (w.quantize === 'float16') {
      spec.quantization = { dtype: 'float16', original_dtype: dtype };
      chunks.push(new Uint8Array(Uint16Array.from(w.values, floatToHalf).buffer));
    } else if (w.quantize !== undefined) {
      const levels = w.quantize === 'uint8' ? 255 : 65535;
      const min = Math.min(...w.values);
      const scale = (Math.max(...w.values) - min) / levels || 1;
      spec.quantization = { dtype: w.quantize, min, scale, original_dtype: dtype };
      const q = w.values.map((v) => Math.round((v - min) / scale));
      chunks.push(w.quantize === 'uint8' ? Uint8Array.from(q) : new Uint8Array(Uint16Array.from(q).buffer));
    } else if (dtype === 'float32') {
      chunks.push(new Uint8Array(Float32Array.from(w.values).buffer));
    } else if (dtype === 'int32') {
      chunks.push(new Uint8Array(Int32Array.from(w.values).buffer));
    } else {
      chunks.push(Uint8Array.from(w.values));
    }
    specs.push(spec);
    nodes = [{ name: w.name, op: 'Const', attr: { dtype: A.type(dtype === 'float32' ? 'DT_FLOAT' : dtype === 'int32' ? 'DT_INT32' : 'DT_BOOL'), value: {} } }, ...nodes];
  }
  const bin = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bin.set(c, at);
    at += c.length;
  }
  const json = {
    format: 'graph-model',
    generatedBy: 'test',
    convertedBy: 'test',
    modelTopology: { node: nodes, library: {}, versions: {} },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs }],
    signature: { outputs: Object.fromEntries(outputs.map((o) => [o, { name: o.includes(':') ? o : `${o}:0` }])) },
  };
  return { json, bin };
}

const placeholder = (name: string, shape: number[], dtype = 'DT_FLOAT'): TfNode => ({ name, op: 'Placeholder', attr: { dtype: A.type(dtype), shape: A.shape(shape) } });
const node = (name: string, op: string, input: string[], attr: TfNode['attr'] = {}): TfNode => ({ name, op, input, attr: { T: A.type('DT_FLOAT'), ...attr } });

/** Runs the model on tfjs-backend-cpu and on the engine; every output must agree. */
async function expectMatchesTfjs(model: { json: object; bin: Uint8Array }, feeds: Record<string, Tensor>, exactOutputs: string[] = []): Promise<void> {
  const json = model.json as { modelTopology: object; weightsManifest: { weights: TfWeightSpec[] }[]; signature: { outputs: Record<string, unknown> } };
  const weightData = model.bin.slice().buffer;
  const graph = await loadGraphModel({
    load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[], weightData, format: 'graph-model' }),
  });
  const outputs = Object.keys(json.signature.outputs);
  const tfFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dtype === 'int32' ? tf.tensor(Array.from(t.data as Int32Array), [...t.shape], 'int32') : tf.tensor(toFloat32(t), [...t.shape])]));
  const result = graph.execute(tfFeeds, outputs);
  const expected = (Array.isArray(result) ? result : [result]) as tf.Tensor[];
  const engineModel = readTfjsModel(model.json, () => model.bin);
  const engine = await runEngine(engineModel, feeds);
  outputs.forEach((name, i) => {
    const want = expected[i]!.dataSync() as ArrayLike<number>;
    const got = engine[name.replace(/:0$/, '')]!;
    if (exactOutputs.includes(name)) expect(Array.from(got), name).toEqual(Array.from(want));
    else expectClose(Array.from(got), Array.from(want), 1e-4, name);
  });
  tf.dispose([...Object.values(tfFeeds), ...expected]);
}

function values(n: number, rng: () => number, scale = 1): number[] {
  return Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
}

describe('tfjs reader: weights', () => {
  it('decodes float32, int32, bool and uint8 / uint16 / float16 quantization as tfjs-core does', () => {
    const rng = seededRandom(21);
    const weights: WeightInput[] = [
      { name: 'f32', shape: [3, 5], values: values(15, rng) },
      { name: 'i32', dtype: 'int32', shape: [4], values: [-7, 0, 3, 2147483647] },
      { name: 'flags', dtype: 'bool', shape: [3], values: [1, 0, 1] },
      { name: 'q8', shape: [2, 7], values: values(14, rng, 3), quantize: 'uint8' },
      { name: 'q16', shape: [13], values: values(13, rng, 0.1), quantize: 'uint16' },
      { name: 'h', shape: [2, 2, 3], values: values(12, rng, 100), quantize: 'float16' },
    ];
    const { json, bin } = tfModel([], weights, []);
    const model = parseModelJson(json);
    const ours = decodeWeights(model, () => bin);
    const specs = model.weightsManifest!.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
    const theirs = tf.io.decodeWeights(bin.slice().buffer, specs);
    for (const w of weights) {
      const t = ours.get(w.name)!;
      expect(t.shape).toEqual(w.shape);
      expect(toNumbers(t), w.name).toEqual(Array.from(theirs[w.name]!.dataSync() as ArrayLike<number>, Number));
    }
  });

  it('refuses truncated shards and manifests that do not fit the bytes', () => {
    const { json, bin } = tfModel([], [{ name: 'w', shape: [4, 4], values: new Array(16).fill(1) }], []);
    const model = parseModelJson(json);
    expect(() => decodeWeights(model, () => bin.subarray(0, 60))).toThrow(ModelFormatError);
    expect(() => decodeWeights(model, () => bin.subarray(0, 60))).toThrow(/truncated/);
    const longer = new Uint8Array(bin.length + 4);
    longer.set(bin);
    expect(() => decodeWeights(model, () => longer)).toThrow(/manifest describes 64/);
  });

  it('refuses what is not a tfjs graph model, and unsupported ops by name and node', () => {
    expect(() => readTfjsModel('{"modelTopology":', () => new Uint8Array())).toThrow(ModelFormatError);
    expect(() => readTfjsModel({ format: 'layers-model', modelTopology: { config: {} } }, () => new Uint8Array())).toThrow(/graph model/);
    const { json, bin } = tfModel([placeholder('x', [1, 4]), node('weird', 'Cumsum', ['x', 'x']), node('y', 'Relu', ['weird'])], [], ['y']);
    expect(() => readTfjsModel(json, () => bin)).toThrow(UnsupportedOpError);
    expect(() => readTfjsModel(json, () => bin)).toThrow(/Cumsum \(node 'weird'\)/);
  });
});

describe('tfjs reader: graphs vs tfjs-backend-cpu', () => {
  it('convolutions: SAME/VALID, strides, dilations, depthwise multiplier, fused activations, pooling, resize, concat', async () => {
    const rng = seededRandom(31);
    const conv = (name: string, input: string, args: string[], fused: string[], strides: number, padding: string, dil = 1): TfNode =>
      node(name, '_FusedConv2D', [input, ...args], { fused_ops: A.strs(fused), strides: A.ints([1, strides, strides, 1]), dilations: A.ints([1, dil, dil, 1]), padding: A.s(padding), num_args: A.i(args.length - 1), data_format: A.s('NHWC'), epsilon: A.f(0) });
    const dw = (name: string, input: string, args: string[], strides: number, padding: string, dil = 1): TfNode =>
      node(name, 'FusedDepthwiseConv2dNative', [input, ...args], { fused_ops: A.strs(['BiasAdd', 'Relu6']), strides: A.ints([1, strides, strides, 1]), dilations: A.ints([1, dil, dil, 1]), padding: A.s(padding), num_args: A.i(1), data_format: A.s('NHWC') });
    const model = tfModel(
      [
        placeholder('x', [1, 13, 11, 3]),
        conv('c1', 'x', ['w1', 'b1'], ['BiasAdd', 'Relu6'], 2, 'SAME'),
        dw('d1', 'c1', ['wd', 'bd'], 1, 'SAME', 2),
        dw('d2', 'd1', ['wd2', 'bd2'], 2, 'VALID'),
        conv('c2', 'c1', ['w2', 'b2'], ['BiasAdd'], 1, 'VALID'),
        node('c3', 'Conv2D', ['c1', 'w3'], { strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME'), dilations: A.ints([1, 1, 1, 1]), data_format: A.s('NHWC') }),
        node('pool', 'MaxPool', ['d1'], { ksize: A.ints([1, 3, 3, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME') }),
        node('avg', 'AvgPool', ['d1'], { ksize: A.ints([1, 2, 3, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME') }),
        node('cat', 'ConcatV2', ['pool', 'c3', 'axis3'], { N: A.i(2) }),
        node('up', 'ResizeBilinear', ['cat', 'size'], { align_corners: A.b(false), half_pixel_centers: A.b(true) }),
        node('bias', 'BiasAdd', ['up', 'b3'], { data_format: A.s('NHWC') }),
        node('act', 'Relu6', ['bias']),
        node('sig', 'Sigmoid', ['c2']),
        node('mean', 'Mean', ['sig', 'axes12'], { keep_dims: A.b(false) }),
      ],
      [
        { name: 'w1', shape: [3, 3, 3, 8], values: values(216, rng), quantize: 'float16' },
        { name: 'b1', shape: [8], values: values(8, rng) },
        { name: 'wd', shape: [3, 3, 8, 2], values: values(144, rng) },
        { name: 'bd', shape: [16], values: values(16, rng) },
        { name: 'wd2', shape: [3, 3, 16, 1], values: values(144, rng) },
        { name: 'bd2', shape: [16], values: values(16, rng) },
        { name: 'w2', shape: [2, 2, 8, 5], values: values(160, rng), quantize: 'uint8' },
        { name: 'b2', shape: [5], values: values(5, rng) },
        { name: 'w3', shape: [1, 1, 8, 4], values: values(32, rng) },
        { name: 'axis3', dtype: 'int32', shape: [], values: [3] },
        { name: 'size', dtype: 'int32', shape: [2], values: [9, 7] },
        { name: 'b3', shape: [20], values: values(20, rng) },
        { name: 'axes12', dtype: 'int32', shape: [2], values: [1, 2] },
      ],
      ['act', 'd2', 'avg', 'mean'],
    );
    await expectMatchesTfjs(model, { x: randomTensor([1, 13, 11, 3], rng) });
  });

  it('a MoveNet-style head: Reshape, ArgMax, FloorDiv, Pack, GatherNd, Unpack, SquaredDifference, StridedSlice, TopKV2, Select', async () => {
    // One output channel, so the flat argmax decodes to an in-range (row, col) for GatherNd:
    // tfjs does not check GatherNd indices, the engine gives zeros for out-of-range ones.
    const rng = seededRandom(32);
    const model = tfModel(
      [
        placeholder('heat', [1, 6, 5, 3]),
        placeholder('image', [1, 4, 4, 3], 'DT_INT32'),
        node('conv', 'Conv2D', ['heat', 'w'], { strides: A.ints([1, 1, 1, 1]), padding: A.s('SAME'), dilations: A.ints([1, 1, 1, 1]) }),
        node('flat', 'Reshape', ['conv', 'flatShape']),
        node('arg', 'ArgMax', ['flat', 'dim1'], { output_type: A.type('DT_INT32') }),
        node('row', 'FloorDiv', ['arg', 'width'], { T: A.type('DT_INT32') }),
        node('rowTimes', 'Mul', ['row', 'width'], { T: A.type('DT_INT32') }),
        node('col', 'Sub', ['arg', 'rowTimes'], { T: A.type('DT_INT32') }),
        node('pos', 'Pack', ['zeros', 'row', 'col'], { axis: A.i(1), N: A.i(3), T: A.type('DT_INT32') }),
        node('picked', 'GatherNd', ['conv', 'pos'], { Tindices: A.type('DT_INT32'), Tparams: A.type('DT_FLOAT') }),
        node('parts', 'Unpack', ['picked'], { axis: A.i(1), num: A.i(1) }),
        node('rowf', 'Cast', ['row'], { SrcT: A.type('DT_INT32'), DstT: A.type('DT_FLOAT') }),
        node('dy', 'SquaredDifference', ['rowf', 'parts']),
        node('ex', 'ExpandDims', ['dy', 'dim1']),
        node('slice', 'StridedSlice', ['conv', 'sb', 'se', 'ss'], { begin_mask: A.i(9), end_mask: A.i(1), ellipsis_mask: A.i(0), new_axis_mask: A.i(0), shrink_axis_mask: A.i(4), Index: A.type('DT_INT32') }),
        node('sliceNew', 'StridedSlice', ['conv', 'nb', 'ne', 'ns'], { begin_mask: A.i(3), end_mask: A.i(3), ellipsis_mask: A.i(0), new_axis_mask: A.i(4), shrink_axis_mask: A.i(0), Index: A.type('DT_INT32') }),
        node('top', 'TopKV2', ['flat', 'k'], { sorted: A.b(true) }),
        node('pos3', 'Greater', ['top', 'zero']),
        node('sel', 'Select', ['pos3', 'top', 'zerosLike']),
        node('imgf', 'Cast', ['image'], { SrcT: A.type('DT_INT32'), DstT: A.type('DT_FLOAT') }),
        node('imgMax', 'Max', ['imgf', 'axes'], { keep_dims: A.b(true) }),
        node('imgSum', 'Sum', ['imgf', 'axes'], { keep_dims: A.b(false) }),
        node('shape', 'Shape', ['conv'], { out_type: A.type('DT_INT32') }),
        node('shapef', 'Cast', ['shape'], { SrcT: A.type('DT_INT32'), DstT: A.type('DT_FLOAT') }),
      ],
      [
        { name: 'w', shape: [3, 3, 3, 1], values: values(27, rng) },
        { name: 'flatShape', dtype: 'int32', shape: [2], values: [1, -1] },
        { name: 'dim1', dtype: 'int32', shape: [], values: [1] },
        { name: 'width', dtype: 'int32', shape: [], values: [5] },
        { name: 'zeros', dtype: 'int32', shape: [1], values: [0] },
        { name: 'sb', dtype: 'int32', shape: [4], values: [0, 1, 2, 0] },
        { name: 'se', dtype: 'int32', shape: [4], values: [0, -1, 3, 1] },
        { name: 'ss', dtype: 'int32', shape: [4], values: [1, 2, 1, 1] },
        { name: 'nb', dtype: 'int32', shape: [3], values: [0, 0, 0] },
        { name: 'ne', dtype: 'int32', shape: [3], values: [0, 0, 0] },
        { name: 'ns', dtype: 'int32', shape: [3], values: [1, 1, 1] },
        { name: 'k', dtype: 'int32', shape: [], values: [4] },
        { name: 'zero', shape: [], values: [0] },
        { name: 'zerosLike', shape: [1, 4], values: [0, 0, 0, 0] },
        { name: 'axes', dtype: 'int32', shape: [2], values: [1, -1] },
      ],
      ['arg', 'ex', 'slice', 'sliceNew', 'top', 'top:1', 'sel', 'imgMax', 'imgSum', 'shapef'],
    );
    const image = fromNumbers('int32', [1, 4, 4, 3], Array.from({ length: 48 }, () => Math.floor(rng() * 256)));
    // Continuous random inputs: an exact tie in the argmax / top-k is vanishingly unlikely.
    await expectMatchesTfjs(model, { heat: randomTensor([1, 6, 5, 3], rng), image }, ['arg', 'top:1']);
  });
});
