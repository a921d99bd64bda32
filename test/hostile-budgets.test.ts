// Small files that declare a huge cost (issue 12, class 5): each reader checks what a file
// declares against the bytes present and against src/nn/limits.ts before it allocates or loops.
// Every hostile file is built here, a few hundred bytes, and must fail fast with a typed error
// naming what it declared.
import { afterEach, describe, expect, it } from 'vitest';
import { ModelFormatError, WasmposeError } from '../src/nn/errors.js';
import { readCaffemodel } from '../src/nn/formats/caffe/caffemodel.js';
import { parsePrototxt } from '../src/nn/formats/caffe/reader.js';
import { MAX_REPEATED, parseTextFormat } from '../src/nn/formats/caffe/text-format.js';
import { readTensorProto } from '../src/nn/formats/onnx/tensor-proto.js';
import { readOpenVino } from '../src/nn/formats/openvino/reader.js';
import { ProtoWriter } from '../src/nn/formats/protobuf.js';
import { readPytorchCheckpoint } from '../src/nn/formats/pytorch/reader.js';
import { readTfjsModel } from '../src/nn/formats/tfjs/reader.js';
import { emptyGraph } from '../src/nn/graph.js';
import { setLimits, type Limits } from '../src/nn/limits.js';
import { inferAndFold } from '../src/nn/passes/infer-and-fold.js';
import { float32, fromNumbers, toNumbers } from '../src/nn/tensor.js';
import { PickleWriter, pthArchive } from './support/pth-writer.js';

let restore: Limits | undefined;
afterEach(() => {
  if (restore) setLimits(restore);
  restore = undefined;
});

/** Expects `run` to throw a WasmposeError whose message matches `pattern`. */
function expectTyped(run: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, 'no error thrown').toBeInstanceOf(WasmposeError);
  expect((error as Error).message).toMatch(pattern);
}

// ---- PyTorch: pickle memo fan-out, stride-0 and overlapping views ----

/** _rebuild_tensor_v2 of a float32 view of storage `key` (4 elements). */
function rebuild(p: PickleWriter, key: string, shape: number[], strides: number[], offset = 0): void {
  p.global('torch._utils', '_rebuild_tensor_v2');
  p.op(0x28); // MARK: the arguments
  p.op(0x28); // MARK: the persistent id
  p.unicode('storage');
  p.global('torch', 'FloatStorage');
  p.unicode(key);
  p.unicode('cpu');
  p.int(4);
  p.op(0x74); // TUPLE
  p.op(0x51); // BINPERSID
  p.int(offset);
  p.tuple(shape);
  p.tuple(strides);
  p.op(0x89); // requires_grad False
  p.emptyOrderedDict();
  p.op(0x74); // TUPLE
  p.op(0x52); // REDUCE
}

const STORAGE: [string, Uint8Array][] = [['0', new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer)]];

/** A state dict {'w': tensor} whose tensor is the given view of a 4-element storage. */
function viewCheckpoint(shape: number[], strides: number[], offset = 0): Uint8Array {
  const p = new PickleWriter();
  p.proto2();
  p.op(0x7d); // EMPTY_DICT
  p.unicode('w');
  rebuild(p, '0', shape, strides, offset);
  p.op(0x73); // SETITEM
  p.op(0x2e); // STOP
  return pthArchive(p.bytes(), STORAGE);
}

