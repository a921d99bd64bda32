// The ONNX file format: the protobuf wire format, ModelProto read and written, TensorProto in
// every storage form, models ONNX Runtime accepts, the ONNX project's own test models, and
// hostile input (truncated and corrupted files must give typed errors, never a crash or hang).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, ShapeError, WasmposeError } from '../src/nn/errors.js';
import { emptyGraph, emptyModel, runtimeInputs, type Graph, type Model } from '../src/nn/graph.js';
import { messageSchema, ProtoReader, ProtoWriter, WireType } from '../src/nn/formats/protobuf.js';
import { AttributeProtoSchema, GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, readOnnx } from '../src/nn/formats/onnx/reader.js';
import { encodeStringStringEntry, readTensorProto, TensorProtoSchema, writeTensorProto } from '../src/nn/formats/onnx/tensor-proto.js';
import { attr, singleNodeModel, writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { float32, int64, tensor, type DType, type Tensor } from '../src/nn/tensor.js';

const T = TensorProtoSchema.fields;

// Typed arrays compared as bytes (same type, same bits): element-by-element deep equality is far
// too slow for the megabytes of conformance weights.
expect.addEqualityTesters([
  (a: unknown, b: unknown): boolean | undefined => {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return undefined;
    return a.constructor === b.constructor && Buffer.compare(
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
    ) === 0;
  },
]);

/** Every dtype with sample values, including each type's extremes. */
const SAMPLES: Record<DType, Tensor> = {
  float32: float32([2, 2], [1.5, -2, 0, 3.25e10]),
  float16: tensor('float16', [3], Uint16Array.from([0x3c00, 0xc000, 0x7bff])), // 1, -2, 65504
  float64: tensor('float64', [2], Float64Array.from([Math.PI, -1e300])),
  int64: tensor('int64', [4], BigInt64Array.from([-1n, 2n ** 40n, 0x7fffffffffffffffn, -0x8000000000000000n])),
  int32: tensor('int32', [3], Int32Array.from([-5, 2147483647, -2147483648])),
  int8: tensor('int8', [3], Int8Array.from([-128, 127, -1])),
  uint8: tensor('uint8', [1, 3], Uint8Array.from([0, 255, 7])),
  bool: tensor('bool', [3], Uint8Array.from([1, 0, 1])),
};
const ONNX_TYPE: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11 };

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

// ---------------------------------------------------------------------------------------------

it('compares typed arrays by type and bits', () => {
  expect(float32([2], [1, 2])).not.toEqual(float32([2], [1, 3]));
  expect(Int32Array.from([1])).not.toEqual(Float32Array.from([1]));
  expect(float32([2], [1, 2])).toEqual(float32([2], [1, 2]));
});

