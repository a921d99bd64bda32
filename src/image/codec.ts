// Image files in: JPEG and PNG decoding to RgbImage, the same code in every runtime (no Node API).
// Baseline JPEGs are decoded by ./jpeg-baseline.ts, pixel for pixel as jpeg-js would, only faster;
// other JPEGs by jpeg-js's own decoder (built into the package as an ES module); PNGs by ./png.ts.
//
// Every size is read from the file header and checked BEFORE the decoder runs, so a forged header
// claiming a gigapixel image is rejected without allocating anything. Decoder failures (truncated or
// corrupt data) come out as ImageError with the decoder's reason. JPEGs are decoded strictly (a
// truncated scan is an error, not a half-grey picture); only a missing final end-of-image marker is
// tolerated.
//
// Decisions, chosen to match cv2.imread(path, IMREAD_COLOR), which the reference demos use:
// - JPEG EXIF orientation IS applied (the image comes out upright, as OpenCV >= 3.1 does);
// - PNG alpha is IGNORED (the stored colour is kept, not composited), as OpenCV's strip_alpha does.
//   Pixels made transparent by a tRNS colour key come out black (pngjs zeroes them).
// - 16-bit PNG samples are rounded to the nearest 8-bit value (v * 255 / 65535); grey, grey+alpha and
//   palette images are expanded to RGB; sub-8-bit depths are scaled up to 0..255.
import { ImageError } from '../nn/errors.js';
import decodeJpegJs from './generated/jpeg-js-decoder.js';
import { applyExifOrientation, checkImageSize, type RgbImage } from './image.js';
import { limits } from '../nn/limits.js';
import { decodeBaselineJpeg } from './jpeg-baseline.js';
import { decodePng, PNG_SIGNATURE } from './png.js';

export type ImageFormat = 'jpeg' | 'png';

/** The file format by its magic bytes, or undefined for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

/**
 * Decodes a JPEG or PNG file (bytes, or an ArrayBuffer as `fetch` gives it) to RGB. Throws
 * ImageError for anything else or anything broken.
 */
export function decodeImage(file: Uint8Array | ArrayBuffer): RgbImage {
  const bytes = file instanceof ArrayBuffer ? new Uint8Array(file) : file;
  if (!(bytes instanceof Uint8Array)) throw new ImageError('image data must be a Uint8Array or an ArrayBuffer');
  if (bytes.length === 0) throw new ImageError('image data is empty');
  const format = sniffImageFormat(bytes);
  if (format === 'jpeg') return decodeJpeg(bytes);
  if (format === 'png') return decodePng(bytes);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new ImageError(`unrecognised image format (first bytes ${head}): only JPEG and PNG are supported`);
}

// ---------------------------------------------------------------------------------------------
// JPEG

interface JpegHeader {
  width: number;
  height: number;
  /** EXIF Orientation (1..8), 1 when absent. */
  orientation: number;
  /** Colour components of the frame. */
  components: number;
  /** Arithmetic coding (SOF9..SOF15): no lower bound on its scan's size. */
  arithmetic: boolean;
}

/**
 * Walks the JPEG marker segments up to the first start-of-frame, reading the frame size and the
 * EXIF orientation on the way. Never reads past the end of `bytes`.
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader {
  let orientation = 1;
  let pos = 2; // after SOI
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) throw new ImageError(`corrupt JPEG: expected a marker at byte ${pos}`);
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) { pos++; continue; } // fill byte
    // Stand-alone markers carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { pos += 2; continue; }
    if (marker === 0xd9 || marker === 0xda) break; // EOI or start of scan before any frame header
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    if (length < 2) throw new ImageError(`corrupt JPEG: segment length ${length} at byte ${pos}`);
    const body = pos + 4;
    const end = pos + 2 + length;
    if (end > bytes.length) throw new ImageError(`truncated JPEG: segment at byte ${pos} runs past the end of the file`);
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC) which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 7) throw new ImageError('corrupt JPEG: frame header too short');
      const height = (bytes[body + 1]! << 8) | bytes[body + 2]!;
      const width = (bytes[body + 3]! << 8) | bytes[body + 4]!;
      return { width, height, orientation, components: bytes[body + 5]!, arithmetic: marker >= 0xc9 };
    }
    if (marker === 0xe1) orientation = readExifOrientation(bytes.subarray(body, end)) ?? orientation;
    pos = end;
  }
  throw new ImageError('corrupt or truncated JPEG: no frame header (SOF) found');
}

/** Orientation tag (0x0112) of an APP1 "Exif\0\0" segment body, or undefined. Bounds-checked. */
function readExifOrientation(app1: Uint8Array): number | undefined {
  const EXIF = [0x45, 0x78, 0x69, 0x66, 0, 0];
  if (app1.length < 14 || !EXIF.every((b, i) => app1[i] === b)) return undefined;
  const tiff = app1.subarray(6);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return undefined;
  const little = order === 0x4949;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return undefined;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little); // SHORT, stored left-aligned in the value field
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

