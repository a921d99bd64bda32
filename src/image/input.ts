// Every image an estimator takes, turned into the pipeline's RgbImage. Pixels a program already
// has ({ data, width, height }: RGB or RGBA, canvas ImageData included) are converted directly;
// what a browser displays (img, canvas, OffscreenCanvas, ImageBitmap, video, VideoFrame) is drawn
// on a 2D canvas and read back. The browser types are described by their sizes here, so that the
// typings compile without the DOM library.
import { ImageError } from '../nn/errors.js';
import { assertRgbImage, checkImageSize, rgbaToRgb, type RgbImage } from './image.js';

/** Pixels in memory: 3 (RGB) or 4 (RGBA, as canvas ImageData) bytes per pixel, told apart by length. */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** HTMLImageElement (loaded), SVGImageElement. */
export interface ElementImage {
  readonly naturalWidth: number;
  readonly naturalHeight: number;
}
/** HTMLVideoElement, with a frame decoded (readyState >= 2). */
export interface VideoImage {
  readonly videoWidth: number;
  readonly videoHeight: number;
}
/** WebCodecs VideoFrame. */
export interface FrameImage {
  readonly displayWidth: number;
  readonly displayHeight: number;
}
/** HTMLCanvasElement, OffscreenCanvas, ImageBitmap. */
export interface CanvasImage {
  readonly width: number;
  readonly height: number;
  readonly data?: undefined;
}

/** Anything a browser's 2D canvas can draw. */
export type BrowserImage = ElementImage | VideoImage | FrameImage | CanvasImage;

/** What `estimate` takes: RGB or RGBA pixels, or (in browsers and workers) a drawable image. */
export type ImageInput = RgbImage | PixelImage | BrowserImage;

interface Context2d {
  drawImage(image: unknown, x: number, y: number): void;
  getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
}

interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d', options: { willReadFrequently: boolean }): Context2d | null;
}

/** The size a drawable shows at. */
function drawnSize(image: BrowserImage): { width: number; height: number } {
  if ('naturalWidth' in image) return { width: image.naturalWidth, height: image.naturalHeight };
  if ('videoWidth' in image) return { width: image.videoWidth, height: image.videoHeight };
  if ('displayWidth' in image) return { width: image.displayWidth, height: image.displayHeight };
  return { width: image.width, height: image.height };
}

/** One canvas reused for every read-back: browsers make a new one slowly. */
let scratch: { canvas: Canvas; context: Context2d } | undefined;

function scratchCanvas(width: number, height: number): { canvas: Canvas; context: Context2d } {
  if (scratch === undefined) {
    const g = globalThis as { OffscreenCanvas?: new (w: number, h: number) => Canvas; document?: { createElement(tag: 'canvas'): Canvas } };
    const canvas = g.OffscreenCanvas !== undefined ? new g.OffscreenCanvas(width, height) : g.document?.createElement('canvas');
    if (canvas === undefined) {
      throw new ImageError('this runtime has no canvas (OffscreenCanvas) to read an image element from: pass { data, width, height } pixels or decodeImage(bytes)');
    }
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new ImageError('cannot get a 2D canvas context to read the image from');
    scratch = { canvas, context };
  }
  if (scratch.canvas.width !== width) scratch.canvas.width = width;
  if (scratch.canvas.height !== height) scratch.canvas.height = height;
  return scratch;
}

/** The RGB pixels of any ImageInput (RGB input is checked and returned as it is, not copied). */
export function toRgbImage(input: ImageInput): RgbImage {
  if (typeof input !== 'object' || input === null) throw new ImageError(`an image must be an object, got ${input === null ? 'null' : typeof input}`);
  if ('data' in input && input.data !== undefined) {
    const { width, height, data } = input;
    checkImageSize(width, height);
    if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
      throw new ImageError(`image data must be a Uint8Array or Uint8ClampedArray of RGB or RGBA pixels, got ${Object.prototype.toString.call(data)}`);
    }
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length === width * height * 4) return rgbaToRgb({ width, height, data: bytes });
    const rgb = bytes === data ? (input as RgbImage) : { width, height, data: bytes };
    assertRgbImage(rgb);
    return rgb;
  }
  const { width, height } = drawnSize(input);
  if (width === 0 || height === 0) throw new ImageError('the image has no pixels yet (an image or video still loading?)');
  checkImageSize(width, height);
  const { context } = scratchCanvas(width, height);
  context.drawImage(input, 0, 0);
  const pixels = context.getImageData(0, 0, width, height).data;
  return rgbaToRgb({ width, height, data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength) });
}
