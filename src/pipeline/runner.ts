// The engine behind an estimator, seen from the pipeline: feeds in, named outputs out.
import { toFloat32 } from '../nn/tensor.js';
import type { NetworkSpec } from './network-spec.js';
import type { PreparedInput } from './preprocess.js';

/** One output as an engine returns it. */
export interface RunnerOutput {
  shape: number[];
  data: Float32Array | Int32Array;
}

/**
 * The engine behind an estimator: a wasmpose Session, or anything else that runs the same model
 * the same way (the accuracy test plugs tfjs-backend-cpu in here, so both engines see the very
 * same preprocessed inputs and feed the very same decoders).
 */
export interface InferenceRunner {
  /** The outputs, plus the intermediate values named in `options.keep` where the engine can keep them (a Session). */
  run(feeds: Record<string, Float32Array | Int32Array>, options?: { keep?: readonly string[] }): Record<string, RunnerOutput>;
  /** Names of the intermediate values `run` can keep (undefined: none). */
  readonly values?: readonly string[];
  dispose(): void;
}

/** Runs the network on a prepared input (int32 inputs as they are, everything else as float32), keeping the values named in `keep`. */
export function runNetwork(runner: InferenceRunner, spec: NetworkSpec, prepared: PreparedInput, keep?: readonly string[]): Record<string, RunnerOutput> {
  const { tensor } = prepared;
  const feed = tensor.dtype === 'int32' ? (tensor.data as Int32Array) : toFloat32(tensor);
  return keep === undefined || keep.length === 0 ? runner.run({ [spec.inputName]: feed }) : runner.run({ [spec.inputName]: feed }, { keep });
}
