// The portable PNG decoder (src/image/png.ts, src/image/inflate.ts) against pngjs, the reference:
// every colour type and bit depth, every row filter, Adam7 interlacing, tRNS colour keys, and
// zlib streams of every block type (stored, fixed and dynamic Huffman), on random odd sizes.
import { constants, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../src/nn/errors.js';
import { inflateZlib } from '../src/image/inflate.js';
import { decodePng } from '../src/image/png.js';
import { pngChunk } from '../src/image/png-encode.js';

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** Deterministic pseudo-random bytes. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
}

/** Filters one row with filter `type` (the encoder's side of PNG's five filters). */
function filterRow(type: number, row: Uint8Array, prev: Uint8Array | undefined, bpp: number): Uint8Array {
  const out = new Uint8Array(row.length + 1);
  out[0] = type;
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev?.[i] ?? 0;
    const c = i >= bpp ? (prev?.[i - bpp] ?? 0) : 0;
    const p = a + b - c;
    const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
    const predictor = [0, a, b, (a + b) >> 1, paeth][type]!;
    out[i + 1] = (row[i]! - predictor) & 255;
  }
  return out;
}

interface Case {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  seed: number;
  /** zlib options: level 0 gives stored blocks, Z_FIXED fixed Huffman codes. */
  zlib?: { level?: number; strategy?: number };
  trns?: boolean;
}

