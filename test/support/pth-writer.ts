// Writes PyTorch checkpoints the way torch.save does (torch >= 1.6, the ZIP format), for tests:
//
//   <archive>/data.pkl      protocol-2 pickle of the state dict: an OrderedDict whose values are
//                           torch._utils._rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict()),
//                           the storage a persistent id ('storage', torch.FloatStorage, '<key>', 'cpu', numel)
//   <archive>/data/<key>    each tensor's storage, raw little-endian
//   <archive>/version       "3\n"
//
// Entries are stored uncompressed, each one's data aligned to 64 bytes by padding in a local
// extra field (id "FB"), as PyTorch's writer does; CRCs are real, so Python's zipfile and
// torch.load read the result (checked against test/fixtures/pytorch, written by PyTorch 1.13).
import type { Tensor } from '../../src/nn/tensor.js';
import { zipStored } from '../../fuzz/zip-write.js';

const STORAGE: Partial<Record<Tensor['dtype'], string>> = {
  float32: 'FloatStorage',
  float16: 'HalfStorage',
  float64: 'DoubleStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  uint8: 'ByteStorage',
  int8: 'CharStorage',
  bool: 'BoolStorage',
};

export interface PthOptions {
  /** The archive's top folder (torch.save uses the file's stem). Default 'archive'. */
  archiveName?: string;
  /** Wrap the state dict as a training checkpoint does: {'state_dict': ..., 'epoch': 1}. */
  wrapInStateDict?: boolean;
}

/** A torch.save'd state dict of `tensors` (in their order), as the bytes of a .pth file. */
export function writePth(tensors: Iterable<readonly [string, Tensor]>, options: PthOptions = {}): Uint8Array {
  const archive = options.archiveName ?? 'archive';
  const pickle = new PickleWriter();
  const storages: [string, Uint8Array][] = [];
  pickle.proto2();
  if (options.wrapInStateDict) {
    pickle.op(0x7d); // EMPTY_DICT
    pickle.op(0x28); // MARK
    pickle.unicode('epoch');
    pickle.int(1);
    pickle.unicode('state_dict');
  }
  pickle.emptyOrderedDict();
  pickle.op(0x28); // MARK
  for (const [name, t] of tensors) {
    const storageType = STORAGE[t.dtype];
    if (storageType === undefined) throw new Error(`pth writer: no storage type for ${t.dtype}`);
    const key = String(storages.length);
    const data = t.data as ArrayBufferView;
    storages.push([key, new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()]);
    pickle.unicode(name);
    pickle.global('torch._utils', '_rebuild_tensor_v2');
    pickle.op(0x28); // MARK: the arguments
    pickle.op(0x28); // MARK: the persistent id
    pickle.unicode('storage');
    pickle.global('torch', storageType);
    pickle.unicode(key);
    pickle.unicode('cpu');
    pickle.int(t.shape.reduce((a, b) => a * b, 1));
    pickle.op(0x74); // TUPLE
    pickle.op(0x51); // BINPERSID
    pickle.int(0); // storage offset
    pickle.tuple(t.shape);
    pickle.tuple(contiguousStrides(t.shape));
    pickle.op(0x89); // NEWFALSE: requires_grad
    pickle.emptyOrderedDict(); // backward hooks
    pickle.op(0x74); // TUPLE
    pickle.op(0x52); // REDUCE
  }
  pickle.op(0x75); // SETITEMS
  if (options.wrapInStateDict) pickle.op(0x75); // SETITEMS of the wrapper
  pickle.op(0x2e); // STOP

  return zipStored([
    [`${archive}/data.pkl`, pickle.bytes()],
    ...storages.map(([key, bytes]): [string, Uint8Array] => [`${archive}/data/${key}`, bytes]),
    [`${archive}/version`, new TextEncoder().encode('3\n')],
  ]);
}

/** A ZIP checkpoint around a hand-built data.pkl and its storages (for hostile test files). */
export function pthArchive(pickle: Uint8Array, storages: [string, Uint8Array][] = []): Uint8Array {
  return zipStored([
    ['archive/data.pkl', pickle],
    ...storages.map(([key, bytes]): [string, Uint8Array] => [`archive/data/${key}`, bytes]),
    ['archive/version', new TextEncoder().encode('3\n')],
  ]);
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d]!;
  }
  return strides;
}

/** Builds a pickle opcode by opcode (also for hostile test files). */
export class PickleWriter {
  private readonly parts: number[] = [];

  op(code: number): void {
    this.parts.push(code);
  }

  proto2(): void {
    this.parts.push(0x80, 2);
  }

  global(module: string, name: string): void {
    this.op(0x63); // GLOBAL
    this.raw(new TextEncoder().encode(`${module}\n${name}\n`));
  }

  emptyOrderedDict(): void {
    this.global('collections', 'OrderedDict');
    this.op(0x29); // EMPTY_TUPLE
    this.op(0x52); // REDUCE
  }

  unicode(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.op(0x58); // BINUNICODE
    this.u32(bytes.length);
    this.raw(bytes);
  }

  int(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 31) throw new Error(`pth writer: integer ${n} out of range`);
    if (n < 256) this.parts.push(0x4b, n); // BININT1
    else if (n < 65536) this.parts.push(0x4d, n & 0xff, n >>> 8); // BININT2
    else {
      this.op(0x4a); // BININT
      this.u32(n);
    }
  }

  tuple(items: readonly number[]): void {
    this.op(0x28); // MARK
    for (const i of items) this.int(i);
    this.op(0x74); // TUPLE
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  private u32(n: number): void {
    this.parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }

  private raw(bytes: Uint8Array): void {
    for (const b of bytes) this.parts.push(b);
  }
}
