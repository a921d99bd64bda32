// The seed networks: their parameter and compute counts against the published model cards,
// their inputs and outputs against the registry, their parameter names against the checkpoints
// they must bind to, and analyzeModel's counting rules on small graphs.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetworkBuilder } from '../src/models/builder.js';
import { MODELS, modelEntry, modelInfo, modelNames, type ModelEntry } from '../src/models/registry.js';
import { analyzeModel } from '../src/nn/analysis.js';
import { InputError } from '../src/nn/errors.js';
import { readCaffe } from '../src/nn/formats/caffe/reader.js';
import { emptyGraph, emptyModel, onnxOpset, type Model, type Node } from '../src/nn/graph.js';
import { inferAndFold } from '../src/nn/passes/infer-and-fold.js';
import { float32 } from '../src/nn/tensor.js';

/** Exact counts of each definition at its default input (batch norm folded; see analysis.ts). */
const EXPECTED: Record<string, { params: number; macs: number }> = {
  'human-pose-estimation-0001': { params: 4_098_674, macs: 7_685_898_240 },
  'human-pose-estimation-3d-0001': { params: 5_072_111, macs: 9_292_043_264 },
  'single-human-pose-estimation-0001': { params: 40_556_955, macs: 35_923_780_800 },
  'openpose-coco': { params: 52_311_446, macs: 135_934_006_784 },
  bodyposenet: { params: 52_311_446, macs: 111_008_489_472 },
  'hrnet-w32': { params: 28_508_945, macs: 7_645_003_776 },
};

/**
 * Parameter names each definition must have (and must not have), so that the published weights
 * bind by name: the PyTorch state-dict keys, or the Caffe layer names.
 */
const CHECKPOINT_KEYS: Record<string, { present: string[]; absent?: string[] }> = {
  'human-pose-estimation-0001': {
    present: ['conv1.weight', 'conv5_5/sep/bn.running_var', 'conv4_3_CPM/dw3.weight', 'Mconv5_stage2_L1/3x3/2.bias', 'Mconv7_stage2_L2.weight'],
  },
  'human-pose-estimation-3d-0001': {
    present: [
      'model.0.0.weight', 'model.0.1.running_var', 'model.11.3.weight', 'model.11.4.bias',
      'cpm.align.0.bias', 'cpm.trunk.2.2.weight', 'cpm.conv.0.weight',
      'initial_stage.trunk.2.0.bias', 'initial_stage.pafs.1.0.weight',
      'refinement_stages.0.trunk.4.trunk.1.1.running_mean', 'refinement_stages.0.heatmaps.1.0.bias',
      'Pose3D.stem.0.align.1.weight', 'Pose3D.stem.4.bottleneck.2.0.weight',
      'Pose3D.prediction.trunk.1.initial.0.bias', 'Pose3D.prediction.feature_maps.1.0.weight',
    ],
    absent: ['model.0.0.bias'],
  },
  'single-human-pose-estimation-0001': {
    present: [
      'model.0.0.weight', 'cpm.1.1.running_var', 'initial_stage.heatmaps.1.0.weight',
      'refinement_stages.0.trunk.0.encoder1.0.0.weight', 'refinement_stages.4.trunk.0.decoder1.1.1.bias',
      'refinement_stages.4.trunk.3.trunk.1.0.weight', 'refinement_stages.4.heatmaps.1.0.bias',
    ],
  },
  'openpose-coco': { present: ['conv1_1.weight', 'conv4_4_CPM.bias', 'conv5_5_CPM_L2.weight', 'Mconv7_stage6_L1.bias'] },
  bodyposenet: { present: ['conv1_1.weight', 'conv4_2/bn.running_mean', 'stage6_heatmaps_out.bias'] },
  'hrnet-w32': {
    present: [
      'conv1.weight', 'bn2.running_mean', 'layer1.0.downsample.0.weight', 'layer1.3.bn3.bias',
      'transition1.0.0.weight', 'transition1.1.0.0.weight', 'transition3.3.0.1.running_var',
      'stage2.0.branches.1.3.conv2.weight', 'stage3.3.fuse_layers.0.2.0.weight',
      'stage3.3.fuse_layers.2.0.1.0.weight', 'stage4.2.fuse_layers.0.3.1.bias',
      'final_layer.weight', 'final_layer.bias',
    ],
    // The last module fuses into the highest resolution only.
    absent: ['stage4.2.fuse_layers.1.0.0.0.weight'],
  },
};

const relativeError = (actual: number, expected: number): number => Math.abs(actual - expected) / expected;

function cardCompute(entry: ModelEntry, macs: number): number {
  return entry.card!.flopsCount === 'flops' ? (2 * macs) / 1e9 : macs / 2 ** 30;
}

