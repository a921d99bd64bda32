// Reads an ONNX model (a serialized onnx.ModelProto) into the graph IR of src/nn/graph.ts.
// Field numbers follow onnx/onnx.proto; fields the engine has no use for (doc strings, model
// domain and version, training info, local functions, quantization annotations) are skipped.
import { ModelFormatError } from '../../errors.js';
import type { Attr, Dim, Graph, Model, Node, OpsetImport, ValueInfo } from '../../graph.js';
import type { Tensor } from '../../tensor.js';
import { messageSchema, ProtoReader } from '../protobuf.js';
import {
  decodeStringStringEntry, decodeTensorProto, dtypeOfOnnxDataType, StringStringEntrySchema, TensorProtoSchema,
  unsupportedDataTypeMessage, type TensorProtoOptions,
} from './tensor-proto.js';

export const ModelProtoSchema = messageSchema('ModelProto', {
  irVersion: 1, producerName: 2, producerVersion: 3, domain: 4, modelVersion: 5, docString: 6, graph: 7,
  opsetImport: 8, metadataProps: 14, trainingInfo: 20, functions: 25,
});
export const OperatorSetIdSchema = messageSchema('OperatorSetIdProto', { domain: 1, version: 2 });
export const GraphProtoSchema = messageSchema('GraphProto', {
  node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12, valueInfo: 13,
  quantizationAnnotation: 14, sparseInitializer: 15,
});
export const NodeProtoSchema = messageSchema('NodeProto', {
  input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7,
});
export const AttributeProtoSchema = messageSchema('AttributeProto', {
  name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, floats: 7, ints: 8, strings: 9, tensors: 10, graphs: 11,
  docString: 13, tp: 14, typeProtos: 15, type: 20, refAttrName: 21, sparseTensor: 22, sparseTensors: 23,
});
export const ValueInfoProtoSchema = messageSchema('ValueInfoProto', { name: 1, type: 2, docString: 3 });
export const TypeProtoSchema = messageSchema('TypeProto', {
  tensorType: 1, sequenceType: 4, mapType: 5, denotation: 6, sparseTensorType: 8, optionalType: 9,
});
export const TypeProtoTensorSchema = messageSchema('TypeProto.Tensor', { elemType: 1, shape: 2 });
export const TensorShapeProtoSchema = messageSchema('TensorShapeProto', { dim: 1 });
export const DimensionSchema = messageSchema('TensorShapeProto.Dimension', { dimValue: 1, dimParam: 2, denotation: 3 });

/** AttributeProto.AttributeType numbers of the kinds the IR holds. */
export const ATTRIBUTE_TYPE: Readonly<Record<Attr['kind'], number>> = {
  float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, tensors: 9, graphs: 10,
};
const ATTR_KIND_OF_TYPE = new Map<number, Attr['kind']>(
  Object.entries(ATTRIBUTE_TYPE).map(([kind, type]) => [type, kind as Attr['kind']]),
);
const UNSUPPORTED_ATTRIBUTE_TYPES = new Map([[11, 'SPARSE_TENSOR'], [12, 'SPARSE_TENSORS'], [13, 'TYPE_PROTO'], [14, 'TYPE_PROTOS']]);

/** Subgraphs (If/Loop/Scan bodies) nested deeper than this are taken as hostile input. */
export const MAX_GRAPH_NESTING = 64;
// Each graph level is three message levels (GraphProto > NodeProto > AttributeProto), plus the
// model, a tensor and its entries below the deepest graph.
const MAX_MESSAGE_DEPTH = 3 * MAX_GRAPH_NESTING + 8;

export type ReadOnnxOptions = TensorProtoOptions;

/**
 * Reads an ONNX model. Tensor values whose bytes are aligned for their type (writeOnnx aligns
 * them all) are views of `bytes` rather than copies: the bytes must not be modified while the
 * model is in use.
 */