describe('PyTorch checkpoints: budgets before materialising', () => {
  it('refuses dicts fanned out through the memo (2^30 names for one tensor in 700 bytes)', () => {
    const p = new PickleWriter();
    p.proto2();
    rebuild(p, '0', [4], [1]);
    p.op(0x71); p.op(0); // BINPUT 0
    for (let level = 1; level <= 30; level++) {
      p.op(0x7d); // EMPTY_DICT
      p.op(0x28); // MARK
      for (const key of ['a', 'b']) {
        p.unicode(key);
        p.op(0x68); p.op(level - 1); // BINGET
      }
      p.op(0x75); // SETITEMS
      p.op(0x71); p.op(level); // BINPUT
    }
    p.op(0x2e);
    const file = pthArchive(p.bytes(), STORAGE);
    expect(file.length).toBeLessThan(2000);
    expectTyped(() => readPytorchCheckpoint(file), /dict at '(a\.)*b' was already read at '(a\.)*a'.*memo fan-out/);
  });

  it('counts memo references and container items against maxPickleObjects', () => {
    // A list of 600 references to one list, built again from itself: linear bytes, but counted.
    const p = new PickleWriter();
    p.proto2();
    p.op(0x5d); // EMPTY_LIST
    p.op(0x71); p.op(0);
    for (let round = 0; round < 4; round++) {
      p.op(0x28);
      for (let i = 0; i < 600; i++) { p.op(0x68); p.op(0); }
      p.op(0x6c); // LIST
      p.op(0x71); p.op(0);
    }
    p.op(0x2e);
    const file = pthArchive(p.bytes());
    expect(readPytorchCheckpoint(file).tensors.size).toBe(0);
    restore = setLimits({ maxPickleObjects: 2000 });
    expectTyped(() => readPytorchCheckpoint(file), /more than 2000 objects .*maxPickleObjects/);
  });

  it('appends a list of many items without spreading them into an argument list', () => {
    const p = new PickleWriter();
    p.proto2();
    p.op(0x5d); // EMPTY_LIST
    p.op(0x71); p.op(0);
    p.op(0x28);
    for (let i = 0; i < 200_000; i++) { p.op(0x68); p.op(0); }
    p.op(0x65); // APPENDS
    p.op(0x2e);
    expect(readPytorchCheckpoint(pthArchive(p.bytes())).tensors.size).toBe(0);
  });

  it('refuses an integer of thousands of bytes (a quadratic bigint)', () => {
    const p = new PickleWriter();
    p.proto2();
    p.op(0x8b); // LONG4
    for (const b of [0x00, 0x00, 0x10, 0x00]) p.op(b); // 1 MiB of digits declared
    p.op(0x2e);
    expectTyped(() => readPytorchCheckpoint(pthArchive(p.bytes())), /integer of 1048576 bytes/);
  });

  it('never expands a memo-nested list into a message or a storage key (4^25 elements as text)', () => {
    const p = new PickleWriter();
    p.proto2();
    p.op(0x5d); // EMPTY_LIST
    p.op(0x71); p.op(0);
    for (let level = 1; level <= 25; level++) {
      p.op(0x28);
      for (let i = 0; i < 4; i++) { p.op(0x68); p.op(level - 1); }
      p.op(0x6c); // LIST
      p.op(0x71); p.op(level);
    }
    p.op(0x28); // the persistent id ('storage', FloatStorage, <the list>, 'cpu', 4)
    p.unicode('storage');
    p.global('torch', 'FloatStorage');
    p.op(0x68); p.op(25);
    p.unicode('cpu');
    p.int(4);
    p.op(0x74);
    p.op(0x51); // BINPERSID
    p.op(0x2e);
    expectTyped(() => readPytorchCheckpoint(pthArchive(p.bytes())), /storage key is a list, not a string/);
  });

  it('refuses a stride-0 view declaring 2^30 elements over a 16-byte storage', () => {
    const file = viewCheckpoint([32768, 32768], [0, 0]);
    expect(file.length).toBeLessThan(1000);
    expectTyped(() => readPytorchCheckpoint(file), /tensor 'w'.*more than \d+ elements \(limit maxTensorElements\)/);
  });

  it('refuses views that reach past their storage, before copying', () => {
    expectTyped(() => readPytorchCheckpoint(viewCheckpoint([100], [1])), /tensor 'w'.*reaches element 99, past the 4 elements/);
    expectTyped(() => readPytorchCheckpoint(viewCheckpoint([2, 2], [1, 3])), /reaches element 4/);
    expectTyped(() => readPytorchCheckpoint(viewCheckpoint([1], [1], 4)), /reaches element 4/);
    expectTyped(() => readPytorchCheckpoint(viewCheckpoint([2], [1, 1])), /1 sizes but 2 strides/);
  });

  it('reads stride-0, overlapping and offset views inside their storage', () => {
    const read = (shape: number[], strides: number[], offset = 0): number[] => toNumbers(readPytorchCheckpoint(viewCheckpoint(shape, strides, offset)).tensors.get('w')!);
    expect(read([3], [0], 2)).toEqual([3, 3, 3]);
    expect(read([3, 2], [1, 1])).toEqual([1, 2, 2, 3, 3, 4]);
    expect(read([2, 2], [1, 2])).toEqual([1, 3, 2, 4]);
    expect(read([2], [1], 2)).toEqual([3, 4]);
    expect(read([0, 5], [5, 1])).toEqual([]);
  });

  it("budgets the bytes all of a checkpoint's views materialise (maxSessionBytes)", () => {
    restore = setLimits({ maxSessionBytes: 1000 });
    expectTyped(() => readPytorchCheckpoint(viewCheckpoint([300], [0])), /more than 1000 bytes \(limit maxSessionBytes\)/);
    expect(toNumbers(readPytorchCheckpoint(viewCheckpoint([200], [0])).tensors.get('w')!)).toHaveLength(200);
  });

  it('a hostile checkpoint error is a ModelFormatError', () => {
    expect(() => readPytorchCheckpoint(viewCheckpoint([100], [1]))).toThrow(ModelFormatError);
  });
});

