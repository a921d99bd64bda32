// The pose pipeline around the engine: square crops and their inverse maps, the estimator's
// top-down / bottom-up flows on scripted network outputs, createEstimator's names and errors,
// and the estimate / demo / models / eval commands on the embedded default model.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { COCO_KEYPOINTS } from '../src/decode/pose.js';
import { decodeImage } from '../src/image/codec.js';
import { encodePng } from '../src/image/png-encode.js';
import { humanPoseEstimation0001 } from '../src/models/human-pose-estimation-0001.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { createImage, type RgbImage } from '../src/image/image.js';
import { MODELS } from '../src/models/registry.js';
import { InputError, WeightsError } from '../src/nn/errors.js';
import { seedNetworkSpec } from '../src/pipeline/catalogue.js';
import { createEstimator, DEFAULT_BOXES_FROM, DEFAULT_MODEL, estimatorNames } from '../src/pipeline/create.js';
import { PoseEstimator } from '../src/pipeline/estimator.js';
import type { InferenceRunner, RunnerOutput } from '../src/pipeline/runner.js';
import { embeddedModelPath } from '../src/pipeline/model-files.js';
import { boxRegion, letterboxRegion } from '../src/image/geometry.js';
import { squareInput } from '../src/pipeline/preprocess.js';
import { findTfjsModel, TFJS_MODELS } from '../src/pipeline/tfjs-models.js';

const repoRoot = resolve(import.meta.dirname, '..');
const samplePhoto = join(repoRoot, 'weights/sample/000000000785.jpg');

/** A runner that records its input and answers with fixed outputs. */
class ScriptedRunner implements InferenceRunner {
  inputs: (Float32Array | Int32Array)[] = [];
  constructor(private readonly outputs: Record<string, RunnerOutput>) {}
  run(feeds: Record<string, Float32Array | Int32Array>): Record<string, RunnerOutput> {
    this.inputs.push(...Object.values(feeds));
    return this.outputs;
  }
  dispose(): void {}
}

/** MoveNet single-pose output with every keypoint at normalised (x, y), score 0.9. */
function moveNetSingle(x: number, y: number): RunnerOutput {
  const data = new Float32Array(51);
  for (let k = 0; k < 17; k++) data.set([y, x, 0.9], k * 3);
  return { shape: [1, 1, 17, 3], data };
}

/** An image with one white pixel at (x, y). */
function dotImage(width: number, height: number, x: number, y: number): RgbImage {
  const image = createImage(width, height);
  image.data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return image;
}

describe('square crops', () => {
  const thunder = findTfjsModel('movenet-thunder')!.spec;
  const posenet = findTfjsModel('posenet')!.spec;

  it('letterboxes to a centred square', () => {
    expect(letterboxRegion({ width: 640, height: 425 })).toEqual({ left: 0, top: -107.5, side: 640 });
    expect(letterboxRegion({ width: 300, height: 400 })).toEqual({ left: -50, top: 0, side: 400 });
  });

  it('crops 1.25 x the longer side around a box', () => {
    const region = boxRegion({ xMin: 100, yMin: 50, width: 80, height: 200 });
    expect(region.side).toBe(250);
    // The box covers edges [99.5, 180.5] x [49.5, 250.5]: centre (140.5, 150.5) in edges.
    expect(region.left + region.side / 2).toBeCloseTo(140.5, 10);
    expect(region.top + region.side / 2).toBeCloseTo(150.5, 10);
    expect(() => boxRegion({ xMin: 0, yMin: 0, width: 0, height: 0 })).toThrow(InputError);
  });

  it('maps input pixels back onto the photo exactly', () => {
    // 512 x 256 photo into 256 x 256: 2 photo pixels per input pixel. Photo pixels (100, 60) and
    // (101, 61) average into input pixel (50, 30 + 64), whose centre is photo (100.5, 60.5).
    const image = createImage(512, 256);
    for (const [x, y] of [[100, 60], [101, 60], [100, 61], [101, 61]] as const) image.data.fill(200, (y * 512 + x) * 3, (y * 512 + x) * 3 + 3);
    const input = squareInput(image, letterboxRegion(image), thunder);
    expect(input.tensor.data).toBeInstanceOf(Int32Array);
    const at = (x: number, y: number): number => input.tensor.data[(y * 256 + x) * 3]! as number;
    expect(at(50, 94)).toBe(200);
    expect(input.transform.toImage(50, 94)).toEqual([100.5, 60.5]);
    expect(input.normalizedToImage(50.5 / 256, 94.5 / 256)).toEqual([100.5, 60.5]);
    // The padding rows above the photo are black.
    expect(at(10, 10)).toBe(0);
  });

  it('normalises float inputs to [-1, 1] (PoseNet) and keeps int32 pixels whole (MoveNet)', () => {
    const image = dotImage(64, 64, 10, 20);
    const float = squareInput(image, { left: 0, top: 0, side: 64 }, { ...posenet, input: { ...posenet.input, width: 64, height: 64 } });
    expect(float.tensor.data).toBeInstanceOf(Float32Array);
    expect(float.tensor.data[(20 * 64 + 10) * 3]).toBe(1);
    expect(float.tensor.data[0]).toBe(-1);
    const int = squareInput(image, { left: 0, top: 0, side: 64 }, { ...thunder, input: { ...thunder.input, width: 64, height: 64 } });
    expect(int.tensor.data[(20 * 64 + 10) * 3]).toBe(255);
  });
});

