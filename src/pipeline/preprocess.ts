// From a decoded photo to the network's input tensor, as the model cards and their demos do it,
// plus the exact transform between network-input pixels and original-image pixels that decoders
// need to put keypoints back on the photo. Four crops:
// - letterboxForStride: the OpenPose family (bottom-up, NCHW), the photo resized and padded;
// - cropForPerson: top-down heatmap networks (HRNet), an affine crop around one person's box;
// - squareInput: the TFJS models (NHWC), a square region of the photo, either the whole photo
//   padded to a square (letterboxRegion) or a square around a person box (boxRegion).
// Their geometry is src/image/geometry.ts, which the decoders use to map keypoints back.
//
// Coordinates everywhere follow OpenCV's pixel-centre convention (src/image/resize.ts): pixel
// (i, j) is centred at (i, j). The transforms are exact for the resampling actually performed.
import { InputError } from '../nn/errors.js';
import { tensor, type Tensor } from '../nn/tensor.js';
import { applyAffine, boxToCenterScale, cropTransform, invertAffine, squareCropToImage, squareCropTransform, squareNormalizedToImage, type Affine, type BoxLike, type SquareRegion } from '../image/geometry.js';
import { assertRgbImage, type Rgb, type RgbImage } from '../image/image.js';
import { resizeBilinear, warpAffine } from '../image/resize.js';

/** What a network takes: size, channel order and normalisation value = (pixel - mean[c]) / scale[c]. */
export interface InputSpec {
  width: number;
  height: number;
  /** Order of the tensor's three channels. */
  colorOrder: 'RGB' | 'BGR';
  /** Per tensor channel, in `colorOrder`. */
  mean: [number, number, number];
  /** Per tensor channel, in `colorOrder`. */
  scale: [number, number, number];
}

/** The map between network-input pixel coordinates and original-image pixel coordinates. */
export interface InputTransform {
  /** Network input -> original image (2x3, row-major). */
  readonly inputToImage: Affine;
  /** Original image -> network input. */
  readonly imageToInput: Affine;
  toImage(x: number, y: number): [number, number];
  toInput(x: number, y: number): [number, number];
}

/** A network input made from a photo, and where its pixels are on the photo. */
export interface PreparedInput {
  /** The network's input: float32 [1, 3, height, width] (NCHW) or, from squareInput, [1, size, size, 3] (NHWC, int32 or float32). */
  tensor: Tensor;
  transform: InputTransform;
}

export interface LetterboxedInput extends PreparedInput {
  /** The resized photo occupies input columns [0, contentWidth) and rows [0, contentHeight); the rest is padding. */
  contentWidth: number;
  contentHeight: number;
}

export interface CroppedInput extends PreparedInput {
  /** HRNet-style crop parameters: the box centre and the crop size in pixels (box x 1.25, network aspect). */
  center: [number, number];
  cropSize: [number, number];
}

export interface SquareInput extends PreparedInput {
  /** The square of the photo the input shows. */
  region: SquareRegion;
  /** Normalised input coordinates (0..1 over the input's edges) -> image pixel (pixel-centre), as MoveNet outputs them. */
  normalizedToImage: (x: number, y: number) => [number, number];
}

/** The parts of a network spec the square crop reads (a NetworkSpec is one). */
export interface SquareInputSpec {
  name: string;
  input: InputSpec;
  /** int32: values rounded to whole numbers (MoveNet takes pixels). */
  inputType: 'float32' | 'int32';
}

export interface LetterboxOptions {
  /**
   * 'fixed' (default): the tensor is exactly spec.width x spec.height, for networks with a fixed
   * input such as human-pose-estimation-0001 (456x256). The photo is resized to the network
   * height and padded on the right to the width; if it would then be wider than the network, it
   * is instead resized to the network width and padded at the bottom.
   * 'stride': the height is spec.height rounded up to the stride and the width follows the
   * photo's aspect ratio, rounded up to the stride (networks with a free width, as Osokin's demo
   * and the OMZ demo reshape them); spec.width is not used.
   */
  widthMode?: 'fixed' | 'stride';
  /**
   * Pad colour as RGB pixel values. Default: the spec's mean, i.e. padding is 0 after
   * normalisation, as in the OMZ C++ demo (HPEOpenPose pads with meanPixel 128) and in Osokin's
   * demo.py / val.py (pad_value (0,0,0) applied after normalising). The OMZ Python model wrapper
   * pads with pixel 0 instead: pass [0, 0, 0] to match that.
   */
  padValue?: Rgb;
}

