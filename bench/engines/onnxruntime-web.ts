// onnxruntime-web: ONNX Runtime compiled to WebAssembly (SIMD, and its threaded build when
// numThreads > 1), run under Node on the wasm execution provider. Its environment is fixed at
// the first session, which is why every engine gets a process of its own.
import * as ort from 'onnxruntime-web';
import type { EngineLoader, OutputData } from './types.js';

export const loadOnnxruntimeWeb: EngineLoader = async (model, feeds, config) => {
  ort.env.wasm.numThreads = config.threads;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(model.onnx, { executionProviders: ['wasm'], logSeverityLevel: 3 });
  return {
    threads: config.threads,
    run: async () => {
      const inputs = Object.fromEntries(feeds.map((f) => [f.name, new ort.Tensor(f.dtype, f.data, f.shape)]));
      const outputs = await session.run(inputs);
      return Object.values(outputs).map((t) => t.data as OutputData);
    },
    dispose: () => session.release(),
  };
};
