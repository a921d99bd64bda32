// The seed networks: each definition with what it takes (input name, size, channel order and
// normalisation), what it gives (outputs, keypoint order, decoder), where its real weights are
// published and the figures its model card states. They are entries of the one model
// catalogue, src/pipeline/catalogue.ts, beside the trained TFJS models.
import { analyzeModel } from '../nn/analysis.js';
import { InputError } from '../nn/errors.js';
import type { Model } from '../nn/graph.js';
import { COCO_KEYPOINTS, OPENPOSE_KEYPOINTS } from '../decode/pose.js';
import { PANOPTIC_KEYPOINTS } from '../decode/pose3d.js';
import { bodyPoseNet } from './bodyposenet.js';
import { hrnetW32 } from './hrnet-w32.js';
import { humanPoseEstimation0001 } from './human-pose-estimation-0001.js';
import { humanPoseEstimation3d0001 } from './human-pose-estimation-3d-0001.js';
import { openposeCoco } from './openpose-coco.js';
import { singleHumanPoseEstimation0001 } from './single-human-pose-estimation-0001.js';

/** Options of the definitions: every one takes seed, height and width. */
export interface NetworkOptions {
  /** Seed of the generated weights (default 1). */
  seed?: number;
  height?: number;
  width?: number;
  /** Refinement stages, for the networks that take it (single-human-pose-estimation-0001, bodyposenet). */
  refinementStages?: number;
}

export interface ModelInput {
  name: string;
  shape: [number, number, number, number];
  /** Order of the tensor's channels. */
  colorOrder: 'RGB' | 'BGR';
  /** Per tensor channel, in colorOrder: value = (pixel - mean) / scale. */
  mean: [number, number, number];
  scale: [number, number, number];
}

export interface ModelOutput {
  name: string;
  shape: number[];
  /** What the channels hold. */
  content: string;
}

export interface ModelCard {
  /** Parameters as published. */
  params: number;
  /** Compute as published, in the unit `flopsCount` says. */
  gflops: number;
  /**
   * 'flops': 2 per multiply-add, / 1e9 (Open Model Zoo); 'multiply-adds-gib': multiply-adds
   * / 2^30, which the HRNet code prints as "GFLOPs".
   */
  flopsCount: 'flops' | 'multiply-adds-gib';
  /** Where the figures come from, and how they relate to this definition. */
  origin: string;
  /** Options under which this definition reproduces the figures, where the defaults do not. */
  countedWith?: NetworkOptions;
}

export type DecoderKind = 'openpose' | 'heatmap' | 'pose3d';

export interface ModelEntry {
  name: string;
  build: (options?: NetworkOptions) => Model;
  input: ModelInput;
  outputs: ModelOutput[];
  keypoints: readonly string[];
  decoder: DecoderKind;
  /** Where the real weights are published. */
  source: string[];
  /** Published figures; undefined where none are published. */
  card?: ModelCard;
}

const IMAGENET_MEAN: [number, number, number] = [123.675, 116.28, 103.53];
const IMAGENET_SCALE: [number, number, number] = [58.395, 57.12, 57.375];
const OMZ = 'https://storage.openvinotoolkit.org/repositories/open_model_zoo';

