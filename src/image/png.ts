// PNG decoding with no platform API (./inflate.ts for the compressed data), so that it runs the
// same in Node, browsers, workers, Deno and Bun. Every colour type, bit depth and Adam7 interlacing
// of the PNG specification; chunk CRCs and the zlib checksum are verified.
//
// Pixels come out as pngjs gives them (test/png.test.ts holds the two against each other), then
// without alpha, as cv2.imread(path, IMREAD_COLOR) reads them:
// - 16-bit samples scale to 8 bits as floor(v * 255 / 65535 + 0.5); 1, 2 and 4-bit grey likewise
//   to 0..255; palette indices look their colour up;
// - a grey or RGB pixel equal to the tRNS colour key comes out black; alpha is otherwise dropped.
import { ImageError } from '../nn/errors.js';
import { concatenate } from '../nn/tensor.js';
import { checkImageSize, type RgbImage } from './image.js';
import { inflateZlib } from './inflate.js';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** Samples per pixel of each colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const;

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

/** Size and format from the IHDR chunk, which the PNG format requires to come first. */
export function readPngHeader(bytes: Uint8Array): PngHeader {
  if (bytes.length < 33) throw new ImageError('truncated PNG: too short for its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkType = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  if (chunkType !== 'IHDR') throw new ImageError(`corrupt PNG: first chunk is "${chunkType}", not IHDR`);
  if (view.getUint32(8) !== 13) throw new ImageError(`corrupt PNG: IHDR chunk of ${view.getUint32(8)} bytes, not 13`);
  return { width: view.getUint32(16), height: view.getUint32(20), bitDepth: bytes[24]!, colorType: bytes[25]!, interlaced: bytes[28] === 1 };
}

let crcTable: Int32Array | undefined;

/** CRC-32 of bytes[start, end), as PNG chunks carry it. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (crcTable === undefined) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 255]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function fail(message: string): never {
  throw new ImageError(`cannot decode PNG: ${message}`);
}

/** Decodes a PNG file to RGB; the size is checked before anything is allocated. */
export function decodePng(bytes: Uint8Array): RgbImage {
  const header = readPngHeader(bytes);
  const { width, height, bitDepth, colorType } = header;
  checkImageSize(width, height, 'PNG image');
  // Deflate expands at most ~1032:1: rows of at least one bit per pixel that the file's bytes
  // cannot hold are refused before anything is inflated or allocated.
  const minimumRowBytes = 1 + Math.ceil((width * bitDepth) / 8);
  if (height * minimumRowBytes > bytes.length * 1032) fail(`${width}x${height} needs ${height * minimumRowBytes} bytes of image data, more than ${bytes.length} compressed bytes can hold`);
  if (!(DEPTHS[colorType] ?? []).includes(bitDepth)) fail(`colour type ${colorType} with bit depth ${bitDepth} is not a valid combination`);
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28]! > 1) fail('unknown compression, filter or interlace method');

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  let transparent: number[] | undefined;
  let ended = false;
  for (let pos = 8; pos < bytes.length && !ended; ) {
    if (pos + 12 > bytes.length) fail('truncated chunk');
    const length = view.getUint32(pos);
    const end = pos + 8 + length;
    if (end + 4 > bytes.length) fail('truncated chunk');
    if (crc32(bytes, pos + 4, end) !== view.getUint32(end)) fail(`CRC mismatch in the chunk at byte ${pos}`);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const body = bytes.subarray(pos + 8, end);
    if (type === 'IDAT') data.push(body);
    else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS' && colorType === 0 && body.length >= 2) transparent = [(body[0]! << 8) | body[1]!];
    else if (type === 'tRNS' && colorType === 2 && body.length >= 6) transparent = [0, 2, 4].map((i) => (body[i]! << 8) | body[i + 1]!);
    else if (type === 'IEND') ended = true;
    pos = end + 4;
  }
  if (!ended) fail('truncated: no IEND chunk');
  if (data.length === 0) fail('no image data (IDAT)');
  if (colorType === 3 && (palette === undefined || palette.length % 3 !== 0)) fail('palette image without a valid PLTE chunk');

  const channels = CHANNELS[colorType]!;
  const bitsPerPixel = channels * bitDepth;
  const passes = header.interlaced
    ? ADAM7.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.ceil((width - x0) / dx), h: Math.ceil((height - y0) / dy) }))
    : [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }];
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  const size = passes.reduce((n, p) => n + (p.w > 0 && p.h > 0 ? p.h * (1 + rowBytes(p.w)) : 0), 0);
  let raw: Uint8Array;
  try {
    raw = inflateZlib(data.length === 1 ? data[0]! : concatenate(data, (n) => new Uint8Array(n)), size);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }

  // Samples of the whole image, in their stored bit depth (16 bits fits an Uint16Array).
  const samples = new Uint16Array(width * height * channels);
  let offset = 0;
  for (const pass of passes) {
    if (pass.w === 0 || pass.h === 0) continue;
    const stride = rowBytes(pass.w);
    unfilter(raw, offset, stride, pass.h, Math.max(1, bitsPerPixel >> 3));
    for (let y = 0; y < pass.h; y++) {
      const row = offset + y * (stride + 1) + 1;
      const outRow = (pass.y0 + y * pass.dy) * width;
      for (let x = 0; x < pass.w; x++) {
        const at = (outRow + pass.x0 + x * pass.dx) * channels;
        for (let c = 0; c < channels; c++) samples[at + c] = sampleAt(raw, row, x * channels + c, bitDepth);
      }
    }
    offset += pass.h * (stride + 1);
  }
  return toRgb(samples, header, palette, transparent);
}

