// The graph IR every format reader produces and the executor consumes: ONNX's model, close to
// its protobuf so the ONNX writer round-trips it, with attributes kept as their ONNX kinds.
import { ModelFormatError } from './errors.js';
import type { DType, Tensor } from './tensor.js';

export type Attr =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: Tensor }
  | { kind: 'graph'; value: Graph }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensors'; value: Tensor[] }
  | { kind: 'graphs'; value: Graph[] };

export interface Node {
  name: string;
  op: string;
  /** '' or 'ai.onnx' for standard ONNX ops. */
  domain: string;
  /** Value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

/** A dimension is a number, or a symbolic name (e.g. 'N') fixed when a session is planned. */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  dtype: DType;
  /** undefined when the file gives no shape. */
  shape?: Dim[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Tensor>;
  /** Shapes of intermediate values recorded in the file (value_info), if any. */
  valueInfo: ValueInfo[];
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface Model {
  graph: Graph;
  opsets: OpsetImport[];
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** Free-form key/value metadata (metadata_props). */
  metadata: Record<string, string>;
}

/** The default-domain opset the model imports (ONNX's own ops). */
export function onnxOpset(model: Model): number {
  const imp = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return imp?.version ?? 1;
}

/** The graph's real inputs: old exporters also list every initializer among the inputs. */
export function runtimeInputs(graph: Graph): ValueInfo[] {
  return graph.inputs.filter((i) => !graph.initializers.has(i.name));
}

// Attribute accessors: each returns the default when the attribute is absent and throws a
// clear error when it is present with another kind.

interface AttrValues {
  float: number;
  int: number;
  string: string;
  tensor: Tensor;
  graph: Graph;
  floats: number[];
  ints: number[];
  strings: string[];
  tensors: Tensor[];
  graphs: Graph[];
}

function attrOfKind<K extends Attr['kind']>(node: Node, name: string, kind: K): AttrValues[K] | undefined {
  // Attribute names come from files: only the node's own entries count, never Object.prototype's.
  if (!Object.hasOwn(node.attrs, name)) return undefined;
  const a = node.attrs[name]!;
  if (a.kind !== kind) throw new ModelFormatError(`${node.op} node '${node.name}': attribute '${name}' is ${a.kind}, expected ${kind}`, `attribute '${name}'`);
  return a.value as AttrValues[K];
}

/** Attribute values of each kind, as readers and builders write them into nodes. */
export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  tensor: (value: Tensor): Attr => ({ kind: 'tensor', value }),
  graph: (value: Graph): Attr => ({ kind: 'graph', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value: [...value] }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value: [...value] }),
  strings: (value: readonly string[]): Attr => ({ kind: 'strings', value: [...value] }),
  tensors: (value: readonly Tensor[]): Attr => ({ kind: 'tensors', value: [...value] }),
  graphs: (value: readonly Graph[]): Attr => ({ kind: 'graphs', value: [...value] }),
};

/** TensorProto.DataType numbers of the dtypes the engine holds (Cast's `to`, ONNX files). */
export const ONNX_DATA_TYPE: Readonly<Record<DType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

export function attrInt(node: Node, name: string, fallback: number): number {
  return attrOfKind(node, name, 'int') ?? fallback;
}
export function attrFloat(node: Node, name: string, fallback: number): number {
  return attrOfKind(node, name, 'float') ?? fallback;
}
export function attrString(node: Node, name: string, fallback: string): string {
  return attrOfKind(node, name, 'string') ?? fallback;
}
export function attrInts(node: Node, name: string): number[] | undefined {
  return attrOfKind(node, name, 'ints');
}
export function attrFloats(node: Node, name: string): number[] | undefined {
  return attrOfKind(node, name, 'floats');
}
export function attrTensor(node: Node, name: string): Tensor | undefined {
  return attrOfKind(node, name, 'tensor');
}

export function emptyGraph(name = 'graph'): Graph {
  return { name, nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: [] };
}

export function emptyModel(graph: Graph, opset = 17): Model {
  return { graph, opsets: [{ domain: '', version: opset }], irVersion: 8, producerName: 'wasmpose', producerVersion: '0.1.0', metadata: {} };
}