export const MODELS: readonly ModelEntry[] = [
  {
    name: 'human-pose-estimation-0001',
    build: humanPoseEstimation0001,
    // The original Caffe network takes (BGR - 128) / 256, as Osokin's Lightweight OpenPose
    // (img_mean 128, img_scale 1/256); the OMZ demos pad with 128 (the deployed IR normalises inside).
    input: { name: 'data', shape: [1, 3, 256, 456], colorOrder: 'BGR', mean: [128, 128, 128], scale: [256, 256, 256] },
    outputs: [
      { name: 'Mconv7_stage2_L1', shape: [1, 38, 32, 57], content: 'part affinity fields: 19 limbs x (x, y)' },
      { name: 'Mconv7_stage2_L2', shape: [1, 19, 32, 57], content: 'heatmaps: 18 keypoints + background' },
    ],
    keypoints: OPENPOSE_KEYPOINTS,
    decoder: 'openpose',
    source: [
      `${OMZ}/2023.0/models_bin/1/human-pose-estimation-0001/FP32/human-pose-estimation-0001.xml`,
      `${OMZ}/2023.0/models_bin/1/human-pose-estimation-0001/FP32/human-pose-estimation-0001.bin`,
      `${OMZ}/2023.0/models_bin/1/human-pose-estimation-0001/FP16/human-pose-estimation-0001.xml`,
      `${OMZ}/2023.0/models_bin/1/human-pose-estimation-0001/FP16/human-pose-estimation-0001.bin`,
    ],
    card: { params: 4.099e6, gflops: 15.435, flopsCount: 'flops', origin: 'Open Model Zoo model card' },
  },
  {
    name: 'human-pose-estimation-3d-0001',
    build: humanPoseEstimation3d0001,
    // model.yml: Model Optimizer --mean_values 128 --scale_values 255, no channel reversal.
    input: { name: 'data', shape: [1, 3, 256, 448], colorOrder: 'BGR', mean: [128, 128, 128], scale: [255, 255, 255] },
    outputs: [
      { name: 'features', shape: [1, 57, 32, 56], content: '3D coordinates: 19 joints x (x, y, z) maps' },
      { name: 'heatmaps', shape: [1, 19, 32, 56], content: 'heatmaps: 18 keypoints + background' },
      { name: 'pafs', shape: [1, 38, 32, 56], content: 'part affinity fields: 19 limbs x (x, y)' },
    ],
    keypoints: PANOPTIC_KEYPOINTS,
    decoder: 'pose3d',
    source: [
      `${OMZ}/public/2022.1/human-pose-estimation-3d-0001/human-pose-estimation-3d.tar.gz`,
      'https://download.01.org/opencv/openvino_training_extensions/models/human_pose_estimation/human-pose-estimation-3d.tar.gz',
    ],
    card: {
      params: 5.074e6,
      gflops: 18.998,
      flopsCount: 'flops',
      origin: 'Open Model Zoo model card; its GFLOPs are those of a 256x456 input (18.58 at the documented 256x448)',
      countedWith: { width: 456 },
    },
  },
  {
    name: 'single-human-pose-estimation-0001',
    build: singleHumanPoseEstimation0001,
    input: { name: 'data', shape: [1, 3, 384, 288], colorOrder: 'RGB', mean: IMAGENET_MEAN, scale: IMAGENET_SCALE },
    outputs: [
      ...[0, 1, 2, 3, 4].map((i) => ({ name: `heatmaps${i}`, shape: [1, 17, 48, 36], content: `heatmaps of stage ${i} (training supervision)` })),
      { name: 'heatmaps', shape: [1, 17, 48, 36], content: 'heatmaps: 17 COCO keypoints (the last stage: use this one)' },
    ],
    keypoints: COCO_KEYPOINTS,
    decoder: 'heatmap',
    source: [
      `${OMZ}/public/2022.1/single-human-pose-estimation-0001/single-human-pose-estimation-0001.tar.gz`,
      'https://download.01.org/opencv/openvino_training_extensions/models/human_pose_estimation/single-human-pose-estimation-0001.tar.gz',
    ],
    card: {
      params: 33.165e6,
      gflops: 60.125,
      flopsCount: 'flops',
      origin: 'Open Model Zoo model card; its figures are those of four refinement stages, the published network has five (40.56 M parameters, 71.85 GFLOPs)',
      countedWith: { refinementStages: 4 },
    },
  },
  {
    name: 'openpose-coco',
    build: openposeCoco,
    // OpenPose feeds BGR / 256 - 0.5.
    input: { name: 'image', shape: [1, 3, 368, 368], colorOrder: 'BGR', mean: [128, 128, 128], scale: [256, 256, 256] },
    outputs: [
      { name: 'net_output', shape: [1, 57, 46, 46], content: 'channels 0-18 heatmaps (18 keypoints + background), 19-56 part affinity fields (19 limbs x (x, y))' },
    ],
    keypoints: OPENPOSE_KEYPOINTS,
    decoder: 'openpose',
    source: [
      'http://posefs1.perception.cs.cmu.edu/OpenPose/models/pose/coco/pose_iter_440000.caffemodel',
      'https://github.com/CMU-Perceptual-Computing-Lab/openpose/blob/master/models/pose/coco/pose_deploy_linevec.prototxt',
    ],
    card: {
      params: 52.31e6,
      gflops: 271.87,
      flopsCount: 'flops',
      origin: 'parameters: CMU OpenPose (52.31 M); GFLOPs: this definition at the 368x368 input (no figure is published)',
    },
  },
  {
    name: 'bodyposenet',
    build: bodyPoseNet,
    // Assumed (see bodyposenet.ts): RGB, x / 256 - 0.5.
    input: { name: 'input', shape: [1, 3, 288, 384], colorOrder: 'RGB', mean: [128, 128, 128], scale: [256, 256, 256] },
    outputs: [
      { name: 'heatmaps', shape: [1, 19, 36, 48], content: 'heatmaps: 18 keypoints + background' },
      { name: 'pafs', shape: [1, 38, 36, 48], content: 'part affinity fields: 19 limbs x (x, y)' },
    ],
    keypoints: OPENPOSE_KEYPOINTS,
    decoder: 'openpose',
    source: ['https://catalog.ngc.nvidia.com/orgs/nvidia/teams/tao/models/bodyposenet'],
  },
  {
    name: 'hrnet-w32',
    build: hrnetW32,
    input: { name: 'input', shape: [1, 3, 256, 192], colorOrder: 'RGB', mean: IMAGENET_MEAN, scale: IMAGENET_SCALE },
    outputs: [{ name: 'heatmaps', shape: [1, 17, 64, 48], content: 'heatmaps: 17 COCO keypoints' }],
    keypoints: COCO_KEYPOINTS,
    decoder: 'heatmap',
    source: ['https://github.com/leoxiaobin/deep-high-resolution-net.pytorch (model zoo: pose_coco/pose_hrnet_w32_256x192.pth)'],
    card: {
      params: 28.5e6,
      gflops: 7.1,
      flopsCount: 'multiply-adds-gib',
      origin: 'HRNet paper (CVPR 2019); its GFLOPs are multiply-adds / 2^30 (7.645 G multiply-adds, 15.29 GFLOPs at 2 per multiply-add)',
    },
  },
];