// ---- Caffe prototxt and caffemodel: repeated fields capped while parsing ----

describe('Caffe: repeated fields refused past their cap while parsing', () => {
  it('refuses an input_shape with 2 million dims at the rank cap, before building them', () => {
    const text = `input: "data"\ninput_shape { ${'dim: 1 '.repeat(2_000_000)}}\n`;
    expectTyped(() => parsePrototxt(text), /field 'dim' repeats more than 8 times.*line 2, column \d+/);
  });

  it('refuses millions of input_dim values at the repeated-field cap', () => {
    const text = `input: "data"\n${'input_dim: 1\n'.repeat(MAX_REPEATED + 5)}`;
    expectTyped(() => parsePrototxt(text), new RegExp(`field 'input_dim' repeats more than ${MAX_REPEATED} times.*line ${MAX_REPEATED + 2}`));
    expectTyped(() => parsePrototxt('input: "data"\ninput_dim: 1 input_dim: 3 input_dim: 4 input_dim: 4 input_dim: 1\n'), /5 input_dim values for 1 inputs/);
    expect(parsePrototxt('input: "data"\ninput_dim: 1 input_dim: 3 input_dim: 4 input_dim: 4\n').inputs[0]!.shape).toEqual([1, 3, 4, 4]);
  });

  it('caps a list-syntax field and any message field the same way', () => {
    expectTyped(() => parseTextFormat(`shape { dim: [${new Array(50).fill(1).join(', ')}] }`, { fieldCaps: new Map([['dim', 8]]) }), /'dim' repeats more than 8/);
    expectTyped(() => parseTextFormat('layer {}\n'.repeat(MAX_REPEATED + 1)), /'layer' repeats more than/);
  });

  it('refuses a caffemodel blob whose packed data passes maxTensorElements, before reading it', () => {
    restore = setLimits({ maxTensorElements: 1000 });
    const blob = new ProtoWriter().packedFloats(5, new Float32Array(1001));
    const layer = new ProtoWriter().string(1, 'conv').string(2, 'Convolution').message(7, blob);
    const file = new ProtoWriter().message(100, layer).finish();
    expectTyped(() => readCaffemodel(file), /more than 1000 values \(limit maxTensorElements\) in field 5 \(BlobProto\.data\)/);
    const varints = new ProtoWriter().packedInt64s(1, new Array<number>(1001).fill(1));
    const dims = new ProtoWriter().message(1, varints).finish();
    expectTyped(() => readTensorProto(dims), /more than 1000 values .*TensorProto\.dims/);
  });
});

// ---- OpenVINO IR, TFJS and constant folding: declared values the file does not hold ----

const port = (id: number, dims: number[]): string => `<port id="${id}" precision="FP32">${dims.map((d) => `<dim>${d}</dim>`).join('')}</port>`;

/** An IR of one f32 Const of `shape` (its bytes at offset 0) read by a Result. */
function constIr(shape: number[], count = 1): string {
  const bytes = shape.reduce((a, b) => a * b, 4);
  const layers = Array.from({ length: count }, (_, i) => `<layer id="${2 * i}" name="c${i}" type="Const" version="opset1"><data element_type="f32" shape="${shape.join(',')}" offset="0" size="${bytes}"/><output>${port(0, shape)}</output></layer>
<layer id="${2 * i + 1}" name="r${i}" type="Result" version="opset1"><input>${port(0, shape)}</input></layer>`);
  const edges = Array.from({ length: count }, (_, i) => `<edge from-layer="${2 * i}" from-port="0" to-layer="${2 * i + 1}" to-port="0"/>`);
  return `<?xml version="1.0"?><net name="n" version="11"><layers>${layers.join('\n')}</layers><edges>${edges.join('')}</edges></net>`;
}

