// Property-based tests (fast-check) of the readers: round trips through the writers over random
// sizes, types and values, the inflate implementation against node:zlib's deflate, and parsers fed
// arbitrary input ending in a result or a typed error, never another exception. Run counts are
// small (the suite stays fast); a failure prints its seed and the shrunk counterexample.
import { deflateRawSync, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image/codec.js';
import { inflateZlib } from '../src/image/inflate.js';
import { encodePng } from '../src/image/png-encode.js';
import { WasmposeError } from '../src/nn/errors.js';
import { parseTextFormat } from '../src/nn/formats/caffe/text-format.js';
import { readNpy, writeNpy } from '../src/nn/formats/npy.js';
import { readTensorProto, writeTensorProto } from '../src/nn/formats/onnx/tensor-proto.js';
import { readPytorchCheckpoint } from '../src/nn/formats/pytorch/reader.js';
import { readOpenVino } from '../src/nn/formats/openvino/reader.js';
import { seededRandom } from '../src/nn/random.js';
import { fromNumbers, type DType, type Tensor } from '../src/nn/tensor.js';
import { pthArchive } from './support/pth-writer.js';

/** True when `run` returns or throws a WasmposeError; anything else fails the property with its message. */
function endsTyped(run: () => unknown): boolean {
  try {
    run();
  } catch (e) {
    if (!(e instanceof WasmposeError)) throw new Error(`untyped ${String(e)}`);
  }
  return true;
}

const bytesOf = (t: Tensor): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe('PNG: encode then decode is the identity', () => {
  it('encodePng (RGB and RGBA) over random sizes', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.integer(), (width, height, alpha, seed) => {
      const channels = alpha ? 4 : 3;
      const rng = seededRandom(seed);
      const data = Uint8Array.from({ length: width * height * channels }, () => Math.floor(rng() * 256));
      const image = decodeImage(encodePng({ width, height, data }));
      expect([image.width, image.height]).toEqual([width, height]);
      for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) expect(image.data[p * 3 + c]).toBe(data[p * channels + c]);
    }), { numRuns: 40 });
  });

  it('pngjs-written grey, grey+alpha, RGB and RGBA (8-bit) decode to their RGB', () => {
    const types = [[0, 1], [4, 2], [2, 3], [6, 4]] as const;
    fc.assert(fc.property(fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 33 }), fc.constantFrom(...types), fc.integer(), (width, height, [colorType, channels], seed) => {
      const rng = seededRandom(seed);
      const png = new PNG({ width, height, colorType, inputColorType: colorType, inputHasAlpha: channels === 2 || channels === 4, bitDepth: 8 });
      const samples = Uint8Array.from({ length: width * height * channels }, () => Math.floor(rng() * 256));
      png.data = Buffer.from(samples);
      const bytes = new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: channels === 2 || channels === 4 }));
      const image = decodeImage(bytes);
      for (let p = 0; p < width * height; p++) {
        const want = channels <= 2 ? [samples[p * channels]!, samples[p * channels]!, samples[p * channels]!] : [0, 1, 2].map((c) => samples[p * channels + c]!);
        expect(Array.from(image.data.subarray(p * 3, p * 3 + 3)), `pixel ${p}`).toEqual(want);
      }
    }), { numRuns: 40 });
  });
});

describe('inflate against node:zlib', () => {
  /** Data deflate can do something with: runs and repeats from a small alphabet, or noise. */
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 300 })), { maxLength: 60 })
      .map((runs) => Uint8Array.from(runs.flatMap(([v, n]) => new Array<number>(n).fill(v)))),
  );

  it('inflates what deflateSync writes at every level and strategy', () => {
    fc.assert(fc.property(payload, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 4 }), (raw, level, strategy) => {
      const z = new Uint8Array(deflateSync(raw, { level, strategy }));
      expect(Buffer.from(inflateZlib(z, raw.length)).equals(Buffer.from(raw))).toBe(true);
    }), { numRuns: 80 });
  });

  it('refuses a stream that inflates to more or less than expected, and damaged streams, with typed errors', () => {
    fc.assert(fc.property(payload, fc.integer({ min: -5, max: 5 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (raw, delta, at, byte) => {
      const z = new Uint8Array(deflateSync(raw));
      if (delta !== 0 && raw.length + delta >= 0) expect(() => inflateZlib(z, raw.length + delta)).toThrow(WasmposeError);
      const damaged = z.slice();
      damaged[at % damaged.length] = byte;
      return endsTyped(() => inflateZlib(damaged, raw.length));
    }), { numRuns: 80 });
  });

  it('a raw deflate stream behind a valid zlib header and a wrong Adler-32 is refused', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 500 }), (raw) => {
      const body = new Uint8Array(deflateRawSync(raw));
      const z = Uint8Array.from([0x78, 0x9c, ...body, 0, 0, 0, 0]);
      expect(() => inflateZlib(z, raw.length)).toThrow(/Adler-32/);
    }), { numRuns: 30 });
  });
});

