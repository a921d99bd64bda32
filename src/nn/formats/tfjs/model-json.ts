// The TensorFlow.js graph-model format: model.json (a GraphDef in protobuf's JSON mapping plus a
// weights manifest) and the binary weight shards it lists. This file parses the JSON side and
// decodes the weights to host tensors; mapping.ts turns the nodes into the engine's graph.
//
// Protobuf's JSON mapping drops default values: a missing `i` is 0, a missing `b` false, a
// missing list empty, a dimension without `size` has size 0. 64-bit integers are strings.
import { ModelFormatError } from '../../errors.js';
import { limits } from '../../limits.js';
import { bytesPerElement, float32, fromNumbers, halfToFloat, sizeOf, tensor, viewData, type DType, type Tensor, type TensorData } from '../../tensor.js';

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
  topology.node.forEach((n, i) => checkNode(n, `modelTopology.node[${i}]`));
  const manifest = model.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new ModelFormatError('weightsManifest is not a list', 'weightsManifest');
  manifest.forEach((group, g) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new ModelFormatError('a weights group lacks paths or weights', `weightsManifest[${g}]`);
    group.paths.forEach((path, i) => expectType(path, 'string', `weightsManifest[${g}].paths[${i}]`));
    group.weights.forEach((w, i) => {
      const where = `weightsManifest[${g}].weights[${i}]`;
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') throw new ModelFormatError('a weight lacks its name, shape or dtype', where);
      if (!w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new ModelFormatError(`weight '${w.name}' has shape [${w.shape.join(', ')}]`, where);
      if (w.quantization !== undefined) {
        const q = w.quantization;
        if (!isObject(q) || typeof q.dtype !== 'string') throw new ModelFormatError(`weight '${w.name}': quantization lacks its dtype`, `${where}.quantization`);
        for (const key of ['scale', 'min'] as const) if (q[key] !== undefined) expectType(q[key], 'number', `${where}.quantization.${key}`);
        if (q.original_dtype !== undefined) expectType(q.original_dtype, 'string', `${where}.quantization.original_dtype`);
      }
    });
  });
  if (model.signature !== undefined) {
    if (!isObject(model.signature)) throw new ModelFormatError('signature is not an object', 'signature');
    for (const side of ['inputs', 'outputs'] as const) {
      const entries = model.signature[side];
      if (entries === undefined) continue;
      if (!isObject(entries)) throw new ModelFormatError(`signature.${side} is not an object`, `signature.${side}`);
      for (const [key, info] of Object.entries(entries)) {
        const where = `signature.${side}.${key}`;
        if (!isObject(info) || typeof info.name !== 'string') throw new ModelFormatError('a signature entry lacks its name', where);
        if (info.dtype !== undefined) expectType(info.dtype, 'string', `${where}.dtype`);
        if (info.tensorShape !== undefined) checkShape(info.tensorShape, `${where}.tensorShape`);
      }
    }
  }
  return { ...(model as TfjsModelJson), weightsManifest: manifest };
}

// ---- structure: every field the reader reads has the JSON type it expects, checked up front ----

function isObject(v: unknown): v is Record<string, unknown> & object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectType(v: unknown, type: 'string' | 'number' | 'boolean', where: string): void {
  if (typeof v !== type) throw new ModelFormatError(`expected a ${type}, found ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}`, where);
}

function expectList(v: unknown, element: (x: unknown, where: string) => void, where: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) throw new ModelFormatError('expected a list', where);
  v.forEach((x, i) => element(x, `${where}[${i}]`));
}

const isInt64 = (v: unknown, where: string): void => {
  if (!(typeof v === 'number' && Number.isInteger(v)) && !(typeof v === 'string' && /^-?\d{1,20}$/.test(v))) throw new ModelFormatError(`expected an integer, found ${JSON.stringify(v)}`, where);
};
const isString = (v: unknown, where: string): void => expectType(v, 'string', where);
const isNumber = (v: unknown, where: string): void => {
  // Protobuf's JSON mapping writes NaN and infinities as strings.
  if (typeof v !== 'number' && !(typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v))) throw new ModelFormatError(`expected a number, found ${JSON.stringify(v)}`, where);
};
const isBoolean = (v: unknown, where: string): void => expectType(v, 'boolean', where);
const isBase64 = (v: unknown, where: string): void => {
  expectType(v, 'string', where);
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(v as string)) throw new ModelFormatError('expected base64 text', where);
};

function checkShape(v: unknown, where: string): void {
  if (!isObject(v)) throw new ModelFormatError('a shape is not an object', where);
  if (v.unknownRank !== undefined) isBoolean(v.unknownRank, `${where}.unknownRank`);
  expectList(v.dim, (d, at) => {
    if (!isObject(d)) throw new ModelFormatError('a dimension is not an object', at);
    if (d.size !== undefined) isInt64(d.size, `${at}.size`);
    if (d.name !== undefined) isString(d.name, `${at}.name`);
  }, `${where}.dim`);
}

function checkTensor(v: unknown, where: string): void {
  if (!isObject(v)) throw new ModelFormatError('a tensor is not an object', where);
  if (v.dtype !== undefined) isString(v.dtype, `${where}.dtype`);
  if (v.tensorShape !== undefined) checkShape(v.tensorShape, `${where}.tensorShape`);
  if (v.tensorContent !== undefined) isBase64(v.tensorContent, `${where}.tensorContent`);
  expectList(v.floatVal, isNumber, `${where}.floatVal`);
  expectList(v.intVal, isInt64, `${where}.intVal`);
  expectList(v.int64Val, isInt64, `${where}.int64Val`);
  expectList(v.boolVal, isBoolean, `${where}.boolVal`);
}