describe('OpenVINO IR: sizes checked against the .bin and the budget before allocating', () => {
  it('refuses a Const of 2^26 elements over a 16-byte .bin before allocating it', () => {
    expectTyped(() => readOpenVino(constIr([8192, 8192]), { weights: new Uint8Array(16) }), /Const 'c0': bytes \[0, 268435456\) lie past the end of the weights file \(16 bytes\)/);
  });

  it('budgets the zeros Consts declare when the IR comes without a .bin', () => {
    expect(readOpenVino(constIr([10, 10], 3)).graph.initializers.size).toBe(3);
    restore = setLimits({ maxSessionBytes: 1000 });
    expectTyped(() => readOpenVino(constIr([10, 10], 3)), /Const 'c2': the IR's constants declare more than 1000 bytes \(limit maxSessionBytes\)/);
  });

  it('refuses a Split whose num_splits is a billion, before building the sizes list', () => {
    const xml = `<?xml version="1.0"?><net name="s" version="11"><layers>
<layer id="0" name="x" type="Parameter" version="opset1"><data element_type="f32" shape="1,4"/><output>${port(0, [1, 4])}</output></layer>
<layer id="1" name="axis" type="Const" version="opset1"><data element_type="i64" shape="" offset="0" size="8"/><output><port id="0" precision="I64"/></output></layer>
<layer id="2" name="split" type="Split" version="opset1"><data num_splits="1000000000"/><input>${port(0, [1, 4])}<port id="1" precision="I64"/></input><output>${port(2, [1, 2])}${port(3, [1, 2])}</output></layer>
<layer id="3" name="r0" type="Result" version="opset1"><input>${port(0, [1, 2])}</input></layer>
<layer id="4" name="r1" type="Result" version="opset1"><input>${port(0, [1, 2])}</input></layer>
</layers><edges><edge from-layer="0" from-port="0" to-layer="2" to-port="0"/><edge from-layer="1" from-port="0" to-layer="2" to-port="1"/><edge from-layer="2" from-port="2" to-layer="3" to-port="0"/><edge from-layer="2" from-port="3" to-layer="4" to-port="0"/></edges></net>`;
    const weights = new Uint8Array(new BigInt64Array([1n]).buffer);
    expectTyped(() => readOpenVino(xml, { weights }), /Split.*num_splits '1000000000' does not split dimension 4 into its 2 outputs/);
    expect(readOpenVino(xml.replace('1000000000', '2'), { weights }).graph.nodes.some((n) => n.op === 'Split')).toBe(true);
  });
});

describe('TFJS and constant folding: values filled from one number are budgeted', () => {
  /** A graph model whose Consts each declare `dims` filled from one floatVal. */
  function filledModel(dims: number[], count: number): object {
    const node = [{ name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }] } } } }];
    for (let i = 0; i < count; i++) {
      node.push({ name: `c${i}`, op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((d) => ({ size: String(d) })) }, floatVal: [1.5] } } } as never });
      node.push({ name: `y${i}`, op: 'AddV2', input: ['x', `c${i}`], attr: { T: { type: 'DT_FLOAT' } } } as never);
    }
    return { format: 'graph-model', modelTopology: { node }, weightsManifest: [], signature: { outputs: Object.fromEntries(Array.from({ length: count }, (_, i) => [`y${i}`, { name: `y${i}:0` }])) } };
  }

  it('fills a constant from one value without a JavaScript array, within maxSessionBytes', () => {
    const model = readTfjsModel(filledModel([10, 10], 3), () => new Uint8Array(0));
    const filled = [...model.graph.initializers.values()].find((t) => t.shape.length === 2)!;
    expect(filled.data.every((v) => v === 1.5)).toBe(true);
    restore = setLimits({ maxSessionBytes: 1000 });
    expectTyped(() => readTfjsModel(filledModel([10, 10], 3), () => new Uint8Array(0)), /more than 1000 bytes \(limit maxSessionBytes\).*node 'c2'/);
  });

  it('refuses constant folding that would hold more than maxSessionBytes (Expand of a constant)', () => {
    const graph = emptyGraph('expand');
    graph.initializers.set('v', float32([1], [2]));
    graph.initializers.set('shape', fromNumbers('int64', [2], [100, 100]));
    for (let i = 0; i < 3; i++) graph.nodes.push({ name: `e${i}`, op: 'Expand', domain: '', inputs: ['v', 'shape'], outputs: [`y${i}`], attrs: {} });
    graph.outputs.push(...[0, 1, 2].map((i) => ({ name: `y${i}`, dtype: 'float32' as const })));
    expect(inferAndFold(graph, 17).constants.size).toBeGreaterThan(3);
    restore = setLimits({ maxSessionBytes: 100_000 });
    expectTyped(() => inferAndFold(graph, 17), /node 'e2' \(Expand\): constant folding would hold more than 100000 bytes \(limit maxSessionBytes\)/);
  });
});
