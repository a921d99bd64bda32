// Caffe: the prototxt text format, the binary caffemodel, and the mapping onto the engine,
// on the real OpenPose and human-pose-estimation-0001 definitions in ../shared.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, WeightsError } from '../src/nn/errors.js';
import { caffemodelWeights, readCaffemodel, writeCaffemodel } from '../src/nn/formats/caffe/caffemodel.js';
import { parsePrototxt, readCaffe } from '../src/nn/formats/caffe/reader.js';
import { parseTextFormat } from '../src/nn/formats/caffe/text-format.js';
import { float32 } from '../src/nn/tensor.js';

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
    expect(Array.from(layers[0]!.blobs[1]!.data)).toEqual(Array.from(blobs.conv[1]!.data));
  });

  it('binds weights: BatchNorm statistics divided by the scale factor, Scale merged', () => {
    const model = readCaffe(prototxt, { weights: caffemodelWeights(bytes) });
    const bn = model.graph.nodes.find((n) => n.op === 'BatchNormalization')!;
    expect(Array.from(model.graph.initializers.get(bn.inputs[3]!)!.data)).toEqual([0.5, 1, 1.5]);
    expect(Array.from(model.graph.initializers.get(bn.inputs[1]!)!.data)).toEqual([1, 1, 2]);
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