describe('PoseEstimator on scripted outputs', () => {
  const thunder = findTfjsModel('movenet-thunder')!.spec;
  const multipose = findTfjsModel('movenet-multipose')!.spec;

  it('maps a single-person pose from the letterboxed photo, and from each given box', async () => {
    const runner = new ScriptedRunner({ Identity: moveNetSingle(0.5, 0.5) });
    const estimator = PoseEstimator.fromRunner(thunder, runner);
    const image = createImage(640, 425);
    const [pose] = await estimator.estimate(image);
    // Normalised (0.5, 0.5) is the centre of the square: photo edge (320, 212.5), pixel (319.5, 212).
    expect(pose!.keypoints[0]).toMatchObject({ x: 319.5, y: 212, name: 'nose' });
    expect(pose!.keypoints.map((k) => k.name)).toEqual([...COCO_KEYPOINTS]);
    expect(runner.inputs[0]!.length).toBe(256 * 256 * 3);

    const boxes = [
      { xMin: 10, yMin: 20, xMax: 110, yMax: 220, width: 100, height: 200 },
      { xMin: 300, yMin: 100, xMax: 340, yMax: 180, width: 40, height: 80 },
    ];
    const poses = await estimator.estimate(image, { boxes });
    expect(poses).toHaveLength(2);
    expect(poses[0]!.keypoints[5]!.x).toBeCloseTo(60, 10);
    expect(poses[0]!.keypoints[5]!.y).toBeCloseTo(120, 10);
    expect(poses[1]!.box).toEqual(boxes[1]);
    expect(estimator.timings.infer).toBeGreaterThanOrEqual(0);
  });

  it('drops a low-scoring pose on the whole photo but keeps it in a given box', async () => {
    const output = moveNetSingle(0.5, 0.5);
    for (let k = 0; k < 17; k++) output.data[k * 3 + 2] = 0.1;
    const estimator = PoseEstimator.fromRunner(thunder, new ScriptedRunner({ Identity: output }));
    const image = createImage(100, 100);
    expect(await estimator.estimate(image)).toEqual([]);
    expect(await estimator.estimate(image, { boxes: [{ xMin: 0, yMin: 0, xMax: 50, yMax: 50, width: 50, height: 50 }] })).toHaveLength(1);
  });

  it('runs a single-person model on the boxes of a multi-person detector', async () => {
    // MultiPose: one person with its box at normalised [0.25, 0.75] on a 400 x 400 photo.
    const people = new Float32Array(6 * 56);
    for (let k = 0; k < 17; k++) people.set([0.5, 0.5, 0.8], k * 3);
    people.set([0.25, 0.25, 0.75, 0.75, 0.9], 51);
    const detector = PoseEstimator.fromRunner(multipose, new ScriptedRunner({ output_0: { shape: [1, 6, 56], data: people } }));
    const single = new ScriptedRunner({ Identity: moveNetSingle(0.5, 0.5) });
    const estimator = PoseEstimator.fromRunner(thunder, single, detector);
    const poses = await estimator.estimate(createImage(400, 400));
    expect(poses).toHaveLength(1);
    expect(single.inputs).toHaveLength(1);
    expect(poses[0]!.box!.xMin).toBeCloseTo(99.5, 10);
    expect(poses[0]!.box!.xMax).toBeCloseTo(299.5, 10);
  });

  it('refuses a spec without the outputs its decoder reads', () => {
    expect(() => PoseEstimator.fromRunner({ ...thunder, outputs: {} }, new ScriptedRunner({}))).toThrow(/poses/);
  });
});

