// The TensorFlow.js graph-model format: model.json (a GraphDef in protobuf's JSON mapping plus a
// weights manifest) and the binary weight shards it lists. This file parses the JSON side and
// decodes the weights to host tensors; mapping.ts turns the nodes into the engine's graph.
//
// Protobuf's JSON mapping drops default values: a missing `i` is 0, a missing `b` false, a
// missing list empty, a dimension without `size` has size 0. 64-bit integers are strings.
import { ModelFormatError } from '../../errors.js';
import { fromNumbers, sizeOf, type DType, type Tensor } from '../../tensor.js';
import { float32, halfToFloat } from '../../tensor.js';

export interface TfTensorShape {
  dim?: { size?: string | number }[];
  unknownRank?: boolean;
}

export interface TfTensorProto {
  dtype?: string;
  tensorShape?: TfTensorShape;
  tensorContent?: string;
  floatVal?: number[];
  intVal?: number[];
  int64Val?: (string | number)[];
  boolVal?: boolean[];
}

export interface TfAttrValue {
  i?: string | number;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  shape?: TfTensorShape;
  tensor?: TfTensorProto;
  list?: { i?: (string | number)[]; f?: number[]; s?: string[]; b?: boolean[]; type?: string[]; shape?: TfTensorShape[] };
  func?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
  device?: string;
}

export interface TfWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface TfTensorInfo {
  name: string;
  dtype?: string;
  tensorShape?: TfTensorShape;
}

export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: { node?: TfNode[]; library?: { function?: unknown[] }; versions?: unknown };
  weightsManifest?: { paths: string[]; weights: TfWeightSpec[] }[];
  signature?: { inputs?: Record<string, TfTensorInfo>; outputs?: Record<string, TfTensorInfo> };
}

