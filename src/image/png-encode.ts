// PNG encoding for the overlay pictures the command line writes (Node, Deno, Bun: the compression
// is Node's zlib, reached through process.getBuiltinModule). Decoding, which every runtime needs,
// is ./png.ts. Rows are written with PNG's Up filter, which suits photos and overlays alike.
import { ImageError } from '../nn/errors.js';
import { concatenate } from '../nn/tensor.js';
import { checkImageSize, type RgbaImage, type RgbImage } from './image.js';
import { crc32, PNG_SIGNATURE } from './png.js';

/** One PNG chunk: length, type, body and the CRC-32 of type and body. */
export function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

/**
 * Encodes an RGB or RGBA image (told apart by the buffer length) as an 8-bit PNG: colour type 2
 * for RGB, 6 for RGBA.
 */
export function encodePng(image: RgbImage | RgbaImage): Uint8Array {
  checkImageSize(image.width, image.height);
  const { width, height, data } = image;
  const pixels = width * height;
  let channels: 3 | 4;
  if (data.length === pixels * 3) channels = 3;
  else if (data.length === pixels * 4) channels = 4;
  else throw new ImageError(`cannot encode PNG: ${width}x${height} needs ${pixels * 3} (RGB) or ${pixels * 4} (RGBA) bytes, got ${data.length}`);
  const zlib = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule?.('node:zlib') as typeof import('node:zlib') | undefined;
  if (zlib === undefined) throw new ImageError('encodePng needs Node (or Deno, Bun) for its zlib');
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    raw[row] = 2; // Up: each byte minus the one above it
    for (let i = 0; i < stride; i++) raw[row + 1 + i] = data[y * stride + i]! - (y > 0 ? data[(y - 1) * stride + i]! : 0);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, channels === 3 ? 2 : 6, 0, 0, 0], 8);
  const parts = [Uint8Array.from(PNG_SIGNATURE), pngChunk('IHDR', header), pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', new Uint8Array(0))];
  return concatenate(parts, (n) => new Uint8Array(n));
}
