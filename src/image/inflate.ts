// zlib (RFC 1950) around DEFLATE (RFC 1951), decoded synchronously with nothing but typed arrays:
// PNG's image data in browsers, workers, Deno and Bun alike, where Node's zlib (which pngjs needs)
// does not exist and the browsers' DecompressionStream is asynchronous only.
//
// Huffman codes are decoded by one table look-up per symbol: a table of 2^maxBits entries indexed
// by the next maxBits input bits (least significant bit first, as DEFLATE packs codes reversed),
// each entry `symbol << 4 | code length`. An entry of length 0 is a bit pattern no code starts
// with (an incomplete code), which is corrupt data.
import { ImageError } from '../nn/errors.js';

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order in which a dynamic block lists the code lengths of its code-length alphabet. */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

interface HuffmanTable {
  entries: Int32Array;
  bits: number;
}

function corrupt(message: string): never {
  throw new ImageError(`corrupt zlib data: ${message}`);
}

/** The decoding table of a canonical Huffman code given by its code lengths (0: unused symbol). */
function huffmanTable(lengths: Uint8Array): HuffmanTable {
  const count = new Int32Array(16);
  let bits = 1;
  for (const length of lengths) {
    count[length]!++;
    if (length > bits) bits = length;
  }
  count[0] = 0;
  const next = new Int32Array(16);
  let left = 1;
  for (let length = 1; length < 16; length++) {
    left = (left << 1) - count[length]!;
    if (left < 0) corrupt('over-subscribed Huffman code');
    next[length] = (next[length - 1]! + count[length - 1]!) << 1;
  }
  const entries = new Int32Array(1 << bits);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const length = lengths[symbol]!;
    if (length === 0) continue;
    const code = next[length]!++;
    let reversed = 0;
    for (let i = 0; i < length; i++) reversed |= ((code >> i) & 1) << (length - 1 - i);
    for (let j = reversed; j < entries.length; j += 1 << length) entries[j] = (symbol << 4) | length;
  }
  return { entries, bits };
}

let fixedTables: { literal: HuffmanTable; distance: HuffmanTable } | undefined;

function fixedHuffmanTables(): { literal: HuffmanTable; distance: HuffmanTable } {
  if (fixedTables === undefined) {
    const literal = new Uint8Array(288);
    literal.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixedTables = { literal: huffmanTable(literal), distance: huffmanTable(new Uint8Array(30).fill(5)) };
  }
  return fixedTables;
}

/** Least-significant-bit-first reader; reading past the end is an error (truncated data). */
class BitReader {
  private buffer = 0;
  private count = 0;
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  private fill(need: number): void {
    while (this.count < need) {
      if (this.pos >= this.bytes.length) {
        // Peeking for a Huffman code may look past the last symbol: pad with zeros, and fail only
        // if the padding is consumed (checkEnd).
        if (this.pos >= this.bytes.length + 4) throw new ImageError('truncated zlib data');
        this.pos++;
      } else {
        this.buffer |= this.bytes[this.pos++]! << this.count;
      }
      this.count += 8;
    }
  }

  bits(n: number): number {
    if (n === 0) return 0;
    this.fill(n);
    const value = this.buffer & ((1 << n) - 1);
    this.buffer >>>= n;
    this.count -= n;
    this.checkEnd();
    return value;
  }

  symbol(table: HuffmanTable): number {
    this.fill(table.bits);
    const entry = table.entries[this.buffer & ((1 << table.bits) - 1)]!;
    const length = entry & 15;
    if (length === 0) corrupt('invalid Huffman code');
    this.buffer >>>= length;
    this.count -= length;
    this.checkEnd();
    return entry >> 4;
  }

  /** Drops the bits left in the current byte and returns the position of the next whole byte. */
  alignToByte(): number {
    const whole = this.count >> 3;
    this.pos -= whole;
    this.buffer = 0;
    this.count = 0;
    return this.pos;
  }

  /** Consumed bits that were padding past the end of the input mean the data was cut short. */
  private checkEnd(): void {
    if (this.pos * 8 - this.count > this.bytes.length * 8) throw new ImageError('truncated zlib data');
  }
}

