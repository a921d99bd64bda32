// onnxruntime-node: ONNX Runtime's native CPU execution provider, intra-op threads as requested,
// graph optimizations at their default (all).
import * as ort from 'onnxruntime-node';
import type { EngineLoader, OutputData } from './types.js';

export const loadOnnxruntimeNode: EngineLoader = async (model, feeds, config) => {
  const session = await ort.InferenceSession.create(model.onnx, {
    intraOpNumThreads: config.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  });
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