export function readOnnx(bytes: Uint8Array, options: ReadOnnxOptions = {}): Model {
  // Exporters put all external tensors in one file: fetch each file once per model.
  const resolve = options.externalData;
  if (resolve !== undefined) {
    const files = new Map<string, Uint8Array>();
    const externalData = (location: string): Uint8Array => {
      const file = files.get(location) ?? resolve(location);
      files.set(location, file);
      return file;
    };
    options = { ...options, externalData };
  }
  const f = ModelProtoSchema.fields;
  const r = ProtoReader.root(bytes, ModelProtoSchema, { maxDepth: MAX_MESSAGE_DEPTH });
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  let graph: Graph | undefined;
  const opsets: OpsetImport[] = [];
  const metadata: [string, string][] = [];
  while (r.next()) {
    switch (r.field) {
      case f.irVersion: irVersion = r.int64(); break;
      case f.producerName: producerName = r.string(); break;
      case f.producerVersion: producerVersion = r.string(); break;
      case f.graph: graph = readGraph(r.message(GraphProtoSchema), 1, options); break;
      case f.opsetImport: opsets.push(readOpsetImport(r.message(OperatorSetIdSchema))); break;
      case f.metadataProps: metadata.push(decodeStringStringEntry(r.message(StringStringEntrySchema))); break;
      default: r.skip();
    }
  }
  if (graph === undefined) throw new ModelFormatError('not an ONNX model: ModelProto has no graph', 'end of file');
  // fromEntries defines own properties, so a key like '__proto__' stays plain data.
  return { graph, opsets, irVersion, producerName, producerVersion, metadata: Object.fromEntries(metadata) };
}

function readOpsetImport(r: ProtoReader): OpsetImport {
  let domain = '';
  let version = 0;
  while (r.next()) {
    if (r.field === OperatorSetIdSchema.fields.domain) domain = r.string();
    else if (r.field === OperatorSetIdSchema.fields.version) version = r.int64();
    else r.skip();
  }
  return { domain, version };
}

function readGraph(r: ProtoReader, nesting: number, options: ReadOnnxOptions): Graph {
  if (nesting > MAX_GRAPH_NESTING) {
    throw new ModelFormatError(`subgraphs nested more than ${MAX_GRAPH_NESTING} deep`, `GraphProto at byte ${r.startOffset}`);
  }
  const f = GraphProtoSchema.fields;
  const graph: Graph = { name: '', nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: [] };
  while (r.next()) {
    switch (r.field) {
      case f.node: graph.nodes.push(readNode(r.message(NodeProtoSchema), nesting, options)); break;
      case f.name: graph.name = r.string(); break;
      case f.initializer: {
        const { name, tensor } = decodeTensorProto(r.message(TensorProtoSchema), options);
        if (name === '') throw r.error('initializer without a name');
        if (graph.initializers.has(name)) throw r.error(`duplicate initializer '${name}'`);
        graph.initializers.set(name, tensor);
        break;
      }
      case f.input: graph.inputs.push(readRequiredValueInfo(r, 'graph input')); break;
      case f.output: graph.outputs.push(readRequiredValueInfo(r, 'graph output')); break;
      case f.valueInfo: {
        const info = readValueInfo(r.message(ValueInfoProtoSchema));
        // value_info only records inferred shapes: an entry the IR cannot hold is dropped.
        if (typeof info !== 'string') graph.valueInfo.push(info);
        break;
      }
      case f.sparseInitializer: throw r.error('sparse initializers are not supported');
      default: r.skip();
    }
  }
  return graph;
}

