// The fuzz targets: one flat table from a format's name to its seeds, its mutator and what a case
// runs. A case is a set of files (a model and its weights, a model.json and its shards), all in
// memory: readers that take a loader callback are given one over the set.
//
// A model case runs the whole path a user's file takes: the reader, graph validation, shape
// inference, a session (memory plan, packed weights) and, when its inputs are small, one run on
// seeded inputs, so a fault anywhere from the bytes to the kernels is reached.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { decodeImage } from '../src/image/codec.js';
import { encodePng } from '../src/image/png-encode.js';
import { caffemodelWeights } from '../src/nn/formats/caffe/caffemodel.js';
import { readCaffe } from '../src/nn/formats/caffe/reader.js';
import { writeCaffe } from '../src/nn/formats/caffe/writer.js';
import { readNpy, writeNpy } from '../src/nn/formats/npy.js';
import { readOnnx } from '../src/nn/formats/onnx/reader.js';
import { readTensorProto, writeTensorProto } from '../src/nn/formats/onnx/tensor-proto.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { readOpenVino } from '../src/nn/formats/openvino/reader.js';
import { writeOpenVino } from '../src/nn/formats/openvino/writer.js';
import { readPytorchCheckpoint } from '../src/nn/formats/pytorch/reader.js';
import { readTfjsModel } from '../src/nn/formats/tfjs/reader.js';
import { ModelFormatError } from '../src/nn/errors.js';
import { emptyGraph, emptyModel, type Attr, type Model } from '../src/nn/graph.js';
import { seededRandom, uniform } from '../src/nn/random.js';
import { Session } from '../src/nn/session.js';
import { float32, fromNumbers, sizeOf, type Tensor } from '../src/nn/tensor.js';
import { mutateBytes, mutateJson, mutateText, pick, type Json, type Rng } from './mutate.js';
import { mutatePng } from './png-mutate.js';
import { mutateNpy, mutatePytorch } from './structured-mutate.js';

/** A case: file names to contents. */
export type FileSet = Map<string, Uint8Array>;

export interface FuzzTarget {
  /** Seed cases, built in memory or read from the repository's fixtures. */
  seeds(): FileSet[];
  /** One mutated case from a seed. */
  mutate(seed: FileSet, rng: Rng): FileSet;
  /** Runs a case; a WasmposeError is the expected way to fail. */
  run(files: FileSet): Promise<void>;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);

function file(files: FileSet, name: string): Uint8Array {
  const f = files.get(name);
  if (f === undefined) throw new ModelFormatError(`fuzz case has no ${name}`);
  return f;
}

/** Mutates one file of the set: as text for text files, as bytes otherwise (or always, 1 in 4). */
function mutateOne(seed: FileSet, rng: Rng): FileSet {
  const out = new Map(seed);
  const name = pick(rng, [...seed.keys()]);
  const bytes = seed.get(name)!;
  const isText = /\.(json|xml|prototxt)$/.test(name);
  if (isText && rng() < 0.75) {
    if (name.endsWith('.json') && rng() < 0.6) {
      try {
        out.set(name, bytesOf(JSON.stringify(mutateJson(JSON.parse(text(bytes)) as Json, rng))));
        return out;
      } catch {
        // not JSON any more (an earlier mutation): fall through to text
      }
    }
    out.set(name, bytesOf(mutateText(text(bytes), rng)));
  } else {
    out.set(name, mutateBytes(bytes, rng));
  }
  return out;
}

/** A structure-aware mutation of a one-file format, applied to the file. */
function eachFile(mutate: (bytes: Uint8Array, rng: Rng) => Uint8Array): FuzzTarget['mutate'] {
  return (seed, rng) => new Map([...seed].map(([name, bytes]) => [name, mutate(bytes, rng)]));
}

