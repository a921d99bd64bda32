// A reference interpreter: runs a model node by node with each op's plain TypeScript
// implementation, no passes, no kernels. It is slow and obviously correct, which makes it the
// yardstick the WASM engine is tested against, and a readable account of what a model computes.
import { InputError, ModelFormatError } from './errors.js';
import { onnxOpset, runtimeInputs, type Model } from './graph.js';
import { opFor } from './ops/registry.js';
import type { Tensor } from './tensor.js';
import { validateGraph } from './validate.js';

export function runReference(model: Model, feeds: Record<string, Tensor>): Record<string, Tensor> {
  validateGraph(model.graph);
  const opset = onnxOpset(model);
  const values = new Map<string, Tensor>(model.graph.initializers);
  for (const input of runtimeInputs(model.graph)) {
    const t = Object.hasOwn(feeds, input.name) ? feeds[input.name] : undefined;
    if (t === undefined) throw new InputError(`input '${input.name}' was not given`);
    values.set(input.name, t);
  }
  for (const node of model.graph.nodes) {
    const inputs = node.inputs.map((name) => {
      if (name === '') return undefined;
      const v = values.get(name);
      if (v === undefined) throw new ModelFormatError(`node '${node.name}' reads '${name}', which is not defined before it`);
      return v;
    });
    const outputs = opFor(node).reference({ node, opset, inputs });
    node.outputs.forEach((name, i) => {
      if (name !== '' && outputs[i] !== undefined) values.set(name, outputs[i]!);
    });
  }
  const results: Record<string, Tensor> = {};
  for (const o of model.graph.outputs) {
    const v = values.get(o.name);
    if (v === undefined) throw new ModelFormatError(`graph output '${o.name}' is not produced by any node`);
    Object.defineProperty(results, o.name, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return results;
}
