// Caffe: the prototxt text format, the binary caffemodel, and the mapping onto the engine,
// on the real OpenPose and human-pose-estimation-0001 definitions in ../shared.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, WeightsError } from '../src/nn/errors.js';
import { caffemodelWeights, readCaffemodel, writeCaffemodel } from '../src/nn/formats/caffe/caffemodel.js';
import { parsePrototxt, readCaffe } from '../src/nn/formats/caffe/reader.js';
import { parseTextFormat } from '../src/nn/formats/caffe/text-format.js';
import { writeCaffe } from '../src/nn/formats/caffe/writer.js';
import { analyzeModel } from '../src/nn/analysis.js';
import { UnsupportedOpError } from '../src/nn/errors.js';
import { attrInt, attrInts, emptyGraph, emptyModel, type Model, type Node } from '../src/nn/graph.js';
import { inferAndFold } from '../src/nn/passes/infer-and-fold.js';
import { humanPoseEstimation0001 } from '../src/models/human-pose-estimation-0001.js';
import { float32 } from '../src/nn/tensor.js';
import { expectClose, randomTensor, runEngine, seededRandom } from './support/harness.js';

const SHARED = resolve(import.meta.dirname, '../../shared');
const CAFFE = resolve(SHARED, 'conformance/caffe');
const HPE = resolve(SHARED, 'omz/human-pose-estimation-0001/human-pose-estimation-0001.prototxt');

const paramCount = (model: ReturnType<typeof readCaffe>): number => [...model.graph.initializers.values()].reduce((n, t) => n + t.data.length, 0);

describe('protobuf text format', () => {
  it('parses fields, nesting, lists, strings and comments', () => {
    const m = parseTextFormat('name: "net" # comment\nlayer { type: "Convolution" convolution_param: { kernel_size: 3 pad: [1, 2] } }\nlayer < name: \'b\' >');
    expect(m.get('name')).toEqual(['net']);
    const layers = m.get('layer')!;
    expect(layers).toHaveLength(2);
    const conv = (layers[0] as Map<string, unknown[]>).get('convolution_param')![0] as Map<string, unknown[]>;
    expect(conv.get('pad')).toEqual([1, 2]);
  });

  it('names the line and column of a syntax error', () => {
    expect(() => parseTextFormat('layer {\n  name: "a"\n  type: }\n')).toThrow(/line 3, column 9/);
    expect(() => parseTextFormat('layer {\n  name: "a"\n')).toThrow(ModelFormatError);
    expect(() => parseTextFormat('name: "unterminated\n')).toThrow(/line 1/);
  });
});

describe.skipIf(!existsSync(CAFFE))('CMU OpenPose prototxts', () => {
  if (!existsSync(CAFFE)) console.warn(`caffe: skipped, ${CAFFE} is absent`);
  const cases: [string, number, number[]][] = [
    ['openpose_coco_pose_deploy_linevec.prototxt', 52.311446, [1, 57, 46, 46]],
    ['openpose_body25_pose_deploy.prototxt', 26.166084, [1, 78, 46, 46]],
    ['openpose_mpi_faster_4_stages.prototxt', 34.24088, [1, 44, 46, 46]],
  ];
  for (const [file, millions, outShape] of cases) {
    it(`${file}: parameters and output shape at 368x368`, () => {
      const model = readCaffe(readFileSync(resolve(CAFFE, file), 'utf8'), { inputShapes: { image: [1, 3, 368, 368] } });
      expect(paramCount(model) / 1e6).toBeCloseTo(millions, 5);
      expect(model.graph.outputs.map((o) => o.shape)).toEqual([outShape]);
    });
  }
});

describe.skipIf(!existsSync(HPE))('human-pose-estimation-0001 prototxt', () => {
  it('reads the original topology with its outputs', () => {
    const net = parsePrototxt(readFileSync(HPE, 'utf8'));
    expect(net.layers.filter((l) => l.type === 'Convolution')).toHaveLength(58);
    const model = readCaffe(readFileSync(HPE, 'utf8'));
    expect(model.graph.inputs).toEqual([{ name: 'data', dtype: 'float32', shape: [1, 3, 256, 456] }]);
    expect(model.graph.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['Mconv7_stage2_L1', [1, 38, 32, 57]],
      ['Mconv7_stage2_L2', [1, 19, 32, 57]],
    ]);
  });
});

