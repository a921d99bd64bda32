// One table from decoder kind to how a photo goes into that network and how its outputs come back
// as poses: adding a decoder is one entry here. Each entry's `prepare` is one of the four crops of
// preprocess.ts (the photo letterboxed to the stride, the photo letterboxed to a square, an affine
// crop around a person, a square around a person) and its `decode` maps the outputs back through
// the same crop's transform.
//
// Two families of networks:
// - bottom-up (OpenPose, the 3D network, PoseNet, MoveNet MultiPose) find every person in the
//   whole photo in one run;
// - top-down (HRNet-style heatmaps, MoveNet Lightning/Thunder, EfficientPose) see one person per
//   run: the estimator runs them once per person box (undefined: the whole photo is one person).
//
// prepareInput and decodeOutputs are the first and last stages of an estimate (runner.ts's
// runNetwork is the middle one), callable one by one to look at what each stage made.
import { decodeEfficientPose } from '../decode/efficientpose.js';
import { decodeHeatmaps, type HeatmapKeypointTrace } from '../decode/heatmap.js';
import { decodeMoveNetMulti, decodeMoveNetSingle, type MoveNetPersonTrace } from '../decode/movenet.js';
import { decodeOpenPose, type OpenPoseTrace } from '../decode/openpose.js';
import { decodePose3d } from '../decode/pose3d.js';
import { boxOfKeypoints, type BoundingBox, type Pose } from '../decode/pose.js';
import { decodePoseNet, type PoseNetTrace } from '../decode/posenet.js';
import { boxRegion, heatmapToImageTransform, letterboxRegion } from '../image/geometry.js';
import type { RgbImage } from '../image/image.js';
import { InputError } from '../nn/errors.js';
import type { NetworkSpec, OutputRole } from './network-spec.js';
import { cropForPerson, letterboxForStride, squareInput, type CroppedInput, type LetterboxedInput, type PreparedInput, type SquareInput } from './preprocess.js';
import type { RunnerOutput } from './runner.js';

/** What decoding one run needs besides the outputs: the photo, and the person box a top-down run was given. */
export interface DecodeContext {
  image: RgbImage;
  /** Top-down: the box the input was cropped around (undefined: the whole photo). */
  box: BoundingBox | undefined;
  /** When given, the decoder records its steps in the member for its kind (explain's figures are drawn from it). */
  trace?: DecoderTrace;
}

/** The decoders' own records of what they decided (see each decoder's trace type); filled in by decodeOutputs. */
export interface DecoderTrace {
  /** openpose and pose3d. */
  openpose?: OpenPoseTrace;
  posenet?: PoseNetTrace;
  /** heatmap and efficientpose: one entry per channel. */
  heatmaps?: HeatmapKeypointTrace[];
  /** movenet-single and movenet-multi: one entry per person slot. */
  movenet?: MoveNetPersonTrace[];
}

export interface DecoderEntry<Prepared extends PreparedInput> {
  /** One person per run (cropped around a box) instead of everyone in the whole photo. */
  topDown: boolean;
  /** The input layout `prepare` makes; the spec must say the same. */
  layout: NetworkSpec['layout'];
  /** Outputs `decode` reads. */
  outputs: readonly OutputRole[];
  /** The photo (top-down: the person in `box`, undefined for the whole photo) as the network's input. */
  prepare(image: RgbImage, spec: NetworkSpec, box: BoundingBox | undefined): Prepared;
  /** The network's outputs as poses in the photo's pixel coordinates. */
  decode(outputs: NetworkOutputs, prepared: Prepared, spec: NetworkSpec, context: DecodeContext): Pose[];
}

/** PoseNet decoding: tfjs-models' defaults, except up to 10 people (COCO photos hold more than 5). */
export const POSENET_DECODING = { maxPoses: 10, scoreThreshold: 0.5, nmsRadius: 20 } as const;

/** A network's outputs, looked up by role. */
export class NetworkOutputs {
  constructor(
    private readonly spec: NetworkSpec,
    readonly raw: Record<string, RunnerOutput>,
  ) {}

  get(role: OutputRole): RunnerOutput {
    const name = this.spec.outputs[role]!;
    const out = this.raw[name];
    if (out === undefined) throw new InputError(`${this.spec.name}: the engine returned no output '${name}' (${role})`);
    return out;
  }

  float(role: OutputRole): Float32Array {
    const data = this.get(role).data;
    return data instanceof Float32Array ? data : Float32Array.from(data);
  }
}

// The four crops.

/** Bottom-up, NCHW: the photo resized to the network height and padded to the stride (OpenPose family). */
function strideLetterbox(image: RgbImage, spec: NetworkSpec): LetterboxedInput {
  return letterboxForStride(image, spec.input, spec.stride ?? 8);
}

/** Bottom-up, NHWC: the whole photo padded to a centred square (PoseNet, MoveNet MultiPose). */
function squareLetterbox(image: RgbImage, spec: NetworkSpec): SquareInput {
  return squareInput(image, letterboxRegion(image), spec);
}

