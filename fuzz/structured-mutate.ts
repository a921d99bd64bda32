// Structure-aware mutations of the tensor containers, so cases get past the framing and reach
// the code behind it. A .npy's header dict is mutated as text and written back with its length
// (and, most of the time, data of the size the new header asks for). A PyTorch ZIP checkpoint is
// taken apart, its pickle's integer arguments (sizes, strides, offsets, memo keys) or bytes or its
// storages changed, and packed again with offsets and CRCs right. Unparsable input is mutated as
// bytes.
import { isZip, readZip } from '../src/nn/formats/pytorch/zip.js';
import { concat, INTERESTING_NUMBERS, mutateBytes, mutateText, pick, type Rng } from './mutate.js';
import { zipStored } from './zip-write.js';

function int(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const DESCRS = ['<f4', '<f8', '<f2', '<i4', '<i8', '|u1', '|i1', '|b1', '>f4', '<u2', '<c8', 'O', '<U3', '|S2', '<f16', ''];

/** Bytes per element of a descr and the element count of a shape text, when they can be read. */
function npyDataBytes(header: string): number | undefined {
  const descr = /'descr':\s*'[<>|=]?[a-zA-Z](\d+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape) return undefined;
  const dims = shape[1]!.split(',').map((d) => d.trim()).filter((d) => d !== '').map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const bytes = n * Number(descr[1]);
  return Number.isSafeInteger(bytes) && bytes >= 0 && bytes <= 1 << 20 ? bytes : undefined;
}

export function mutateNpy(bytes: Uint8Array, rng: Rng): Uint8Array {
  if (bytes.length < 12 || NPY_MAGIC.some((b, i) => bytes[i] !== b) || rng() < 0.15) return mutateBytes(bytes, rng);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthAt = 8;
  const headerLength = major === 1 ? view.getUint16(lengthAt, true) : view.getUint32(lengthAt, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > bytes.length) return mutateBytes(bytes, rng);
  let header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  let data: Uint8Array = bytes.slice(headerStart + headerLength);
  switch (int(rng, 5)) {
    case 0: header = header.replace(/'descr':\s*'[^']*'/, `'descr': '${pick(rng, DESCRS)}'`); break;
    case 1: { // a new shape: any rank, small or boundary dims
      const rank = int(rng, 6);
      const dims = Array.from({ length: rank }, () => (rng() < 0.8 ? String(int(rng, 6)) : pick(rng, INTERESTING_NUMBERS)));
      header = header.replace(/'shape':\s*\([^)]*\)/, `'shape': (${dims.join(', ')}${rank === 1 ? ',' : ''})`);
      break;
    }
    case 2: header = header.replace(/False|True/, pick(rng, ['True', 'False', '0', 'None', 'false'])); break;
    case 3: header = mutateText(header, rng); break;
    default: data = mutateBytes(data, rng);
  }
  // Data of the size the header now asks for, most of the time (so the reading code runs).
  const wanted = npyDataBytes(header);
  if (wanted !== undefined && rng() < 0.7) {
    const resized = new Uint8Array(wanted);
    resized.set(data.subarray(0, wanted));
    for (let i = data.length; i < wanted; i++) resized[i] = int(rng, 256);
    data = resized;
  }
  const text = new TextEncoder().encode(header.replace(/\n?$/, '\n'));
  const version = text.length > 0xffff ? 2 : major === 1 ? 1 : major;
  const prefix = new Uint8Array(version === 1 ? 10 : 12);
  prefix.set(bytes.subarray(0, 6));
  prefix[6] = version;
  const pv = new DataView(prefix.buffer);
  if (version === 1) pv.setUint16(8, text.length, true);
  else pv.setUint32(8, text.length, true);
  return concat(prefix, text, data);
}

const INTEGER_VALUES = [0, 1, 2, 3, 4, 255, 65535, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 30, 2 ** 26];

/** One integer argument of the pickle (BININT1, BININT2, BININT, memo keys) set to another value. */
function mutatePickleIntegers(pickle: Uint8Array, rng: Rng): Uint8Array {
  const out = pickle.slice();
  const sites: number[] = [];
  for (let i = 0; i < out.length; i++) if ([0x4b, 0x4d, 0x4a, 0x71, 0x68].includes(out[i]!)) sites.push(i);
  if (sites.length === 0) return mutateBytes(pickle, rng);
  for (let k = 0; k < 1 + int(rng, 3); k++) {
    const at = pick(rng, sites);
    const v = pick(rng, INTEGER_VALUES);
    const view = new DataView(out.buffer);
    if (out[at] === 0x4a && at + 5 <= out.length) view.setUint32(at + 1, v >>> 0, true);
    else if (out[at] === 0x4d && at + 3 <= out.length) view.setUint16(at + 1, v & 0xffff, true);
    else if (at + 2 <= out.length) out[at + 1] = v & 0xff;
  }
  return out;
}

export function mutatePytorch(bytes: Uint8Array, rng: Rng): Uint8Array {
  if (!isZip(bytes) || rng() < 0.15) return rng() < 0.5 ? mutatePickleIntegers(bytes, rng) : mutateBytes(bytes, rng);
  let entries: [string, Uint8Array][];
  try {
    entries = [...readZip(bytes)].map(([name, data]) => [name, data.slice()]);
  } catch {
    return mutateBytes(bytes, rng);
  }
  const pkl = entries.findIndex(([name]) => name.endsWith('data.pkl'));
  switch (int(rng, 6)) {
    case 0: case 1: if (pkl >= 0) entries[pkl]![1] = mutatePickleIntegers(entries[pkl]![1], rng); break;
    case 2: if (pkl >= 0) entries[pkl]![1] = mutateBytes(entries[pkl]![1], rng); break;
    case 3: { // a storage shortened or grown
      const i = int(rng, entries.length);
      const data = entries[i]![1];
      entries[i]![1] = rng() < 0.5 ? data.slice(0, int(rng, data.length + 1)) : concat(data, new Uint8Array(1 + int(rng, 64)));
      break;
    }
    case 4: entries.splice(int(rng, entries.length), 1); break; // an entry missing
    default: { // an entry renamed
      const i = int(rng, entries.length);
      entries[i]![0] = pick(rng, ['archive/data/0', 'archive/data.pkl', 'data.pkl', '../data.pkl', 'archive/data/__proto__', `${entries[i]![0]}x`]);
    }
  }
  return zipStored(entries);
}
