// PNG encoding for the overlay pictures the command line writes (Node only: pngjs compresses with
// Node's zlib). Decoding, which every runtime needs, is ./png.ts.
import { PNG } from 'pngjs';
import { ImageError } from '../nn/errors.js';
import { checkImageSize, type RgbaImage, type RgbImage } from './image.js';

/**
 * Encodes an RGB or RGBA image (told apart by the buffer length) as an 8-bit PNG: colour type 2
 * for RGB, 6 for RGBA.
 */
export function encodePng(image: RgbImage | RgbaImage): Uint8Array {
  checkImageSize(image.width, image.height);
  const pixels = image.width * image.height;
  let channels: 3 | 4;
  if (image.data.length === pixels * 3) channels = 3;
  else if (image.data.length === pixels * 4) channels = 4;
  else {
    throw new ImageError(
      `cannot encode PNG: ${image.width}x${image.height} needs ${pixels * 3} (RGB) or ${pixels * 4} (RGBA) bytes, got ${image.data.length}`,
    );
  }
  const colorType = channels === 3 ? 2 : 6;
  const png = new PNG({ width: image.width, height: image.height, colorType, inputColorType: colorType, inputHasAlpha: channels === 4 });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const out = PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: channels === 4 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