describe('protobuf wire format', () => {
  const Schema = messageSchema('Test', { n: 1, f: 2, d: 3, s: 4, list: 5 });

  it('round-trips varints up to 64 bits, fixed32/64 and strings', () => {
    const numbers = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -300, -(2 ** 40)];
    const bigs = [0x7fffffffffffffffn, -0x8000000000000000n, 0x123456789abcdefn];
    const w = new ProtoWriter();
    for (const v of numbers) w.int64(1, v);
    for (const v of bigs) w.int64(1, v);
    w.float(2, 1.25).double(3, -Math.E).string(4, 'héllo ✓');
    const r = ProtoReader.root(w.finish(), Schema);
    for (const v of numbers) {
      expect(r.next()).toBe(true);
      expect(r.int64()).toBe(v);
    }
    for (const v of bigs) {
      expect(r.next()).toBe(true);
      expect(r.int64Big()).toBe(v);
    }
    r.next();
    expect(r.float()).toBe(1.25);
    r.next();
    expect(r.double()).toBe(-Math.E);
    r.next();
    expect(r.string()).toBe('héllo ✓');
    expect(r.next()).toBe(false);
  });

  it('reads repeated scalars packed and unpacked alike, and int32 from sign-extended varints', () => {
    const w = new ProtoWriter();
    w.packedInt64s(5, [1, -2, 3]);
    w.int64(5, -2147483648);
    w.int64(5, 7);
    const r = ProtoReader.root(w.finish(), Schema);
    const values: number[] = [];
    while (r.next()) r.int32s(values);
    expect(values).toEqual([1, -2, 3, -2147483648, 7]);
  });

  it('skips unknown fields of every wire type', () => {
    const w = new ProtoWriter();
    w.int64(9, 12345678901).float(10, 1).double(11, 2).string(12, 'skip me').int64(1, 42);
    const r = ProtoReader.root(w.finish(), Schema);
    let n = 0;
    while (r.next()) {
      if (r.field === 1) n = r.int64();
      else r.skip();
    }
    expect(n).toBe(42);
  });

  it('refuses malformed input with the field and byte offset', () => {
    const read = (bytes: number[]): unknown => catchError(() => {
      const r = ProtoReader.root(Uint8Array.from(bytes), Schema);
      while (r.next()) r.skip();
    });
    const tooLong = read([0x08, ...new Array<number>(10).fill(0xff), 0x01]);
    expect(tooLong).toBeInstanceOf(ModelFormatError);
    expect(String(tooLong)).toMatch(/varint longer than 10 bytes in field 1 \(Test\.n\).*byte 1/);
    for (const wire of [3, 4, 6, 7]) {
      expect(read([(2 << 3) | wire, 0])).toBeInstanceOf(ModelFormatError);
    }
    expect(String(read([(2 << 3) | 3]))).toMatch(/group/);
    const truncated = read([0x08, 0x01, (4 << 3) | 2, 0x05, 0x41]);
    expect(String(truncated)).toMatch(/truncated length-delimited field 4 \(Test\.s\): length 5 but 1 bytes remain \(at byte 2\)/);
    expect(read([0x08, 0x80])).toBeInstanceOf(ModelFormatError); // varint cut short
    expect(read([(3 << 3) | 1, 1, 2, 3])).toBeInstanceOf(ModelFormatError); // fixed64 cut short
    expect(read([0x00, 0x01])).toBeInstanceOf(ModelFormatError); // field number 0
  });

  it('names ONNX fields in errors, e.g. a cut initializer', () => {
    const graph = new ProtoWriter().bytes(GraphProtoSchema.fields.initializer, new Uint8Array(3000)).finish();
    const model = new ProtoWriter().int64(1, 8).bytes(ModelProtoSchema.fields.graph, graph.subarray(0, 1000)).finish();
    const e = catchError(() => readOnnx(model));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(String(e)).toMatch(/truncated length-delimited field 5 \(GraphProto\.initializer\): length 3000 but 997 bytes remain \(at byte 5\)/);
  });

  it('refuses a wire type that does not fit the field', () => {
    const model = new ProtoWriter().int64(ModelProtoSchema.fields.graph, 3).finish();
    expect(String(catchError(() => readOnnx(model)))).toMatch(/wrong wire type for field 7 \(ModelProto\.graph\): varint, expected length-delimited/);
  });
});

// ---------------------------------------------------------------------------------------------

/** A graph with one Identity node (a subgraph for graph attributes). */
function identityGraph(name: string): Graph {
  const g = emptyGraph(name);
  g.inputs.push({ name: `${name}_in`, dtype: 'float32', shape: [1] });
  g.outputs.push({ name: `${name}_out`, dtype: 'float32', shape: [1] });
  g.nodes.push({ name: `${name}_id`, op: 'Identity', domain: '', inputs: [`${name}_in`], outputs: [`${name}_out`], attrs: {} });
  return g;
}

/** Conv -> LeakyRelu -> Add with several initializers, value_info, symbolic dims and metadata. */
function multiLayerModel(): Model {
  const g = emptyGraph('multi');
  g.inputs.push({ name: 'x', dtype: 'float32', shape: ['N', 2, 5, 5] });
  g.outputs.push({ name: 'y', dtype: 'float32', shape: ['N', 3, 5, 5] });
  g.valueInfo.push({ name: 'conv', dtype: 'float32', shape: ['N', 3, '?', 5] }, { name: 'relu', dtype: 'float32' });
  g.initializers.set('w', float32([3, 2, 3, 3], Array.from({ length: 54 }, (_, i) => (i % 7) - 3)));
  g.initializers.set('b', float32([3], [0.5, -0.25, 1]));
  g.initializers.set('bias2', float32([1, 3, 1, 1], [1, 2, 3]));
  g.initializers.set('steps', int64([2], [-1, 2 ** 40]));
  g.nodes.push(
    { name: 'conv0', op: 'Conv', domain: '', inputs: ['x', 'w', 'b'], outputs: ['conv'], attrs: { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), auto_pad: attr.string('NOTSET') } },
    { name: 'relu0', op: 'LeakyRelu', domain: '', inputs: ['conv'], outputs: ['relu'], attrs: { alpha: attr.float(0.1) } },
    { name: 'add0', op: 'Add', domain: '', inputs: ['relu', 'bias2'], outputs: ['y'], attrs: {} },
  );
  const model = emptyModel(g, 13);
  model.metadata = { author: 'test', 'key with spaces': 'value ✓' };
  return model;
}

