import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../src/nn/errors.js';
import { applyExifOrientation, createImage, rgbaToRgb, rgbToRgba, type RgbImage } from '../src/image/image.js';
import { decodeImage, readJpegHeader, sniffImageFormat } from '../src/image/codec.js';
import { encodePng } from '../src/image/png-encode.js';
import { resizeBilinear, warpAffine } from '../src/image/resize.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cocoDir = path.resolve(repoRoot, '../shared/data/coco');

// ---- helpers -------------------------------------------------------------------------------

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** A PNG built by hand, for the colour types and depths pngjs cannot write (palette, 1-bit). */
function handMadePng(width: number, height: number, bitDepth: number, colorType: number, rows: number[][], extra: Uint8Array[] = []): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const raw = rows.flatMap((row) => [0, ...row]); // filter type 0 per row
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra,
    chunk('IDAT', deflateSync(Uint8Array.from(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function pixel(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

/** An image with four flat-coloured quadrants (survives JPEG compression). */
function quadrants(width: number, height: number): RgbImage {
  const image = createImage(width, height);
  const colors = [[250, 10, 10], [10, 250, 10], [10, 10, 250], [250, 250, 10]];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colors[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)]!;
      image.data.set(c, (y * width + x) * 3);
    }
  }
  return image;
}

function encodeJpeg(image: RgbImage, quality = 95): Uint8Array {
  const rgba = rgbToRgba(image);
  return new Uint8Array(jpeg.encode({ width: image.width, height: image.height, data: rgba.data }, quality).data);
}

/** Inserts an APP1 Exif segment with the given Orientation right after SOI. */
function withExifOrientation(jpegBytes: Uint8Array, orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = new Uint8Array(8 + 2 + 12 + 4);
  const view = new DataView(tiff.buffer);
  view.setUint16(0, littleEndian ? 0x4949 : 0x4d4d);
  view.setUint16(2, 42, littleEndian);
  view.setUint32(4, 8, littleEndian);
  view.setUint16(8, 1, littleEndian);
  view.setUint16(10, 0x0112, littleEndian);
  view.setUint16(12, 3, littleEndian); // SHORT
  view.setUint32(14, 1, littleEndian);
  view.setUint16(18, orientation, littleEndian);
  const body = new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]);
  const segment = new Uint8Array([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
  const out = new Uint8Array(jpegBytes.length + segment.length);
  out.set(jpegBytes.subarray(0, 2), 0);
  out.set(segment, 2);
  out.set(jpegBytes.subarray(2), 2 + segment.length);
  return out;
}

function expectImageError(f: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try { f(); } catch (err) { thrown = err; }
  expect(thrown).toBeInstanceOf(ImageError);
  expect((thrown as Error).message).toMatch(message);
}

// ---- image.ts --------------------------------------------------------------------------------

describe('image helpers', () => {
  it('createImage fills, and rejects empty or absurd sizes', () => {
    const image = createImage(2, 1, [1, 2, 3]);
    expect(Array.from(image.data)).toEqual([1, 2, 3, 1, 2, 3]);
    expectImageError(() => createImage(0, 5), /invalid size/);
    expectImageError(() => createImage(20000, 20000), /megapixels/);
  });

  it('RGBA <-> RGB drops / adds an opaque alpha', () => {
    const rgba = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 0, 4, 5, 6, 128]) };
    const rgb = rgbaToRgb(rgba);
    expect(Array.from(rgb.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(rgbToRgba(rgb).data)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it('applies all eight EXIF orientations', () => {
    // A 3x2 image whose pixel values are their stored (x, y): red = x, green = y.
    const stored = createImage(3, 2);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) stored.data.set([x, y, 0], (y * 3 + x) * 3);
    const w = 3, h = 2;
    // For each orientation: where output (x, y) reads from, written out independently of the code.
    const expected: Record<number, (x: number, y: number) => [number, number]> = {
      1: (x, y) => [x, y],
      2: (x, y) => [w - 1 - x, y],
      3: (x, y) => [w - 1 - x, h - 1 - y],
      4: (x, y) => [x, h - 1 - y],
      5: (x, y) => [y, x],
      6: (x, y) => [y, h - 1 - x],
      7: (x, y) => [w - 1 - y, h - 1 - x],
      8: (x, y) => [w - 1 - y, x],
    };
    for (let o = 1; o <= 8; o++) {
      const out = applyExifOrientation(stored, o);
      expect([out.width, out.height]).toEqual(o >= 5 ? [2, 3] : [3, 2]);
      for (let y = 0; y < out.height; y++) {
        for (let x = 0; x < out.width; x++) expect(pixel(out, x, y).slice(0, 2)).toEqual(expected[o]!(x, y));
      }
    }
    // Orientation 6 = "rotate 90 clockwise to view": the stored top-left ends up top-right.
    expect(pixel(applyExifOrientation(stored, 6), 1, 0).slice(0, 2)).toEqual([0, 0]);
  });
});

// ---- codec.ts --------------------------------------------------------------------------------

describe('PNG', () => {
  it('round-trips RGB through encodePng/decodeImage exactly', () => {
    const image = createImage(5, 3);
    for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37) & 255;
    const bytes = encodePng(image);
    expect(sniffImageFormat(bytes)).toBe('png');
    expect(bytes[25]).toBe(2); // IHDR colour type: truecolour
    const back = decodeImage(bytes);
    expect([back.width, back.height]).toEqual([5, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
  });

  it('encodes RGBA (colour type 6) and ignores alpha when decoding', () => {
    const rgba = { width: 2, height: 1, data: Uint8Array.from([200, 100, 50, 0, 10, 20, 30, 255]) };
    const bytes = encodePng(rgba);
    expect(bytes[25]).toBe(6);
    expect(Array.from(decodeImage(bytes).data)).toEqual([200, 100, 50, 10, 20, 30]);
    expectImageError(() => encodePng({ width: 2, height: 1, data: new Uint8Array(7) }), /needs 6 \(RGB\) or 8 \(RGBA\)/);
  });

  it('expands grey, grey+alpha and 16-bit PNGs (written by pngjs)', () => {
    const grey = new PNG({ width: 2, height: 1, colorType: 0, inputColorType: 0, inputHasAlpha: false });
    grey.data = Buffer.from([7, 200]);
    const greyBytes = PNG.sync.write(grey, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
    expect(Array.from(decodeImage(new Uint8Array(greyBytes)).data)).toEqual([7, 7, 7, 200, 200, 200]);

    const greyAlpha = new PNG({ width: 1, height: 1 });
    greyAlpha.data = Buffer.from([90, 90, 90, 10]);
    const gaBytes = PNG.sync.write(greyAlpha, { colorType: 4 });
    expect(gaBytes[25]).toBe(4);
    expect(Array.from(decodeImage(new Uint8Array(gaBytes)).data)).toEqual([90, 90, 90]);

    // 16-bit RGB, big-endian samples; 0x8080 rounds to 128, 0xffff to 255, 0x00ff to 1.
    const rows = [[0x80, 0x80, 0xff, 0xff, 0x00, 0xff]];
    expect(Array.from(decodeImage(handMadePng(1, 1, 16, 2, rows)).data)).toEqual([128, 255, 1]);
  });

  it('expands palette and 1-bit grey PNGs', () => {
    const palette = chunk('PLTE', Uint8Array.from([255, 0, 0, 0, 0, 255]));
    const indexed = handMadePng(3, 1, 8, 3, [[1, 0, 1]], [palette]);
    expect(Array.from(decodeImage(indexed).data)).toEqual([0, 0, 255, 255, 0, 0, 0, 0, 255]);
    const oneBit = handMadePng(3, 1, 1, 0, [[0b10100000]]);
    expect(Array.from(decodeImage(oneBit).data)).toEqual([255, 255, 255, 0, 0, 0, 255, 255, 255]);
  });

  it('rejects truncated, corrupt, zero-size and absurd PNGs with ImageError', () => {
    const good = encodePng(createImage(16, 16, [9, 9, 9]));
    expectImageError(() => decodeImage(good.subarray(0, 20)), /truncated PNG/);
    expectImageError(() => decodeImage(good.subarray(0, good.length - 20)), /cannot decode PNG/);
    const corrupt = good.slice();
    corrupt[40]! ^= 0xff; // inside IDAT: CRC mismatch
    expectImageError(() => decodeImage(corrupt), /cannot decode PNG/);
    expectImageError(() => decodeImage(handMadePng(0, 1, 8, 2, [])), /invalid size 0x1/);
    // A forged header claiming 100000 x 100000 is refused before any allocation.
    const forged = handMadePng(100000, 100000, 8, 2, [[0, 0, 0]]);
    const start = performance.now();
    expectImageError(() => decodeImage(forged), /10000\.0 megapixels/);
    expect(performance.now() - start).toBeLessThan(100);
  });
});

describe('JPEG', () => {
  it('decodes a jpeg-js encoded image close to the original colours', () => {
    const image = quadrants(32, 16);
    const back = decodeImage(encodeJpeg(image));
    expect([back.width, back.height]).toEqual([32, 16]);
    for (const [x, y] of [[4, 4], [28, 4], [4, 12], [28, 12]] as const) {
      const want = pixel(image, x, y);
      pixel(back, x, y).forEach((v, c) => expect(Math.abs(v - want[c]!)).toBeLessThan(12));
    }
  });

  it('decodes a neutral grey JPEG to equal R, G, B', () => {
    const grey = createImage(16, 16, [120, 120, 120]);
    const back = decodeImage(encodeJpeg(grey));
    const [r, g, b] = pixel(back, 8, 8);
    expect(Math.abs(r! - 120)).toBeLessThan(3);
    expect(r).toBe(g);
    expect(g).toBe(b);
  });

  it('applies EXIF orientation (both byte orders)', () => {
    const image = quadrants(32, 16); // red top-left, green top-right, blue bottom-left
    for (const little of [true, false]) {
      const bytes = withExifOrientation(encodeJpeg(image), 6, little);
      expect(readJpegHeader(bytes)).toEqual({ width: 32, height: 16, orientation: 6, components: 3, arithmetic: false });
      const upright = decodeImage(bytes);
      expect([upright.width, upright.height]).toEqual([16, 32]);
      // Rotated 90 clockwise: the stored bottom-left (blue) is now top-left, red is top-right.
      expect(pixel(upright, 3, 3)[2]).toBeGreaterThan(200);
      expect(pixel(upright, 12, 3)[0]).toBeGreaterThan(200);
    }
  });

  it('tolerates a missing end-of-image marker alone, and trailing bytes after it', () => {
    const good = encodeJpeg(quadrants(32, 32));
    const reference = decodeImage(good);
    expect(Array.from(decodeImage(good.subarray(0, good.length - 2)).data)).toEqual(Array.from(reference.data));
    const trailing = new Uint8Array(good.length + 50);
    trailing.set(good);
    expect(Array.from(decodeImage(trailing).data)).toEqual(Array.from(reference.data));
  });

  it('rejects truncated, corrupt, zero-size and absurd JPEGs with ImageError', () => {
    const good = encodeJpeg(quadrants(64, 64));
    expectImageError(() => decodeImage(good.subarray(0, 10)), /truncated JPEG|no frame header/);
    expectImageError(() => decodeImage(good.subarray(0, Math.floor(good.length / 2))), /cannot decode JPEG/);
    expectImageError(() => decodeImage(good.subarray(0, good.length - 3)), /cannot decode JPEG/);
    const sofAt = findMarker(good, 0xc0);
    const zero = good.slice();
    zero[sofAt + 5] = 0; zero[sofAt + 6] = 0; // height 0
    expectImageError(() => decodeImage(zero), /invalid size 64x0/);
    const huge = good.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], sofAt + 5); // 65535 x 65535
    const start = performance.now();
    expectImageError(() => decodeImage(huge), /megapixels/);
    expect(performance.now() - start).toBeLessThan(100);
    const garbled = good.slice();
    for (let i = sofAt + 40; i < garbled.length - 2; i += 7) garbled[i] = 0xff;
    expect(() => decodeImage(garbled)).toThrow(ImageError);
  });

  it('rejects unknown formats and empty input', () => {
    expectImageError(() => decodeImage(new Uint8Array(0)), /empty/);
    expectImageError(() => decodeImage(Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61])), /unrecognised image format \(first bytes 47 49 46/);
  });

  describe.skipIf(!existsSync(cocoDir))('real photo', () => {
    it('decodes COCO val2017 000000000785.jpg at 640x425', () => {
      const image = decodeImage(new Uint8Array(readFileSync(path.join(cocoDir, '000000000785.jpg'))));
      expect([image.width, image.height]).toEqual([640, 425]);
      const mean = image.data.reduce((s, v) => s + v, 0) / image.data.length;
      expect(mean).toBeGreaterThan(40);
      expect(mean).toBeLessThan(220);
    });
  });
  if (!existsSync(cocoDir)) console.warn(`skipping real-photo decode: ${cocoDir} not found`);
});

