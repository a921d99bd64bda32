// Issue 12's examples that live in one reader: geometry that does not fit 32 bits written in each
// format's own way, structure a format leaves out (Caffe layers without bottoms, model.json values
// of the wrong JSON type), and names from files that are Object.prototype keys. Each hostile file
// is built here; each must end in a typed error naming where it went wrong, at read or at
// Session.create, before any kernel runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image/codec.js';
import { WasmposeError } from '../src/nn/errors.js';
import { readCaffe } from '../src/nn/formats/caffe/reader.js';
import { readOnnx } from '../src/nn/formats/onnx/reader.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { readOpenVino } from '../src/nn/formats/openvino/reader.js';
import { readTfjsModel } from '../src/nn/formats/tfjs/reader.js';
import { emptyGraph, emptyModel, type Model } from '../src/nn/graph.js';
import { Session } from '../src/nn/session.js';
import { createEstimator } from '../src/pipeline/create.js';

/** Reads and creates a session: the error it ends in (a session that comes up is disposed). */
async function failure(read: () => Model): Promise<WasmposeError> {
  let error: unknown;
  try {
    const session = await Session.create(read());
    session.dispose();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a typed error').toBeInstanceOf(WasmposeError);
  return error as WasmposeError;
}

// ---- Caffe ----

const caffeConv = (param: string): string => `name: "n"
input: "data"
input_shape { dim: 1 dim: 1 dim: 8 dim: 8 }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 1 kernel_size: 3 ${param} } }
`;

describe('Caffe', () => {
  it.each(['stride: 4294967296', 'stride: 0', 'dilation: 2147483647', 'pad: 100000', 'kernel_size: 9007199254740992'])('refuses convolution_param %s', async (param) => {
    const e = await failure(() => readCaffe(caffeConv(param)));
    expect(e.message).toMatch(/conv/);
  });

  it('runs the same net with a sound stride', async () => {
    const session = await Session.create(readCaffe(caffeConv('stride: 2')));
    expect(session.outputs[0]!.shape).toEqual([1, 1, 3, 3]);
    session.dispose();
  });

  it('refuses a layer without bottom, naming it', async () => {
    const text = 'name: "n"\ninput: "data"\ninput_shape { dim: 1 dim: 1 dim: 8 dim: 8 }\nlayer { name: "relu" type: "ReLU" top: "r" }\n';
    expect((await failure(() => readCaffe(text))).message).toMatch(/relu/);
    const conv = 'name: "n"\ninput: "data"\ninput_shape { dim: 1 dim: 1 dim: 8 dim: 8 }\nlayer { name: "conv" type: "Convolution" top: "c" convolution_param { num_output: 1 kernel_size: 3 } }\n';
    expect((await failure(() => readCaffe(conv))).message).toMatch(/conv/);
  });
});

// ---- OpenVINO IR ----

const port = (id: number, dims: number[]): string => `<port id="${id}" precision="FP32">${dims.map((d) => `<dim>${d}</dim>`).join('')}</port>`;

/** An IR of one Convolution over [1, 1, 8, 8] with a 1x1x3x3 weight Const (its 36 bytes at offset 0). */
function irConv(strides: string, elementType = 'f32'): { xml: string; weights: Uint8Array } {
  const xml = `<?xml version="1.0"?><net name="c" version="11"><layers>
<layer id="0" name="x" type="Parameter" version="opset1"><data element_type="${elementType}" shape="1,1,8,8"/><output>${port(0, [1, 1, 8, 8])}</output></layer>
<layer id="1" name="w" type="Const" version="opset1"><data element_type="f32" shape="1,1,3,3" offset="0" size="36"/><output>${port(0, [1, 1, 3, 3])}</output></layer>
<layer id="2" name="conv" type="Convolution" version="opset1"><data strides="${strides}" dilations="1,1" pads_begin="0,0" pads_end="0,0" auto_pad="explicit"/><input>${port(0, [1, 1, 8, 8])}${port(1, [1, 1, 3, 3])}</input><output>${port(2, [1, 1, 6, 6])}</output></layer>
<layer id="3" name="out" type="Result" version="opset1"><input>${port(0, [1, 1, 6, 6])}</input></layer>
</layers><edges><edge from-layer="0" from-port="0" to-layer="2" to-port="0"/><edge from-layer="1" from-port="0" to-layer="2" to-port="1"/><edge from-layer="2" from-port="2" to-layer="3" to-port="0"/></edges></net>`;
  return { xml, weights: new Uint8Array(36) };
}

describe('OpenVINO IR', () => {
  it.each(['1,1e308', '1,4294967296', '0,1', '1,-1', '1.5,1'])('refuses Convolution strides="%s"', async (strides) => {
    const { xml, weights } = irConv(strides);
    expect((await failure(() => readOpenVino(xml, { weights }))).message).toMatch(/conv|stride/i);
  });

  it('refuses Convolution pads_begin="100000,0" (an output of ~1e9 elements)', async () => {
    const { xml, weights } = irConv('1,1');
    const e = await failure(() => readOpenVino(xml.replace('pads_begin="0,0"', 'pads_begin="100000,0"').replace('pads_end="0,0"', 'pads_end="100000,0"'), { weights }));
    expect(e.message).toMatch(/conv|pad/i);
  });

  it('runs the same IR with strides="1,1"', async () => {
    const { xml, weights } = irConv('1,1');
    const session = await Session.create(readOpenVino(xml, { weights }));
    expect(session.outputs[0]!.shape).toEqual([1, 1, 6, 6]);
    session.dispose();
  });

  it.each(['__proto__', 'constructor', 'toString'])('refuses an element type named %s', async (type) => {
    const { xml, weights } = irConv('1,1', type);
    expect((await failure(() => readOpenVino(xml, { weights }))).message).toContain(type);
  });
});

// ---- TFJS ----

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const ints = (v: (number | string)[]) => ({ list: { i: v.map(String) } });

/** model.json of x [1, 8, 8, 1] -> `op` with a 3x3x1x1 weight from one shard, and that shard. */
function tfjsConv(op: string, attr: Record<string, unknown>, dtype = 'DT_FLOAT'): { json: Record<string, unknown>; shard: Uint8Array } {
  const json = {
    format: 'graph-model',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: dtype }, shape: { shape: { dim: [1, 8, 8, 1].map((d) => ({ size: String(d) })) } } } },
        { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: {} } },
        { name: 'y', op, input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' }, padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') }, strides: ints([1, 1, 1, 1]), dilations: ints([1, 1, 1, 1]), ...attr } },
      ],
    },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'w', shape: [3, 3, 1, 1], dtype: 'float32' }] }],
    signature: { outputs: { y: { name: 'y:0' } } },
  };
  return { json, shard: new Uint8Array(36) };
}