describe('ONNX models: write then read gives the same IR', () => {
  it('every attribute kind', () => {
    const model = singleNodeModel({
      op: 'Custom',
      domain: 'com.example',
      inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      attrs: {
        f: attr.float(0.1),
        i: attr.int(-(2 ** 40)),
        imax: attr.int(2 ** 63), // what INT64_MAX reads as
        s: attr.string('ünïcode'),
        empty: attr.string(''),
        t: attr.tensor(SAMPLES.float16),
        g: attr.graph(identityGraph('then')),
        fs: attr.floats([1, -0.5, 1e-3]),
        is: attr.ints([0, -1, 2 ** 40]),
        none: attr.ints([]),
        ss: attr.strings(['a', '', 'b']),
        ts: attr.tensors([SAMPLES.int64, SAMPLES.bool]),
        gs: attr.graphs([identityGraph('a'), identityGraph('b')]),
      },
    });
    const back = readOnnx(writeOnnx(model));
    expect(back).toEqual(model);
    expect(back.opsets).toEqual([{ domain: '', version: 17 }, { domain: 'com.example', version: 1 }]);
  });

  it('every dtype as an initializer (raw_data), and a multi-layer model with symbolic dims', () => {
    const g = emptyGraph('dtypes');
    for (const [dtype, t] of Object.entries(SAMPLES)) g.initializers.set(dtype, t);
    g.initializers.set('empty', float32([0, 3]));
    g.initializers.set('scalar', float32([], [7]));
    g.outputs.push({ name: 'float32', dtype: 'float32', shape: [2, 2] });
    const model = emptyModel(g);
    expect(readOnnx(writeOnnx(model))).toEqual(model);
    const multi = multiLayerModel();
    expect(readOnnx(writeOnnx(multi))).toEqual(multi);
  });

  it('lays raw_data out aligned, and reads aligned tensors as views of the file, unaligned ones as copies', () => {
    const g = emptyGraph('aligned');
    for (const [dtype, t] of Object.entries(SAMPLES)) g.initializers.set(dtype, t);
    // Names of every length move the data by every residue; 200 floats take a two-byte length prefix.
    for (let i = 0; i < 40; i++) g.initializers.set('w'.repeat(i + 1), float32([i < 20 ? 3 : 200]));
    g.outputs.push({ name: 'float32', dtype: 'float32', shape: [2, 2] });
    const model = emptyModel(g);
    const bytes = writeOnnx(model);
    const read = readOnnx(bytes);
    expect(read).toEqual(model);
    for (const t of read.graph.initializers.values()) {
      expect(t.data.buffer).toBe(bytes.buffer);
      expect(t.data.byteOffset % 16).toBe(0);
    }
    // The same file one byte further into a buffer: nothing aligned any more, every tensor a copy.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const copied = readOnnx(shifted.subarray(1));
    expect(copied).toEqual(model);
    for (const t of copied.graph.initializers.values()) if (t.data.BYTES_PER_ELEMENT > 1) expect(t.data.buffer).not.toBe(shifted.buffer);
  });

  it('keeps old-style initializers listed among the graph inputs', () => {
    const model = multiLayerModel();
    model.graph.inputs.push({ name: 'w', dtype: 'float32', shape: [3, 2, 3, 3] }, { name: 'b', dtype: 'float32', shape: [3] });
    const back = readOnnx(writeOnnx(model));
    expect(back.graph.inputs.map((i) => i.name)).toEqual(['x', 'w', 'b']);
    expect(runtimeInputs(back.graph).map((i) => i.name)).toEqual(['x']);
  });

  it('reads value info shapes: dim_value, dim_param, unknown dims, no shape, scalars', () => {
    const dim = (fields: (w: ProtoWriter) => void): ProtoWriter => {
      const w = new ProtoWriter();
      fields(w);
      return w;
    };
    const shape = new ProtoWriter()
      .message(1, dim((w) => w.int64(1, 4)))
      .message(1, dim((w) => w.string(2, 'batch')))
      .message(1, dim(() => {}))
      .message(1, dim((w) => w.int64(1, -1)));
    const valueInfo = (name: string, withShape?: ProtoWriter): ProtoWriter => {
      const tensorType = new ProtoWriter().int64(1, 1);
      if (withShape) tensorType.message(2, withShape);
      return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    };
    const graph = new ProtoWriter()
      .message(11, valueInfo('a', shape))
      .message(11, valueInfo('b'))
      .message(11, valueInfo('c', new ProtoWriter()));
    const model = readOnnx(new ProtoWriter().int64(1, 3).message(7, graph).finish());
    expect(model.graph.inputs).toEqual([
      { name: 'a', dtype: 'float32', shape: [4, 'batch', '?', '?'] },
      { name: 'b', dtype: 'float32' },
      { name: 'c', dtype: 'float32', shape: [] },
    ]);
  });

  it('infers the attribute kind from the value field in IR version 1 files (no type field)', () => {
    const A = AttributeProtoSchema.fields;
    const attribute = (fill: (w: ProtoWriter) => void): ProtoWriter => {
      const w = new ProtoWriter();
      fill(w);
      return w;
    };
    const node = new ProtoWriter()
      .string(NodeProtoSchema.fields.opType, 'Old')
      .message(5, attribute((w) => w.string(A.name, 'f').float(A.f, 2.5)))
      .message(5, attribute((w) => w.string(A.name, 'i').int64(A.i, 3)))
      .message(5, attribute((w) => w.string(A.name, 's').string(A.s, 'x')))
      .message(5, attribute((w) => w.string(A.name, 't').message(A.t, new ProtoWriter().int64(T.dataType, 1).packedFloats(T.floatData, [1]))))
      .message(5, attribute((w) => w.string(A.name, 'is').int64(A.ints, 1).int64(A.ints, 2)))
      .message(5, attribute((w) => w.string(A.name, 'fs').packedFloats(A.floats, [0.5])))
      .message(5, attribute((w) => w.string(A.name, 'ss').string(A.strings, 'p').string(A.strings, 'q')));
    const model = readOnnx(new ProtoWriter().int64(1, 1).message(7, new ProtoWriter().message(1, node)).finish());
    expect(model.graph.nodes[0]!.attrs).toEqual({
      f: attr.float(2.5),
      i: attr.int(3),
      s: attr.string('x'),
      t: attr.tensor(float32([], [1])),
      is: attr.ints([1, 2]),
      fs: attr.floats([0.5]),
      ss: attr.strings(['p', 'q']),
    });
  });

  it('refuses sparse-tensor and type-proto attributes, naming the attribute', () => {
    const A = AttributeProtoSchema.fields;
    const withAttr = (a: ProtoWriter): Uint8Array =>
      new ProtoWriter().int64(1, 8).message(7, new ProtoWriter().message(1, new ProtoWriter().string(4, 'Constant').message(5, a))).finish();
    const sparse = withAttr(new ProtoWriter().string(A.name, 'sparse_value').int64(A.type, 11).message(A.sparseTensor, new ProtoWriter()));
    expect(String(catchError(() => readOnnx(sparse)))).toMatch(/attribute 'sparse_value' is a SPARSE_TENSOR/);
    const typeProto = withAttr(new ProtoWriter().string(A.name, 'tp').message(A.tp, new ProtoWriter()));
    expect(String(catchError(() => readOnnx(typeProto)))).toMatch(/attribute 'tp' is a TYPE_PROTO/);
    const empty = withAttr(new ProtoWriter().string(A.name, 'nothing'));
    expect(String(catchError(() => readOnnx(empty)))).toMatch(/attribute 'nothing' has no value/);
  });

  it('limits subgraph nesting to 64', () => {
    const nest = (depth: number): Graph => {
      let g = identityGraph('leaf');
      for (let i = 1; i < depth; i++) {
        const outer = identityGraph(`level${i}`);
        outer.nodes[0]!.attrs = { body: attr.graph(g) };
        g = outer;
      }
      return g;
    };
    expect(() => readOnnx(writeOnnx(emptyModel(nest(64))))).not.toThrow();
    const e = catchError(() => readOnnx(writeOnnx(emptyModel(nest(65)))));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(String(e)).toMatch(/nested more than 64 deep/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('TensorProto', () => {
  it('round-trips every dtype through writeTensorProto/readTensorProto', () => {
    for (const [dtype, t] of Object.entries(SAMPLES)) {
      expect(readTensorProto(writeTensorProto(dtype, t))).toEqual({ name: dtype, tensor: t });
    }
  });

  it('reads the typed value fields, packed and unpacked, and raw_data at odd offsets', () => {
    const typed = (dtype: DType, packed: boolean): Uint8Array => {
      const t = SAMPLES[dtype];
      const w = new ProtoWriter().string(T.name, `${dtype}_typed`).int64(T.dataType, ONNX_TYPE[dtype]);
      for (const d of t.shape) w.int64(T.dims, d);
      const values = Array.from(t.data as ArrayLike<number | bigint>);
      if (dtype === 'float32') {
        if (packed) w.packedFloats(T.floatData, values as number[]);
        else for (const v of values as number[]) w.float(T.floatData, v);
      } else if (dtype === 'float64') {
        if (packed) w.packedDoubles(T.doubleData, values as number[]);
        else for (const v of values as number[]) w.double(T.doubleData, v);
      } else {
        const field = dtype === 'int64' ? T.int64Data : T.int32Data;
        if (packed) w.packedInt64s(field, values);
        else for (const v of values) w.int64(field, v);
      }
      return w.finish();
    };
    for (const dtype of Object.keys(SAMPLES) as DType[]) {
      for (const packed of [true, false]) {
        expect(readTensorProto(typed(dtype, packed)), `${dtype} packed=${packed}`).toEqual({ name: `${dtype}_typed`, tensor: SAMPLES[dtype] });
      }
    }
    // raw_data one byte into the buffer: float64 elements land unaligned.
    const proto = writeTensorProto('odd', SAMPLES.float64);
    const shifted = new Uint8Array(proto.length + 1);
    shifted.set(proto, 1);
    expect(readTensorProto(shifted.subarray(1)).tensor).toEqual(SAMPLES.float64);
  });

  it('gives clear errors for unknown data types, wrong counts and absurd dims', () => {
    const unknownType = new ProtoWriter().string(T.name, 'words').int64(T.dims, 1).int64(T.dataType, 8).finish();
    const e = catchError(() => readTensorProto(unknownType));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(String(e)).toMatch(/tensor 'words': unsupported data type 8 \(STRING\)/);
    expect(String(catchError(() => readTensorProto(new ProtoWriter().int64(T.dataType, 99).finish())))).toMatch(/data type 99 \(unknown\)/);

    const wrongCount = new ProtoWriter().string(T.name, 'w').int64(T.dims, 2).int64(T.dims, 3).int64(T.dataType, 1).packedFloats(T.floatData, [1, 2]).finish();
    expect(String(catchError(() => readTensorProto(wrongCount)))).toMatch(/tensor 'w': 2 values in float_data but shape \[2, 3\] needs 6/);
    const wrongBytes = new ProtoWriter().string(T.name, 'r').int64(T.dims, 4).int64(T.dataType, 1).bytes(T.rawData, new Uint8Array(15)).finish();
    expect(String(catchError(() => readTensorProto(wrongBytes)))).toMatch(/tensor 'r': 15 bytes of data but float32 shape \[4\] needs 16/);

    const huge = new ProtoWriter().string(T.name, 'huge').int64(T.dims, 2 ** 40).int64(T.dataType, 1).finish();
    expect(catchError(() => readTensorProto(huge))).toBeInstanceOf(ShapeError);
    // The same tensor as a model's initializer.
    const inModel = new ProtoWriter().int64(1, 8).message(7, new ProtoWriter().bytes(GraphProtoSchema.fields.initializer, huge)).finish();
    expect(String(catchError(() => readOnnx(inModel)))).toMatch(/ShapeError: shape \[1099511627776\] has/);
  });

  it('resolves external data, and refuses it without a resolver or past the end of the file', () => {
    const externalTensor = (name: string, entries: Record<string, string>): ProtoWriter => {
      const w = new ProtoWriter().string(T.name, name).int64(T.dims, 2).int64(T.dims, 2).int64(T.dataType, 1).int64(T.dataLocation, 1);
      for (const [k, v] of Object.entries(entries)) w.message(T.externalData, encodeStringStringEntry(k, v));
      return w;
    };
    const external = (entries: Record<string, string>, more: Record<string, string>[] = []): Uint8Array => {
      const graph = new ProtoWriter().message(GraphProtoSchema.fields.initializer, externalTensor('ext', entries));
      more.forEach((e, i) => graph.message(GraphProtoSchema.fields.initializer, externalTensor(`ext${i + 1}`, e)));
      return new ProtoWriter().int64(1, 8).message(7, graph).finish();
    };
    const file = new Uint8Array(100);
    file.set(new Uint8Array(Float32Array.from([1, 2, 3, 4]).buffer), 32);
    const locations: string[] = [];
    const resolver = (location: string): Uint8Array => {
      locations.push(location);
      return file;
    };
    const model = readOnnx(external({ location: 'weights.bin', offset: '32', length: '16' }), { externalData: resolver });
    expect(model.graph.initializers.get('ext')).toEqual(float32([2, 2], [1, 2, 3, 4]));
    expect(locations).toEqual(['weights.bin']);
    // Several tensors in one file: the file is fetched once.
    locations.length = 0;
    const two = readOnnx(external({ location: 'weights.bin', offset: '32' }, [{ location: 'weights.bin', offset: '36' }]), { externalData: resolver });
    expect(two.graph.initializers.get('ext1')).toEqual(float32([2, 2], [2, 3, 4, 0]));
    expect(locations).toEqual(['weights.bin']);
    // length is optional: the tensor's size is read from offset.
    expect(readOnnx(external({ location: 'weights.bin', offset: '32' }), { externalData: resolver }).graph.initializers.get('ext')).toEqual(float32([2, 2], [1, 2, 3, 4]));

    const fails = (entries: Record<string, string>, options = { externalData: resolver }): string => {
      const e = catchError(() => readOnnx(external(entries), options));
      expect(e).toBeInstanceOf(ModelFormatError);
      return String(e);
    };
    expect(fails({ location: 'weights.bin' }, {} as { externalData: typeof resolver })).toMatch(/external file 'weights.bin' but no external data resolver/);
    expect(fails({ location: 'weights.bin', offset: '90', length: '16' })).toMatch(/range 90\.\.106 is past the end of 'weights.bin' \(100 bytes\)/);
    expect(fails({ location: 'weights.bin', offset: '0', length: '12' })).toMatch(/length 12 but the tensor needs 16 bytes/);
    expect(fails({ location: 'weights.bin', offset: '-4' })).toMatch(/offset '-4' is not a byte count/);
    expect(fails({ location: '../secret.bin' })).toMatch(/must be a relative path/);
    expect(fails({ location: '/etc/passwd' })).toMatch(/must be a relative path/);
    expect(fails({})).toMatch(/without a location/);
    const missing = (): Uint8Array => {
      throw new Error('ENOENT: no such file');
    };
    expect(fails({ location: 'gone.bin' }, { externalData: missing })).toMatch(/cannot read external data file 'gone.bin': ENOENT/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('models from writeOnnx run in ONNX Runtime', () => {
  async function run(model: Model, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const session = await ort.InferenceSession.create(writeOnnx(model), { intraOpNumThreads: 1 });
    try {
      return await session.run(feeds);
    } finally {
      await session.release();
    }
  }

  it('Add with broadcasting and an initializer', async () => {
    const model = singleNodeModel({
      op: 'Add',
      inputs: [{ name: 'a', dtype: 'float32', shape: [2, 3] }],
      outputs: [{ name: 'sum', dtype: 'float32' }],
      initializers: { b: float32([3], [10, 20, 30]) },
    });
    const out = await run(model, { a: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
    expect(out.sum!.dims).toEqual([2, 3]);
    expect(Array.from(out.sum!.data as Float32Array)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('Conv with attributes, weights and bias', async () => {
    // Filter 0 sums the 3x3 window, filter 1 picks its centre; stride 2 and padding 1 on a 4x4 ramp.
    const weights = [...new Array<number>(9).fill(1), 0, 0, 0, 0, 1, 0, 0, 0, 0];
    const model = singleNodeModel({
      op: 'Conv',
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1, 4, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 2, 2, 2] }],
      initializers: { w: float32([2, 1, 3, 3], weights), b: float32([2], [0.5, -1]) },
      attrs: { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), dilations: attr.ints([1, 1]), group: attr.int(1) },
      opset: 11,
    });
    const x = new ort.Tensor('float32', Float32Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
    const out = await run(model, { x });
    expect(out.y!.dims).toEqual([1, 2, 2, 2]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([10.5, 24.5, 51.5, 90.5, -1, 1, 7, 9]);
  });

  it('a multi-layer model with symbolic batch, value_info and metadata', async () => {
    const model = multiLayerModel();
    const x = new ort.Tensor('float32', new Float32Array(2 * 2 * 25).fill(0), [2, 2, 5, 5]);
    const out = await run(model, { x });
    expect(out.y!.dims).toEqual([2, 3, 5, 5]);
    // With a zero input the output is leakyRelu(bias) + bias2 for each channel.
    const y = out.y!.data as Float32Array;
    expect([y[0], y[25], y[50], y[75]]).toEqual([1.5, Math.fround(2 - 0.025), 4, 1.5]);
  });
});

// ---------------------------------------------------------------------------------------------

const CONFORMANCE = resolve(import.meta.dirname, '../../shared/conformance/onnx');
const hasConformance = existsSync(CONFORMANCE);
if (!hasConformance) console.log(`onnx-format: conformance models skipped: ${CONFORMANCE} is absent`);

describe.skipIf(!hasConformance)('the ONNX project\'s test models', () => {
  const cases = hasConformance
    ? readdirSync(CONFORMANCE, { withFileTypes: true })
      .filter((suite) => suite.isDirectory())
      .flatMap((suite) => readdirSync(join(CONFORMANCE, suite.name)).map((name) => join(CONFORMANCE, suite.name, name)))
      .filter((dir) => existsSync(join(dir, 'model.onnx')))
    : [];

  it(`all ${cases.length} models parse and survive writeOnnx/readOnnx unchanged; every test tensor parses`, () => {
    expect(cases.length).toBeGreaterThan(0);
    let tensors = 0;
    for (const dir of cases) {
      const model = readOnnx(readFileSync(join(dir, 'model.onnx')));
      expect(model.graph.nodes.length, dir).toBeGreaterThan(0);
      expect(readOnnx(writeOnnx(model)), dir).toEqual(model);
      const dataSet = join(dir, 'test_data_set_0');
      for (const file of existsSync(dataSet) ? readdirSync(dataSet).filter((f) => f.endsWith('.pb')) : []) {
        const { name, tensor: t } = readTensorProto(readFileSync(join(dataSet, file)));
        expect(readTensorProto(writeTensorProto(name, t)).tensor, file).toEqual(t);
        tensors++;
      }
    }
    expect(tensors).toBeGreaterThan(cases.length);
  });
});

// ---------------------------------------------------------------------------------------------

describe('hostile input', () => {
  /** Either a model or a WasmposeError: anything else (RangeError, TypeError...) fails. */
  function parsesOrTypedError(bytes: Uint8Array, label: string): 'parsed' | 'error' {
    try {
      readOnnx(bytes, { externalData: () => new Uint8Array(64) });
      return 'parsed';
    } catch (e) {
      if (!(e instanceof WasmposeError)) throw new Error(`${label}: ${String(e)} is not a WasmposeError`, { cause: e });
      return 'error';
    }
  }

  const model = writeOnnx(multiLayerModel());

  it('a model cut at each eighth of its length', () => {
    for (let eighth = 0; eighth < 8; eighth++) {
      const cut = model.subarray(0, Math.floor((model.length * eighth) / 8));
      expect(parsesOrTypedError(cut, `cut at ${eighth}/8`)).toBe('error');
    }
  });

  it('200 seeded random corruptions', () => {
    // mulberry32: a small seeded generator, so a failure reproduces.
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const outcomes = { parsed: 0, error: 0 };
    for (let variant = 0; variant < 200; variant++) {
      const bytes = model.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)]! ^= 1 + Math.floor(random() * 255);
      outcomes[parsesOrTypedError(bytes, `variant ${variant}`)]++;
    }
    expect(outcomes.parsed + outcomes.error).toBe(200);
    expect(outcomes.error).toBeGreaterThan(0);
  });

  it('files that are not ONNX at all', () => {
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('<?xml version="1.0"?><net/>'), Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])]) {
      expect(catchError(() => readOnnx(bytes))).toBeInstanceOf(ModelFormatError);
    }
  });

  it('wire type 3 inside a nested message is refused with its place', () => {
    const graph = new ProtoWriter();
    graph.tag(GraphProtoSchema.fields.node, WireType.startGroup);
    const bytes = new ProtoWriter().int64(1, 8).message(7, graph).finish();
    expect(String(catchError(() => readOnnx(bytes)))).toMatch(/group.*field 1 \(GraphProto\.node\)/);
  });
});