function findMarker(bytes: Uint8Array, marker: number): number {
  for (let i = 2; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === marker) return i;
  throw new Error('marker not found');
}

// ---- resize.ts -------------------------------------------------------------------------------

function row(values: number[]): RgbImage {
  const image = createImage(values.length, 1);
  values.forEach((v, x) => image.data.set([v, v, v], x * 3));
  return image;
}
const reds = (image: RgbImage): number[] => Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 3]!);

describe('resizeBilinear (cv2 INTER_LINEAR conventions)', () => {
  it('upsamples 2 -> 4 with pixel-centre alignment and edge clamping', () => {
    // x_in = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamp, 25 %, 75 %, clamp.
    expect(reds(resizeBilinear(row([0, 100]), 4, 1))).toEqual([0, 25, 75, 100]);
  });

  it('downsamples 4 -> 2 by sampling between pixel pairs', () => {
    // x_in = (x + 0.5) * 2 - 0.5 = 0.5, 2.5
    expect(reds(resizeBilinear(row([0, 100, 200, 40]), 2, 1))).toEqual([50, 120]);
  });

  it('is the identity at the same size and interpolates in y too', () => {
    const image = quadrants(6, 4);
    expect(Array.from(resizeBilinear(image, 6, 4).data)).toEqual(Array.from(image.data));
    const column = createImage(1, 2);
    column.data.set([0, 0, 0, 200, 200, 200]);
    expect(reds(resizeBilinear(column, 1, 4))).toEqual([0, 50, 150, 200]);
  });
});

