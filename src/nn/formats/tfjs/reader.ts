// TensorFlow.js graph-model reader: model.json plus its weight shards, mapped onto the engine's
// ONNX graph in NCHW (see mapping.ts for the op mapping and the layout conversion).
//
// Names: a graph input is named after its Placeholder node, a graph output after its signature
// key without a ':0' suffix (or, without a signature, after the TF tensor). Inputs and outputs
// keep TF's NHWC layout; only the inside of the graph is NCHW.
import { InputError, ModelFormatError, UnsupportedOpError, WasmposeError } from '../../errors.js';
import type { Model } from '../../graph.js';
import { shapeString, type Tensor } from '../../tensor.js';
import { FoldingEmitter } from './folding-emitter.js';
import { Converter, isMappedOp, mapNode, type Value } from './mapping.js';
import { decodeTensorProto, decodeWeights, dimsOf, dtypeOfTf, NodeAttrs, parseModelJson, type TfjsModelJson, type TfNode } from './model-json.js';

/** The default-domain opset of the produced graph (Clip, Pad, Split, Squeeze, ReduceSum forms). */
export const TFJS_GRAPH_OPSET = 17;

export interface TfjsReadOptions {
  /**
   * Concrete shapes for inputs with unknown dimensions (-1 in the model), by input name. An
   * unknown batch dimension defaults to 1; any other unknown one must be given here.
   */
  inputShapes?: Record<string, readonly number[]>;
}

/** A reference to a TF tensor: node name and output index ('name', 'name:1'). */
function parseRef(ref: string): { node: string; output: number } {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { node: m[1]!, output: Number(m[2]) } : { node: ref, output: 0 };
}

function refKey(ref: string): string {
  const { node, output } = parseRef(ref);
  return output === 0 ? node : `${node}:${output}`;
}

/** The graph's outputs: signature outputs, else every tensor no node reads. */
function outputRefs(model: TfjsModelJson, nodes: TfNode[]): { name: string; ref: string }[] {
  const outputs = model.signature?.outputs;
  if (outputs !== undefined && Object.keys(outputs).length > 0) {
    return Object.entries(outputs).map(([key, info]) => ({ name: key.replace(/:0$/, ''), ref: refKey(info.name ?? key) }));
  }
  const read = new Set(nodes.flatMap((n) => (n.input ?? []).filter((i) => !i.startsWith('^')).map((i) => parseRef(i).node)));
  return nodes.filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => ({ name: n.name, ref: n.name }));
}

/** The nodes the outputs depend on, each after its inputs. Control inputs (^name) are dropped. */
function topologicalOrder(outputs: string[], byName: Map<string, TfNode>): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: { node: TfNode; next: number }[] = [];
  const dataInputs = (n: TfNode): string[] => (n.input ?? []).filter((i) => !i.startsWith('^')).map((i) => parseRef(i).node);
  const visit = (name: string, from: string): void => {
    if (state.get(name) === 'done') return;
    const node = byName.get(name);
    if (node === undefined) throw new ModelFormatError(`${from} reads '${name}', which is not a node of the graph`);
    if (state.get(name) === 'visiting') throw new ModelFormatError(`the graph has a cycle through node '${name}' (control flow is not supported)`);
    state.set(name, 'visiting');
    stack.push({ node, next: 0 });
  };
  for (const o of outputs) {
    visit(parseRef(o).node, `output '${o}'`);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = dataInputs(top.node);
      if (top.next < inputs.length) {
        visit(inputs[top.next++]!, `node '${top.node.name}'`);
      } else {
        stack.pop();
        state.set(top.node.name, 'done');
        order.push(top.node);
      }
    }
  }
  return order;
}

function inputShape(node: TfNode, model: TfjsModelJson, given: readonly number[] | undefined): number[] {
  const signature = Object.values(model.signature?.inputs ?? {}).find((i) => parseRef(i.name).node === node.name);
  const declared = new NodeAttrs(node).shape('shape') ?? dimsOf(signature?.tensorShape);
  if (given !== undefined) {
    const fits = declared === undefined || (declared.length === given.length && declared.every((d, i) => d < 0 || d === given[i]));
    if (!fits || given.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new InputError(`input '${node.name}': shape ${shapeString(given)} given, the model declares ${shapeString(declared ?? [])}`);
    }
    return [...given];
  }
  if (declared === undefined) throw new InputError(`input '${node.name}' has unknown rank: give its shape in inputShapes`);
  return declared.map((d, i) => {
    if (d >= 0) return d;
    if (i === 0) return 1;
    throw new InputError(`input '${node.name}' has shape ${shapeString(declared.map((x) => (x < 0 ? '?' : x)))}: give a concrete shape in inputShapes`);
  });
}

