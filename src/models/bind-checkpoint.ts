// Trained weights for a seed network of the registry (`--weights <file>`), in one of two forms:
//
// - a file that carries its own graph (ONNX .onnx, OpenVINO IR .xml + .bin, Caffe .prototxt +
//   .caffemodel) runs as that graph, once it is checked to have the network's interface: the
//   input's name and shape, and every output's name and shape as the engine's shape inference
//   gives them at the network's input size. Extra outputs are allowed (they are not read).
//   An output may also be found by the name of the layer that produces it: real IR files name
//   values by their ports' tensor names (`names="..."`), which need not be the original layer
//   name the registry records. The producing layer may be the named one or a part of it named
//   under it (`<name>/...`): IR writes a biased convolution as a Convolution layer (Model
//   Optimizer names it `<name>/WithoutBiases`) and an Add `<name>`, which the IR reader joins
//   again into one node under the convolution's name. Such an output is renamed to the registry's name.
// - a PyTorch checkpoint (.pth, .pt, .tar, .ckpt) carries only tensors: they bind into the
//   TypeScript definition by state-dict name. Every parameter of the definition must be found with
//   its shape and nothing of the checkpoint may be left over, so that a checkpoint of another
//   network (or another variant of this one) is refused rather than run half-trained.
import { runtimeInputs, onnxOpset, type Graph, type Model, type Node } from '../nn/graph.js';
import { InputError, ShapeError, WeightsError } from '../nn/errors.js';
import { filesOnDisk, readModelFiles, type ReadModelFile } from '../nn/formats/load-file.js';
import { readPytorchCheckpoint } from '../nn/formats/pytorch/reader.js';
import { inferAndFold } from '../nn/passes/infer-and-fold.js';
import { prepareGraph } from '../nn/passes/prepare-graph.js';
import { isFloatType, sameShape, shapeString, toFloat32, tensor, type Tensor } from '../nn/tensor.js';
import { modelEntry, type ModelEntry } from './registry.js';

export interface NetworkWeightsOptions {
  /** The weights beside a graph file, when not at its side under the same name (.bin for IR, .caffemodel for Caffe). */
  weightsFile?: string;
  /** Input height the network will run at (default: the registry's). */
  height?: number;
  /** Input width the network will run at (default: the registry's). */
  width?: number;
}

export interface InterfaceOptions {
  height?: number;
  width?: number;
  /** The file the model came from, for messages. */
  source?: string;
}

const PYTORCH_CHECKPOINT = /\.(pth|pt|tar|ckpt)$/;
const GRAPH_FILE = /\.(onnx|xml|prototxt)$/;

/** A seed network with its trained weights from the file `path` on disk (see the header for the forms it takes). */
export function loadNetworkWeights(name: string, path: string, options: NetworkWeightsOptions = {}): Model {
  const { main, read, weights } = filesOnDisk(path, options.weightsFile);
  return networkWeightsFromFiles(name, main, read, { ...options, weightsFile: weights, source: path });
}

/**
 * A seed network with its trained weights from any files: `main` is the file's name (its
 * extension says its form), `read` gives it and the files beside it (fetched, in memory, on disk).
 */
export function networkWeightsFromFiles(name: string, main: string, read: ReadModelFile, options: NetworkWeightsOptions & { source?: string } = {}): Model {
  const entry = modelEntry(name);
  const source = options.source ?? main;
  const size = { height: options.height, width: options.width, source };
  if (PYTORCH_CHECKPOINT.test(main)) {
    const bytes = read(main);
    if (bytes === undefined) throw new WeightsError(`cannot read '${source}'`);
    return bindCheckpoint(name, readPytorchCheckpoint(bytes).tensors, size);
  }
  if (!GRAPH_FILE.test(main)) {
    throw new WeightsError(`'${source}': ${name}'s weights come as an OpenVINO .xml (with its .bin), an .onnx, a Caffe .prototxt (with its .caffemodel) or a PyTorch checkpoint (.pth, .pt, .tar, .ckpt)`);
  }
  // Caffe definitions leave the input size to run time: give them the network's.
  const loaded = readModelFiles(main, read, { weights: options.weightsFile, inputShapes: { [entry.input.name]: inputShape(entry, size) } });
  if (!loaded.hasWeights) {
    throw new WeightsError(`${source} is a graph without its weights: put the weights file beside it under the same name (.bin, .caffemodel), or give it as weightsFile`);
  }
  return checkInterface(loaded.model, name, size);
}