describe('analyzeModel counting rules', () => {
  it('counts a grouped, strided Conv as output elements x Cin/group x kh x kw, and its weights and bias', () => {
    const net = new NetworkBuilder('conv');
    const x = net.input('x', [1, 8, 9, 11]);
    net.output(net.conv(x, { name: 'c', out: 6, kernel: [3, 5], stride: 2, pad: 1, groups: 2 }));
    const a = analyzeModel(net.build());
    // Output 6 x 5 x 5 (H: (9 + 2 - 3) / 2 + 1, W: (11 + 2 - 5) / 2 + 1); weight 6 x 4 x 3 x 5.
    expect(a.macs).toBe(6 * 5 * 5 * (4 * 3 * 5));
    expect(a.params).toBe(6 * 4 * 3 * 5 + 6);
    expect(a.gflops).toBeCloseTo((2 * a.macs) / 1e9, 15);
    expect(a.perNode).toEqual([{ name: 'c', op: 'Conv', macs: a.macs, params: a.params }]);
    expect(a.ops).toEqual({ Conv: 1 });
  });

  it('counts ConvTranspose per input element, Gemm and MatMul per output element x the reduced size', () => {
    const graph = emptyGraph('mixed');
    graph.inputs = [
      { name: 'x', dtype: 'float32', shape: [1, 4, 5, 5] },
      { name: 'a', dtype: 'float32', shape: [7, 3] },
      { name: 'm', dtype: 'float32', shape: [2, 6, 10] },
    ];
    graph.initializers.set('w', float32([4, 3, 2, 2]));
    graph.initializers.set('g', float32([3, 8]));
    graph.initializers.set('k', float32([10, 5]));
    graph.nodes = [
      { name: 'up', op: 'ConvTranspose', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: { kind: 'ints', value: [2, 2] } } },
      { name: 'fc', op: 'Gemm', domain: '', inputs: ['a', 'g'], outputs: ['z'], attrs: {} },
      { name: 'mm', op: 'MatMul', domain: '', inputs: ['m', 'k'], outputs: ['v'], attrs: {} },
    ];
    graph.outputs = ['y', 'z', 'v'].map((name) => ({ name, dtype: 'float32' as const }));
    const a = analyzeModel(emptyModel(graph, 13));
    expect(a.perNode.map((n) => n.macs)).toEqual([4 * 5 * 5 * (3 * 2 * 2), 7 * 8 * 3, 2 * 6 * 5 * 10]);
    expect(a.params).toBe(4 * 3 * 2 * 2 + 3 * 8 + 10 * 5);
  });

  it('counts batch norm as folded into the conv before it, and Resize scales not at all', () => {
    const net = new NetworkBuilder('bn');
    const x = net.input('x', [1, 3, 4, 4]);
    const noBias = net.batchNorm(net.conv(x, { name: 'c1', out: 5, kernel: 1, bias: false }), 'bn1'); // + 5
    const withBias = net.batchNorm(net.conv(noBias, { name: 'c2', out: 5, kernel: 1 }), 'bn2'); // + 0
    const alone = net.batchNorm(net.add(withBias, noBias, 'sum'), 'bn3'); // + 2 x 5
    net.output(net.resize(alone, 'up', { factor: 2 }));
    const a = analyzeModel(net.build());
    expect(a.perNode.filter((n) => n.op === 'BatchNormalization').map((n) => n.params)).toEqual([5, 0, 10]);
    expect(a.params).toBe(5 * 3 + 5 + (5 * 5 + 5) + 0 + 10);
  });
});

describe('seed networks: counts against their model cards (within 1 %), inputs, outputs, parameter names', () => {
  for (const entry of MODELS) {
    it(entry.name, () => {
      const model = entry.build();
      const analysis = analyzeModel(model);
      expect({ params: analysis.params, macs: analysis.macs }).toEqual(EXPECTED[entry.name]);

      const keys = new Set(model.graph.initializers.keys());
      const { present, absent = [] } = CHECKPOINT_KEYS[entry.name]!;
      for (const key of present) expect(keys.has(key), `parameter ${key}`).toBe(true);
      for (const key of absent) expect(keys.has(key), `no parameter ${key}`).toBe(false);

      // The declared input and every declared output, shapes by the engine's own inference.
      expect(model.graph.inputs).toEqual([{ name: entry.input.name, dtype: 'float32', shape: entry.input.shape }]);
      const typed = inferAndFold(model.graph, onnxOpset(model));
      expect(typed.outputs).toEqual(entry.outputs.map((o) => o.name));
      for (const output of entry.outputs) expect(typed.types.get(output.name)?.shape, output.name).toEqual(output.shape);

      const card = entry.card;
      if (card === undefined) return;
      const counted = card.countedWith === undefined ? analysis : analyzeModel(entry.build(card.countedWith));
      expect(relativeError(counted.params, card.params), `params ${counted.params} vs card ${card.params}`).toBeLessThan(0.01);
      const compute = cardCompute(entry, counted.macs);
      expect(relativeError(compute, card.gflops), `GFLOPs ${compute} vs card ${card.gflops}`).toBeLessThan(0.01);
    }, 60_000);
  }
});