describe('warpAffine (output -> input matrix, constant border)', () => {
  it('identity and half-pixel shifts', () => {
    const image = row([0, 100, 200]);
    expect(reds(warpAffine(image, [1, 0, 0, 0, 1, 0], 3, 1))).toEqual([0, 100, 200]);
    // Sampling at x + 0.5: the last tap blends pixel 2 with the (0) border.
    expect(reds(warpAffine(image, [1, 0, 0.5, 0, 1, 0], 3, 1))).toEqual([50, 150, 100]);
    // But a row at y = 0 of a 1-row image also blends with the row below it (border) at y + 0.5.
    expect(reds(warpAffine(image, [1, 0, 0, 0, 1, 0.5], 3, 1))).toEqual([0, 50, 100]);
  });

  it('uses the border colour outside and survives huge coordinates', () => {
    const image = quadrants(8, 8);
    const far = warpAffine(image, [1, 0, 1e12, 0, 1, -1e12], 4, 2, [1, 2, 3]);
    expect(Array.from(far.data)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expectImageError(() => warpAffine(image, [1, 0, NaN, 0, 1, 0], 4, 4), /6 finite numbers/);
    expectImageError(() => warpAffine(image, [1, 0, 0, 0, 1, 0], 4, 4, 300), /border/);
  });

  it('a 2x zoom about the origin matches resize sampling for interior pixels', () => {
    // Output (x, y) reads input (x / 2, y / 2).
    const image = row([0, 100, 200, 40]);
    expect(reds(warpAffine(image, [0.5, 0, 0, 0, 1, 0], 6, 1))).toEqual([0, 50, 100, 150, 200, 120]);
  });
});
