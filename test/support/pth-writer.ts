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

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A ZIP archive of uncompressed entries, each entry's data starting at a multiple of 64 bytes. */
function zipStored(entries: [string, Uint8Array][]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    // Local extra field "FB" + length + padding, so the data lands on a 64-byte boundary.
    const beforeData = offset + 30 + nameBytes.length + 4;
    const pad = (64 - (beforeData % 64)) % 64;
    const local = new Uint8Array(30 + nameBytes.length + 4 + pad);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(8, 0, true); // stored
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, 4 + pad, true);
    local.set(nameBytes, 30);
    lv.setUint16(30 + nameBytes.length, 0x4246, true); // "FB"
    lv.setUint16(32 + nameBytes.length, pad, true);
    local.fill(0x5a, 34 + nameBytes.length); // 'Z' padding, as PyTorch writes it

    const entry = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // version made by
    cv.setUint16(6, 20, true); // version needed
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    entry.set(nameBytes, 46);
    central.push(entry);

    chunks.push(local, data);
    offset += local.length + data.length;
  }
  const directorySize = central.reduce((sum, c) => sum + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directorySize, true);
  ev.setUint32(16, offset, true);

  const out = new Uint8Array(offset + directorySize + end.length);
  let at = 0;
  for (const c of [...chunks, ...central, end]) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
