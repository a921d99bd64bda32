// Golden through conversion: each seed network, with seeded weights, written as OpenVINO IR
// (FP32 and compressed FP16) and as Caffe prototxt + caffemodel. For every file, what
// `wasmpose convert` makes of it (loadModel + writeOnnx, run here through the command itself)
// run by onnxruntime-node must match the engine running the file directly, within
// 1e-4 x max(1, max |ort|).
//
// FP16 tolerance. Compressed IR rounds every weight to half precision: relative error at most
// u = 2^-11 per weight (round to nearest, 10 fraction bits). A weighted layer y = sum w_i x_i
// then moves by at most u * sum |w_i x_i|, i.e. about u relative to its output scale, and these
// first-order perturbations add up along the network's path: the FP16 file against the FP32
// original is held to depth x 2^-11 x max(1, max |fp32|), depth being the number of weighted
// layers (Conv, ConvTranspose, Gemm, MatMul, BatchNormalization) on the longest input-to-output
// path. (The seeded weights keep each layer's gain near 1, so relative errors neither grow nor
// shrink much from layer to layer; the measured errors are printed.) The FP16 file's own
// conversion is still held to 1e-4 against the engine: both decompress the same half weights.
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { convertCommand } from '../src/cli/commands/convert.js';
import { MODELS, type NetworkOptions } from '../src/models/registry.js';
import { UnsupportedOpError } from '../src/nn/errors.js';
import { writeCaffe } from '../src/nn/formats/caffe/writer.js';
import { loadModelFile } from '../src/nn/formats/load-file.js';
import { writeOpenVino } from '../src/nn/formats/openvino/writer.js';
import type { Model } from '../src/nn/graph.js';
import { toFloat32, type Tensor } from '../src/nn/tensor.js';
import { expectClose, randomTensor, runEngine, seededRandom } from './support/harness.js';

/** Small inputs keep the file fast; every layer of every network still runs. */
const TEST_SIZES: Record<string, [number, number]> = {
  'human-pose-estimation-0001': [64, 96],
  'human-pose-estimation-3d-0001': [64, 96],
  'single-human-pose-estimation-0001': [64, 64],
  'openpose-coco': [48, 48],
  bodyposenet: [48, 64],
  'hrnet-w32': [64, 64],
};

/** One refinement stage instead of the published five (bodyposenet, single-human): every layer kind still runs. */
const FEWER_STAGES: Record<string, NetworkOptions> = {
  'single-human-pose-estimation-0001': { refinementStages: 1 },
  bodyposenet: { refinementStages: 1 },
};

type FileKind = 'IR FP32' | 'IR FP16' | 'Caffe';
const ALL_KINDS: FileKind[] = ['IR FP32', 'IR FP16', 'Caffe'];
/**
 * The large networks cost seconds per file (writing, ORT's parse, the engine's weight packing)
 * whatever the input size: openpose-coco (52 M parameters) and hrnet-w32 (28.5 M), and
 * single-human-pose-estimation-0001 and bodyposenet even with one stage. By default each is
 * written in one form (the two smaller networks cover all three forms); WASMPOSE_GOLDEN_ALL=1
 * writes every network in every form.
 */
const LARGE_NETWORK_KINDS: Record<string, FileKind[]> = {
  'openpose-coco': ['Caffe'],
  'single-human-pose-estimation-0001': ['IR FP32'],
  bodyposenet: ['IR FP32'],
  'hrnet-w32': ['Caffe'],
};
const ALL_FORMS = process.env['WASMPOSE_GOLDEN_ALL'] === '1';
/** Below this many parameters a file is cheap enough to also compare against the original network. */
const SMALL_NETWORK_PARAMS = 10e6;

const HALF_UNIT_ROUNDOFF = 2 ** -11;
const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'BatchNormalization']);

/** Weighted layers on the longest path from an input to an output. */
function weightedDepth(model: Model): number {
  const depth = new Map<string, number>();
  for (const node of model.graph.nodes) {
    const d = Math.max(0, ...node.inputs.map((v) => depth.get(v) ?? 0)) + (WEIGHTED.has(node.op) ? 1 : 0);
    for (const o of node.outputs) depth.set(o, d);
  }
  return Math.max(...model.graph.outputs.map((o) => depth.get(o.name) ?? 0));
}

function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): { error: number; scale: number } {
  let error = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    error = Math.max(error, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { error, scale };
}

async function runOrtFile(onnxPath: string, feeds: Record<string, Tensor>): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(readFileSync(onnxPath), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  const results = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor('float32', toFloat32(t), [...t.shape])])));
  await session.release();
  return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.data as Float32Array]));
}

