// Shape inference and constant folding in one walk over the (topologically ordered) nodes: a
// node whose inputs are all known before the run is computed right away by its reference
// implementation — this removes the Shape/Gather/Unsqueeze/Concat/Reshape chains exporters
// emit — and every other node gets static output types from its op's inferTypes. The values
// folded this way are held in memory together: their bytes are budgeted by maxSessionBytes, so a
// few ConstantOfShape or Expand nodes in a small file cannot fold into gigabytes.
import { InputError, ModelFormatError, ShapeError } from '../errors.js';
import { runtimeInputs, type Graph } from '../graph.js';
import { limits } from '../limits.js';
import { opFor } from '../ops/registry.js';
import type { ValueType } from '../ops/types.js';
import { shapeString, sizeOf, type Tensor } from '../tensor.js';
import type { TypedGraph } from './typed-graph.js';

export function inferAndFold(graph: Graph, opset: number, inputShapes: Record<string, readonly number[]> = {}): TypedGraph {
  const types = new Map<string, ValueType>();
  const constants = new Map<string, Tensor>(graph.initializers);
  for (const [name, t] of constants) types.set(name, { dtype: t.dtype, shape: [...t.shape] });

  const inputs = runtimeInputs(graph).map((info) => {
    const given = Object.hasOwn(inputShapes, info.name) ? inputShapes[info.name] : undefined;
    const declared = info.shape;
    let shape: number[];
    if (given !== undefined) {
      if (declared !== undefined) {
        const fits = declared.length === given.length && declared.every((d, i) => typeof d !== 'number' || d === given[i]);
        if (!fits) throw new InputError(`input '${info.name}': shape ${shapeString(given)} given, the model declares ${shapeString(declared)}`);
      }
      shape = [...given];
    } else {
      if (declared === undefined || declared.some((d) => typeof d !== 'number' || d <= 0)) {
        throw new InputError(`input '${info.name}' has shape ${declared ? shapeString(declared) : 'unknown'}: give a concrete shape for it`);
      }
      shape = declared as number[];
    }
    sizeOf(shape);
    const type = { dtype: info.dtype, shape };
    types.set(info.name, type);
    return { name: info.name, type };
  });

  const nodes = [];
  const foldBudget = limits().maxSessionBytes;
  let foldedBytes = 0;
  for (const node of graph.nodes) {
    const op = opFor(node);
    const inputTypes = node.inputs.map((name) => {
      if (name === '') return undefined;
      const t = types.get(name);
      if (t === undefined) throw new ModelFormatError(`node '${node.name}' (${node.op}) reads '${name}', which no earlier node, input or initializer defines`);
      return t;
    });
    const inputConstants = node.inputs.map((name) => (name === '' ? undefined : constants.get(name)));
    const foldable = node.inputs.every((name, i) => name === '' || inputConstants[i] !== undefined);
    let outputTypes: ValueType[];
    try {
      if (foldable || op.valuesFromTypes !== undefined) {
        const values = foldable
          ? op.reference({ node, opset, inputs: inputConstants })
          : op.valuesFromTypes!({ node, opset, inputs: inputTypes, constants: inputConstants });
        for (const v of values) foldedBytes += v?.data.byteLength ?? 0;
        if (foldedBytes > foldBudget) throw new ShapeError(`constant folding would hold more than ${foldBudget} bytes (limit maxSessionBytes)`);
        node.outputs.forEach((name, i) => {
          const v = values[i];
          if (name === '' || v === undefined) return;
          constants.set(name, v);
          types.set(name, { dtype: v.dtype, shape: [...v.shape] });
        });
        continue;
      }
      outputTypes = op.inferTypes({ node, opset, inputs: inputTypes, constants: inputConstants });
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`node '${node.name}' (${node.op}): ${e.message}`);
      throw e;
    }
    node.outputs.forEach((name, i) => {
      const t = outputTypes[i];
      if (name === '' || t === undefined) return;
      sizeOf(t.shape);
      types.set(name, t);
    });
    nodes.push(node);
  }
  for (const o of graph.outputs) {
    if (!types.has(o.name)) throw new ModelFormatError(`graph output '${o.name}' is not produced by any node`);
  }
  return { nodes, inputs, outputs: graph.outputs.map((o) => o.name), types, constants, opset };
}
