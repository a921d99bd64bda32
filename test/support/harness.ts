// Shared test helpers: seeded random tensors, single-node models, the tolerance every kernel
// and golden test uses, and running a model on the WASM engine and on the reference interpreter.
import { expect } from 'vitest';
import type { Attr, Model, ValueInfo } from '../../src/nn/graph.js';
import { emptyGraph, emptyModel } from '../../src/nn/graph.js';
import { runReference } from '../../src/nn/reference.js';
import { Session, type SessionOptions } from '../../src/nn/session.js';
import { seededRandom, uniform } from '../../src/nn/random.js';
import { float32, toFloat32, type DType, type Tensor } from '../../src/nn/tensor.js';

export { seededRandom };

/** Uniform values in [lo, hi). */
export function randomTensor(shape: readonly number[], rng: () => number, lo = -1, hi = 1): Tensor {
  return float32(shape, uniform(shape.reduce((a, b) => a * b, 1), rng, lo, hi));
}

export interface NodeSpec {
  op: string;
  inputs: (ValueInfo & { shape: number[] })[];
  /** Output names (ORT and the engine infer the shapes). */
  outputs: string[];
  attrs?: Record<string, Attr>;
  initializers?: Record<string, Tensor>;
  opset?: number;
}

/** A model of one node. Inputs that have an initializer are constants; the rest are graph inputs. */
export function singleNodeModel(spec: NodeSpec): Model {
  const graph = emptyGraph(spec.op);
  const initializers = spec.initializers ?? {};
  for (const [name, t] of Object.entries(initializers)) graph.initializers.set(name, t);
  graph.inputs = spec.inputs.filter((i) => !Object.hasOwn(initializers, i.name));
  graph.outputs = spec.outputs.map((name) => ({ name, dtype: 'float32' as DType }));
  graph.nodes = [{ name: `${spec.op}_0`, op: spec.op, domain: '', inputs: spec.inputs.map((i) => i.name), outputs: spec.outputs, attrs: spec.attrs ?? {} }];
  return emptyModel(graph, spec.opset ?? 17);
}

/** The project's tolerance: max |a - b| <= rel * max(1, max |expected|). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-4, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Number.isNaN(e) ? (Number.isNaN(a) ? 0 : Infinity) : Math.abs(a - e);
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  }
  const bound = rel * scale;
  expect(worst <= bound, `${label} max abs error ${worst} at ${worstAt} (got ${actual[worstAt]}, want ${expected[worstAt]}) exceeds ${bound}`).toBe(true);
}

/** Runs a model on the WASM engine with float32 feeds. */
export async function runEngine(model: Model, feeds: Record<string, Tensor>, options: SessionOptions = {}): Promise<Record<string, Float32Array | Int32Array>> {
  const inputShapes = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, [...t.shape]]));
  const session = await Session.create(model, { inputShapes, ...options });
  const out = session.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, toFloat32(t)])));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
}

/** Runs the model on the engine and on the reference interpreter and compares every output. */
export async function expectEngineMatchesReference(model: Model, feeds: Record<string, Tensor>, rel = 1e-4, options: SessionOptions = {}): Promise<void> {
  const engine = await runEngine(model, feeds, options);
  const reference = runReference(model, feeds);
  for (const [name, t] of Object.entries(reference)) {
    expectClose(engine[name]!, toFloat32(t), rel, `${model.graph.name}:${name}`);
  }
}
