// ONNX's TensorProto: a tensor's name, dims, data type and values. Values come either as
// little-endian bytes (raw_data, what every modern exporter writes), in a typed repeated field
// (float_data, int32_data, int64_data, double_data: older files and small constants), or in an
// external file named by external_data. The writer always uses raw_data.
import { ModelFormatError, WasmposeError } from '../../errors.js';
import { ONNX_DATA_TYPE } from '../../graph.js';
import { allocData, bytesPerElement, shapeString, sizeOf, viewData, type DType, type Tensor, type TensorData } from '../../tensor.js';
import { lengthDelimitedHeaderBytes, messageSchema, ProtoReader, ProtoWriter } from '../protobuf.js';

export const TensorProtoSchema = messageSchema('TensorProto', {
  dims: 1,
  dataType: 2,
  segment: 3,
  floatData: 4,
  int32Data: 5,
  stringData: 6,
  int64Data: 7,
  name: 8,
  rawData: 9,
  doubleData: 10,
  uint64Data: 11,
  docString: 12,
  externalData: 13,
  dataLocation: 14,
});

export const StringStringEntrySchema = messageSchema('StringStringEntryProto', { key: 1, value: 2 });

const DTYPE_OF_ONNX_DATA_TYPE = new Map<number, DType>(
  Object.entries(ONNX_DATA_TYPE).map(([dtype, code]) => [code, dtype as DType]),
);

/** Every TensorProto.DataType, for error messages about the ones the engine does not hold. */
const ONNX_DATA_TYPE_NAMES = [
  'UNDEFINED', 'FLOAT', 'UINT8', 'INT8', 'UINT16', 'INT16', 'INT32', 'INT64', 'STRING', 'BOOL', 'FLOAT16',
  'DOUBLE', 'UINT32', 'UINT64', 'COMPLEX64', 'COMPLEX128', 'BFLOAT16', 'FLOAT8E4M3FN', 'FLOAT8E4M3FNUZ',
  'FLOAT8E5M2', 'FLOAT8E5M2FNUZ', 'UINT4', 'INT4', 'FLOAT4E2M1',
];

/** The dtype for an ONNX data type number, if the engine holds that type. */
export function dtypeOfOnnxDataType(code: number): DType | undefined {
  return DTYPE_OF_ONNX_DATA_TYPE.get(code);
}

/** "unsupported data type 8 (STRING)", for errors about types the engine does not hold. */
export function unsupportedDataTypeMessage(code: number): string {
  return `unsupported data type ${code} (${ONNX_DATA_TYPE_NAMES[code] ?? 'unknown'}); supported: FLOAT, FLOAT16, DOUBLE, INT64, INT32, INT8, UINT8, BOOL`;
}

export interface TensorProtoOptions {
  /** Returns the bytes of an external data file, given its location relative to the model. */
  externalData?: (location: string) => Uint8Array;
}

