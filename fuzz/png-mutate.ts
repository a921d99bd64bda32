// Structure-aware PNG mutations. Byte flips almost always break a chunk CRC or the zlib Adler-32,
// so the decoder refuses them at the door and its inner code (unfiltering, bit depths, palettes,
// Adam7) is never reached. Here a PNG is taken apart into chunks and its image data into filtered
// scanlines; the mutation changes header fields, scanlines, filter bytes, the deflate stream or the
// chunk sequence, and then (most of the time) the checksums are made right again so the case gets
// past them. A file that does not parse as PNG is mutated as bytes.
import { constants, deflateSync, inflateRawSync, inflateSync } from 'node:zlib';
import { crc32 } from '../src/image/png.js';
import { concat, mutateBytes, pick, type Rng } from './mutate.js';

interface Chunk {
  type: string;
  body: Uint8Array;
  /** The CRC as stored (kept when checksums are left broken). */
  crc: number;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function int(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

function parseChunks(bytes: Uint8Array): Chunk[] | undefined {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Chunk[] = [];
  for (let pos = 8; pos < bytes.length; ) {
    if (pos + 12 > bytes.length) return undefined;
    const length = view.getUint32(pos);
    if (pos + 12 + length > bytes.length) return undefined;
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    chunks.push({ type, body: bytes.slice(pos + 8, pos + 8 + length), crc: view.getUint32(pos + 8 + length) });
    pos += 12 + length;
  }
  return chunks;
}

function writeChunks(chunks: Chunk[], fixCrcs: boolean): Uint8Array {
  const parts: Uint8Array[] = [SIGNATURE];
  for (const c of chunks) {
    const out = new Uint8Array(12 + c.body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, c.body.length);
    for (let i = 0; i < 4; i++) out[4 + i] = c.type.charCodeAt(i) & 0xff;
    out.set(c.body, 8);
    view.setUint32(8 + c.body.length, fixCrcs ? crc32(out, 4, 8 + c.body.length) : c.crc);
    parts.push(out);
  }
  return concat(...parts);
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const INTERESTING_SIZES = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 255, 256, 65535, 65536, 0x7fffffff, 0xffffffff];

/** One change to the IHDR fields: size, bit depth, colour type, methods, interlace. */
function mutateHeader(ihdr: Uint8Array, rng: Rng): void {
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  if (ihdr.length < 13) return;
  switch (int(rng, 9)) {
    case 0: view.setUint32(0, rng() < 0.5 ? pick(rng, INTERESTING_SIZES) : Math.max(0, view.getUint32(0) + int(rng, 5) - 2)); break;
    case 1: view.setUint32(4, rng() < 0.5 ? pick(rng, INTERESTING_SIZES) : Math.max(0, view.getUint32(4) + int(rng, 5) - 2)); break;
    case 2: ihdr[8] = rng() < 0.8 ? pick(rng, [1, 2, 4, 8, 16]) : int(rng, 256); break;
    case 3: ihdr[9] = rng() < 0.8 ? pick(rng, [0, 2, 3, 4, 6]) : int(rng, 256); break;
    case 4: ihdr[12] = rng() < 0.9 ? int(rng, 2) : int(rng, 256); break;
    case 5: ihdr[10 + int(rng, 2)] = int(rng, 3); break;
    default: { // a valid depth for a valid colour type: the decoder's unpacking paths
      const [colour, depths] = pick(rng, [[0, [1, 2, 4, 8, 16]], [2, [8, 16]], [3, [1, 2, 4, 8]], [4, [8, 16]], [6, [8, 16]]] as const);
      ihdr[9] = colour;
      ihdr[8] = pick(rng, depths);
    }
  }
}

/** One change to the inflated scanlines: filter bytes, pixels, length. */
function mutateScanlines(raw: Uint8Array, rng: Rng): Uint8Array {
  if (raw.length === 0) return Uint8Array.of(int(rng, 5));
  switch (int(rng, 8)) {
    case 0: case 5: { // filter type bytes of a few rows (rows are unknown here: any byte may be one)
      const out = raw.slice();
      for (let k = 0; k < 1 + int(rng, 4); k++) out[int(rng, out.length)] = rng() < 0.8 ? int(rng, 5) : int(rng, 256);
      return out;
    }
    case 1: return raw.slice(0, int(rng, raw.length)); // too short
    case 2: return concat(raw, Uint8Array.from({ length: 1 + int(rng, 64) }, () => int(rng, 256))); // too long
    case 3: case 6: { // all rows one filter (the start of each row guessed from a random stride)
      const out = raw.slice();
      const stride = 1 + int(rng, 64);
      const filter = int(rng, 5);
      for (let i = 0; i < out.length; i += stride) out[i] = filter;
      return out;
    }
    default: { // pixels, without changing the length
      const mutated = mutateBytes(raw, rng);
      const out = raw.slice();
      out.set(mutated.subarray(0, out.length));
      return out;
    }
  }
}

/** A zlib stream of `raw`: stored, fast or best, sometimes with a wrong Adler-32 kept. */
function zlibOf(raw: Uint8Array, rng: Rng, fixChecksums: boolean): Uint8Array {
  const z = new Uint8Array(deflateSync(raw, { level: pick(rng, [0, 1, 6, 9]) }));
  if (!fixChecksums) new DataView(z.buffer).setUint32(z.length - 4, adler32(raw) ^ (1 << int(rng, 32)));
  return z;
}

/** The image data mutated in its deflate stream, then its Adler-32 fixed when it still inflates. */
function mutateDeflate(zlib: Uint8Array, rng: Rng): Uint8Array {
  if (zlib.length < 7) return mutateBytes(zlib, rng);
  const header = zlib.subarray(0, 2);
  const stream = mutateBytes(zlib.subarray(2, zlib.length - 4), rng, 1);
  const joined = concat(header, stream, new Uint8Array(4));
  try {
    // A truncated stream gives what it holds (a sync flush); an invalid one throws.
    const out = inflateRawSync(stream, { finishFlush: constants.Z_SYNC_FLUSH });
    new DataView(joined.buffer).setUint32(joined.length - 4, adler32(new Uint8Array(out)));
  } catch {
    // the stream no longer inflates: the decoder must say so
  }
  return joined;
}

/** One change to the chunk sequence. */
function mutateSequence(chunks: Chunk[], rng: Rng): Chunk[] {
  const out = [...chunks];
  const chunk = (type: string, body: Uint8Array): Chunk => ({ type, body, crc: 0 });
  switch (int(rng, 7)) {
    case 0: { // split an IDAT in two
      const i = out.findIndex((c) => c.type === 'IDAT');
      if (i < 0) break;
      const at = int(rng, out[i]!.body.length + 1);
      out.splice(i, 1, chunk('IDAT', out[i]!.body.slice(0, at)), chunk('IDAT', out[i]!.body.slice(at)));
      break;
    }
    case 1: out.splice(1 + int(rng, out.length), 0, chunk('IDAT', new Uint8Array(0))); break; // an empty IDAT anywhere
    case 2: out.splice(int(rng, out.length), 1); break; // a chunk dropped (IHDR, IEND, the data)
    case 3: { // a chunk repeated
      const i = int(rng, out.length);
      out.splice(i, 0, { ...out[i]!, body: out[i]!.body.slice() });
      break;
    }
    case 4: { // a palette of any size (a multiple of 3 or not, up to past 256 entries)
      const n = pick(rng, [0, 1, 3, 6, 48, 768, 771, 1 + int(rng, 800)]);
      out.splice(1, 0, chunk('PLTE', Uint8Array.from({ length: n }, () => int(rng, 256))));
      break;
    }
    case 5: { // a transparency chunk of any size
      const n = pick(rng, [0, 1, 2, 5, 6, 7, 256, 300]);
      out.splice(1 + int(rng, Math.max(1, out.length - 1)), 0, chunk('tRNS', Uint8Array.from({ length: n }, () => int(rng, 256))));
      break;
    }
    default: { // an ancillary or unknown chunk, or a critical one the decoder does not know
      const type = pick(rng, ['tEXt', 'zTXt', 'iCCP', 'gAMA', 'sRGB', 'pHYs', 'aBcD', 'ABCD', 'IHDR', 'IEND']);
      out.splice(int(rng, out.length + 1), 0, chunk(type, Uint8Array.from({ length: int(rng, 40) }, () => int(rng, 256))));
    }
  }
  return out;
}

/** A mutated PNG: most cases keep valid checksums (so the decoder's inner code runs). */
export function mutatePng(bytes: Uint8Array, rng: Rng): Uint8Array {
  const chunks = parseChunks(bytes);
  if (chunks === undefined || rng() < 0.1) return mutateBytes(bytes, rng);
  const fixChecksums = rng() < 0.9;
  let list: Chunk[] = chunks.map((c) => ({ ...c, body: c.body.slice() }));
  const rounds = 1 + int(rng, 3);
  for (let r = 0; r < rounds; r++) {
    const kind = int(rng, 10);
    if (kind < 3) {
      const ihdr = list.find((c) => c.type === 'IHDR');
      if (ihdr) mutateHeader(ihdr.body, rng);
    } else if (kind < 7) {
      // The image data as one zlib stream: inflate, change, deflate again (or change the stream).
      const idats = list.filter((c) => c.type === 'IDAT');
      if (idats.length === 0) continue;
      const zlib = concat(...idats.map((c) => c.body));
      let next: Uint8Array;
      if (kind === 6) next = mutateDeflate(zlib, rng);
      else {
        let raw: Uint8Array;
        try {
          raw = new Uint8Array(inflateSync(zlib));
        } catch {
          continue;
        }
        next = zlibOf(mutateScanlines(raw, rng), rng, fixChecksums);
      }
      const first = list.indexOf(idats[0]!);
      list = list.filter((c) => c.type !== 'IDAT');
      list.splice(first, 0, { type: 'IDAT', body: next, crc: 0 });
    } else if (kind < 9) {
      list = mutateSequence(list, rng);
    } else {
      const c = pick(rng, list);
      if (c) c.body = mutateBytes(c.body, rng);
    }
  }
  return writeChunks(list, fixChecksums);
}