export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

export function modelEntry(name: string): ModelEntry {
  const entry = MODELS.find((m) => m.name === name);
  if (entry === undefined) throw new InputError(`unknown model '${name}'; models: ${modelNames().join(', ')}`);
  return entry;
}

/** What `npx wasmpose models --json` prints for one network. */
export interface ModelInfo {
  name: string;
  /** Parameters of the definition at its default input, counted by analyzeModel. */
  params: number;
  /** GFLOPs (2 per multiply-add) at the default input, counted by analyzeModel. */
  gflops: number;
  input: ModelInput;
  outputs: ModelOutput[];
  keypoints: string[];
  decoder: DecoderKind;
  source: string[];
}

const infoCache = new Map<string, ModelInfo>();

/**
 * The network's description with its parameter and compute counts. Counting builds the network
 * (with generated weights) once per name; the result is cached.
 */
export function modelInfo(name: string): ModelInfo {
  const cached = infoCache.get(name);
  if (cached !== undefined) return cached;
  const entry = modelEntry(name);
  const analysis = analyzeModel(entry.build());
  const info: ModelInfo = {
    name: entry.name,
    params: analysis.params,
    gflops: Math.round(analysis.gflops * 1000) / 1000,
    input: entry.input,
    outputs: entry.outputs,
    keypoints: [...entry.keypoints],
    decoder: entry.decoder,
    source: entry.source,
  };
  infoCache.set(name, info);
  return info;
}
