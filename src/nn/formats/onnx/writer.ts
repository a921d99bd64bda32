// Writes the graph IR as an ONNX model: the inverse of reader.ts (readOnnx(writeOnnx(m)) equals
// m), in the form ONNX Runtime accepts. Tensors are written as raw_data, repeated attribute
// values unpacked (as onnx.proto declares them and the onnx package writes them).
import { ModelFormatError } from '../../errors.js';
import { attr as exactAttr, ONNX_DATA_TYPE, type Attr, type Graph, type Model, type Node, type ValueInfo } from '../../graph.js';
import { GraphEmitter } from '../../graph-emitter.js';
import type { DType, Tensor } from '../../tensor.js';
import { lengthDelimitedHeaderBytes, ProtoWriter } from '../protobuf.js';
import {
  ATTRIBUTE_TYPE, AttributeProtoSchema, DimensionSchema, GraphProtoSchema, ModelProtoSchema, NodeProtoSchema,
  OperatorSetIdSchema, TensorShapeProtoSchema, TypeProtoSchema, TypeProtoTensorSchema, UNKNOWN_DIM, ValueInfoProtoSchema,
} from './reader.js';
import { encodeStringStringEntry, encodeTensorProto, paddingFieldBytes, writePaddingField } from './tensor-proto.js';

export function writeOnnx(model: Model): Uint8Array {
  const f = ModelProtoSchema.fields;
  const w = new ProtoWriter();
  w.int64(f.irVersion, model.irVersion);
  if (model.producerName !== '') w.string(f.producerName, model.producerName);
  if (model.producerVersion !== '') w.string(f.producerVersion, model.producerVersion);
  // The graph starts at a multiple of RAW_DATA_ALIGNMENT (after a doc_string of spaces), and its
  // initializers' raw_data at multiples from there: a reader can view the weights in place.
  const graph = encodeGraph(model.graph);
  writePaddingField(w, f.docString, paddingFieldBytes(-(w.length + lengthDelimitedHeaderBytes(graph.length))));
  w.message(f.graph, graph);
  for (const opset of model.opsets) {
    const entry = new ProtoWriter();
    if (opset.domain !== '') entry.string(OperatorSetIdSchema.fields.domain, opset.domain);
    entry.int64(OperatorSetIdSchema.fields.version, opset.version);
    w.message(f.opsetImport, entry);
  }
  for (const [key, value] of Object.entries(model.metadata)) w.message(f.metadataProps, encodeStringStringEntry(key, value));
  return w.finish();
}

function encodeGraph(graph: Graph): ProtoWriter {
  const f = GraphProtoSchema.fields;
  const w = new ProtoWriter();
  for (const node of graph.nodes) w.message(f.node, encodeNode(node));
  if (graph.name !== '') w.string(f.name, graph.name);
  for (const [name, tensor] of graph.initializers) {
    w.message(f.initializer, encodeTensorProto(name, tensor, (length) => w.length + lengthDelimitedHeaderBytes(length)));
  }
  for (const info of graph.inputs) w.message(f.input, encodeValueInfo(info));
  for (const info of graph.outputs) w.message(f.output, encodeValueInfo(info));
  for (const info of graph.valueInfo) w.message(f.valueInfo, encodeValueInfo(info));
  return w;
}

function encodeNode(node: Node): ProtoWriter {
  const f = NodeProtoSchema.fields;
  const w = new ProtoWriter();
  for (const name of node.inputs) w.string(f.input, name);
  for (const name of node.outputs) w.string(f.output, name);
  if (node.name !== '') w.string(f.name, node.name);
  w.string(f.opType, node.op);
  for (const [name, attr] of Object.entries(node.attrs)) w.message(f.attribute, encodeAttribute(name, attr, node));
  if (node.domain !== '') w.string(f.domain, node.domain);
  return w;
}