/** A tensor of a random dtype and shape (rank 0 to 4), with values of that dtype. */
const anyTensor: fc.Arbitrary<Tensor> = fc.record({
  dtype: fc.constantFrom<DType>('float32', 'float64', 'float16', 'int32', 'int64', 'int8', 'uint8', 'bool'),
  shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
  seed: fc.integer(),
}).map(({ dtype, shape, seed }) => {
  const rng = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const value = (): number => {
    switch (dtype) {
      case 'bool': return rng() < 0.5 ? 0 : 1;
      case 'uint8': return Math.floor(rng() * 256);
      case 'int8': return Math.floor(rng() * 256) - 128;
      case 'int32': return Math.floor(rng() * 2 ** 32) - 2 ** 31;
      case 'int64': return Math.floor((rng() - 0.5) * 2 ** 53);
      default: return (rng() - 0.5) * 1000;
    }
  };
  return fromNumbers(dtype, shape, Array.from({ length: n }, value));
});

describe('tensor files: write then read is the identity', () => {
  it('.npy over dtypes and shapes (rank 0 to 4, empty dims included)', () => {
    fc.assert(fc.property(anyTensor, (t) => {
      const back = readNpy(writeNpy(t));
      expect(back.dtype).toBe(t.dtype);
      expect([...back.shape]).toEqual([...t.shape]);
      expect(Buffer.from(bytesOf(back)).equals(Buffer.from(bytesOf(t)))).toBe(true);
    }), { numRuns: 100 });
  });

  it('TensorProto over dtypes, shapes and names', () => {
    fc.assert(fc.property(anyTensor, fc.string({ maxLength: 20 }), (t, name) => {
      const back = readTensorProto(writeTensorProto(name, t));
      expect(back.name).toBe(name);
      expect(back.tensor.dtype).toBe(t.dtype);
      expect([...back.tensor.shape]).toEqual([...t.shape]);
      expect(Buffer.from(bytesOf(back.tensor)).equals(Buffer.from(bytesOf(t)))).toBe(true);
    }), { numRuns: 100 });
  });

  it('a .npy with a random header, or random bytes after the magic, ends typed', () => {
    const header = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", "{'descr': '<i8', 'fortran_order': False, 'shape': (), }")
      .chain((h) => fc.tuple(fc.nat(h.length), fc.string({ maxLength: 6 })).map(([at, s]) => h.slice(0, at) + s + h.slice(at))));
    fc.assert(fc.property(header, fc.uint8Array({ maxLength: 40 }), fc.constantFrom(1, 2, 3), (text, data, major) => {
      const head = new TextEncoder().encode(`${text}\n`);
      const prefix = major === 1 ? Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 255, head.length >> 8)
        : Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0, head.length & 255, (head.length >> 8) & 255, 0, 0);
      return endsTyped(() => readNpy(Uint8Array.from([...prefix, ...head, ...data])));
    }), { numRuns: 150 });
  });
});

describe('parsers on arbitrary input end in a result or a typed error', () => {
  const prototxtToken = fc.constantFrom('layer', 'dim', 'name', 'input_shape', '{', '}', '<', '>', ':', '[', ']', ',', ';', '"x"', "'y'", '"a\\n"', '"\\q"', '1', '-1', '1e308', 'nan', '-inf', '0x10', '.5', '3f', '#c\n', '\n', ' ', '"', '\\');

  it('the Caffe text-format parser, on any string and on prototxt-like token soup', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(prototxtToken, { maxLength: 80 }).map((t) => t.join(' '))), (text) =>
      endsTyped(() => parseTextFormat(text, { fieldCaps: new Map([['dim', 8]]) }))), { numRuns: 400 });
  });

  it('the OpenVINO XML reader, on XML-like token soup', () => {
    const token = fc.constantFrom('<net', '<layers>', '</layers>', '<layer', '/>', '>', '</net>', ' name="a"', ' version="11"', ' id="0"', ' type="ReLU"', '&#x110000;', '&amp;', '&lol;', '<!--', '-->', '<![CDATA[', ']]>', '<?xml version="1.0"?>', '"', "'", '=', '<edges/>', '<data shape="1,2"/>');
    fc.assert(fc.property(fc.array(token, { maxLength: 40 }), (tokens) => endsTyped(() => readOpenVino(tokens.join('')))), { numRuns: 300 });
  });

  it('the unpickler, on opcode soup inside a PyTorch archive', () => {
    // Opcodes a state dict uses, with arguments of the right width, in any order.
    const op = fc.oneof(
      fc.constantFrom([0x28], [0x7d], [0x5d], [0x29], [0x4e], [0x88], [0x89], [0x74], [0x85], [0x86], [0x87], [0x6c], [0x64], [0x61], [0x65], [0x73], [0x75], [0x52], [0x81], [0x62], [0x51], [0x94], [0x93]),
      fc.tuple(fc.constantFrom(0x4b, 0x71, 0x68, 0x8c, 0x43, 0x8a), fc.integer({ min: 0, max: 255 })).map(([o, a]) => [o, a, ...(o === 0x8c || o === 0x43 ? new Array<number>(Math.min(a, 4)).fill(0x61) : [])]),
      fc.tuple(fc.constantFrom(0x4a, 0x72, 0x6a), fc.integer({ min: 0, max: 2 ** 31 - 1 })).map(([o, v]) => [o, v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24]),
      fc.constantFrom('collections\nOrderedDict\n', 'torch._utils\n_rebuild_tensor_v2\n', 'torch\nFloatStorage\n', 'posix\nsystem\n').map((g) => [0x63, ...new TextEncoder().encode(g)]),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const pickle = Uint8Array.from([0x80, 2, ...ops.flat(), 0x2e]);
      return endsTyped(() => readPytorchCheckpoint(pthArchive(pickle, [['0', new Uint8Array(16)]])));
    }), { numRuns: 400 });
  });
});