// raw_data is little-endian, and typed arrays use the host's byte order: copying bytes straight
// into a typed array is only right on a little-endian host (x86, ARM and wasm all are).
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes the TensorProto the reader is positioned over (a nested message or a whole file). */
export function decodeTensorProto(r: ProtoReader, options: TensorProtoOptions = {}): { name: string; tensor: Tensor } {
  const f = TensorProtoSchema.fields;
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  let external = false;
  const externalEntries = new Map<string, string>();
  const floats: number[] = [];
  const doubles: number[] = [];
  const int32s: number[] = [];
  const int64s: bigint[] = [];
  while (r.next()) {
    switch (r.field) {
      case f.dims: r.int64s(dims); break;
      case f.dataType: dataType = r.int32(); break;
      case f.segment: throw r.error('segmented tensors (TensorProto.segment) are not supported');
      case f.floatData: r.floats(floats); break;
      case f.int32Data: r.int32s(int32s); break;
      case f.int64Data: r.int64sBig(int64s); break;
      case f.name: name = r.string(); break;
      case f.rawData: raw = r.bytesView(); break;
      case f.doubleData: r.doubles(doubles); break;
      case f.externalData: {
        const [key, value] = decodeStringStringEntry(r.message(StringStringEntrySchema));
        externalEntries.set(key, value);
        break;
      }
      case f.dataLocation: external = r.int32() === 1; break;
      default: r.skip();
    }
  }

  const where = `TensorProto at byte ${r.startOffset}`;
  const fail = (message: string): ModelFormatError => new ModelFormatError(`tensor '${name}': ${message}`, where);
  const dtype = dtypeOfOnnxDataType(dataType);
  if (dtype === undefined) throw fail(unsupportedDataTypeMessage(dataType));
  const count = sizeOf(dims);

  if (external) raw = externalBytes(externalEntries, count * bytesPerElement(dtype), options, fail);
  if (raw !== undefined) return { name, tensor: { dtype, shape: dims, data: fromLittleEndian(raw, dtype, count, dims, fail) } };

  const checkCount = (values: { length: number }, field: string): void => {
    if (values.length !== count) throw fail(`${values.length} values in ${field} but shape ${shapeString(dims)} needs ${count}`);
  };
  let data: TensorData;
  switch (dtype) {
    case 'float32': checkCount(floats, 'float_data'); data = Float32Array.from(floats); break;
    case 'float64': checkCount(doubles, 'double_data'); data = Float64Array.from(doubles); break;
    case 'int64': checkCount(int64s, 'int64_data'); data = BigInt64Array.from(int64s); break;
    // int32_data also carries the small integer types and float16 (its bits, as an integer).
    case 'int32': checkCount(int32s, 'int32_data'); data = Int32Array.from(int32s); break;
    case 'int8': checkCount(int32s, 'int32_data'); data = Int8Array.from(int32s); break;
    case 'uint8': case 'bool': checkCount(int32s, 'int32_data'); data = Uint8Array.from(int32s); break;
    case 'float16': checkCount(int32s, 'int32_data'); data = Uint16Array.from(int32s); break;
  }
  return { name, tensor: { dtype, shape: dims, data } };
}

function fromLittleEndian(
  raw: Uint8Array, dtype: DType, count: number, dims: number[], fail: (message: string) => ModelFormatError,
): TensorData {
  const byteLength = count * bytesPerElement(dtype);
  if (raw.length !== byteLength) {
    throw fail(`${raw.length} bytes of data but ${dtype} shape ${shapeString(dims)} needs ${byteLength}`);
  }
  if (!HOST_IS_LITTLE_ENDIAN) throw fail('reading tensors needs a little-endian host');
  // Bytes aligned for the element type (as writeOnnx lays them out) are viewed in place, so the
  // weights are not held twice, the file and a copy; the tensor then keeps the file's buffer
  // alive, which holds little else. Unaligned bytes are copied.
  const elementBytes = bytesPerElement(dtype);
  if (raw.byteOffset % elementBytes === 0) return viewData(dtype, raw.buffer, raw.byteOffset, count);
  const data = allocData(dtype, count);
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(raw);
  return data;
}

function externalBytes(
  entries: Map<string, string>, byteLength: number, options: TensorProtoOptions, fail: (message: string) => ModelFormatError,
): Uint8Array {
  const location = entries.get('location');
  if (location === undefined || location === '') throw fail('external data without a location');
  // Locations are relative to the model's folder; refusing absolute paths and '..' keeps a model
  // from pointing a resolver at arbitrary files.
  if (/^([/\\]|[A-Za-z]:)/.test(location) || location.split(/[/\\]/).includes('..')) {
    throw fail(`external data location '${location}' must be a relative path inside the model's folder`);
  }
  if (options.externalData === undefined) {
    throw fail(`data is in external file '${location}' but no external data resolver was given`);
  }
  const offset = parseExternalNumber(entries.get('offset'), 'offset', fail) ?? 0;
  const length = parseExternalNumber(entries.get('length'), 'length', fail) ?? byteLength;
  if (length !== byteLength) throw fail(`external data length ${length} but the tensor needs ${byteLength} bytes`);
  let file: Uint8Array;
  try {
    file = options.externalData(location);
  } catch (e) {
    if (e instanceof WasmposeError) throw e;
    throw fail(`cannot read external data file '${location}': ${e instanceof Error ? e.message : String(e)}`);
  }
  if (offset + length > file.length) {
    throw fail(`external data range ${offset}..${offset + length} is past the end of '${location}' (${file.length} bytes)`);
  }
  return file.subarray(offset, offset + length);
}