/** A session over the model and, when its inputs are small, one run on seeded inputs. */
async function exercise(model: Model): Promise<void> {
  const session = await Session.create(model);
  try {
    const rng = seededRandom(7);
    const feeds: Record<string, Float32Array | Int32Array> = {};
    let total = 0;
    for (const input of session.inputs) total += sizeOf(input.shape);
    if (total > 1 << 20) return;
    for (const input of session.inputs) {
      const n = sizeOf(input.shape);
      feeds[input.name] = input.dtype === 'float32' || input.dtype === 'float16' || input.dtype === 'float64' ? uniform(n, rng) : new Int32Array(n);
    }
    session.run(feeds);
  } finally {
    session.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Seed networks: small, but with the ops and attributes hostile files aim at (conv geometry,
// pooling, padding, concatenation, reshapes, dropout with its mask).

const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const int = (value: number): Attr => ({ kind: 'int', value });

function seedNetwork(opset = 13): Model {
  const rng = seededRandom(1);
  const t = (shape: number[]): Tensor => float32(shape, uniform(sizeOf(shape), rng));
  const graph = emptyGraph('fuzz_seed');
  graph.inputs = [{ name: 'image', dtype: 'float32', shape: [1, 3, 8, 8] }];
  graph.outputs = [{ name: 'heatmaps', dtype: 'float32' }];
  for (const [name, tensor] of [['w1', t([4, 3, 3, 3])], ['b1', t([4])], ['w2', t([4, 1, 3, 3])], ['b2', t([4])], ['w3', t([2, 8, 1, 1])], ['b3', t([2])]] as const) graph.initializers.set(name, tensor);
  graph.nodes = [
    { name: 'conv1', op: 'Conv', domain: '', inputs: ['image', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]) } },
    { name: 'relu1', op: 'Relu', domain: '', inputs: ['c1'], outputs: ['r1'], attrs: {} },
    { name: 'pool1', op: 'MaxPool', domain: '', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } },
    { name: 'dw2', op: 'Conv', domain: '', inputs: ['p1', 'w2', 'b2'], outputs: ['c2'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), group: int(4), dilations: ints([1, 1]) } },
    { name: 'relu2', op: 'Relu', domain: '', inputs: ['c2'], outputs: ['r2'], attrs: {} },
    { name: 'cat', op: 'Concat', domain: '', inputs: ['p1', 'r2'], outputs: ['cat'], attrs: { axis: int(1) } },
    { name: 'conv3', op: 'Conv', domain: '', inputs: ['cat', 'w3', 'b3'], outputs: ['heatmaps'], attrs: { kernel_shape: ints([1, 1]) } },
  ];
  return emptyModel(graph, opset);
}

/** Ops the Caffe and IR writers do not take, on top: Pad, Dropout with its mask, Reshape, Add. */
function onnxSeedNetwork(opset: number): Model {
  const model = seedNetwork(opset);
  const g = model.graph;
  g.outputs = [{ name: 'out', dtype: 'float32' }];
  g.initializers.set('pads', fromNumbers('int64', [8], [0, 0, 1, 2, 0, 0, 2, 1]));
  g.initializers.set('shape', fromNumbers('int64', [2], [1, -1]));
  g.nodes.push(
    opset >= 11
      ? { name: 'pad', op: 'Pad', domain: '', inputs: ['heatmaps', 'pads'], outputs: ['padded'], attrs: { mode: { kind: 'string', value: 'reflect' } } }
      : { name: 'pad', op: 'Pad', domain: '', inputs: ['heatmaps'], outputs: ['padded'], attrs: { pads: ints([0, 0, 1, 2, 0, 0, 2, 1]) } },
    { name: 'drop', op: 'Dropout', domain: '', inputs: ['padded'], outputs: ['dropped', 'mask'], attrs: {} },
    { name: 'add', op: 'Add', domain: '', inputs: ['dropped', 'padded'], outputs: ['sum'], attrs: {} },
    { name: 'flat', op: 'Reshape', domain: '', inputs: ['sum', 'shape'], outputs: ['out'], attrs: {} },
  );
  return model;
}

/** A TFJS graph model: Placeholder, Conv2D + BiasAdd + Relu, depthwise conv, pooling, AddV2. */
function tfjsSeed(): FileSet {
  const rng = seededRandom(2);
  const weights = [
    { name: 'w1', shape: [3, 3, 3, 4] },
    { name: 'b1', shape: [4] },
    { name: 'dw', shape: [3, 3, 4, 1] },
  ];
  const type = (t: string): Json => ({ type: t });
  const node = (name: string, op: string, input: string[], attr: Record<string, Json> = {}): Json => ({ name, op, input, attr: { T: type('DT_FLOAT'), ...attr } });
  const list = (key: 'i' | 's', values: Json[]): Json => ({ list: { [key]: values } });
  const nodes: Json[] = [
    { name: 'image', op: 'Placeholder', attr: { dtype: type('DT_FLOAT'), shape: { shape: { dim: [{ size: '1' }, { size: '9' }, { size: '9' }, { size: '3' }] } } } },
    ...weights.map((w) => ({ name: w.name, op: 'Const', attr: { dtype: type('DT_FLOAT'), value: {} } })),
    node('conv', 'Conv2D', ['image', 'w1'], { strides: list('i', ['1', '1', '1', '1']), padding: { s: btoa('SAME') }, data_format: { s: btoa('NHWC') }, dilations: list('i', ['1', '1', '1', '1']) }),
    node('bias', 'BiasAdd', ['conv', 'b1']),
    node('relu', 'Relu', ['bias']),
    node('dwconv', 'DepthwiseConv2dNative', ['relu', 'dw'], { strides: list('i', ['1', '2', '2', '1']), padding: { s: btoa('VALID') }, dilations: list('i', ['1', '1', '1', '1']) }),
    node('pool', 'MaxPool', ['relu'], { ksize: list('i', ['1', '3', '3', '1']), strides: list('i', ['1', '2', '2', '1']), padding: { s: btoa('VALID') } }),
    node('sum', 'AddV2', ['dwconv', 'pool']),
    node('out', 'Identity', ['sum']),
  ];
  const data = new Float32Array(weights.reduce((n, w) => n + sizeOf(w.shape), 0));
  data.set(uniform(data.length, rng));
  const json = {
    format: 'graph-model',
    generatedBy: 'fuzz',
    convertedBy: 'fuzz',
    modelTopology: { node: nodes, library: {}, versions: {} },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    signature: { outputs: { out: { name: 'out:0' } } },
  };
  return new Map([['model.json', bytesOf(JSON.stringify(json))], ['group1-shard1of1.bin', new Uint8Array(data.buffer)]]);
}

