// What every engine adapter implements. An adapter runs inside its own child process
// (bench/child.ts): `load` builds a session from model bytes already in memory, `run` does one
// inference on the benchmark input, outputs read back into JavaScript memory.

/** The engines the `models` suite compares. */
export type EngineName = 'wasmpose' | 'onnxruntime-web' | 'onnxruntime-node' | 'tfjs-wasm';

export interface EngineConfig {
  engine: EngineName;
  threads: number;
  /** wasmpose only: which kernel build. */
  build?: 'simd' | 'relaxed';
}

/** One input of the benchmark, identical in every engine. */
export interface BenchFeed {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** The model as bytes in memory: the ONNX file, and for TFJS models also model.json and its shards. */
export interface ModelBytes {
  onnx: Uint8Array;
  tfjs?: { modelJson: string; shards: Map<string, Uint8Array> };
}

export type OutputData = ArrayLike<number | bigint>;

export interface LoadedEngine {
  /** Threads the engine actually runs on, where it can tell (wasmpose falls back to 1 without shared memory). */
  threads: number;
  /** One inference: inputs in, every output read back into JavaScript memory (and returned, for the output check). */
  run(): Promise<OutputData[]>;
  dispose(): Promise<void>;
}

export type EngineLoader = (model: ModelBytes, feeds: BenchFeed[], config: EngineConfig) => Promise<LoadedEngine>;

export function engineLabel(config: EngineConfig): string {
  switch (config.engine) {
    case 'wasmpose': return `wasmpose (${config.build ?? 'simd'})`;
    case 'onnxruntime-web': return 'onnxruntime-web (wasm)';
    case 'onnxruntime-node': return 'onnxruntime-node (cpu)';
    case 'tfjs-wasm': return 'tfjs-backend-wasm';
  }
}

/** An input's name, type and shape, without data. */
export type FeedSpec = Omit<BenchFeed, 'data'>;