function readNode(r: ProtoReader, nesting: number, options: ReadOnnxOptions): Node {
  const f = NodeProtoSchema.fields;
  const node: Node = { name: '', op: '', domain: '', inputs: [], outputs: [], attrs: {} };
  const attrs: [string, Attr][] = [];
  while (r.next()) {
    switch (r.field) {
      case f.input: node.inputs.push(r.string()); break;
      case f.output: node.outputs.push(r.string()); break;
      case f.name: node.name = r.string(); break;
      case f.opType: node.op = r.string(); break;
      case f.domain: node.domain = r.string(); break;
      case f.attribute: {
        const at = r.fieldOffset;
        const entry = readAttribute(r.message(AttributeProtoSchema), nesting, options);
        if (attrs.some(([name]) => name === entry[0])) {
          throw new ModelFormatError(`duplicate attribute '${entry[0]}'`, `NodeProto.attribute at byte ${at}`);
        }
        attrs.push(entry);
        break;
      }
      default: r.skip();
    }
  }
  if (node.op === '') throw new ModelFormatError(`node '${node.name}' has no op_type`, `NodeProto at byte ${r.startOffset}`);
  node.attrs = Object.fromEntries(attrs);
  return node;
}

function readAttribute(r: ProtoReader, nesting: number, options: ReadOnnxOptions): [string, Attr] {
  const f = AttributeProtoSchema.fields;
  let name = '';
  let type = 0;
  let unsupportedField: string | undefined;
  let float: number | undefined;
  let int: number | undefined;
  let string: string | undefined;
  let tensor: Tensor | undefined;
  let graph: Graph | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  const tensors: Tensor[] = [];
  const graphs: Graph[] = [];
  while (r.next()) {
    switch (r.field) {
      case f.name: name = r.string(); break;
      case f.type: type = r.int32(); break;
      case f.f: float = r.float(); break;
      case f.i: int = r.int64(); break;
      case f.s: string = r.string(); break;
      case f.t: tensor = decodeTensorProto(r.message(TensorProtoSchema), options).tensor; break;
      case f.g: graph = readGraph(r.message(GraphProtoSchema), nesting + 1, options); break;
      case f.floats: r.floats(floats); break;
      case f.ints: r.int64s(ints); break;
      case f.strings: strings.push(r.string()); break;
      case f.tensors: tensors.push(decodeTensorProto(r.message(TensorProtoSchema), options).tensor); break;
      case f.graphs: graphs.push(readGraph(r.message(GraphProtoSchema), nesting + 1, options)); break;
      case f.sparseTensor: case f.sparseTensors: unsupportedField = 'SPARSE_TENSOR'; r.skip(); break;
      case f.tp: case f.typeProtos: unsupportedField = 'TYPE_PROTO'; r.skip(); break;
      default: r.skip();
    }
  }
  const where = `AttributeProto '${name}' at byte ${r.startOffset}`;
  const unsupported = UNSUPPORTED_ATTRIBUTE_TYPES.get(type) ?? (type === 0 ? unsupportedField : undefined);
  if (unsupported !== undefined) throw new ModelFormatError(`attribute '${name}' is a ${unsupported}, which is not supported`, where);

  // IR version 1 files have no type field: the kind is whichever value field is set.
  const kind = type !== 0
    ? ATTR_KIND_OF_TYPE.get(type)
    : floats.length > 0 ? 'floats' : ints.length > 0 ? 'ints' : strings.length > 0 ? 'strings'
    : tensors.length > 0 ? 'tensors' : graphs.length > 0 ? 'graphs'
    : float !== undefined ? 'float' : int !== undefined ? 'int' : string !== undefined ? 'string'
    : tensor !== undefined ? 'tensor' : graph !== undefined ? 'graph' : undefined;
  if (kind === undefined) {
    throw new ModelFormatError(type !== 0 ? `attribute '${name}' has unknown type ${type}` : `attribute '${name}' has no value`, where);
  }
  const attr = ((): Attr => {
    switch (kind) {
      // A scalar left out takes protobuf's default, as in any proto2 reader.
      case 'float': return { kind, value: float ?? 0 };
      case 'int': return { kind, value: int ?? 0 };
      case 'string': return { kind, value: string ?? '' };
      case 'tensor':
        if (tensor === undefined) throw new ModelFormatError(`attribute '${name}' is a TENSOR without a tensor`, where);
        return { kind, value: tensor };
      case 'graph':
        if (graph === undefined) throw new ModelFormatError(`attribute '${name}' is a GRAPH without a graph`, where);
        return { kind, value: graph };
      case 'floats': return { kind, value: floats };
      case 'ints': return { kind, value: ints };
      case 'strings': return { kind, value: strings };
      case 'tensors': return { kind, value: tensors };
      case 'graphs': return { kind, value: graphs };
    }
  })();
  return [name, attr];
}