function fixtures(dir: string, pattern: RegExp): FileSet[] {
  const root = join(process.cwd(), dir);
  return readdirSync(root).filter((f) => pattern.test(f)).sort().map((f) => new Map([[f, new Uint8Array(readFileSync(join(root, f)))]]));
}

function smallPngs(): FileSet[] {
  const rng = seededRandom(3);
  const rgb = { width: 7, height: 5, data: Uint8Array.from({ length: 7 * 5 * 3 }, () => Math.floor(rng() * 256)) };
  const rgba = { width: 3, height: 4, data: Uint8Array.from({ length: 3 * 4 * 4 }, () => Math.floor(rng() * 256)) };
  const grey = new PNG({ width: 6, height: 3, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  grey.data = Buffer.from(Uint8Array.from({ length: 6 * 3 }, (_, i) => i * 13));
  const greyBytes = PNG.sync.write(grey, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
  return [encodePng(rgb), encodePng(rgba), new Uint8Array(greyBytes)].map((b, i) => new Map([[`seed${i}.png`, b]]));
}

export const TARGETS: ReadonlyMap<string, FuzzTarget> = new Map<string, FuzzTarget>([
  ['onnx', {
    seeds: () => [9, 13].map((opset) => new Map([['model.onnx', writeOnnx(onnxSeedNetwork(opset))]])),
    mutate: mutateOne,
    run: async (files) => exercise(readOnnx(file(files, 'model.onnx'), { externalData: (location) => file(files, location) })),
  }],
  ['openvino', {
    seeds: () => {
      const { xml, bin } = writeOpenVino(seedNetwork());
      return [new Map([['model.xml', bytesOf(xml)], ['model.bin', bin]])];
    },
    mutate: mutateOne,
    run: async (files) => exercise(readOpenVino(text(file(files, 'model.xml')), { weights: file(files, 'model.bin') })),
  }],
  ['caffe', {
    seeds: () => {
      const { prototxt, caffemodel } = writeCaffe(seedNetwork());
      return [new Map([['model.prototxt', bytesOf(prototxt)], ['model.caffemodel', caffemodel]])];
    },
    mutate: mutateOne,
    run: async (files) => exercise(readCaffe(text(file(files, 'model.prototxt')), { weights: caffemodelWeights(file(files, 'model.caffemodel')) })),
  }],
  ['tfjs', {
    seeds: () => [tfjsSeed()],
    mutate: mutateOne,
    run: async (files) => exercise(readTfjsModel(text(file(files, 'model.json')), (path) => file(files, path))),
  }],
  ['pytorch', {
    seeds: () => fixtures('test/fixtures/pytorch', /^(checkpoint_zip|sequential_zip|state_dict_legacy)\.pth$/),
    mutate: eachFile(mutatePytorch),
    run: async (files) => void readPytorchCheckpoint([...files.values()][0]!),
  }],
  ['npy', {
    seeds: () => [
      writeNpy(float32([2, 3], Float32Array.of(1, 2, 3, 4, 5, 6))),
      writeNpy(fromNumbers('int64', [4], [1, -2, 3, 2 ** 40])),
      writeNpy(fromNumbers('uint8', [3, 1], [0, 128, 255])),
    ].map((b, i) => new Map([[`seed${i}.npy`, b]])),
    mutate: eachFile(mutateNpy),
    run: async (files) => void readNpy([...files.values()][0]!),
  }],
  ['tensorproto', {
    seeds: () => [
      writeTensorProto('x', float32([1, 2, 2], Float32Array.of(1, -2, 3, -4))),
      writeTensorProto('ids', fromNumbers('int64', [3], [5, 6, 7])),
    ].map((b, i) => new Map([[`seed${i}.pb`, b]])),
    mutate: mutateOne,
    run: async (files) => void readTensorProto([...files.values()][0]!),
  }],
  ['jpeg', {
    seeds: () => fixtures('test/fixtures/jpeg', /\.jpe?g$/),
    mutate: mutateOne,
    run: async (files) => void decodeImage([...files.values()][0]!),
  }],
  ['png', {
    seeds: () => smallPngs(),
    mutate: eachFile(mutatePng),
    run: async (files) => void decodeImage([...files.values()][0]!),
  }],
]);

/** The case `index` of a campaign with seed `seed`: reproducible from the two numbers alone. */
export function caseOf(target: FuzzTarget, seeds: readonly FileSet[], seed: number, index: number): FileSet {
  const rng = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0);
  return target.mutate(seeds[index % seeds.length]!, rng);
}
