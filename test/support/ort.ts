// ONNX Runtime as the golden engine: the same model bytes the project's writer produces, run by
// onnxruntime-node, compared output by output with the WASM engine.
import * as ort from 'onnxruntime-node';
import type { Model } from '../../src/nn/graph.js';
import type { SessionOptions } from '../../src/nn/session.js';
import { writeOnnx } from '../../src/nn/formats/onnx/writer.js';
import { toFloat32, type Tensor } from '../../src/nn/tensor.js';
import { expectClose, runEngine } from './harness.js';

function toOrtTensor(t: Tensor): ort.Tensor {
  switch (t.dtype) {
    case 'float32': return new ort.Tensor('float32', toFloat32(t), [...t.shape]);
    case 'int64': return new ort.Tensor('int64', t.data as BigInt64Array, [...t.shape]);
    case 'int32': return new ort.Tensor('int32', t.data as Int32Array, [...t.shape]);
    case 'uint8': return new ort.Tensor('uint8', t.data as Uint8Array, [...t.shape]);
    case 'int8': return new ort.Tensor('int8', t.data as Int8Array, [...t.shape]);
    default: throw new Error(`test feeds of dtype ${t.dtype} are not wired to ORT`);
  }
}

export async function runOrt(model: Model, feeds: Record<string, Tensor>): Promise<Record<string, { data: number[]; dims: readonly number[] }>> {
  const session = await ort.InferenceSession.create(writeOnnx(model), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, toOrtTensor(t)]));
  const results = await session.run(ortFeeds);
  await session.release();
  return Object.fromEntries(
    Object.entries(results).map(([k, v]) => {
      const data = v.data as ArrayLike<number | bigint>;
      return [k, { data: Array.from(data, Number), dims: v.dims }];
    }),
  );
}

/** Golden check: every output of the engine within rel x max(1, max|ort|) of ONNX Runtime's, same shape. */
export async function expectEngineMatchesOrt(model: Model, feeds: Record<string, Tensor>, rel = 1e-4, options: SessionOptions = {}): Promise<void> {
  const golden = await runOrt(model, feeds);
  const engine = await runEngine(model, feeds, options);
  for (const [name, g] of Object.entries(golden)) {
    expectClose(Array.from(engine[name]!), g.data, rel, `${model.graph.name}:${name}`);
  }
}