/** Top-down, NCHW: HRNet's affine crop around the person (the whole photo without a box). */
function personCrop(image: RgbImage, spec: NetworkSpec, box: BoundingBox | undefined): CroppedInput {
  return cropForPerson(image, box ?? imageBox(image), spec.input);
}

/** Top-down, NHWC: a square around the person, or the whole photo padded to a square without a box. */
function squarePersonCrop(image: RgbImage, spec: NetworkSpec, box: BoundingBox | undefined): SquareInput {
  return squareInput(image, box === undefined ? letterboxRegion(image) : boxRegion(box), spec);
}

/** The whole photo as a box. */
function imageBox(image: RgbImage): BoundingBox {
  return { xMin: 0, yMin: 0, xMax: image.width - 1, yMax: image.height - 1, width: image.width - 1, height: image.height - 1 };
}

// The decoders.

/** OpenPose and the 3D network on a stride letterbox: heatmaps and PAFs (and 3D features) to people. */
function decodeLetterboxed(outputs: NetworkOutputs, prepared: LetterboxedInput, spec: NetworkSpec, { image, trace }: DecodeContext): Pose[] {
  const heatmapOutput = outputs.get('heatmaps');
  const size = { height: heatmapOutput.shape[2]!, width: heatmapOutput.shape[3]! };
  let heatmaps = outputs.float('heatmaps');
  let pafs = outputs.float('pafs');
  if (spec.outputs.heatmaps === spec.outputs.pafs) {
    // One output holds both: keypoint heatmaps + background first, then the PAFs.
    const split = (spec.keypoints.length + 1) * size.height * size.width;
    pafs = heatmaps.subarray(split);
    heatmaps = heatmaps.subarray(0, split);
  }
  // Decode only the cells that cover the photo, as Osokin's val.py crops the padding away:
  // peaks in the letterbox padding would otherwise come back outside the image.
  const stride = spec.stride ?? 8;
  const cells = { height: Math.min(size.height, Math.ceil(prepared.contentHeight / stride)), width: Math.min(size.width, Math.ceil(prepared.contentWidth / stride)) };
  const crop = (maps: Float32Array) => cropMaps(maps, size, cells);
  const toImage = (x: number, y: number): [number, number] => {
    const [ix, iy] = prepared.transform.toImage(x, y);
    return [Math.min(Math.max(ix, 0), image.width - 1), Math.min(Math.max(iy, 0), image.height - 1)];
  };
  const options = { stride, mapToImage: toImage, trace: trace && (trace.openpose = {}) };
  return spec.decoder === 'pose3d'
    ? decodePose3d(crop(outputs.float('features')), crop(heatmaps), crop(pafs), cells, options)
    : decodeOpenPose(crop(heatmaps), crop(pafs), cells, options);
}

/** The top-left `cells` of every channel of CHW maps laid out on a `size` grid. */
export function cropMaps(maps: Float32Array, size: { height: number; width: number }, cells: { height: number; width: number }): Float32Array {
  if (cells.height === size.height && cells.width === size.width) return maps;
  const channels = maps.length / (size.height * size.width);
  const out = new Float32Array(channels * cells.height * cells.width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < cells.height; y++) {
      const from = (c * size.height + y) * size.width;
      out.set(maps.subarray(from, from + cells.width), (c * cells.height + y) * cells.width);
    }
  }
  return out;
}

/** A single-person pose keeps the box it was cropped around; for the whole photo, the box of what was found. */
function withPersonBox(poses: Pose[], box: BoundingBox | undefined): Pose[] {
  return poses.map((pose) => ({ ...pose, box: box ?? pose.box ?? boxOfKeypoints(pose.keypoints) }));
}

const openPoseEntry: DecoderEntry<LetterboxedInput> = {
  topDown: false,
  layout: 'NCHW',
  outputs: ['heatmaps', 'pafs'],
  prepare: strideLetterbox,
  decode: decodeLetterboxed,
};

/**
 * Every decoder kind. A top-down decode returns no pose when a single-person decoder rejects it
 * (MoveNet below its pose score, for the whole photo only: a given box already says someone is
 * there, so its pose is kept whatever it scores).
 */