function checkSpec(spec: InputSpec): void {
  if (!Number.isInteger(spec.width) || !Number.isInteger(spec.height) || spec.width <= 0 || spec.height <= 0) {
    throw new InputError(`input spec size ${spec.width}x${spec.height} must be positive integers`);
  }
  if (spec.colorOrder !== 'RGB' && spec.colorOrder !== 'BGR') {
    throw new InputError(`input spec colorOrder must be 'RGB' or 'BGR', got ${String(spec.colorOrder)}`);
  }
  if (spec.mean.length !== 3 || !spec.mean.every(Number.isFinite)) {
    throw new InputError(`input spec mean must be three finite numbers, got [${spec.mean.join(', ')}]`);
  }
  if (spec.scale.length !== 3 || !spec.scale.every((s) => Number.isFinite(s) && s !== 0)) {
    throw new InputError(`input spec scale must be three finite non-zero numbers, got [${spec.scale.join(', ')}]`);
  }
}

/** Image channel (0 R, 1 G, 2 B) that feeds each tensor channel. */
function sourceChannels(spec: InputSpec): [number, number, number] {
  return spec.colorOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
}

/**
 * Writes `image` normalised into the top-left of a 1x3xHxW tensor; the area outside the image
 * gets `padValue` (RGB pixel values) normalised the same way.
 */
function normalizeToTensor(image: RgbImage, spec: InputSpec, tensorWidth: number, tensorHeight: number, padValue: Rgb): Tensor {
  const plane = tensorWidth * tensorHeight;
  const out = new Float32Array(3 * plane);
  const channels = sourceChannels(spec);
  const width = Math.min(image.width, tensorWidth);
  const height = Math.min(image.height, tensorHeight);
  for (let c = 0; c < 3; c++) {
    const source = channels[c]!;
    const mean = spec.mean[c]!;
    const inverseScale = 1 / spec.scale[c]!;
    // Padding everywhere, then the image over it.
    out.fill((padValue[source]! - mean) * inverseScale, c * plane, (c + 1) * plane);
    const table = normalizationTable(mean, spec.scale[c]!, 'float32');
    normalizeChannel(image.data, image.width, source, width, height, table, out, c * plane, tensorWidth);
  }
  return tensor('float32', [1, 3, tensorHeight, tensorWidth], out);
}

/**
 * A pixel is one of 256 values, so a channel's normalisation (pixel - mean) / scale is a table,
 * computed as (pixel - mean) * (1 / scale) (the same floats for both crops), rounded for int32.
 */
function normalizationTable(mean: number, scale: number, type: 'float32'): Float32Array;
function normalizationTable(mean: number, scale: number, type: 'float32' | 'int32'): Float32Array | Int32Array;
function normalizationTable(mean: number, scale: number, type: 'float32' | 'int32'): Float32Array | Int32Array {
  const inverseScale = 1 / scale;
  if (type === 'float32') return Float32Array.from({ length: 256 }, (_, v) => (v - mean) * inverseScale);
  return Int32Array.from({ length: 256 }, (_, v) => Math.round((v - mean) * inverseScale));
}

/**
 * out[base + y * outWidth + x] = table[pixels[(y * imageWidth + x) * 3 + source]] over width x
 * height: one branch-free loop, in a function of its own so that it is optimised early and stays so.
 */
function normalizeChannel(
  pixels: Uint8Array, imageWidth: number, source: number, width: number, height: number,
  table: Float32Array, out: Float32Array, base: number, outWidth: number,
): void {
  for (let y = 0; y < height; y++) {
    const row = base + y * outWidth;
    for (let x = 0, p = y * imageWidth * 3 + source; x < width; x++, p += 3) out[row + x] = table[pixels[p]!]!;
  }
}