const readTfjs = ({ json, shard }: { json: object; shard: Uint8Array }) => (): Model => readTfjsModel(json, () => shard);

describe('TFJS', () => {
  it.each([
    ['Conv2D', { strides: ints([1, '9007199254740992', 1, 1]) }],
    ['Conv2D', { strides: ints([1, '4294967296', 1, 1]) }],
    ['Conv2D', { dilations: ints([1, '2147483647', 1, 1]) }],
    ['DepthwiseConv2dNative', { dilations: ints([1, '2147483647', '2147483647', 1]) }],
    ['DepthwiseConv2dNative', { strides: ints([1, '9007199254740992', 1, 1]) }],
  ])('refuses %s %j', async (op, attr) => {
    expect((await failure(readTfjs(tfjsConv(op, attr)))).message).toMatch(/'y'|stride|dilation/);
  });

  it('runs the same Conv2D and DepthwiseConv2dNative with sound attributes', async () => {
    for (const op of ['Conv2D', 'DepthwiseConv2dNative']) {
      const session = await Session.create(readTfjs(tfjsConv(op, {}))());
      expect(session.outputs[0]!.shape).toEqual([1, 6, 6, 1]);
      session.dispose();
    }
  });

  it.each(['__proto__', 'constructor', 'hasOwnProperty'])('refuses an op and a dtype named %s', async (name) => {
    expect((await failure(readTfjs(tfjsConv(name, {})))).message).toContain(name);
    expect((await failure(readTfjs(tfjsConv('Conv2D', {}, name)))).message).toContain(name);
  });

  it('refuses a Split into a billion parts and an Unpack into 100000, before building a node per part', async () => {
    const graph = (nodes: object[], dims: number[]): object => ({
      format: 'graph-model',
      modelTopology: { node: [{ name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: dims.map((d) => ({ size: String(d) })) } } } }, ...nodes] },
      weightsManifest: [],
      signature: { outputs: { y: { name: 'y:0' } } },
    });
    const axis = { name: 'axis', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: {}, intVal: [1] } } } };
    const split = (n: string) => graph([axis, { name: 'y', op: 'Split', input: ['axis', 'x'], attr: { T: { type: 'DT_FLOAT' }, num_split: { i: n } } }], [1, 8]);
    expect((await failure(() => readTfjsModel(split('1000000000'), () => new Uint8Array(0)))).message).toMatch(/size 8 does not split in 1000000000/);
    expect(readTfjsModel(split('2'), () => new Uint8Array(0)).graph.nodes.some((n) => n.op === 'Split')).toBe(true);
    const unpack = graph([{ name: 'y', op: 'Unpack', input: ['x'], attr: { T: { type: 'DT_FLOAT' }, axis: { i: '1' }, num: { i: '100000' } } }], [1, 100_000]);
    expect((await failure(() => readTfjsModel(unpack, () => new Uint8Array(0)))).message).toMatch(/100000 parts, more than 65536/);
  });

  it('refuses model.json values of the wrong JSON type, naming the field', async () => {
    const damage: [string, (json: Record<string, any>) => void][] = [
      ['node is an object', (j) => { j['modelTopology'].node = { name: 'x' }; }],
      ['input is a string', (j) => { j['modelTopology'].node[2].input = 'x'; }],
      ['an input is a number', (j) => { j['modelTopology'].node[2].input = ['x', 7]; }],
      ['name is a number', (j) => { j['modelTopology'].node[2].name = 12; }],
      ['attr is an array', (j) => { j['modelTopology'].node[2].attr = [1, 2]; }],
      ['strides are objects', (j) => { j['modelTopology'].node[2].attr.strides = { list: { i: [{}, {}, {}, {}] } }; }],
      ['a weight shape is a string', (j) => { j['weightsManifest'][0].weights[0].shape = '3,3,1,1'; }],
      ['paths is a string', (j) => { j['weightsManifest'][0].paths = 'w.bin'; }],
      ['the manifest is an object', (j) => { j['weightsManifest'] = { paths: [] }; }],
      ['modelTopology is null', (j) => { j['modelTopology'] = null; }],
      ['signature outputs are numbers', (j) => { j['signature'] = { outputs: { y: 3 } }; }],
    ];
    for (const [label, change] of damage) {
      const model = tfjsConv('Conv2D', {});
      change(model.json);
      const e = await failure(readTfjs(model));
      expect(e.message, label).not.toMatch(/Cannot read properties|is not a function|undefined \(reading/);
    }
  });
});

