// One engine in a process of its own, driven by the `models` suite (bench/models.ts) over the IPC
// channel of child_process.fork: memory, threads and the engine's global state (ONNX Runtime
// Web's environment, TensorFlow.js' backend) stay apart from every other engine. The parent sends
// `load` once, then `run` as many times as it likes, then `finish`; every request gets one reply.
//
// What is measured here:
//   load     from the model bytes in memory to a ready session, the engine's own WebAssembly
//            or native initialisation included (the JavaScript module import is not)
//   run      one inference: inputs in, every output read back into JavaScript memory
//   peak     the process's maximum resident set (getrusage's ru_maxrss) minus its resident set
//            just before the engine was imported: the engine's code, weights, arena and any
//            transient peak while loading or running
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { seededFeeds } from '../src/nn/random.js';
import type { BenchFeed, EngineConfig, EngineLoader, EngineName, FeedSpec, LoadedEngine, ModelBytes, OutputData } from './engines/types.js';

/** Where the child finds the model: written by the parent, read here into memory before timing. */
export interface ModelFiles {
  onnxPath: string;
  /** For TFJS models: model.json, its weight shards beside it. */
  tfjsModelJsonPath?: string;
  inputs: FeedSpec[];
  seed: number;
}

export type ParentMessage =
  | { kind: 'load'; config: EngineConfig; model: ModelFiles }
  /** `summarize`: also reply with a summary of the outputs, computed after the timing. */
  | { kind: 'run'; summarize?: boolean }
  | { kind: 'finish' };

export type ChildMessage =
  | { kind: 'loaded'; loadMs: number; threads: number }
  | { kind: 'ran'; ms: number; outputs?: OutputSummary[] }
  | { kind: 'finished'; peakBytes: number }
  | { kind: 'failed'; message: string };

/** An output's element count and sum of absolute values: enough to tell engines that compute different things. */
export interface OutputSummary {
  elements: number;
  sumAbs: number;
}

/** Summaries in a canonical order, since engines list their outputs in different orders and under different names. */
function summarizeOutputs(outputs: OutputData[]): OutputSummary[] {
  return outputs
    .map((data) => {
      let sumAbs = 0;
      for (let i = 0; i < data.length; i++) sumAbs += Math.abs(Number(data[i]));
      return { elements: data.length, sumAbs };
    })
    .sort((a, b) => a.elements - b.elements || a.sumAbs - b.sumAbs);
}

const LOADERS: Record<EngineName, () => Promise<EngineLoader>> = {
  'wasmpose': async () => (await import('./engines/wasmpose.js')).loadWasmpose,
  'onnxruntime-web': async () => (await import('./engines/onnxruntime-web.js')).loadOnnxruntimeWeb,
  'onnxruntime-node': async () => (await import('./engines/onnxruntime-node.js')).loadOnnxruntimeNode,
  'tfjs-wasm': async () => (await import('./engines/tfjs-wasm.js')).loadTfjsWasm,
};

function readModelBytes(files: ModelFiles): ModelBytes {
  const onnx = readFileSync(files.onnxPath);
  if (files.tfjsModelJsonPath === undefined) return { onnx };
  const modelJson = readFileSync(files.tfjsModelJsonPath, 'utf8');
  const manifest = (JSON.parse(modelJson) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? [];
  const dir = dirname(files.tfjsModelJsonPath);
  const shards = new Map(manifest.flatMap((group) => group.paths).map((path) => [path, readFileSync(join(dir, path)) as Uint8Array]));
  return { onnx, tfjs: { modelJson, shards } };
}

let engine: LoadedEngine | undefined;
let rssBeforeEngine = 0;

async function handle(message: ParentMessage): Promise<ChildMessage> {
  switch (message.kind) {
    case 'load': {
      const bytes = readModelBytes(message.model);
      const feeds: BenchFeed[] = seededFeeds(message.model.inputs, message.model.seed);
      rssBeforeEngine = process.memoryUsage.rss();
      const load = await LOADERS[message.config.engine]();
      const start = performance.now();
      engine = await load(bytes, feeds, message.config);
      return { kind: 'loaded', loadMs: performance.now() - start, threads: engine.threads };
    }
    case 'run': {
      if (engine === undefined) throw new Error('run before load');
      const start = performance.now();
      const outputs = await engine.run();
      const ms = performance.now() - start;
      return message.summarize ? { kind: 'ran', ms, outputs: summarizeOutputs(outputs) } : { kind: 'ran', ms };
    }
    case 'finish': {
      // ru_maxrss is in KiB on Linux (Node reports it as the OS gives it).
      const peakBytes = process.resourceUsage().maxRSS * 1024 - rssBeforeEngine;
      await engine?.dispose();
      return { kind: 'finished', peakBytes };
    }
  }
}

/** Engines reject with Errors, and some (Emscripten aborts) with plain objects that carry a message. */
function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

function reply(message: ChildMessage, then?: () => void): void {
  process.send!(message, undefined, undefined, () => then?.());
}

process.on('message', (message: ParentMessage) => {
  handle(message).then(
    (result) => reply(result, result.kind === 'finished' ? () => process.exit(0) : undefined),
    (e: unknown) => reply({ kind: 'failed', message: describeError(e) }),
  );
});