const END_OF_IMAGE = Uint8Array.of(0xff, 0xd9);

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Refuses, before any decoding, a frame the file cannot hold: more components than a photo has,
 * or more 8x8 blocks than its bytes can code. Huffman coding spends at least one bit on every
 * block's DC coefficient (two in a baseline scan), so a file of n bytes codes at most 8n luma
 * blocks; half of that is allowed, for slack. Without this a 1 KB file declaring 10000x10000
 * costs seconds and gigabytes before its data runs out.
 */
function checkJpegBudget(header: JpegHeader, bytes: number): void {
  const maxComponents = limits().maxJpegComponents;
  if (header.components < 1 || header.components > maxComponents) {
    throw new ImageError(`JPEG frame declares ${header.components} colour components; at most ${maxComponents} are accepted (limit maxJpegComponents)`);
  }
  const blocks = Math.ceil(header.width / 8) * Math.ceil(header.height / 8);
  if (!header.arithmetic && blocks > bytes * 16) {
    throw new ImageError(`truncated JPEG: ${header.width}x${header.height} needs ${blocks} blocks of coded data, which ${bytes} bytes cannot hold`);
  }
}

function decodeJpeg(bytes: Uint8Array): RgbImage {
  const header = readJpegHeader(bytes);
  checkImageSize(header.width, header.height, 'JPEG image');
  checkJpegBudget(header, bytes.length);
  // A file that lacks only its end-of-image marker (some cameras and upload tools drop it; libjpeg
  // accepts it) gets one; with strict decoding, any missing scan data still fails.
  const ended = bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
  const complete = ended ? bytes : concatBytes(bytes, END_OF_IMAGE);
  // Baseline files (nearly all photos) take the fast decoder, which gives jpeg-js's exact pixels;
  // everything else, broken files included, goes to jpeg-js itself.
  const fast = decodeBaselineJpeg(complete);
  if (fast !== undefined) return orientedJpeg(fast, header);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decodeJpegJs(complete, {
      useTArray: true,
      formatAsRGBA: false,
      // Strict: a truncated scan is an error instead of a silently half-grey picture.
      tolerantDecoding: false,
      maxResolutionInMP: limits().maxImagePixels / 1e6,
      // jpeg-js books about 21 bytes per pixel for a 4:4:4 image (int32 coefficient blocks and a
      // plane per component, then the output); the size check above is the real limit.
      maxMemoryUsageInMB: Math.ceil((header.width * header.height * 24) / (1 << 20)) + 64,
    });
  } catch (err) {
    throw new ImageError(`cannot decode JPEG: ${describe(err)}`);
  }
  return orientedJpeg({ width: decoded.width, height: decoded.height, data: decoded.data }, header);
}

/** A decoded JPEG checked against the header its size was vetted by, then turned upright per EXIF. */
function orientedJpeg(image: RgbImage, header: JpegHeader): RgbImage {
  if (image.width !== header.width || image.height !== header.height || image.data.length !== image.width * image.height * 3) {
    throw new ImageError('corrupt JPEG: decoded size does not match the frame header');
  }
  return applyExifOrientation(image, header.orientation);
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