/** The network's input shape at the requested size. */
function inputShape(entry: ModelEntry, size: { height?: number; width?: number }): number[] {
  const [n, c, height, width] = entry.input.shape;
  const shape = [n, c, size.height ?? height, size.width ?? width];
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new InputError(`${entry.name}: input size ${shape[2]}x${shape[3]} must be positive integers`);
  return shape;
}

/** The network's output names and shapes at the requested size: the registry's, or the definition's shape inference at another size. */
function expectedOutputs(entry: ModelEntry, size: { height?: number; width?: number }): { name: string; shape: number[] }[] {
  const [, , height, width] = entry.input.shape;
  if ((size.height ?? height) === height && (size.width ?? width) === width) return entry.outputs;
  const definition = entry.build({ height: size.height, width: size.width });
  const types = inferAndFold(definition.graph, onnxOpset(definition)).types;
  return entry.outputs.map((o) => ({ name: o.name, shape: types.get(o.name)!.shape }));
}

/**
 * Checks that a model read from a file has the interface of seed network `name`: one float input
 * of the network's name and shape (symbolic dimensions accepted), and the network's outputs with
 * their shapes at that input size. An output missing by name is looked for by the name of the
 * node (layer) producing a graph output, `<name>` or `<name>/...`, and renamed when found. Returns the model, outputs
 * under the registry's names; a WeightsError says every difference at once otherwise.
 */
export function checkInterface(model: Model, name: string, options: InterfaceOptions = {}): Model {
  const entry = modelEntry(name);
  const what = options.source ?? 'the model';
  const shape = inputShape(entry, options);
  const problems: string[] = [];

  const inputs = runtimeInputs(model.graph);
  const input = inputs.find((i) => i.name === entry.input.name);
  if (input === undefined) {
    problems.push(`input '${entry.input.name}' missing (the file's inputs: ${inputs.map((i) => `'${i.name}'`).join(', ') || 'none'})`);
  } else {
    const others = inputs.filter((i) => i !== input);
    if (others.length > 0) problems.push(`the network takes one input, the file also has ${others.map((i) => `'${i.name}'`).join(', ')}`);
    if (!isFloatType(input.dtype)) problems.push(`input '${input.name}' is ${input.dtype}, the network takes float32`);
    const declared = input.shape;
    if (declared !== undefined && (declared.length !== shape.length || declared.some((d, i) => typeof d === 'number' && d !== shape[i]))) {
      problems.push(`input '${input.name}': the file declares ${shapeString(declared)}, the network takes ${shapeString(shape)}`);
    }
  }
  if (problems.length > 0) throw interfaceError(what, name, problems);

  let types;
  try {
    types = prepareGraph(model, { [entry.input.name]: shape }).types;
  } catch (e) {
    if (e instanceof ShapeError || e instanceof InputError) throw new WeightsError(`${what} does not run at ${name}'s input ${shapeString(shape)}: ${e.message}`);
    throw e;
  }

  const producerOf = new Map<string, Node>();
  for (const node of model.graph.nodes) for (const o of node.outputs) if (o !== '') producerOf.set(o, node);
  const fileOutputs = model.graph.outputs.map((o) => o.name);
  const describe = (value: string): string => {
    const layer = producerOf.get(value)?.name;
    const layerNote = layer !== undefined && layer !== value ? ` (layer '${layer}')` : '';
    return `'${value}'${layerNote} ${shapeString(types.get(value)?.shape ?? [])}`;
  };
  const renames = new Map<string, string>();
  for (const expected of expectedOutputs(entry, options)) {
    let value: string | undefined = fileOutputs.includes(expected.name) ? expected.name : undefined;
    if (value === undefined) {
      const layer = (o: string): string => producerOf.get(o)?.name ?? '';
      const byLayer = fileOutputs.filter((o) => layer(o) === expected.name || layer(o).startsWith(`${expected.name}/`));
      if (byLayer.length === 1) {
        value = byLayer[0]!;
        renames.set(value, expected.name);
      }
    }
    if (value === undefined) {
      problems.push(`missing output '${expected.name}' (the file's outputs: ${fileOutputs.map(describe).join(', ') || 'none'})`);
      continue;
    }
    const given = types.get(value)!.shape;
    if (!sameShape(given, expected.shape)) {
      const via = value === expected.name ? '' : ` (found as '${value}' by its layer name)`;
      problems.push(`output '${expected.name}'${via}: the file gives ${shapeString(given)}, the network gives ${shapeString(expected.shape)}`);
    }
  }
  if (problems.length > 0) throw interfaceError(what, name, problems);
  return renames.size === 0 ? model : { ...model, graph: renameValues(model.graph, renames) };
}