const DECODERS: { readonly [Kind in NetworkSpec['decoder']]: DecoderEntry<PreparedInput> } = {
  openpose: openPoseEntry,
  pose3d: { ...openPoseEntry, outputs: ['heatmaps', 'pafs', 'features'] },
  heatmap: {
    topDown: true,
    layout: 'NCHW',
    outputs: ['heatmaps'],
    prepare: personCrop,
    decode(outputs, crop: CroppedInput, spec, { image, box, trace }) {
      const [, channels, height, width] = outputs.get('heatmaps').shape as [number, number, number, number];
      const decoded = decodeHeatmaps(outputs.float('heatmaps'), { channels, height, width }, {
        heatmapToImage: heatmapToImageTransform(crop.center, crop.cropSize, width, height),
        keypointNames: spec.keypoints,
        trace: trace && (trace.heatmaps = []),
      });
      return [{ keypoints: decoded.keypoints, score: decoded.score, box: box ?? boxOfKeypoints(decoded.keypoints) ?? imageBox(image) }];
    },
  } satisfies DecoderEntry<CroppedInput>,
  'movenet-single': {
    topDown: true,
    layout: 'NHWC',
    outputs: ['poses'],
    prepare: squarePersonCrop,
    decode(outputs, prepared: SquareInput, _spec, { box, trace }) {
      const poses = decodeMoveNetSingle(outputs.float('poses'), { toImage: prepared.normalizedToImage, minPoseScore: box === undefined ? undefined : 0, trace: trace && (trace.movenet = []) });
      return withPersonBox(poses, box);
    },
  } satisfies DecoderEntry<SquareInput>,
  efficientpose: {
    topDown: true,
    layout: 'NHWC',
    outputs: ['heatmaps'],
    prepare: squarePersonCrop,
    decode(outputs, prepared: SquareInput, spec, { box, trace }) {
      const shape = outputs.get('heatmaps').shape;
      const grid = { height: shape[1]!, width: shape[2]! };
      // The decoder hands over cell / grid size; cell i of a grid of W cells over an input of
      // `size` pixels has its centre at input pixel (i + 0.5) * size / W - 0.5.
      const size = spec.input.width;
      const toImage = (x: number, y: number): [number, number] =>
        prepared.transform.toImage((x * grid.width + 0.5) * (size / grid.width) - 0.5, (y * grid.height + 0.5) * (size / grid.height) - 0.5);
      return withPersonBox([decodeEfficientPose(outputs.float('heatmaps'), grid, { layout: 'NHWC', toImage, trace: trace && (trace.heatmaps = []) })], box);
    },
  } satisfies DecoderEntry<SquareInput>,
  'movenet-multi': {
    topDown: false,
    layout: 'NHWC',
    outputs: ['poses'],
    prepare: squareLetterbox,
    decode: (outputs, prepared: SquareInput, _spec, { trace }) => decodeMoveNetMulti(outputs.float('poses'), { toImage: prepared.normalizedToImage, trace: trace && (trace.movenet = []) }),
  } satisfies DecoderEntry<SquareInput>,
  posenet: {
    topDown: false,
    layout: 'NHWC',
    outputs: ['heatmaps', 'offsets', 'displacementsFwd', 'displacementsBwd'],
    prepare: squareLetterbox,
    decode(outputs, prepared: SquareInput, spec, { trace }) {
      const shape = outputs.get('heatmaps').shape;
      return decodePoseNet(
        outputs.float('heatmaps'),
        outputs.float('offsets'),
        outputs.float('displacementsFwd'),
        outputs.float('displacementsBwd'),
        { height: shape[1]!, width: shape[2]! },
        { layout: 'NHWC', outputStride: spec.stride ?? 16, ...POSENET_DECODING, mapToImage: prepared.transform.toImage, trace: trace && (trace.posenet = {}) },
      );
    },
  } satisfies DecoderEntry<SquareInput>,
};

/** The table entry of a spec's decoder (an InputError for an unknown kind). */
export function decoderEntry(spec: NetworkSpec): DecoderEntry<PreparedInput> {
  const entry = Object.hasOwn(DECODERS, spec.decoder) ? DECODERS[spec.decoder] : undefined;
  if (entry === undefined) throw new InputError(`${spec.name}: unknown decoder '${String(spec.decoder)}'; decoders: ${Object.keys(DECODERS).join(', ')}`);
  return entry;
}

/** Whether the network sees one person per run (the estimator runs it once per person box). */
export function isTopDown(spec: NetworkSpec): boolean {
  return decoderEntry(spec).topDown;
}

/** The output roles a spec must name for its decoder. */
export function requiredOutputs(spec: NetworkSpec): readonly OutputRole[] {
  return decoderEntry(spec).outputs;
}

/**
 * Stage 1 of an estimate: the photo as the network's input tensor, and where its pixels are on the
 * photo. For a top-down network, the person in `box` (undefined: the whole photo).
 */
export function prepareInput(spec: NetworkSpec, image: RgbImage, box?: BoundingBox): PreparedInput {
  return decoderEntry(spec).prepare(image, spec, box);
}

/**
 * Stage 3 of an estimate: the network's outputs on an input from prepareInput(spec, image, box),
 * as poses in the photo's pixel coordinates. With `trace`, the decoder also records its steps
 * there (the poses are the same).
 */
export function decodeOutputs(spec: NetworkSpec, outputs: Record<string, RunnerOutput>, prepared: PreparedInput, image: RgbImage, box?: BoundingBox, trace?: DecoderTrace): Pose[] {
  return decoderEntry(spec).decode(new NetworkOutputs(spec, outputs), prepared, spec, { image, box, trace });
}