/** Parses and checks the parts of model.json the reader relies on. */
export function parseModelJson(source: object | string): TfjsModelJson {
  let json: unknown = source;
  if (typeof source === 'string') {
    try {
      json = JSON.parse(source);
    } catch (e) {
      throw new ModelFormatError(`model.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof json !== 'object' || json === null) throw new ModelFormatError('model.json is not a JSON object');
  const model = json as Partial<TfjsModelJson>;
  const topology = model.modelTopology as TfjsModelJson['modelTopology'] | undefined;
  if (typeof topology !== 'object' || topology === null) {
    throw new ModelFormatError('not a TensorFlow.js model: model.json has no modelTopology', 'modelTopology');
  }
  if ((model.format !== undefined && model.format !== 'graph-model') || !Array.isArray(topology.node)) {
    throw new ModelFormatError(`not a TensorFlow.js graph model (format '${model.format}'; a layers model has no graph nodes)`, 'format');
  }
  topology.node.forEach((n, i) => {
    if (typeof n?.name !== 'string' || typeof n.op !== 'string') throw new ModelFormatError('a node lacks its name or op', `modelTopology.node[${i}]`);
    if (n.input !== undefined && !Array.isArray(n.input)) throw new ModelFormatError(`node '${n.name}': input is not a list`, `modelTopology.node[${i}]`);
  });
  const manifest = model.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new ModelFormatError('weightsManifest is not a list', 'weightsManifest');
  manifest.forEach((group, g) => {
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) throw new ModelFormatError('a weights group lacks paths or weights', `weightsManifest[${g}]`);
    group.weights.forEach((w, i) => {
      const where = `weightsManifest[${g}].weights[${i}]`;
      if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') throw new ModelFormatError('a weight lacks its name, shape or dtype', where);
      if (!w.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ModelFormatError(`weight '${w.name}' has shape [${w.shape.join(', ')}]`, where);
    });
  });
  return { ...(model as TfjsModelJson), weightsManifest: manifest };
}

// ---- attributes ----

export function decodeBase64String(s: string): string {
  return new TextDecoder().decode(decodeBase64(s));
}

function decodeBase64(s: string): Uint8Array {
  const bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  return bytes;
}

const TF_DTYPES: Record<string, DType> = {
  DT_FLOAT: 'float32',
  DT_HALF: 'float16',
  DT_DOUBLE: 'float64',
  DT_INT32: 'int32',
  DT_INT64: 'int64',
  DT_INT8: 'int8',
  DT_UINT8: 'uint8',
  DT_BOOL: 'bool',
};

/** The engine dtype of a TF DataType name, or undefined for one the engine has no counterpart of. */
export function dtypeOfTf(type: string | undefined): DType | undefined {
  return type === undefined ? undefined : TF_DTYPES[type];
}

/** Dimensions of a shape proto; -1 for unknown ones, undefined for unknown rank. */
export function dimsOf(shape: TfTensorShape | undefined): number[] | undefined {
  if (shape === undefined || shape.unknownRank) return undefined;
  return (shape.dim ?? []).map((d) => Number(d.size ?? 0));
}

/** Typed attribute access for one node, with the defaults protobuf's JSON mapping implies. */
export class NodeAttrs {
  constructor(private readonly node: TfNode) {}

  has(name: string): boolean {
    return this.node.attr?.[name] !== undefined;
  }
  int(name: string, fallback = 0): number {
    const a = this.node.attr?.[name];
    return a === undefined ? fallback : Number(a.i ?? 0);
  }
  float(name: string, fallback = 0): number {
    const a = this.node.attr?.[name];
    return a === undefined ? fallback : Number(a.f ?? 0);
  }
  bool(name: string, fallback = false): boolean {
    const a = this.node.attr?.[name];
    return a === undefined ? fallback : a.b === true;
  }
  string(name: string, fallback = ''): string {
    const s = this.node.attr?.[name]?.s;
    return s === undefined ? fallback : decodeBase64String(s);
  }
  ints(name: string): number[] | undefined {
    const a = this.node.attr?.[name];
    return a === undefined ? undefined : (a.list?.i ?? []).map(Number);
  }
  strings(name: string): string[] {
    return (this.node.attr?.[name]?.list?.s ?? []).map(decodeBase64String);
  }
  type(name: string): string | undefined {
    return this.node.attr?.[name]?.type;
  }
  shape(name: string): number[] | undefined {
    return dimsOf(this.node.attr?.[name]?.shape);
  }
  tensor(name: string): TfTensorProto | undefined {
    return this.node.attr?.[name]?.tensor;
  }
}

/** A Const node's inline value (tfjs puts weights in the manifest, but small constants may be here). */
export function decodeTensorProto(proto: TfTensorProto, where: string): Tensor {
  const dtype = dtypeOfTf(proto.dtype);
  if (dtype === undefined || dtype === 'float16') throw new ModelFormatError(`constant of dtype ${proto.dtype} is not supported`, where);
  const shape = dimsOf(proto.tensorShape) ?? [];
  if (shape.some((d) => d < 0)) throw new ModelFormatError(`constant with unknown dimensions [${shape.join(', ')}]`, where);
  const n = sizeOf(shape);
  if (proto.tensorContent !== undefined) return decodeRaw(decodeBase64(proto.tensorContent), dtype, shape, where);
  const values: number[] = (proto.floatVal ?? proto.intVal ?? proto.int64Val ?? proto.boolVal ?? []).map((v) => Number(v));
  // A proto may give one value to fill the whole tensor.
  const filled = values.length === n ? values : values.length === 1 ? new Array<number>(n).fill(values[0]!) : values.length === 0 ? new Array<number>(n).fill(0) : undefined;
  if (filled === undefined) throw new ModelFormatError(`constant has ${values.length} values for shape [${shape.join(', ')}]`, where);
  return fromNumbers(dtype, shape, filled);
}

function decodeRaw(bytes: Uint8Array, dtype: DType, shape: number[], where: string): Tensor {
  const n = sizeOf(shape);
  const width = dtype === 'bool' || dtype === 'uint8' || dtype === 'int8' ? 1 : dtype === 'int64' || dtype === 'float64' ? 8 : 4;
  if (bytes.length !== n * width) throw new ModelFormatError(`constant has ${bytes.length} bytes, shape [${shape.join(', ')}] of ${dtype} needs ${n * width}`, where);
  const copy = bytes.slice().buffer;
  switch (dtype) {
    case 'float32': return { dtype, shape, data: new Float32Array(copy) };
    case 'int32': return { dtype, shape, data: new Int32Array(copy) };
    case 'int64': return { dtype, shape, data: new BigInt64Array(copy) };
    case 'float64': return { dtype, shape, data: new Float64Array(copy) };
    case 'int8': return { dtype, shape, data: new Int8Array(copy) };
    default: return { dtype, shape, data: new Uint8Array(copy) };
  }
}

// ---- weights ----

/** Bytes per stored element of each manifest dtype (quantized weights store the quantized type). */
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * Decodes every weight of the manifest from the shards, concatenated in manifest order (each
 * group's paths in order, groups in order), as tfjs does. Quantized weights are restored to
 * their dtype: uint8/uint16 as q * scale + min (rounded for int32), float16 by its bits.
 */
export function decodeWeights(model: TfjsModelJson, loadShard: (path: string) => Uint8Array): Map<string, Tensor> {
  const weights = new Map<string, Tensor>();
  (model.weightsManifest ?? []).forEach((group, g) => {
    const shards = group.paths.map((path) => {
      const bytes = loadShard(path);
      if (!(bytes instanceof Uint8Array)) throw new ModelFormatError(`weights shard '${path}' did not load as bytes`, `weightsManifest[${g}]`);
      return bytes;
    });
    const total = shards.reduce((s, b) => s + b.length, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const s of shards) {
      data.set(s, at);
      at += s.length;
    }
    const view = new DataView(data.buffer);
    let offset = 0;
    group.weights.forEach((spec, i) => {
      const where = `weightsManifest[${g}].weights[${i}] '${spec.name}'`;
      const n = sizeOf(spec.shape);
      const q = spec.quantization;
      const stored = q === undefined ? spec.dtype : q.dtype;
      const width = STORED_BYTES[stored];
      if (width === undefined) throw new ModelFormatError(`weights of dtype '${stored}' are not supported (float32, int32, bool; quantized uint8, uint16, float16)`, where);
      if (q !== undefined && spec.dtype !== 'float32' && !(spec.dtype === 'int32' && q.dtype !== 'float16')) {
        throw new ModelFormatError(`quantization ${q.dtype} of a ${spec.dtype} weight is not supported`, where);
      }
      const bytes = n * width;
      if (offset + bytes > total) {
        throw new ModelFormatError(
          `weights shards of group ${g} (${group.paths.join(', ')}) hold ${total} bytes, the manifest needs at least ${offset + bytes} by weight '${spec.name}' (truncated shard?)`,
          where,
        );
      }
      const read = (k: number): number => {
        const p = offset + k * width;
        switch (stored) {
          case 'float32': return view.getFloat32(p, true);
          case 'int32': return view.getInt32(p, true);
          case 'uint16': return view.getUint16(p, true);
          case 'float16': return halfToFloat(view.getUint16(p, true));
          default: return view.getUint8(p);
        }
      };
      let tensor: Tensor;
      if (q !== undefined && q.dtype !== 'float16') {
        if (typeof q.scale !== 'number' || typeof q.min !== 'number') throw new ModelFormatError(`${q.dtype} quantization without scale and min`, where);
        const { scale, min } = q;
        const values = Array.from({ length: n }, (_, k) => read(k) * scale + min);
        tensor = spec.dtype === 'int32' ? fromNumbers('int32', spec.shape, values.map(Math.round)) : float32(spec.shape, values);
      } else if (spec.dtype === 'float32') {
        const values = new Float32Array(n);
        for (let k = 0; k < n; k++) values[k] = read(k);
        tensor = float32(spec.shape, values);
      } else {
        tensor = fromNumbers(spec.dtype as DType, spec.shape, Array.from({ length: n }, (_, k) => read(k)));
      }
      weights.set(spec.name, tensor);
      offset += bytes;
    });
    if (offset !== total) {
      throw new ModelFormatError(`weights shards of group ${g} (${group.paths.join(', ')}) hold ${total} bytes but the manifest describes ${offset}`, `weightsManifest[${g}]`);
    }
  });
  return weights;
}