function encodeAttribute(name: string, attr: Attr, node: Node): ProtoWriter {
  const f = AttributeProtoSchema.fields;
  const w = new ProtoWriter();
  w.string(f.name, name);
  w.int64(f.type, ATTRIBUTE_TYPE[attr.kind]);
  const checkInteger = (v: number): number => {
    if (!Number.isInteger(v)) throw new ModelFormatError(`${node.op} node '${node.name}': attribute '${name}' holds ${v}, not an integer`);
    return v;
  };
  switch (attr.kind) {
    case 'float': w.float(f.f, attr.value); break;
    case 'int': w.int64(f.i, checkInteger(attr.value)); break;
    case 'string': w.string(f.s, attr.value); break;
    case 'tensor': w.message(f.t, encodeTensorProto('', attr.value)); break;
    case 'graph': w.message(f.g, encodeGraph(attr.value)); break;
    case 'floats': for (const v of attr.value) w.float(f.floats, v); break;
    case 'ints': for (const v of attr.value) w.int64(f.ints, checkInteger(v)); break;
    case 'strings': for (const v of attr.value) w.string(f.strings, v); break;
    case 'tensors': for (const t of attr.value) w.message(f.tensors, encodeTensorProto('', t)); break;
    case 'graphs': for (const g of attr.value) w.message(f.graphs, encodeGraph(g)); break;
  }
  return w;
}

function encodeValueInfo(info: ValueInfo): ProtoWriter {
  const tensorType = new ProtoWriter().int64(TypeProtoTensorSchema.fields.elemType, ONNX_DATA_TYPE[info.dtype]);
  if (info.shape !== undefined) {
    const shape = new ProtoWriter();
    for (const d of info.shape) {
      const dim = new ProtoWriter();
      // An unknown dimension is a Dimension with neither field set.
      if (typeof d === 'number') dim.int64(DimensionSchema.fields.dimValue, d);
      else if (d !== UNKNOWN_DIM) dim.string(DimensionSchema.fields.dimParam, d);
      shape.message(TensorShapeProtoSchema.fields.dim, dim);
    }
    tensorType.message(TypeProtoTensorSchema.fields.shape, shape);
  }
  const type = new ProtoWriter().message(TypeProtoSchema.fields.tensorType, tensorType);
  return new ProtoWriter().string(ValueInfoProtoSchema.fields.name, info.name).message(ValueInfoProtoSchema.fields.type, type);
}

// ---- a small builder for tests and tools ----

/** Attribute values of each kind; floats are rounded to float32, as an ONNX file stores them. */
export const attr = {
  ...exactAttr,
  float: (value: number): Attr => exactAttr.float(Math.fround(value)),
  floats: (value: readonly number[]): Attr => exactAttr.floats(value.map(Math.fround)),
};

export interface SingleNodeSpec {
  op: string;
  inputs: { name: string; dtype: DType; shape: (number | string)[] }[];
  /** Output shapes may be left out: ONNX Runtime infers them. */
  outputs: { name: string; dtype: DType; shape?: (number | string)[] }[];
  attrs?: Record<string, Attr>;
  /** Constant inputs; by default the node takes the graph inputs, then these, in order. */
  initializers?: Record<string, Tensor>;
  /** The node's input list when the default order does not fit ('' for an omitted optional input). */
  nodeInputs?: string[];
  /** Default-domain opset (17 unless given). */
  opset?: number;
  /** The op's domain; a non-default domain is imported at version 1. */
  domain?: string;
}

/** A model of one node: the unit of most op tests. */
export function singleNodeModel(spec: SingleNodeSpec): Model {
  const emit = new GraphEmitter(`${spec.op}_test`);
  const initializers = Object.entries(spec.initializers ?? {});
  for (const [name, tensor] of initializers) emit.initializer(name, tensor);
  for (const { name, dtype, shape } of spec.inputs) emit.input(name, dtype, [...shape]);
  for (const { name, dtype, shape } of spec.outputs) emit.output(name, dtype, shape === undefined ? undefined : [...shape]);
  const domain = spec.domain ?? '';
  const inputs = spec.nodeInputs ?? [...spec.inputs.map((i) => i.name), ...initializers.map(([name]) => name)];
  emit.node(spec.op, spec.op, inputs, spec.outputs.map((o) => o.name), { ...spec.attrs }, domain);
  const model = emit.model(spec.opset ?? 17);
  if (domain !== '' && domain !== 'ai.onnx') model.opsets.push({ domain, version: 1 });
  return model;
}
