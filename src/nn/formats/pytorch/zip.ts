// Reads the entries of a ZIP archive (the container of PyTorch's checkpoints since 1.6). PyTorch
// stores entries uncompressed; compressed entries are refused with a clear error. ZIP64 is
// handled, since checkpoints over 4 GiB use it.
import { ModelFormatError } from '../../errors.js';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function readZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number): number => {
    if (at < 0 || at + 4 > bytes.length) throw new ModelFormatError('ZIP: truncated', `byte ${at}`);
    return view.getUint32(at, true);
  };
  const u16 = (at: number): number => {
    if (at < 0 || at + 2 > bytes.length) throw new ModelFormatError('ZIP: truncated', `byte ${at}`);
    return view.getUint16(at, true);
  };
  const u64 = (at: number): number => {
    const low = u32(at);
    const high = u32(at + 4);
    if (high >= 2 ** 21) throw new ModelFormatError('ZIP: 64-bit size beyond 2^53', `byte ${at}`);
    return high * 2 ** 32 + low;
  };

  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ModelFormatError('ZIP: no end-of-central-directory record (truncated or not a ZIP file)');
  let count = u16(eocd + 10);
  let directory = u32(eocd + 16);
  if (count === 0xffff || directory === 0xffffffff) {
    const locator = eocd - 20;
    if (u32(locator) !== ZIP64_LOCATOR) throw new ModelFormatError('ZIP64: locator missing', `byte ${locator}`);
    const record = u64(locator + 8);
    if (u32(record) !== ZIP64_EOCD) throw new ModelFormatError('ZIP64: end-of-central-directory record missing', `byte ${record}`);
    count = u64(record + 32);
    directory = u64(record + 48);
  }

  const entries = new Map<string, Uint8Array>();
  let at = directory;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== CENTRAL) throw new ModelFormatError('ZIP: bad central directory entry', `byte ${at}`);
    const method = u16(at + 10);
    let compressed = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let local = u32(at + 42);
    const nameEnd = at + 46 + nameLength;
    if (nameEnd > bytes.length) throw new ModelFormatError('ZIP: truncated entry name', `byte ${at}`);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, nameEnd));
    // ZIP64 extended information: the sizes and offset that overflowed 32 bits, in this order.
    for (let e = nameEnd; e + 4 <= nameEnd + extraLength; ) {
      const id = u16(e);
      const length = u16(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff) { size = u64(f); f += 8; }
        if (compressed === 0xffffffff) { compressed = u64(f); f += 8; }
        if (local === 0xffffffff) local = u64(f);
      }
      e += 4 + length;
    }
    if (method !== 0) throw new ModelFormatError(`ZIP entry '${name}' is compressed (method ${method}); PyTorch checkpoints store entries uncompressed`);
    if (u32(local) !== LOCAL) throw new ModelFormatError(`ZIP entry '${name}': bad local header`, `byte ${local}`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + size > bytes.length) throw new ModelFormatError(`ZIP entry '${name}' runs past the end of the file (truncated?)`, `byte ${start}`);
    entries.set(name, bytes.subarray(start, start + size));
    at = nameEnd + extraLength + commentLength;
  }
  return entries;
}