/** An image that already has the network's size, normalised to a 1x3xHxW tensor. */
export function imageToTensor(image: RgbImage, spec: InputSpec): Tensor {
  checkSpec(spec);
  assertRgbImage(image);
  if (image.width !== spec.width || image.height !== spec.height) {
    throw new InputError(`image is ${image.width}x${image.height} but the network takes ${spec.width}x${spec.height}`);
  }
  return normalizeToTensor(image, spec, spec.width, spec.height, [0, 0, 0]);
}

function transformFrom(inputToImage: Affine, imageToInput: Affine): InputTransform {
  return {
    inputToImage,
    imageToInput,
    toImage: (x, y) => applyAffine(inputToImage, x, y),
    toInput: (x, y) => applyAffine(imageToInput, x, y),
  };
}

/**
 * OpenPose-family preprocessing: resize keeping the aspect ratio so the photo's height becomes
 * the network height, pad right (and bottom) per `options.widthMode`, normalise.
 *
 * Resampling is bilinear (cv2 INTER_LINEAR); the reference demos use INTER_CUBIC, which differs
 * by a few grey levels on edges. Padding goes right/bottom as in the OMZ demos (Osokin's pad_width
 * splits it left/right; the transform makes the placement irrelevant to the final coordinates).
 *
 * The transform is exact for the resize performed: with sx = contentWidth / imageWidth,
 * input x = (image x + 0.5) * sx - 0.5 (likewise y). Note the reference decoders simply divide by
 * the scale (image x = input x / s), which is off by 0.5 * (1/s - 1) pixels.
 */
export function letterboxForStride(image: RgbImage, spec: InputSpec, stride = 8, options: LetterboxOptions = {}): LetterboxedInput {
  checkSpec(spec);
  assertRgbImage(image);
  if (!Number.isInteger(stride) || stride <= 0) throw new InputError(`stride must be a positive integer, got ${stride}`);
  const widthMode = options.widthMode ?? 'fixed';
  const roundUp = (v: number): number => Math.ceil(v / stride) * stride;

  let contentHeight = spec.height;
  let contentWidth = Math.max(1, Math.round((image.width * spec.height) / image.height));
  let tensorWidth: number, tensorHeight: number;
  if (widthMode === 'fixed') {
    tensorWidth = spec.width;
    tensorHeight = spec.height;
    if (contentWidth > spec.width) {
      contentWidth = spec.width;
      contentHeight = Math.max(1, Math.min(spec.height, Math.round((image.height * spec.width) / image.width)));
    }
  } else if (widthMode === 'stride') {
    tensorHeight = roundUp(spec.height);
    tensorWidth = roundUp(contentWidth);
  } else {
    throw new InputError(`letterbox widthMode must be 'fixed' or 'stride', got ${String(widthMode)}`);
  }

  const padValue: Rgb = options.padValue ?? meanAsRgb(spec);
  if (padValue.length !== 3 || !padValue.every(Number.isFinite)) {
    throw new InputError(`letterbox padValue must be three finite numbers, got [${padValue.join(', ')}]`);
  }
  const result = normalizeToTensor(resizeBilinear(image, contentWidth, contentHeight), spec, tensorWidth, tensorHeight, padValue);

  // Pixel-centre aligned scaling, per axis, exactly as resizeBilinear samples.
  const sx = contentWidth / image.width;
  const sy = contentHeight / image.height;
  const imageToInput: Affine = [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5];
  const inputToImage: Affine = [1 / sx, 0, 0.5 / sx - 0.5, 0, 1 / sy, 0.5 / sy - 0.5];
  return { tensor: result, transform: transformFrom(inputToImage, imageToInput), contentWidth, contentHeight };
}

/** The spec's mean as RGB pixel values (so that padding with it normalises to 0). */
function meanAsRgb(spec: InputSpec): Rgb {
  const [m0, m1, m2] = spec.mean;
  return spec.colorOrder === 'RGB' ? [m0, m1, m2] : [m2, m1, m0];
}