/** Reads one dynamic block's literal/length and distance tables. */
function dynamicTables(reader: BitReader): { literal: HuffmanTable; distance: HuffmanTable } {
  const literals = reader.bits(5) + 257;
  const distances = reader.bits(5) + 1;
  const codeLengthCodes = reader.bits(4) + 4;
  if (literals > 286 || distances > 30) corrupt(`too many codes (${literals} literal/length, ${distances} distance)`);
  const codeLengthLengths = new Uint8Array(19);
  for (let i = 0; i < codeLengthCodes; i++) codeLengthLengths[CODE_LENGTH_ORDER[i]!] = reader.bits(3);
  const codeLengths = huffmanTable(codeLengthLengths);
  const lengths = new Uint8Array(literals + distances);
  for (let i = 0; i < lengths.length; ) {
    const symbol = reader.symbol(codeLengths);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (symbol === 16) {
      if (i === 0) corrupt('repeat of a code length before the first');
      value = lengths[i - 1]!;
      repeat = 3 + reader.bits(2);
    } else if (symbol === 17) {
      repeat = 3 + reader.bits(3);
    } else {
      repeat = 11 + reader.bits(7);
    }
    if (i + repeat > lengths.length) corrupt('code lengths run past their count');
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (lengths[256] === 0) corrupt('no end-of-block code');
  return { literal: huffmanTable(lengths.subarray(0, literals)), distance: huffmanTable(lengths.subarray(literals)) };
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    // 5552 bytes is the longest run before b can overflow 2^32 (zlib's NMAX).
    const end = Math.min(i + 5552, bytes.length);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Decompresses a zlib stream that must hold exactly `size` bytes (a PNG knows its data's size from
 * its header, so the output is allocated once and a stream that says more or less is corrupt).
 * Checks the header and the Adler-32 checksum; throws ImageError on anything malformed.
 */
export function inflateZlib(bytes: Uint8Array, size: number): Uint8Array {
  if (bytes.length < 6) throw new ImageError('truncated zlib data');
  const cmf = bytes[0]!;
  const flg = bytes[1]!;
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) corrupt('bad header');
  if (flg & 0x20) corrupt('preset dictionaries are not used by PNG');
  const out = new Uint8Array(size);
  let o = 0;
  const reader = new BitReader(bytes, 2);
  for (let last = 0; !last; ) {
    last = reader.bits(1);
    const type = reader.bits(2);
    if (type === 0) {
      const at = reader.alignToByte();
      if (at + 4 > bytes.length) throw new ImageError('truncated zlib data');
      const length = bytes[at]! | (bytes[at + 1]! << 8);
      if ((length ^ (bytes[at + 2]! | (bytes[at + 3]! << 8))) !== 0xffff) corrupt('stored block length check failed');
      if (at + 4 + length > bytes.length) throw new ImageError('truncated zlib data');
      if (o + length > size) corrupt(`more data than the expected ${size} bytes`);
      out.set(bytes.subarray(at + 4, at + 4 + length), o);
      o += length;
      reader.pos = at + 4 + length;
      continue;
    }
    if (type === 3) corrupt('reserved block type');
    const { literal, distance } = type === 1 ? fixedHuffmanTables() : dynamicTables(reader);
    for (;;) {
      const symbol = reader.symbol(literal);
      if (symbol < 256) {
        if (o >= size) corrupt(`more data than the expected ${size} bytes`);
        out[o++] = symbol;
        continue;
      }
      if (symbol === 256) break;
      const lengthCode = symbol - 257;
      if (lengthCode >= 29) corrupt(`invalid length symbol ${symbol}`);
      const length = LENGTH_BASE[lengthCode]! + reader.bits(LENGTH_EXTRA[lengthCode]!);
      const distanceCode = reader.symbol(distance);
      if (distanceCode >= 30) corrupt(`invalid distance symbol ${distanceCode}`);
      const back = DISTANCE_BASE[distanceCode]! + reader.bits(DISTANCE_EXTRA[distanceCode]!);
      if (back > o) corrupt('distance reaches before the start of the data');
      if (o + length > size) corrupt(`more data than the expected ${size} bytes`);
      // Byte by byte: a copy may overlap the bytes it produces (a run).
      for (let end = o + length; o < end; o++) out[o] = out[o - back]!;
    }
  }
  if (o !== size) throw new ImageError(`truncated zlib data: ${o} of ${size} bytes`);
  const at = reader.alignToByte();
  if (at + 4 > bytes.length) throw new ImageError('truncated zlib data: no checksum');
  const expected = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  if (adler32(out) !== expected) corrupt('Adler-32 checksum mismatch');
  return out;
}