describe('createEstimator', () => {
  it('knows the TFJS models and the seed networks', () => {
    expect(estimatorNames()).toEqual(expect.arrayContaining(['movenet-lightning', 'movenet-thunder', 'movenet-multipose', 'posenet', 'efficientpose', ...MODELS.map((m) => m.name)]));
  });

  it('rejects an unknown name, a seed network without weights, and single-person box sources', async () => {
    await expect(createEstimator('nope')).rejects.toThrow(InputError);
    const missing = createEstimator('hrnet-w32');
    await expect(missing).rejects.toThrow(WeightsError);
    await expect(createEstimator('hrnet-w32')).rejects.toThrow(/npx wasmpose fetch hrnet-w32.*--weights/s);
    await expect(createEstimator('movenet-thunder', { boxesFrom: 'movenet-lightning' })).rejects.toThrow(/single-person/);
  });

  it('maps every seed network onto the outputs its decoder reads', () => {
    for (const entry of MODELS) {
      const spec = seedNetworkSpec(entry);
      expect(spec.outputs.heatmaps, entry.name).toBeDefined();
      if (entry.decoder !== 'heatmap') expect(spec.outputs.pafs, entry.name).toBeDefined();
      if (entry.decoder === 'pose3d') expect(spec.outputs.features, entry.name).toBeDefined();
      if (entry.decoder !== 'heatmap') expect(spec.stride, entry.name).toBe(8);
    }
    expect(seedNetworkSpec(MODELS.find((m) => m.name === 'openpose-coco')!).outputs).toEqual({ heatmaps: 'net_output', pafs: 'net_output' });
  });

  it('embeds the default model and its box source in the package', () => {
    expect(embeddedModelPath(DEFAULT_MODEL)).toBe(join(repoRoot, 'weights', DEFAULT_MODEL, 'model.json'));
    expect(embeddedModelPath(DEFAULT_BOXES_FROM)).toBeDefined();
    expect(TFJS_MODELS.some((m) => m.spec.name === DEFAULT_MODEL)).toBe(true);
    expect(existsSync(samplePhoto)).toBe(true);
  });
});