const SHARED = resolve(import.meta.dirname, '../../shared');
const PROTOTXTS = {
  'human-pose-estimation-0001': resolve(SHARED, 'omz/human-pose-estimation-0001/human-pose-estimation-0001.prototxt'),
  'openpose-coco': resolve(SHARED, 'conformance/caffe/openpose_coco_pose_deploy_linevec.prototxt'),
};
const haveProtoTxts = Object.values(PROTOTXTS).every((file) => existsSync(file));
if (!haveProtoTxts) console.log(`models.test: skipping the Caffe cross-check, ${SHARED} has no prototxts`);

describe.skipIf(!haveProtoTxts)('Caffe definitions read by the project\'s Caffe reader give the same network', () => {
  /**
   * Each layer as the engine sees it: name, op and the attributes that shape it, by name (the
   * order of independent branches is free). ceil_mode is left out: the reader sets it only where
   * the given input size needs Caffe's rounding up, the definitions always (same sizes).
   */
  const layers = (model: Model): unknown[] => {
    const shaping = ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'epsilon', 'axis'];
    const described = model.graph.nodes.map((n: Node) => [n.name, n.op, Object.fromEntries(shaping.filter((k) => k in n.attrs).map((k) => [k, n.attrs[k]!.value]))] as const);
    return described.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  };

  for (const [name, file] of Object.entries(PROTOTXTS)) {
    it(name, () => {
      const entry = modelEntry(name);
      const ours = entry.build();
      const caffe = readCaffe(readFileSync(file, 'utf8'), { inputShapes: { [entry.input.name]: entry.input.shape } });
      expect(layers(ours)).toEqual(layers(caffe));
      const [a, b] = [analyzeModel(ours), analyzeModel(caffe)];
      expect({ params: a.params, macs: a.macs }).toEqual({ params: b.params, macs: b.macs });
      expect(ours.graph.outputs.map((o) => o.name)).toEqual(caffe.graph.outputs.map((o) => o.name));
    });
  }
});

describe('modelInfo', () => {
  it('describes a network with the engine-counted figures', () => {
    const info = modelInfo('human-pose-estimation-0001');
    expect(info).toMatchObject({
      name: 'human-pose-estimation-0001',
      params: 4_098_674,
      gflops: 15.372,
      input: { name: 'data', shape: [1, 3, 256, 456], colorOrder: 'BGR', mean: [128, 128, 128], scale: [256, 256, 256] },
      decoder: 'openpose',
    });
    expect(info.outputs.map((o) => o.name)).toEqual(['Mconv7_stage2_L1', 'Mconv7_stage2_L2']);
    expect(info.keypoints).toHaveLength(18);
    expect(info.source[0]).toMatch(/^https:\/\/storage\.openvinotoolkit\.org\//);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });

  it('lists every network and refuses an unknown name', () => {
    expect(modelNames()).toEqual([
      'human-pose-estimation-0001', 'human-pose-estimation-3d-0001', 'single-human-pose-estimation-0001',
      'openpose-coco', 'bodyposenet', 'hrnet-w32',
    ]);
    expect(() => modelInfo('resnet')).toThrow(InputError);
    expect(() => modelInfo('resnet')).toThrow(/unknown model 'resnet'; models: human-pose-estimation-0001/);
  });

  it('gives keypoint lists that match the output channels', () => {
    const channels = (entry: ModelEntry, name: string): number => entry.outputs.find((o) => o.name === name)!.shape[1]!;
    // Top-down heatmap networks: one heatmap per keypoint.
    expect(channels(modelEntry('hrnet-w32'), 'heatmaps')).toBe(modelEntry('hrnet-w32').keypoints.length);
    expect(channels(modelEntry('single-human-pose-estimation-0001'), 'heatmaps')).toBe(17);
    // OpenPose-style networks: 18 keypoints + background heatmaps.
    expect(modelEntry('human-pose-estimation-0001').keypoints).toHaveLength(18);
    expect(channels(modelEntry('human-pose-estimation-0001'), 'Mconv7_stage2_L2')).toBe(19);
    expect(channels(modelEntry('bodyposenet'), 'heatmaps')).toBe(19);
    // The 3D network: 19 Panoptic joints, three coordinate maps each.
    const pose3d = modelEntry('human-pose-estimation-3d-0001');
    expect(pose3d.keypoints).toHaveLength(19);
    expect(channels(pose3d, 'features')).toBe(3 * 19);
  });
});