function parseExternalNumber(text: string | undefined, key: string, fail: (message: string) => ModelFormatError): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw fail(`external data ${key} '${text}' is not a byte count`);
  return value;
}

export function decodeStringStringEntry(r: ProtoReader): [string, string] {
  const f = StringStringEntrySchema.fields;
  let key = '';
  let value = '';
  while (r.next()) {
    if (r.field === f.key) key = r.string();
    else if (r.field === f.value) value = r.string();
    else r.skip();
  }
  return [key, value];
}

export function encodeStringStringEntry(key: string, value: string): ProtoWriter {
  return new ProtoWriter().string(StringStringEntrySchema.fields.key, key).string(StringStringEntrySchema.fields.value, value);
}

/** Where writeOnnx puts raw_data: at multiples of this many bytes from the file's start, so readers can view it in place. */
export const RAW_DATA_ALIGNMENT = 16;

/**
 * Bytes of a padding field (a length-delimited field of the given number, its tag one byte)
 * that moves what follows by `shift` mod RAW_DATA_ALIGNMENT: 0 for no field, and never 1 (the
 * smallest field is two bytes), so 1 becomes RAW_DATA_ALIGNMENT + 1.
 */
export function paddingFieldBytes(shift: number): number {
  const t = ((shift % RAW_DATA_ALIGNMENT) + RAW_DATA_ALIGNMENT) % RAW_DATA_ALIGNMENT;
  return t === 1 ? RAW_DATA_ALIGNMENT + 1 : t;
}

/** Writes a padding field of `bytes` bytes in total (see paddingFieldBytes): a string of spaces. */
export function writePaddingField(w: ProtoWriter, field: number, bytes: number): void {
  if (bytes === 0) return;
  w.string(field, ' '.repeat(bytes - 2));
}

/**
 * Encodes a tensor as a TensorProto with raw_data (an empty name is left out). With
 * `payloadStart` (where the message's first byte will be, from an aligned origin, given the
 * message's length), raw_data is preceded by a doc_string of spaces that puts its bytes at a
 * multiple of RAW_DATA_ALIGNMENT from that origin.
 */
export function encodeTensorProto(name: string, tensor: Tensor, payloadStart?: (messageLength: number) => number): ProtoWriter {
  const f = TensorProtoSchema.fields;
  const w = new ProtoWriter();
  for (const d of tensor.shape) w.int64(f.dims, d);
  w.int64(f.dataType, ONNX_DATA_TYPE[tensor.dtype]);
  if (name !== '') w.string(f.name, name);
  if (!HOST_IS_LITTLE_ENDIAN) throw new ModelFormatError('writing tensors needs a little-endian host');
  const data = tensor.data;
  const rawHeader = lengthDelimitedHeaderBytes(data.byteLength);
  if (payloadStart !== undefined) {
    // The padding depends on where the message starts, which depends (through its length
    // prefix) on the padding. The padding only grows, by whole alignments where the residue
    // would have it shrink, and the prefix grows with it: a few rounds settle both.
    let padding = 0;
    for (;;) {
      const length = w.length + padding + rawHeader + data.byteLength;
      const needed = paddingFieldBytes(-(payloadStart(length) + w.length + rawHeader));
      if (needed <= padding && (padding - needed) % RAW_DATA_ALIGNMENT === 0) break;
      padding = needed > padding ? needed : needed + RAW_DATA_ALIGNMENT * Math.ceil((padding - needed) / RAW_DATA_ALIGNMENT);
    }
    writePaddingField(w, f.docString, padding);
  }
  w.bytes(f.rawData, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return w;
}

/** Reads a serialized TensorProto file (the `.pb` inputs and outputs of ONNX test cases). */
export function readTensorProto(bytes: Uint8Array, options: TensorProtoOptions = {}): { name: string; tensor: Tensor } {
  return decodeTensorProto(ProtoReader.root(bytes, TensorProtoSchema), options);
}

export function writeTensorProto(name: string, tensor: Tensor): Uint8Array {
  return encodeTensorProto(name, tensor).finish();
}