describe('caffemodel', () => {
  const prototxt = `name: "tiny"
input: "data"
input_dim: 1 input_dim: 2 input_dim: 5 input_dim: 5
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 3 kernel_size: 3 pad: 1 } }
layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
layer { name: "scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }`;
  const blobs = {
    conv: [float32([3, 2, 3, 3], Array.from({ length: 54 }, (_, i) => i / 54)), float32([3], [0.1, 0.2, 0.3])],
    bn: [float32([3], [1, 2, 3]), float32([3], [4, 5, 6]), float32([1], [2])],
    scale: [float32([3], [1, 1, 2]), float32([3], [0, 1, 0])],
  };
  const bytes = writeCaffemodel('tiny', Object.entries(blobs).map(([name, b]) => ({ name, type: '', blobs: b })));

  it('round-trips blobs by layer name', () => {
    const layers = readCaffemodel(bytes);
    expect(layers.map((l) => l.name)).toEqual(['conv', 'bn', 'scale']);
    expect(Array.from(layers[0]!.blobs[1]!.data as Float32Array)).toEqual(Array.from(blobs.conv[1]!.data as Float32Array));
  });

  it('binds weights: BatchNorm statistics divided by the scale factor, Scale merged', () => {
    const model = readCaffe(prototxt, { weights: caffemodelWeights(bytes) });
    const bn = model.graph.nodes.find((n) => n.op === 'BatchNormalization')!;
    expect(Array.from(model.graph.initializers.get(bn.inputs[3]!)!.data as Float32Array)).toEqual([0.5, 1, 1.5]);
    expect(Array.from(model.graph.initializers.get(bn.inputs[1]!)!.data as Float32Array)).toEqual([1, 1, 2]);
    expect(model.graph.outputs.map((o) => o.name)).toEqual(['conv']);
  });

  it('refuses blobs that do not fit the layer, and damaged files', () => {
    const wrong = writeCaffemodel('tiny', [{ name: 'conv', type: '', blobs: [float32([3, 2, 2, 2])] }]);
    expect(() => readCaffe(prototxt, { weights: caffemodelWeights(wrong) })).toThrow(WeightsError);
    expect(() => readCaffe(prototxt, { weights: caffemodelWeights(wrong) })).toThrow(/layer 'conv'.*\[3, 2, 2, 2\].*\[3, 2, 3, 3\]/);
    for (let eighth = 1; eighth < 8; eighth++) {
      expect(() => readCaffemodel(bytes.subarray(0, Math.floor((bytes.length * eighth) / 8)))).toThrow(ModelFormatError);
    }
  });
});

/** A Conv node's geometry, as comparable numbers (weights give kernel, channels and outputs). */
function convGeometry(node: Node, model: Model) {
  const w = model.graph.initializers.get(node.inputs[1]!)!;
  const group = attrInt(node, 'group', 1);
  return {
    kernel: w.shape.slice(2),
    stride: attrInts(node, 'strides') ?? [1, 1],
    pads: attrInts(node, 'pads') ?? [0, 0, 0, 0],
    dilation: attrInts(node, 'dilations') ?? [1, 1],
    group,
    numOutput: w.shape[0],
    channels: w.shape[1]! * group,
    bias: node.inputs.length > 2 && node.inputs[2] !== '',
  };
}

describe.skipIf(!existsSync(HPE))('human-pose-estimation-0001: the TypeScript definition against the original prototxt', () => {
  if (!existsSync(HPE)) console.warn(`caffe: hpe-0001 comparison skipped, ${HPE} is absent`);
  const text = existsSync(HPE) ? readFileSync(HPE, 'utf8') : '';

  it('every Convolution: name, kernel, stride, pad, dilation, group, num_output, channels, bias, output shape', () => {
    const caffe = readCaffe(text);
    const ours = humanPoseEstimation0001();
    const caffeTyped = inferAndFold(caffe.graph, 13);
    const oursTyped = inferAndFold(ours.graph, 13);
    const convLayers = parsePrototxt(text).layers.filter((l) => l.type === 'Convolution');
    const oursConvs = ours.graph.nodes.filter((n) => n.op === 'Conv');
    // The same layers; the order may differ where branches are independent (the two heads).
    expect(oursConvs.map((n) => n.name).sort()).toEqual(convLayers.map((l) => l.name).sort());
    for (const layer of convLayers) {
      const c = caffe.graph.nodes.find((n) => n.name === layer.name && n.op === 'Conv')!;
      const o = oursConvs.find((n) => n.name === layer.name)!;
      expect(convGeometry(o, ours), layer.name).toEqual(convGeometry(c, caffe));
      expect(oursTyped.types.get(o.outputs[0]!)!.shape, `${layer.name} output`).toEqual(caffeTyped.types.get(c.outputs[0]!)!.shape);
    }
  });

  it('the same parameters, counted raw and as deployed (BatchNorm folded)', () => {
    const caffe = readCaffe(text);
    const ours = humanPoseEstimation0001();
    expect(paramCount(ours)).toBe(paramCount(caffe));
    expect(paramCount(ours)).toBe(4_125_874);
    expect(analyzeModel(ours).params).toBe(4_098_674);
    expect(analyzeModel(caffe).params).toBe(4_098_674);
    // The same ops by name (Caffe's BatchNorm + Scale pairs read as one node; in-place ReLUs
    // are named nodes of their own in both).
    const byName = (m: Model) => m.graph.nodes.map((n) => `${n.name} ${n.op}`).sort();
    expect(byName(ours)).toEqual(byName(caffe));
  });
});

