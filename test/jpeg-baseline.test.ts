// The fast baseline JPEG decoder must give jpeg-js's pixels exactly, and hand everything it does
// not handle (progressive files, truncated or corrupt scans) back to jpeg-js.
//
// Fixtures in test/fixtures/jpeg were written by Pillow (libjpeg) from a synthetic pattern, to
// cover what jpeg-js's own encoder never writes: 4:2:0 and 4:2:2 chroma, restart markers (every
// 2 or 3 MCUs, every MCU row), greyscale, odd sizes, and a progressive file.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image/codec.js';
import { createImage, rgbToRgba, type RgbImage } from '../src/image/image.js';
import { decodeBaselineJpeg } from '../src/image/jpeg-baseline.js';

const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/jpeg');
const fixtures = readdirSync(fixtureDir).filter((f) => f.endsWith('.jpg')).sort();
const photoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/data/openpose_media');

/** jpeg-js as the codec calls it (strict). */
function jpegJs(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: 512 });
}

function expectSameAsJpegJs(bytes: Uint8Array): void {
  const fast = decodeBaselineJpeg(bytes);
  expect(fast).toBeDefined();
  const reference = jpegJs(bytes);
  expect([fast!.width, fast!.height]).toEqual([reference.width, reference.height]);
  // Buffer.compare: one call instead of a per-byte diff of 100k-pixel arrays.
  expect(Buffer.compare(Buffer.from(fast!.data), Buffer.from(reference.data))).toBe(0);
}

/** A noisy gradient with hard edges: exercises long Huffman codes and every IDCT path. */
function texture(width: number, height: number): RgbImage {
  const image = createImage(width, height);
  let seed = 12345;
  for (let i = 0; i < image.data.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const x = (i / 3) % width;
    image.data[i] = ((x * 9) % 256 + (seed % 64)) % 256;
  }
  return image;
}

describe('decodeBaselineJpeg', () => {
  it('matches jpeg-js bit for bit on sampling factors, restart intervals and greyscale', () => {
    const baseline = fixtures.filter((f) => !f.startsWith('progressive'));
    expect(baseline.length).toBeGreaterThanOrEqual(4);
    for (const file of baseline) expectSameAsJpegJs(new Uint8Array(readFileSync(path.join(fixtureDir, file))));
  });

  it('matches jpeg-js on its own encoder output at several qualities and odd sizes', () => {
    for (const [width, height, quality] of [[1, 1, 90], [9, 7, 100], [67, 35, 50], [130, 17, 5]] as const) {
      const image = texture(width, height);
      const rgba = rgbToRgba(image);
      expectSameAsJpegJs(new Uint8Array(jpeg.encode({ width, height, data: rgba.data }, quality).data));
    }
  });

  it('matches jpeg-js on the COCO photos', () => {
    let files: string[] = [];
    try {
      files = readdirSync(photoDir).filter((f) => f.endsWith('.jpg')).slice(0, 3);
    } catch {
      // shared data not present: the fixtures above still cover the decoder
    }
    for (const file of files) expectSameAsJpegJs(new Uint8Array(readFileSync(path.join(photoDir, file))));
  });

  it('leaves progressive files to jpeg-js, which decodeImage then uses', () => {
    const bytes = new Uint8Array(readFileSync(path.join(fixtureDir, 'progressive-33x21.jpg')));
    expect(decodeBaselineJpeg(bytes)).toBeUndefined();
    const image = decodeImage(bytes);
    expect(Buffer.compare(Buffer.from(image.data), Buffer.from(jpegJs(bytes).data))).toBe(0);
  });

  it('leaves truncated and corrupt scans to jpeg-js (never a result jpeg-js would not give)', () => {
    const bytes = new Uint8Array(readFileSync(path.join(fixtureDir, 'ycc420-restart2-37x29.jpg')));
    let seed = 99;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 40; trial++) {
      let variant: Uint8Array;
      if (trial < 20) {
        // Cut inside the entropy-coded data and end with EOI, as the codec repairs files.
        const cut = Math.floor(bytes.length * (0.5 + 0.49 * random()));
        variant = new Uint8Array(cut + 2);
        variant.set(bytes.subarray(0, cut));
        variant.set([0xff, 0xd9], cut);
      } else {
        variant = bytes.slice();
        for (let k = 0; k < 2; k++) variant[Math.floor(bytes.length * (0.4 + 0.59 * random()))] = Math.floor(random() * 256);
      }
      const fast = decodeBaselineJpeg(variant);
      if (fast === undefined) continue;
      // Accepted: jpeg-js must accept it too, with the same pixels.
      expect(Buffer.compare(Buffer.from(fast.data), Buffer.from(jpegJs(variant).data))).toBe(0);
    }
  });
});
