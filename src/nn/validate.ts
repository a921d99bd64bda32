// Graph-level validation: the one gate every reader's output passes before shape inference or any
// kernel sees it, so a structural fault in a hostile file becomes a typed error naming the node
// and the field, whatever format the graph came from:
//   - every value has one producer (a node output is not also an input, an initializer or another
//     node's output: two writers of one buffer would write past each other's plan);
//   - every node has the inputs its op requires, and no more than it can take;
//   - geometry attributes (kernel, stride, dilation, pads, group) are integers of the right kind,
//     within int32 and within the maxGeometry budget, so nothing wraps to 0 in a 32-bit kernel.
import { ModelFormatError } from './errors.js';
import type { Attr, Graph, Model, Node } from './graph.js';
import { limits } from './limits.js';

/** Inputs an op requires and accepts at most (over all opsets the engine reads). */
const ARITY = new Map<string, readonly [min: number, max: number]>();
function arity(min: number, max: number, ops: string): void {
  for (const op of ops.split(' ')) ARITY.set(op, [min, max]);
}
arity(0, 0, 'Constant');
arity(1, 1, 'Abs Ceil Elu Erf Exp Floor HardSigmoid HardSwish LeakyRelu Neg Not Reciprocal Relu Round Selu Sigmoid Softplus Sqrt Tanh Identity Softmax LogSoftmax Flatten Shape Size Transpose GlobalAveragePool GlobalMaxPool LRN ArgMax ArgMin Cast MaxPool AveragePool ConstantOfShape');
arity(2, 2, 'Add And Div Equal Greater GreaterOrEqual Less LessOrEqual Mul Or Pow Sub Xor PRelu MatMul Expand Gather GatherND');
arity(1, Infinity, 'Max Min Sum Concat');
arity(1, 2, 'Reshape ReduceMax ReduceMean ReduceSum Split Squeeze Unsqueeze TopK Upsample');
arity(1, 3, 'Clip Dropout');
arity(2, 3, 'Conv ConvTranspose Gemm Tile');
arity(1, 4, 'Pad Resize');
arity(1, 5, 'Slice');
arity(3, 3, 'Range Where InstanceNormalization');
arity(5, 5, 'BatchNormalization');
arity(2, 3, 'QuantizeLinear DequantizeLinear');
arity(2, 4, 'ConvInteger MatMulInteger');
arity(8, 8, 'QLinearMatMul');
arity(7, 8, 'QLinearAdd');
arity(8, 9, 'QLinearConv');

/** Ops whose second input was an attribute in early opsets: one of the two must be there. */
const INPUT_OR_ATTRIBUTE = new Map([
  ['Reshape', 'shape'],
  ['Upsample', 'scales'],
]);

/** Geometry attributes: each value an integer in [min, maxGeometry]. */
const GEOMETRY: ReadonlyMap<string, { kind: 'int' | 'ints'; min: number }> = new Map([
  ['kernel_shape', { kind: 'ints', min: 1 }],
  ['strides', { kind: 'ints', min: 1 }],
  ['dilations', { kind: 'ints', min: 1 }],
  ['output_padding', { kind: 'ints', min: 0 }],
  ['group', { kind: 'int', min: 1 }],
] as const);

/** Ops whose `pads` attribute is spatial padding (non-negative); Pad's own may crop (negative). */
const SPATIAL_PADS = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool']);

function fail(source: string | undefined, node: Node | undefined, field: string, message: string): never {
  const at = node === undefined ? field : `node '${node.name}' (${node.op}), ${field}`;
  throw new ModelFormatError(source === undefined ? message : `${source}: ${message}`, at);
}

function checkIntegers(source: string | undefined, node: Node, name: string, attr: Attr, expected: 'int' | 'ints', min: number, max: number): void {
  if (attr.kind !== expected) fail(source, node, `attribute '${name}'`, `attribute '${name}' is ${attr.kind}, expected ${expected}`);
  const values = attr.kind === 'int' ? [attr.value] : (attr.value as number[]);
  if (values.length > 16) fail(source, node, `attribute '${name}'`, `attribute '${name}' has ${values.length} values; spatial ops take at most 8 axes`);
  for (const v of values) {
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      fail(source, node, `attribute '${name}'`, `attribute '${name}' value ${v} is outside [${min}, ${max}] (limit maxGeometry)`);
    }
  }
}

/** Checks one node's structure (inputs its op requires, attribute kinds and ranges). */
export function validateNode(node: Node, source?: string): void {
  if (!Array.isArray(node.inputs) || !Array.isArray(node.outputs) || node.attrs === null || typeof node.attrs !== 'object') {
    fail(source, node, 'structure', 'node has no input list, output list or attribute table');
  }
  for (const name of [...node.inputs, ...node.outputs]) {
    if (typeof name !== 'string') fail(source, node, 'value names', `value name ${String(name)} is not a string`);
  }
  const standard = node.domain === '' || node.domain === 'ai.onnx';
  const bounds = standard ? ARITY.get(node.op) : undefined;
  if (bounds !== undefined) {
    const [min, max] = bounds;
    if (node.inputs.length > max) fail(source, node, 'inputs', `${node.inputs.length} inputs given, the op takes at most ${max}`);
    for (let i = 0; i < min; i++) {
      if (node.inputs[i] === undefined || node.inputs[i] === '') fail(source, node, `input ${i}`, `required input ${i} is missing (the op needs ${min})`);
    }
    const attribute = INPUT_OR_ATTRIBUTE.get(node.op);
    if (attribute !== undefined && node.attrs[attribute] === undefined && (node.inputs[1] === undefined || node.inputs[1] === '')) {
      fail(source, node, 'input 1', `input 1 (${attribute}) is missing and there is no '${attribute}' attribute`);
    }
  }
  const max = limits().maxGeometry;
  for (const [name, attr] of Object.entries(node.attrs)) {
    const geometry = GEOMETRY.get(name);
    if (geometry !== undefined) checkIntegers(source, node, name, attr, geometry.kind, geometry.min, name === 'group' ? 2 ** 31 - 1 : max);
    else if (name === 'pads' && SPATIAL_PADS.has(node.op)) checkIntegers(source, node, name, attr, 'ints', 0, max);
    else if (name === 'pads' && node.op === 'Pad') checkIntegers(source, node, name, attr, 'ints', -(2 ** 31 - 1), 2 ** 31 - 1);
  }
}

/** Throws ModelFormatError for the first structural fault of `graph`; `source` names the file. */
export function validateGraph(graph: Graph, source?: string): void {
  const produced = new Set<string>();
  for (const input of graph.inputs) produced.add(input.name);
  for (const name of graph.initializers.keys()) produced.add(name);
  for (const node of graph.nodes) {
    validateNode(node, source);
    for (const name of node.outputs) {
      if (name === '') continue;
      if (produced.has(name)) fail(source, node, `output '${name}'`, `value '${name}' is written by more than one node, input or initializer`);
      produced.add(name);
    }
  }
}

export function validateModel(model: Model, source?: string): void {
  validateGraph(model.graph, source);
}