/** Rethrows an error from mapping one node with the TF node named in its message. */
function inNode(node: TfNode, e: unknown): never {
  if (e instanceof WasmposeError && !e.message.includes(`'${node.name}'`)) {
    const Kind = e.constructor as new (message: string) => WasmposeError;
    throw new Kind(`TF ${node.op} node '${node.name}': ${e.message}`);
  }
  throw e;
}

export function readTfjsModel(modelJson: object | string, loadShard: (path: string) => Uint8Array, options: TfjsReadOptions = {}): Model {
  const model = parseModelJson(modelJson);
  const nodes = model.modelTopology.node ?? [];
  const byName = new Map<string, TfNode>();
  nodes.forEach((n, i) => {
    if (byName.has(n.name)) throw new ModelFormatError(`two nodes are named '${n.name}'`, `modelTopology.node[${i}]`);
    byName.set(n.name, n);
  });
  const outputs = outputRefs(model, nodes);
  if (outputs.length === 0) throw new ModelFormatError('the model has no outputs');
  const order = topologicalOrder(outputs.map((o) => o.ref), byName);

  const unsupported = order.filter((n) => n.op !== 'Const' && n.op !== 'Placeholder' && !isMappedOp(n.op));
  if (unsupported.length > 0) {
    const list = unsupported.slice(0, 8).map((n) => `${n.op} (node '${n.name}')`).join(', ');
    throw new UnsupportedOpError(`unsupported TensorFlow op${unsupported.length > 1 ? 's' : ''}: ${list}${unsupported.length > 8 ? `, and ${unsupported.length - 8} more` : ''}`);
  }

  const weights = decodeWeights(model, loadShard);
  const emitter = new FoldingEmitter(TFJS_GRAPH_OPSET, outputs.map((o) => o.name));
  const converter = new Converter(emitter);
  const values = new Map<string, Value>();
  const valueOf = (ref: string, reader: TfNode): Value => {
    const v = values.get(refKey(ref));
    if (v === undefined) throw new ModelFormatError(`node '${reader.name}' reads '${ref}', which its producer does not output`);
    return v;
  };
  const filledConstants = { bytes: 0 };
  for (const node of order) {
    try {
      if (node.op === 'Placeholder') {
        const dtype = dtypeOfTf(new NodeAttrs(node).type('dtype'));
        if (dtype === undefined) throw new UnsupportedOpError(`input '${node.name}' has dtype ${new NodeAttrs(node).type('dtype')}, which is not supported`);
        const shape = inputShape(node, model, options.inputShapes?.[node.name]);
        values.set(node.name, { name: emitter.addInput(node.name, dtype, shape), channelsFirst: false });
        continue;
      }
      if (node.op === 'Const') {
        let value: Tensor | undefined = weights.get(node.name);
        const inline = new NodeAttrs(node).tensor('value');
        if (value === undefined && inline !== undefined) value = decodeTensorProto(inline, `node '${node.name}'`, filledConstants);
        if (value === undefined) throw new ModelFormatError(`constant '${node.name}' has no value: not in the weights manifest and no inline tensor`);
        values.set(node.name, { name: emitter.addConstant(node.name, value), channelsFirst: false });
        continue;
      }
      const inputs = (node.input ?? []).filter((i) => !i.startsWith('^')).map((i) => valueOf(i, node));
      mapNode(converter, node, inputs).forEach((v, i) => values.set(i === 0 ? node.name : `${node.name}:${i}`, v));
    } catch (e) {
      inNode(node, e);
    }
  }

  const outputNames = outputs.map(({ name, ref }) => {
    const v = values.get(ref);
    if (v === undefined) throw new ModelFormatError(`output '${name}' refers to '${ref}', which no node outputs`);
    return emitter.nameOutput(converter.plain(v), name);
  });
  const result = emitter.finish(outputNames);
  result.producerName = 'tfjs-graph-model';
  result.producerVersion = '';
  if (model.generatedBy !== undefined) result.metadata['generatedBy'] = String(model.generatedBy);
  if (model.convertedBy !== undefined) result.metadata['convertedBy'] = String(model.convertedBy);
  return result;
}

/** The TF op of every node the model's outputs depend on, with counts (for reports). */
export function tfjsOpCounts(modelJson: object | string): Map<string, number> {
  const model = parseModelJson(modelJson);
  const nodes = model.modelTopology.node ?? [];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const counts = new Map<string, number>();
  for (const n of topologicalOrder(outputRefs(model, nodes).map((o) => o.ref), byName)) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
  return counts;
}