/** `wasmpose convert <file> --out <file>.onnx`, with its console line kept out of the test log. */
async function convert(path: string): Promise<string> {
  const out = `${path}.onnx`;
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(await convertCommand([path, '--out', out])).toBe(0);
  } finally {
    log.mockRestore();
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'wasmpose-golden-conversion-'));
const report: string[] = [];

function writeFiles(model: Model, kind: FileKind, base: string): string {
  if (kind === 'Caffe') {
    const { prototxt, caffemodel } = writeCaffe(model);
    writeFileSync(`${base}.prototxt`, prototxt);
    writeFileSync(`${base}.caffemodel`, caffemodel);
    return `${base}.prototxt`;
  }
  const { xml, bin } = writeOpenVino(model, { precision: kind === 'IR FP16' ? 'FP16' : 'FP32' });
  if (kind === 'IR FP16') expect(xml).toContain('element_type="f16"');
  writeFileSync(`${base}.xml`, xml);
  writeFileSync(`${base}.bin`, bin);
  return `${base}.xml`;
}

describe('seed networks through IR and Caffe files: ORT on the converted ONNX vs the engine on the file', () => {
  if (!ALL_FORMS) console.warn(`golden-conversion: ${Object.entries(LARGE_NETWORK_KINDS).map(([n, k]) => `${n} only as ${k.join(', ')}`).join('; ')} (WASMPOSE_GOLDEN_ALL=1 for every form)`);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(['| network | file | outputs | max error ORT vs engine | vs original, relative (bound) |', '| --- | --- | --- | --- | --- |', ...report].join('\n'));
  });

  for (const entry of MODELS) {
    const [height, width] = TEST_SIZES[entry.name] ?? [64, 64];
    const model = entry.build({ seed: 3, height, width, ...FEWER_STAGES[entry.name] });
    const params = [...model.graph.initializers.values()].reduce((n, t) => n + t.data.length, 0);
    const feeds = { [entry.input.name]: randomTensor([1, 3, height, width], seededRandom(17)) };
    let original: Promise<Record<string, Float32Array | Int32Array>> | undefined;
    const originalOutputs = () => (original ??= runEngine(model, feeds));
    const kinds = ALL_FORMS ? ALL_KINDS : LARGE_NETWORK_KINDS[entry.name] ?? ALL_KINDS;

    describe(`${entry.name} ${height}x${width}`, () => {
      for (const kind of kinds) {
        // FP16 against the FP32 original: depth x 2^-11 (see the header); the other files hold
        // the same float32 weights, so they compute the original network to 1e-4.
        const vsOriginal = kind === 'IR FP16' ? weightedDepth(model) * HALF_UNIT_ROUNDOFF : params < SMALL_NETWORK_PARAMS ? 1e-4 : undefined;
        it(kind, async (ctx) => {
          let path: string;
          try {
            path = writeFiles(model, kind, join(dir, `${entry.name}-${kind.replace(' ', '-')}`));
          } catch (e) {
            if (!(e instanceof UnsupportedOpError)) throw e;
            // The Caffe writer refuses what Caffe cannot express exactly; say which layer and why.
            console.warn(`${entry.name}: no ${kind} form: ${e.message}`);
            report.push(`| ${entry.name} | ${kind} | refused: ${e.message} | | |`);
            ctx.skip();
            return;
          }
          const onnxPath = await convert(path);
          const golden = await runOrtFile(onnxPath, feeds);
          const engine = await runEngine(loadModelFile(path), feeds);
          // The files of the large networks run to hundreds of MB: gone once read.
          for (const f of [path, onnxPath, path.replace(/\.xml$/, '.bin'), path.replace(/\.prototxt$/, '.caffemodel')]) rmSync(f, { force: true });
          const names = Object.keys(golden);
          expect(names.length).toBeGreaterThan(0);
          let worst = 0;
          let worstOriginal = 0;
          for (const name of names) {
            expectClose(engine[name]!, golden[name]!, 1e-4, `${entry.name} ${kind} ${name}`);
            worst = Math.max(worst, maxAbsError(engine[name]!, golden[name]!).error);
          }
          if (vsOriginal !== undefined) {
            const reference = await originalOutputs();
            for (const name of names) {
              const { error, scale } = maxAbsError(engine[name]!, reference[name]!);
              worstOriginal = Math.max(worstOriginal, error / scale);
              expectClose(engine[name]!, reference[name]!, vsOriginal, `${entry.name} ${kind} ${name} vs the original network`);
            }
          }
          const versus = vsOriginal === undefined ? 'not compared' : `${worstOriginal.toExponential(2)} (${vsOriginal.toExponential(2)})`;
          report.push(`| ${entry.name} ${height}x${width} | ${kind} | ${names.join(', ')} | ${worst.toExponential(2)} | ${versus} |`);
        }, 120_000);
      }
    });
  }
});