describe('CLI: estimate, demo, models, eval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmpose-estimate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    try {
      return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  it('estimate runs the embedded default with no flags and writes OpenPose JSON and an overlay', async () => {
    const json = join(dir, 'out.json');
    const png = join(dir, 'out.png');
    const { code, out } = await run(['estimate', samplePhoto, '--json', json, '--render', png]);
    expect(code).toBe(0);
    expect(out).toMatch(/1 person/);
    expect(out).toMatch(/decode image [\d.]+ ms, preprocess [\d.]+ ms, infer [\d.]+ ms, postprocess [\d.]+ ms, render [\d.]+ ms/);
    const people = JSON.parse(readFileSync(json, 'utf8')) as { people: { pose_keypoints_2d: number[] }[] };
    expect(people.people).toHaveLength(1);
    // The skier's nose is near (370, 78) in the photo.
    const [x, y] = people.people[0]!.pose_keypoints_2d;
    expect(Math.hypot(x! - 370, y! - 78)).toBeLessThan(15);
    expect(decodeImage(readFileSync(png))).toMatchObject({ width: 640, height: 425 });
  }, 120_000);

  it('demo writes wasmpose-demo.png and .json', async () => {
    const { code } = await run(['demo', '--out', dir]);
    expect(code).toBe(0);
    const demo = JSON.parse(readFileSync(join(dir, 'wasmpose-demo.json'), 'utf8')) as { poses: unknown[] };
    expect(demo.poses).toHaveLength(1);
    expect(existsSync(join(dir, 'wasmpose-demo.png'))).toBe(true);
  }, 120_000);

  it('estimate runs a seed network from --weights over a folder of JPEG and PNG, to COCO JSON and overlays', async () => {
    // Seeded weights: the poses mean nothing; this checks the path from files to files.
    const weights = join(dir, 'hpe-0001.onnx');
    writeFileSync(weights, writeOnnx(humanPoseEstimation0001()));
    const photos = join(dir, 'photos');
    mkdirSync(photos);
    writeFileSync(join(photos, 'a.jpg'), readFileSync(samplePhoto));
    writeFileSync(join(photos, 'b.png'), encodePng(decodeImage(readFileSync(samplePhoto))));
    const json = join(dir, 'coco.json');
    const renders = join(dir, 'renders');
    const { code, out } = await run(['estimate', photos, '--model', 'human-pose-estimation-0001', '--weights', weights, '--format', 'coco', '--json', json, '--render', renders]);
    expect(code, out).toBe(0);
    const results = JSON.parse(readFileSync(json, 'utf8')) as { image_id: number; category_id: number; keypoints: number[] }[];
    for (const r of results) {
      expect(r.category_id).toBe(1);
      expect(r.keypoints).toHaveLength(51);
    }
    expect(readdirSync(renders).sort()).toHaveLength(2);
  }, 120_000);

  it('says where a seed network gets its weights', async () => {
    const { code, err } = await run(['estimate', samplePhoto, '--model', 'human-pose-estimation-0001']);
    expect(code).toBe(1);
    expect(err).toMatch(/storage\.openvinotoolkit\.org/);
    expect(err).toMatch(/npx wasmpose fetch human-pose-estimation-0001/);
    expect(err).toMatch(/--weights/);
  });

  it('models --json prints one object per model', async () => {
    const { code, out } = await run(['models', '--json']);
    expect(code).toBe(0);
    const infos = out.split('\n').map((line) => JSON.parse(line) as { name: string; params: number | null; decoder: string; input: { shape: number[] }; keypoints: string[] });
    expect(infos.map((i) => i.name)).toEqual(estimatorNames());
    const thunder = infos.find((i) => i.name === 'movenet-thunder')!;
    expect(thunder).toMatchObject({ decoder: 'movenet-single', input: { shape: [1, 256, 256, 3] } });
    expect(thunder.params).toBeGreaterThan(1e6);
    expect(thunder.keypoints).toEqual([...COCO_KEYPOINTS]);
  }, 120_000);

  const coco = resolve(repoRoot, '../shared/data/coco');
  it.skipIf(!existsSync(coco))('eval --json prints AP, AP50, AP75, AR, people, images', async () => {
    const { code, out } = await run(['eval', '--gt', join(coco, 'test_coco.json'), '--images', coco, '--model', 'movenet-lightning', '--json']);
    expect(code).toBe(0);
    const stats = JSON.parse(out) as Record<string, number | string>;
    expect(stats).toMatchObject({ model: 'movenet-lightning', boxes: 'gt', people: 12, images: 4 });
    expect(stats['AP']).toBeGreaterThan(0.55);
    // --baseline: a stored AP 0.05 above this one is a regression (exit 1), the same AP is not.
    const dir = mkdtempSync(join(tmpdir(), 'wasmpose-eval-baseline-'));
    try {
      const args = ['eval', '--gt', join(coco, 'test_coco.json'), '--images', coco, '--model', 'movenet-lightning'];
      writeFileSync(join(dir, 'higher.json'), JSON.stringify({ ...stats, AP: (stats['AP'] as number) + 0.05 }));
      const worse = await run([...args, '--baseline', join(dir, 'higher.json'), '--out', join(dir, 'now.json'), '--tracker', join(dir, 'tracker.json')]);
      expect(worse.code).toBe(1);
      expect(worse.out).toMatch(/against the baseline's .*: worse/);
      expect(JSON.parse(readFileSync(join(dir, 'now.json'), 'utf8'))).toMatchObject({ AP: stats['AP'] });
      expect(JSON.parse(readFileSync(join(dir, 'tracker.json'), 'utf8'))).toMatchObject([{ name: 'movenet-lightning COCO AP', unit: 'AP', value: stats['AP'] }]);
      expect((await run([...args, '--baseline', join(dir, 'now.json')])).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