/** Sample `index` of a row starting at byte `row`, for any bit depth (big-endian, most significant bits first). */
function sampleAt(raw: Uint8Array, row: number, index: number, bitDepth: number): number {
  if (bitDepth === 8) return raw[row + index]!;
  if (bitDepth === 16) return (raw[row + 2 * index]! << 8) | raw[row + 2 * index + 1]!;
  const bit = index * bitDepth;
  return (raw[row + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
}

/** Undoes the per-row filters in place; `bpp` is the bytes per complete pixel (at least 1). */
function unfilter(raw: Uint8Array, offset: number, stride: number, rows: number, bpp: number): void {
  for (let y = 0; y < rows; y++) {
    const start = offset + y * (stride + 1);
    const filter = raw[start]!;
    const cur = start + 1;
    const prev = y === 0 ? -1 : cur - stride - 1;
    const up = (i: number) => (prev < 0 ? 0 : raw[prev + i]!);
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < stride; i++) raw[cur + i] = raw[cur + i]! + raw[cur + i - bpp]!;
        break;
      case 2:
        if (prev >= 0) for (let i = 0; i < stride; i++) raw[cur + i] = raw[cur + i]! + raw[prev + i]!;
        break;
      case 3:
        for (let i = 0; i < stride; i++) raw[cur + i] = raw[cur + i]! + (((i >= bpp ? raw[cur + i - bpp]! : 0) + up(i)) >> 1);
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[cur + i - bpp]! : 0;
          const b = up(i);
          const c = i >= bpp ? up(i - bpp) : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          raw[cur + i] = raw[cur + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        fail(`unknown row filter ${filter}`);
    }
  }
}

function toRgb(samples: Uint16Array, header: PngHeader, palette: Uint8Array | undefined, transparent: number[] | undefined): RgbImage {
  const { width, height, bitDepth, colorType } = header;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (colorType === 3) {
    const colours = palette!.length / 3;
    for (let i = 0; i < n; i++) {
      const index = samples[i]!;
      if (index >= colours) fail(`palette index ${index} is outside the ${colours}-colour palette`);
      out[i * 3] = palette![index * 3]!;
      out[i * 3 + 1] = palette![index * 3 + 1]!;
      out[i * 3 + 2] = palette![index * 3 + 2]!;
    }
    return { width, height, data: out };
  }
  const max = 2 ** bitDepth - 1;
  const scale = (v: number) => (bitDepth === 8 ? v : Math.floor((v * 255) / max + 0.5));
  const channels = CHANNELS[colorType]!;
  const grey = colorType === 0 || colorType === 4;
  for (let i = 0; i < n; i++) {
    const at = i * channels;
    const keyed =
      transparent !== undefined &&
      (grey ? samples[at] === transparent[0] : samples[at] === transparent[0] && samples[at + 1] === transparent[1] && samples[at + 2] === transparent[2]);
    if (keyed) continue; // stays black
    for (let c = 0; c < 3; c++) out[i * 3 + c] = scale(samples[at + (grey ? 0 : c)]!);
  }
  return { width, height, data: out };
}