/** A graph input or output: it must be a tensor of a dtype the engine holds. */
function readRequiredValueInfo(r: ProtoReader, role: string): ValueInfo {
  const at = r.fieldOffset;
  const info = readValueInfo(r.message(ValueInfoProtoSchema));
  if (typeof info === 'string') throw new ModelFormatError(`${role} ${info}`, `ValueInfoProto at byte ${at}`);
  return info;
}

/** The value's info, or why the IR cannot hold it (no type, or not a tensor). */
function readValueInfo(r: ProtoReader): ValueInfo | string {
  let name = '';
  let type: ReturnType<typeof readType> = 'has no type';
  while (r.next()) {
    if (r.field === ValueInfoProtoSchema.fields.name) name = r.string();
    else if (r.field === ValueInfoProtoSchema.fields.type) type = readType(r.message(TypeProtoSchema));
    else r.skip();
  }
  if (typeof type === 'string') return `'${name}' ${type}`;
  const dtype = dtypeOfOnnxDataType(type.elemType);
  if (dtype === undefined) return `'${name}': ${unsupportedDataTypeMessage(type.elemType)}`;
  return type.shape === undefined ? { name, dtype } : { name, dtype, shape: type.shape };
}

function readType(r: ProtoReader): { elemType: number; shape?: Dim[] } | string {
  const f = TypeProtoSchema.fields;
  let result: ReturnType<typeof readType> = 'has no type';
  while (r.next()) {
    switch (r.field) {
      case f.tensorType: result = readTensorType(r.message(TypeProtoTensorSchema)); break;
      case f.sequenceType: result = 'is a sequence, not a tensor'; r.skip(); break;
      case f.mapType: result = 'is a map, not a tensor'; r.skip(); break;
      case f.sparseTensorType: result = 'is a sparse tensor, which is not supported'; r.skip(); break;
      case f.optionalType: result = 'is an optional, not a tensor'; r.skip(); break;
      default: r.skip();
    }
  }
  return result;
}

function readTensorType(r: ProtoReader): { elemType: number; shape?: Dim[] } {
  let elemType = 0;
  let shape: Dim[] | undefined;
  while (r.next()) {
    if (r.field === TypeProtoTensorSchema.fields.elemType) elemType = r.int32();
    else if (r.field === TypeProtoTensorSchema.fields.shape) shape = readShape(r.message(TensorShapeProtoSchema));
    else r.skip();
  }
  return shape === undefined ? { elemType } : { elemType, shape };
}

/** Unknown dimensions (no value, a negative value, an empty name) become '?'. */
export const UNKNOWN_DIM = '?';

function readShape(r: ProtoReader): Dim[] {
  const shape: Dim[] = [];
  while (r.next()) {
    if (r.field !== TensorShapeProtoSchema.fields.dim) {
      r.skip();
      continue;
    }
    const d = r.message(DimensionSchema);
    let dim: Dim = UNKNOWN_DIM;
    while (d.next()) {
      if (d.field === DimensionSchema.fields.dimValue) {
        const value = d.int64();
        dim = value >= 0 ? value : UNKNOWN_DIM;
      } else if (d.field === DimensionSchema.fields.dimParam) {
        dim = d.string() || UNKNOWN_DIM;
      } else {
        d.skip();
      }
    }
    shape.push(dim);
  }
  return shape;
}