// ---- what held in the campaign, kept holding ----

describe('what held: bombs, cycles, chains, concurrency', () => {
  it('refuses billion-laughs XML (no DOCTYPE, no entities) and deep nesting, with typed errors', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]><net name="&lol9;" version="11"><layers/><edges/></net>`;
    expect(() => readOpenVino(laughs)).toThrow(/DOCTYPE/);
    expect(() => readOpenVino(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`)).toThrow(/nested deeper/);
    expect(() => readOpenVino(laughs)).toThrow(WasmposeError);
  });

  it('refuses graphs with cycles (IR and ONNX)', async () => {
    const ir = `<?xml version="1.0"?><net name="c" version="11"><layers>
<layer id="0" name="a" type="ReLU" version="opset1"><input>${port(0, [1, 4])}</input><output>${port(1, [1, 4])}</output></layer>
<layer id="1" name="b" type="ReLU" version="opset1"><input>${port(0, [1, 4])}</input><output>${port(1, [1, 4])}</output></layer>
</layers><edges><edge from-layer="0" from-port="1" to-layer="1" to-port="0"/><edge from-layer="1" from-port="1" to-layer="0" to-port="0"/></edges></net>`;
    expect(() => readOpenVino(ir)).toThrow(/cycle/);
    const graph = emptyGraph('cycle');
    graph.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 4] }];
    graph.outputs = [{ name: 'b', dtype: 'float32' }];
    graph.nodes = [
      { name: 'n1', op: 'Add', domain: '', inputs: ['x', 'b'], outputs: ['a'], attrs: {} },
      { name: 'n2', op: 'Relu', domain: '', inputs: ['a'], outputs: ['b'], attrs: {} },
    ];
    await failure(() => readOnnx(writeOnnx(emptyModel(graph))));
  });

  it('reads a chain of 50000 nodes and runs one of 5000 (no recursion over the graph)', async () => {
    const chain = (length: number): Model => {
      const graph = emptyGraph('chain');
      graph.inputs = [{ name: 'v0', dtype: 'float32', shape: [1, 4] }];
      for (let i = 0; i < length; i++) graph.nodes.push({ name: `n${i}`, op: i % 2 === 0 ? 'Relu' : 'Neg', domain: '', inputs: [`v${i}`], outputs: [`v${i + 1}`], attrs: {} });
      graph.outputs = [{ name: `v${length}`, dtype: 'float32' }];
      return emptyModel(graph);
    };
    expect(readOnnx(writeOnnx(chain(50_000))).graph.nodes).toHaveLength(50_000);
    const session = await Session.create(readOnnx(writeOnnx(chain(5000))));
    try {
      expect(Array.from(session.run({ v0: Float32Array.of(1, -2, 3, -4) })['v5000']!.data, (v) => v + 0)).toEqual([0, 0, 0, 0]);
    } finally {
      session.dispose();
    }
  });

  it('two estimators interleaved and ten concurrent calls on one give the sequential results', async () => {
    const photo = decodeImage(readFileSync(join(import.meta.dirname, '../weights/sample/000000000785.jpg')));
    const [a, b] = [await createEstimator(), await createEstimator()];
    try {
      const want = JSON.stringify(await a.estimate(photo));
      const interleaved = [await b.estimate(photo), await a.estimate(photo), await b.estimate(photo)];
      for (const poses of interleaved) expect(JSON.stringify(poses)).toBe(want);
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => a.estimate(photo)));
      for (const poses of concurrent) expect(JSON.stringify(poses)).toBe(want);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
