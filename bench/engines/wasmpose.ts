// wasmpose: the ONNX file through readOnnx, a TFJS model through the TFJS reader, then a Session
// with the requested kernel build and threads.
import { WasmposeError } from '../../src/nn/errors.js';
import { readOnnx } from '../../src/nn/formats/onnx/reader.js';
import { readTfjsModel } from '../../src/nn/formats/tfjs/reader.js';
import { relaxedSimdSupported } from '../../src/nn/runtime/kernels.js';
import { Session, type RuntimeData } from '../../src/nn/session.js';
import type { EngineLoader } from './types.js';

export const loadWasmpose: EngineLoader = async (model, feeds, config) => {
  const build = config.build ?? 'simd';
  if (build === 'relaxed' && !relaxedSimdSupported()) {
    throw new WasmposeError('this host does not support relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)');
  }
  const inputShapes = Object.fromEntries(feeds.map((f) => [f.name, f.shape]));
  const graph = model.tfjs
    ? readTfjsModel(model.tfjs.modelJson, (path) => shardOf(model.tfjs!.shards, path), { inputShapes })
    : readOnnx(model.onnx);
  const session = await Session.create(graph, { inputShapes, threads: config.threads, build });
  const inputs: Record<string, RuntimeData> = Object.fromEntries(feeds.map((f) => [f.name, f.data]));
  // Outputs land in arrays allocated once, as a program running the model frame after frame would do.
  const outputs = session.allocateOutputs();
  return {
    threads: session.threads,
    run: async () => Object.values(session.runInto(inputs, outputs)).map((t) => t.data),
    dispose: async () => session.dispose(),
  };
};

function shardOf(shards: Map<string, Uint8Array>, path: string): Uint8Array {
  const bytes = shards.get(path);
  if (bytes === undefined) throw new WasmposeError(`weight shard '${path}' was not loaded`);
  return bytes;
}