function checkAttr(v: unknown, where: string): void {
  if (!isObject(v)) throw new ModelFormatError('an attribute is not an object', where);
  if (v.i !== undefined) isInt64(v.i, `${where}.i`);
  if (v.f !== undefined) isNumber(v.f, `${where}.f`);
  if (v.b !== undefined) isBoolean(v.b, `${where}.b`);
  if (v.s !== undefined) isBase64(v.s, `${where}.s`);
  if (v.type !== undefined) isString(v.type, `${where}.type`);
  if (v.shape !== undefined) checkShape(v.shape, `${where}.shape`);
  if (v.tensor !== undefined) checkTensor(v.tensor, `${where}.tensor`);
  if (v.list !== undefined) {
    const list = v.list;
    if (!isObject(list)) throw new ModelFormatError('a list attribute is not an object', `${where}.list`);
    expectList(list.i, isInt64, `${where}.list.i`);
    expectList(list.f, isNumber, `${where}.list.f`);
    expectList(list.s, isBase64, `${where}.list.s`);
    expectList(list.b, isBoolean, `${where}.list.b`);
    expectList(list.type, isString, `${where}.list.type`);
    expectList(list.shape, checkShape, `${where}.list.shape`);
  }
}

function checkNode(n: unknown, where: string): void {
  if (!isObject(n) || typeof n.name !== 'string' || typeof n.op !== 'string') throw new ModelFormatError('a node lacks its name or op', where);
  if (n.input !== undefined && !Array.isArray(n.input)) throw new ModelFormatError(`node '${n.name}': input is not a list`, where);
  expectList(n.input, isString, `${where}.input`);
  if (n.device !== undefined) isString(n.device, `${where}.device`);
  if (n.attr !== undefined) {
    if (!isObject(n.attr)) throw new ModelFormatError(`node '${n.name}': attr is not an object`, `${where}.attr`);
    for (const [key, value] of Object.entries(n.attr)) checkAttr(value, `${where}.attr.${key}`);
  }
}

// ---- attributes ----

export function decodeBase64String(s: string): string {
  return new TextDecoder().decode(decodeBase64(s));
}

function decodeBase64(s: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw new ModelFormatError(`'${s.slice(0, 40)}' is not base64 text`);
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const TF_DTYPES = new Map<string, DType>(Object.entries({
  DT_FLOAT: 'float32',
  DT_HALF: 'float16',
  DT_DOUBLE: 'float64',
  DT_INT32: 'int32',
  DT_INT64: 'int64',
  DT_INT8: 'int8',
  DT_UINT8: 'uint8',
  DT_BOOL: 'bool',
}));

/** The engine dtype of a TF DataType name, or undefined for one the engine has no counterpart of. */
export function dtypeOfTf(type: string | undefined): DType | undefined {
  return type === undefined ? undefined : TF_DTYPES.get(type);
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
export function decodeTensorProto(proto: TfTensorProto, where: string, budget?: { bytes: number }): Tensor {
  const dtype = dtypeOfTf(proto.dtype);
  if (dtype === undefined || dtype === 'float16') throw new ModelFormatError(`constant of dtype ${proto.dtype} is not supported`, where);
  const shape = dimsOf(proto.tensorShape) ?? [];
  if (shape.some((d) => d < 0)) throw new ModelFormatError(`constant with unknown dimensions [${shape.join(', ')}]`, where);
  const n = sizeOf(shape);
  if (proto.tensorContent !== undefined) return decodeRaw(decodeBase64(proto.tensorContent), dtype, shape, where);
  const values: number[] = (proto.floatVal ?? proto.intVal ?? proto.int64Val ?? proto.boolVal ?? []).map((v) => Number(v));
  if (values.length === n) return fromNumbers(dtype, shape, values);
  if (values.length > 1) throw new ModelFormatError(`constant has ${values.length} values for shape [${shape.join(', ')}]`, where);
  // A proto may give one value (or none: zeros) to fill the whole tensor: values the file does not
  // hold, so their bytes count against the reader's budget.
  const t = tensor(dtype, shape);
  if (budget !== undefined) {
    budget.bytes += t.data.byteLength;
    if (budget.bytes > limits().maxSessionBytes) throw new ModelFormatError(`constants filled from one value would hold more than ${limits().maxSessionBytes} bytes (limit maxSessionBytes)`, where);
  }
  // The one value converted as fromNumbers converts any (int64 saturates, bool is 0 or 1).
  const one = fromNumbers(dtype, [], [values[0] ?? 0]).data;
  if (one instanceof BigInt64Array) (t.data as BigInt64Array).fill(one[0]!);
  else (t.data as Exclude<TensorData, BigInt64Array>).fill(one[0]!);
  return t;
}

function decodeRaw(bytes: Uint8Array, dtype: DType, shape: number[], where: string): Tensor {
  const n = sizeOf(shape);
  const width = bytesPerElement(dtype);
  if (bytes.length !== n * width) throw new ModelFormatError(`constant has ${bytes.length} bytes, shape [${shape.join(', ')}] of ${dtype} needs ${n * width}`, where);
  return { dtype, shape, data: viewData(dtype, bytes.slice().buffer, 0, n) };
}

// ---- weights ----

/** Bytes per stored element of each manifest dtype (quantized weights store the quantized type). */
const STORED_BYTES = new Map<string, number>(Object.entries({ float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 }));

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
      const width = STORED_BYTES.get(stored);
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
