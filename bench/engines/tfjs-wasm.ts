// TensorFlow.js with its WebAssembly backend (XNNPACK), the TFJS graph model from model.json and
// its shards in memory. Under Node the backend runs on one thread: its threaded build starts
// Web Workers from Blob URLs, which Node cannot run, so multithreading is switched off up front.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { EngineLoader } from './types.js';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export const loadTfjsWasm: EngineLoader = async (model, feeds, config) => {
  if (model.tfjs === undefined) throw new Error('tfjs-backend-wasm runs TFJS graph models only');
  if (config.threads !== 1) throw new Error('tfjs-backend-wasm runs on one thread under Node');
  const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')), '/');
  setWasmPaths(wasmDir);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
  await tf.ready();

  const json = JSON.parse(model.tfjs.modelJson) as ModelJson;
  const shards = json.weightsManifest.flatMap((group) => group.paths.map((path) => {
    const bytes = model.tfjs!.shards.get(path);
    if (bytes === undefined) throw new Error(`weight shard '${path}' was not loaded`);
    return bytes;
  }));
  const weightData = new Uint8Array(shards.reduce((sum, s) => sum + s.length, 0));
  let at = 0;
  for (const s of shards) {
    weightData.set(s, at);
    at += s.length;
  }
  const graph = await loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weightData.buffer,
      format: 'graph-model',
    }),
  });
  return {
    threads: 1,
    run: async () => {
      const inputs = Object.fromEntries(feeds.map((f) => [f.name, tf.tensor(f.data, f.shape, f.dtype)]));
      const result = graph.execute(inputs);
      const outputs = Array.isArray(result) ? result : [result];
      const data = outputs.map((t) => t.dataSync());
      tf.dispose([...Object.values(inputs), ...outputs]);
      return data;
    },
    dispose: async () => graph.dispose(),
  };
};