describe('Caffe writer', () => {
  it('human-pose-estimation-0001 written as prototxt + caffemodel reads back with the same layers and outputs', async () => {
    const model = humanPoseEstimation0001({ height: 32, width: 48 });
    const { prototxt, caffemodel } = writeCaffe(model);
    const back = readCaffe(prototxt, { weights: caffemodelWeights(caffemodel) });
    expect(back.graph.nodes.filter((n) => n.op === 'Conv').map((n) => n.name)).toEqual(model.graph.nodes.filter((n) => n.op === 'Conv').map((n) => n.name));
    expect(back.graph.outputs.map((o) => o.name)).toEqual(['Mconv7_stage2_L1', 'Mconv7_stage2_L2']);
    if (existsSync(HPE)) {
      // Layer for layer the same types as the original definition (BatchNorm + Scale, in-place ReLU...).
      const original = parsePrototxt(readFileSync(HPE, 'utf8')).layers.filter((l) => l.type !== 'Input').map((l) => l.type);
      expect(parsePrototxt(prototxt).layers.map((l) => l.type).sort()).toEqual(original.sort());
    }
    const x = randomTensor([1, 3, 32, 48], seededRandom(3));
    const a = await runEngine(model, { data: x });
    const b = await runEngine(back, { data: x });
    for (const name of ['Mconv7_stage2_L1', 'Mconv7_stage2_L2']) expectClose(b[name]!, a[name]!, 1e-5, name);
  });

  const single = (op: string, attrs: Node['attrs'], inShape: number[], extra: Record<string, ReturnType<typeof float32>> = {}, inputs?: string[]): Model => {
    const graph = emptyGraph(op);
    graph.inputs.push({ name: 'x', dtype: 'float32', shape: inShape });
    for (const [k, v] of Object.entries(extra)) graph.initializers.set(k, v);
    graph.nodes.push({ name: 'n', op, domain: '', inputs: inputs ?? ['x', ...Object.keys(extra)], outputs: ['y'], attrs });
    graph.outputs.push({ name: 'y', dtype: 'float32' });
    return emptyModel(graph, 13);
  };
  const ints = (value: number[]) => ({ kind: 'ints' as const, value });

  it('maps pooling only where Caffe rounds as ONNX does', async () => {
    // 7 -> kernel 3 stride 2: floor and ceil agree (3); 8 -> floor 3, ceil 4 (Caffe's).
    const ok = single('MaxPool', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: { kind: 'int', value: 1 } }, [1, 2, 8, 8]);
    const { prototxt, caffemodel } = writeCaffe(ok);
    expect(prototxt).toContain('pool: MAX');
    const x = randomTensor([1, 2, 8, 8], seededRandom(1));
    expectClose((await runEngine(readCaffe(prototxt, { weights: caffemodelWeights(caffemodel) }), { x }))['y']!, (await runEngine(ok, { x }))['y']!, 0);
    const floor = single('MaxPool', { kernel_shape: ints([3, 3]), strides: ints([2, 2]) }, [1, 2, 8, 8]);
    expect(() => writeCaffe(floor)).toThrow(UnsupportedOpError);
    expect(() => writeCaffe(floor)).toThrow(/MaxPool node 'n'.*Caffe's pooling gives 4 outputs along axis 2 where ONNX gives 3/);
    const asymmetric = single('AveragePool', { kernel_shape: ints([2, 2]), pads: ints([0, 0, 1, 1]) }, [1, 2, 8, 8]);
    expect(() => writeCaffe(asymmetric)).toThrow(/not symmetric/);
  });

  it('nearest x2 upsampling becomes a fixed-weight Deconvolution; bilinear is refused', async () => {
    const nearest = single('Resize', { mode: { kind: 'string', value: 'nearest' }, coordinate_transformation_mode: { kind: 'string', value: 'asymmetric' }, nearest_mode: { kind: 'string', value: 'floor' } },
      [1, 3, 4, 5], { scales: float32([4], [1, 1, 2, 2]) }, ['x', '', 'scales']);
    const { prototxt, caffemodel } = writeCaffe(nearest);
    expect(prototxt).toMatch(/type: "Deconvolution"[\s\S]*group: 3/);
    const x = randomTensor([1, 3, 4, 5], seededRandom(2));
    expectClose((await runEngine(readCaffe(prototxt, { weights: caffemodelWeights(caffemodel) }), { x }))['y']!, (await runEngine(nearest, { x }))['y']!, 0);
    const linear = single('Resize', { mode: { kind: 'string', value: 'linear' } }, [1, 3, 4, 5], { scales: float32([4], [1, 1, 2, 2]) }, ['x', '', 'scales']);
    expect(() => writeCaffe(linear)).toThrow(/Resize node 'n': mode 'linear'/);
  });

  it('refuses broadcasting element-wise ops and ops Caffe lacks, by op and node name', () => {
    const add = single('Add', {}, [1, 2, 3, 3], { b: float32([2, 1, 1], [1, 2]) });
    expect(() => writeCaffe(add)).toThrow(/Add node 'n'/);
    expect(() => writeCaffe(single('HardSwish', {}, [1, 2, 3, 3]))).toThrow(/HardSwish node 'n': no Caffe layer maps it/);
  });
});