function interfaceError(what: string, name: string, problems: string[]): WeightsError {
  return new WeightsError(`${what} does not have ${name}'s interface: ${problems.join('; ')}`);
}

/** The graph with values renamed (every reader, producer and output follows). */
function renameValues(graph: Graph, renames: ReadonlyMap<string, string>): Graph {
  const taken = new Set([...graph.nodes.flatMap((n) => n.outputs), ...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  for (const [from, to] of renames) {
    if (taken.has(to)) throw new WeightsError(`output '${from}' is produced by layer '${to}', but the file already has a value named '${to}'`);
  }
  const rename = (value: string): string => renames.get(value) ?? value;
  return {
    ...graph,
    nodes: graph.nodes.map((n) => ({ ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) })),
    outputs: graph.outputs.map((o) => ({ ...o, name: rename(o.name) })),
    valueInfo: graph.valueInfo.map((v) => ({ ...v, name: rename(v.name) })),
  };
}

/** Layers whose inputs after the first are learned parameters (the rest of a definition's initializers configure ops, e.g. Resize sizes). */
const LEARNED_OPS = new Set(['Conv', 'ConvTranspose', 'BatchNormalization', 'PRelu', 'Gemm', 'MatMul']);

/** Names of the definition's learned parameters, in graph order. */
export function definitionParameters(model: Model): string[] {
  const names = new Set<string>();
  for (const node of model.graph.nodes) {
    if (!LEARNED_OPS.has(node.op)) continue;
    for (const input of node.inputs.slice(1)) if (model.graph.initializers.has(input)) names.add(input);
  }
  return [...names];
}

/**
 * The checkpoint's tensors that can be parameters, under their module names: a training
 * checkpoint's `state_dict.` wrapper (left by the reader when optimizer state sits beside it) and
 * DataParallel's common `module.` prefix are stripped; BatchNorm's `num_batches_tracked` and other
 * integer buffers (counters, indices) are not parameters and are dropped.
 */
function checkpointParameters(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  let entries = [...tensors];
  for (const wrapper of ['state_dict.', 'model_state_dict.']) {
    if (entries.some(([k]) => k.startsWith(wrapper)) && !entries.every(([k]) => k.startsWith(wrapper))) {
      entries = entries.filter(([k]) => k.startsWith(wrapper)).map(([k, t]) => [k.slice(wrapper.length), t]);
    }
  }
  if (entries.length > 0 && entries.every(([k]) => k.startsWith('module.'))) entries = entries.map(([k, t]) => [k.slice('module.'.length), t]);
  return new Map(entries.filter(([k, t]) => !k.endsWith('num_batches_tracked') && isFloatType(t.dtype)));
}

const LISTED = 8;
const list = (items: string[]): string => items.slice(0, LISTED).join(', ') + (items.length > LISTED ? `, ... (${items.length} in all)` : '');

/**
 * Seed network `name` (its TypeScript definition at the requested input size) with the weights
 * of a checkpoint, bound by name. Every parameter must be found with its shape and every
 * checkpoint tensor used; a WeightsError lists what is missing, mis-shaped and unused otherwise.
 */
export function bindCheckpoint(name: string, tensors: ReadonlyMap<string, Tensor>, options: InterfaceOptions = {}): Model {
  const entry = modelEntry(name);
  const what = options.source ?? 'the checkpoint';
  inputShape(entry, options);
  const model = entry.build({ height: options.height, width: options.width });
  const given = checkpointParameters(tensors);
  const missing: string[] = [];
  const misShaped: string[] = [];
  const initializers = model.graph.initializers;
  const parameters = definitionParameters(model);
  for (const parameter of parameters) {
    const trained = given.get(parameter);
    const expected = initializers.get(parameter)!;
    if (trained === undefined) missing.push(parameter);
    else if (!sameShape(trained.shape, expected.shape)) misShaped.push(`${parameter} (expected ${shapeString(expected.shape)}, given ${shapeString(trained.shape)})`);
    else initializers.set(parameter, trained.dtype === 'float32' ? trained : tensor('float32', trained.shape, toFloat32(trained)));
  }
  const known = new Set(parameters);
  const unused = [...given.keys()].filter((k) => !known.has(k));
  if (missing.length + misShaped.length + unused.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.length}: ${list(missing)}` : '',
      misShaped.length > 0 ? `mis-shaped ${misShaped.length}: ${list(misShaped)}` : '',
      unused.length > 0 ? `unused ${unused.length}: ${list(unused)}` : '',
    ].filter((p) => p !== '');
    throw new WeightsError(`${what} does not fit the ${name} definition (${parameters.length} parameters): ${parts.join('; ')}`);
  }
  return model;
}