/**
 * Top-down preprocessing (HRNet / SimpleBaseline / single-human-pose-estimation-0001): an affine
 * crop around one person's box, as HRNet's _xywh2cs + get_affine_transform (rotation 0) do:
 * centre = (x + w/2, y + h/2); the box is widened or heightened to the network's aspect ratio,
 * then enlarged by `padding` (1.25); the crop maps the centre to (W/2, H/2) with one uniform scale.
 * Sampling is bilinear with a black border (cv2.warpAffine's default), then normalised.
 */
export function cropForPerson(image: RgbImage, box: BoxLike, spec: InputSpec, padding = 1.25): CroppedInput {
  checkSpec(spec);
  assertRgbImage(image);
  const { xMin, yMin, width, height } = box;
  // Stricter than boxToCenterScale, which takes a box that is a line: a crop needs a person.
  if (![xMin, yMin, width, height, padding].every(Number.isFinite) || width <= 0 || height <= 0 || padding <= 0) {
    throw new InputError(`person box must be finite with positive size, got x ${xMin} y ${yMin} w ${width} h ${height} (padding ${padding})`);
  }
  const { center, scale } = boxToCenterScale(box, spec.width / spec.height, padding);
  const imageToInput = cropTransform(center, scale, spec.width, spec.height);
  const inputToImage = invertAffine(imageToInput);
  const crop = warpAffine(image, inputToImage, spec.width, spec.height, 0);
  return {
    tensor: normalizeToTensor(crop, spec, spec.width, spec.height, [0, 0, 0]),
    transform: transformFrom(inputToImage, imageToInput),
    center,
    cropSize: scale,
  };
}

/**
 * The square crop of the TFJS models: resamples `region` of the photo to the spec's square input
 * (bilinear, black outside the photo) and normalises it to an NHWC tensor, value = (pixel -
 * mean[c]) / scale[c], rounded for int32 inputs.
 */
export function squareInput(image: RgbImage, region: SquareRegion, spec: SquareInputSpec): SquareInput {
  assertRgbImage(image);
  const size = spec.input.width;
  if (spec.input.height !== size) throw new InputError(`${spec.name}: squareInput needs a square input, got ${spec.input.width}x${spec.input.height}`);
  const inputToImage = squareCropTransform(region, size);
  const crop = warpAffine(image, inputToImage, size, size, 0).data;

  const { mean, scale } = spec.input;
  const [s0, s1, s2] = sourceChannels(spec.input);
  const [t0, t1, t2] = [0, 1, 2].map((c) => normalizationTable(mean[c]!, scale[c]!, spec.inputType)) as [NormalizationTable, NormalizationTable, NormalizationTable];
  const data = spec.inputType === 'int32' ? new Int32Array(crop.length) : new Float32Array(crop.length);
  normalizeInterleaved(crop, s0, s1, s2, t0, t1, t2, data);
  return {
    tensor: tensor(spec.inputType, [1, size, size, 3], data),
    transform: { ...transformFrom(inputToImage, invertAffine(inputToImage)), toImage: (x, y) => squareCropToImage(region, size, x, y) },
    region,
    normalizedToImage: (x, y) => squareNormalizedToImage(region, x, y),
  };
}

type NormalizationTable = Float32Array | Int32Array;

/**
 * data[i + c] = tc[pixels[i + sc]] for every pixel i and channel c: one branch-free loop, in a
 * function of its own so that it is optimised early and stays so.
 */
function normalizeInterleaved(
  pixels: Uint8Array, s0: number, s1: number, s2: number,
  t0: NormalizationTable, t1: NormalizationTable, t2: NormalizationTable,
  data: Float32Array | Int32Array,
): void {
  for (let i = 0; i < pixels.length; i += 3) {
    data[i] = t0[pixels[i + s0]!]!;
    data[i + 1] = t1[pixels[i + s1]!]!;
    data[i + 2] = t2[pixels[i + s2]!]!;
  }
}