/** A PNG with random samples and a random filter per row, written by hand (pngjs writes few of these forms). */
function makePng(c: Case): Uint8Array {
  const next = random(c.seed);
  const channels = CHANNELS[c.colorType]!;
  const bitsPerPixel = channels * c.bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const paletteSize = c.colorType === 3 ? Math.min(1 << c.bitDepth, 5 + (c.seed % 200)) : 0;
  const passes = c.interlaced
    ? ADAM7.map(([x0, y0, dx, dy]) => ({ w: Math.ceil((c.width - x0) / dx), h: Math.ceil((c.height - y0) / dy) }))
    : [{ w: c.width, h: c.height }];
  const raw: number[] = [];
  for (const { w, h } of passes) {
    if (w <= 0 || h <= 0) continue;
    const rowBytes = Math.ceil((w * bitsPerPixel) / 8);
    let prev: Uint8Array | undefined;
    for (let y = 0; y < h; y++) {
      const row = new Uint8Array(rowBytes);
      for (let i = 0; i < rowBytes; i++) row[i] = next();
      if (c.colorType === 3) {
        // Indices inside the palette: one per sample.
        for (let s = 0; s < w; s++) {
          const bit = s * c.bitDepth;
          const shift = 8 - c.bitDepth - (bit & 7);
          const mask = ((1 << c.bitDepth) - 1) << shift;
          row[bit >> 3] = (row[bit >> 3]! & ~mask) | (((next() % paletteSize) << shift) & mask);
        }
      }
      if (c.trns && y % 3 === 0 && c.bitDepth >= 8 && rowBytes >= bpp) row.fill(0x11, 0, bpp); // a pixel equal to the key
      raw.push(...filterRow(next() % 5, row, prev, bpp));
      prev = row;
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, c.width);
  view.setUint32(4, c.height);
  ihdr.set([c.bitDepth, c.colorType, 0, 0, c.interlaced ? 1 : 0], 8);
  const extra: Uint8Array[] = [];
  if (c.colorType === 3) extra.push(pngChunk('PLTE', Uint8Array.from({ length: paletteSize * 3 }, next)));
  if (c.trns && c.colorType === 0) extra.push(pngChunk('tRNS', Uint8Array.of(0x11, 0x11).map((v, i) => (c.bitDepth === 16 || i === 1 ? v : 0))));
  if (c.trns && c.colorType === 2) extra.push(pngChunk('tRNS', Uint8Array.from([0, 1, 2, 3, 4, 5].map((i) => (c.bitDepth === 16 || i % 2 === 1 ? 0x11 : 0)))));
  const data = deflateSync(Uint8Array.from(raw), c.zlib);
  // Split the data over two IDAT chunks, as encoders do for large images.
  const half = data.length >> 1;
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...extra,
    pngChunk('IDAT', data.subarray(0, half)),
    pngChunk('IDAT', data.subarray(half)),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** pngjs's RGBA output without alpha. */
function pngjsRgb(bytes: Uint8Array): number[] {
  const png = PNG.sync.read(Buffer.from(bytes));
  const rgb: number[] = [];
  for (let i = 0; i < png.data.length; i += 4) rgb.push(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!);
  return rgb;
}

describe('PNG decoder against pngjs', () => {
  const cases: Case[] = [];
  let seed = 1;
  for (const [colorType, depths] of [[0, [1, 2, 4, 8, 16]], [2, [8, 16]], [3, [1, 2, 4, 8]], [4, [8, 16]], [6, [8, 16]]] as const) {
    for (const bitDepth of depths) {
      for (const interlaced of [false, true]) {
        for (const [width, height] of [[1, 1], [7, 13], [13, 7], [33, 9]] as const) {
          cases.push({ width, height, bitDepth, colorType, interlaced, seed: seed++, trns: (colorType === 0 || colorType === 2) && seed % 2 === 0 });
        }
      }
    }
  }
  it.each(cases)('colour type $colorType, $bitDepth bits, interlaced $interlaced, $width x $height', (c) => {
    const bytes = makePng(c);
    const image = decodePng(bytes);
    expect([image.width, image.height]).toEqual([c.width, c.height]);
    expect(Array.from(image.data)).toEqual(pngjsRgb(bytes));
  });

  it.each([
    { name: 'stored blocks', zlib: { level: 0 } },
    { name: 'fixed Huffman codes', zlib: { level: 6, strategy: constants.Z_FIXED } },
    { name: 'dynamic Huffman codes, best compression', zlib: { level: 9 } },
    { name: 'runs (Z_RLE)', zlib: { level: 6, strategy: constants.Z_RLE } },
  ])('inflates $name', ({ zlib }) => {
    // A large, partly repetitive image: long matches, overlapping copies, several blocks.
    const c: Case = { width: 301, height: 97, bitDepth: 8, colorType: 2, interlaced: false, seed: 99, zlib };
    const bytes = makePng(c);
    expect(Buffer.from(decodePng(bytes).data).equals(Buffer.from(pngjsRgb(bytes)))).toBe(true);
    const text = new TextEncoder().encode('abcabcabcabc'.repeat(5000) + 'xyz'.repeat(70000));
    expect(Buffer.from(inflateZlib(deflateSync(text, zlib), text.length)).equals(text)).toBe(true);
  });

  it('rejects corrupt and truncated zlib data with ImageError, never more or less than the expected size', () => {
    const text = new TextEncoder().encode('wasmpose '.repeat(1000));
    const good = new Uint8Array(deflateSync(text));
    expect(() => inflateZlib(good.subarray(0, good.length - 9), text.length)).toThrow(ImageError);
    expect(() => inflateZlib(good, text.length - 1)).toThrow(/more data than/);
    expect(() => inflateZlib(good, text.length + 1)).toThrow(/truncated/);
    const badChecksum = good.slice();
    badChecksum[badChecksum.length - 1]! ^= 1;
    expect(() => inflateZlib(badChecksum, text.length)).toThrow(/Adler-32/);
    const badHeader = good.slice();
    badHeader[0] = 0x79;
    expect(() => inflateZlib(badHeader, text.length)).toThrow(/bad header/);
    // Random bytes after a valid header: an error, not a hang or garbage.
    const next = random(7);
    for (let trial = 0; trial < 50; trial++) {
      const junk = Uint8Array.from({ length: 200 }, next);
      junk[0] = 0x78;
      junk[1] = 0x9c;
      expect(() => inflateZlib(junk, 1000)).toThrow(ImageError);
    }
  });
});
