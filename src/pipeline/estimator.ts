// Image in, people out: preprocessing from the model card, the engine, and the decoder, as one
// object in the style of TensorFlow.js pose-detection (`estimator.estimate(image)` returns
// poses in the image's own pixel coordinates). Every stage is timed, as the Open Model Zoo
// demos print it.
//
// Two families of networks:
// - bottom-up (OpenPose, the 3D network, PoseNet, MoveNet MultiPose) find every person in the
//   whole photo in one run;
// - top-down (HRNet-style heatmaps, MoveNet Lightning/Thunder, EfficientPose) see one person per
//   run: they run once per person box, boxes given by the caller or found by a bottom-up
//   `detector` estimator; without either, the whole photo is one person.
import { decodeEfficientPose } from '../decode/efficientpose.js';
import { decodeHeatmaps } from '../decode/heatmap.js';
import { decodeMoveNetMulti, decodeMoveNetSingle } from '../decode/movenet.js';
import { decodeOpenPose } from '../decode/openpose.js';
import { decodePose3d } from '../decode/pose3d.js';
import { boxOfKeypoints, type BoundingBox, type Pose } from '../decode/pose.js';
import { decodePoseNet } from '../decode/posenet.js';
import { boxRegion, heatmapToImageTransform, letterboxRegion, type SquareRegion } from '../image/geometry.js';
import type { RgbImage } from '../image/image.js';
import { toRgbImage, type ImageInput } from '../image/input.js';
import { InputError } from '../nn/errors.js';
import type { Model } from '../nn/graph.js';
import { Session, type SessionOptions } from '../nn/session.js';
import { toFloat32 } from '../nn/tensor.js';
import { cropForPerson, letterboxForStride, squareInput, type InputSpec } from './preprocess.js';

export type DecoderKind = 'openpose' | 'heatmap' | 'pose3d' | 'movenet-single' | 'movenet-multi' | 'posenet' | 'efficientpose';

/** What each output holds, by the decoder's name for it. */
export type OutputRole = 'heatmaps' | 'pafs' | 'features' | 'offsets' | 'displacementsFwd' | 'displacementsBwd' | 'poses';

/** What the pipeline needs to know about a network: its input, its outputs and its decoder. */
export interface NetworkSpec {
  name: string;
  inputName: string;
  input: InputSpec;
  /** NCHW for ONNX / OpenVINO / Caffe / PyTorch networks; NHWC for TensorFlow.js graph models. */
  layout: 'NCHW' | 'NHWC';
  /** MoveNet takes int32 pixels; everything else float32. */
  inputType: 'float32' | 'int32';
  decoder: DecoderKind;
  /**
   * Output value names by role. openpose: heatmaps + pafs (the same name when one output holds
   * both: heatmap channels first, as OpenPose's net_output); pose3d: + features; heatmap and
   * efficientpose: heatmaps; posenet: heatmaps, offsets, displacementsFwd, displacementsBwd;
   * movenet-*: poses.
   */
  outputs: Partial<Record<OutputRole, string>>;
  keypoints: readonly string[];
  /** Output stride of the bottom-up networks (8 OpenPose, 16 PoseNet). */
  stride?: number;
}

export interface StageTimings {
  preprocess: number;
  infer: number;
  postprocess: number;
}

export interface EstimateConfig {
  /** Person boxes for a top-down network (image pixels); ignored by bottom-up networks. */
  boxes?: readonly BoundingBox[];
}

/** One output as an engine returns it. */
export interface RunnerOutput {
  shape: number[];
  data: Float32Array | Int32Array;
}

/**
 * The engine behind an estimator: a wasmpose Session, or anything else that runs the same model
 * the same way (the accuracy test plugs tfjs-backend-cpu in here, so both engines see the very
 * same preprocessed inputs and feed the very same decoders).
 */
export interface InferenceRunner {
  run(feeds: Record<string, Float32Array | Int32Array>): Record<string, RunnerOutput>;
  dispose(): void;
}

/** People found by a bottom-up network score at least this to become boxes for a top-down one. */
const DETECTOR_MIN_SCORE = 0.2;
/** PoseNet decoding: tfjs-models' defaults, except up to 10 people (COCO photos hold more than 5). */
const POSENET_DECODING = { maxPoses: 10, scoreThreshold: 0.5, nmsRadius: 20 } as const;

export function isTopDown(spec: NetworkSpec): boolean {
  return spec.decoder === 'heatmap' || spec.decoder === 'movenet-single' || spec.decoder === 'efficientpose';
}

function requiredOutputs(spec: NetworkSpec): OutputRole[] {
  switch (spec.decoder) {
    case 'openpose': return ['heatmaps', 'pafs'];
    case 'pose3d': return ['heatmaps', 'pafs', 'features'];
    case 'heatmap': case 'efficientpose': return ['heatmaps'];
    case 'posenet': return ['heatmaps', 'offsets', 'displacementsFwd', 'displacementsBwd'];
    case 'movenet-single': case 'movenet-multi': return ['poses'];
  }
}

/** The whole photo as a box. */
function imageBox(image: RgbImage): BoundingBox {
  return { xMin: 0, yMin: 0, xMax: image.width - 1, yMax: image.height - 1, width: image.width - 1, height: image.height - 1 };
}

export class PoseEstimator {
  /** Milliseconds of each stage of the last `estimate` call (the detector's share included). */
  timings: StageTimings = { preprocess: 0, infer: 0, postprocess: 0 };

  private constructor(
    readonly spec: NetworkSpec,
    private readonly runner: InferenceRunner,
    /** Finds person boxes for a top-down network when none are given. */
    readonly detector: PoseEstimator | undefined,
  ) {}

  /**
   * An estimator on the wasmpose engine. Its kernels are the relaxed-SIMD (fused multiply-add)
   * build where the host has relaxed SIMD (Node 22+, current browsers), else the strict one: both
   * are proved against the reference engines within the same bounds. `build` overrides.
   */
  static async create(spec: NetworkSpec, model: Model, options: SessionOptions & { detector?: PoseEstimator } = {}): Promise<PoseEstimator> {
    const { detector, ...sessionOptions } = options;
    const { width, height } = spec.input;
    const shape = spec.layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
    const session = await Session.create(model, { build: 'auto', ...sessionOptions, inputShapes: { [spec.inputName]: shape, ...sessionOptions.inputShapes } });
    const missing = requiredOutputs(spec).map((role) => spec.outputs[role]).filter((name) => name === undefined || !session.outputs.some((o) => o.name === name));
    if (missing.length > 0) {
      session.dispose();
      throw new InputError(`model for ${spec.name} lacks the output(s) ${missing.join(', ')}; it has ${session.outputs.map((o) => o.name).join(', ')}`);
    }
    return new PoseEstimator(spec, session, detector);
  }

  /** An estimator on another engine (see InferenceRunner). */
  static fromRunner(spec: NetworkSpec, runner: InferenceRunner, detector?: PoseEstimator): PoseEstimator {
    const missing = requiredOutputs(spec).filter((role) => spec.outputs[role] === undefined);
    if (missing.length > 0) throw new InputError(`${spec.name}: the spec names no output for ${missing.join(', ')}`);
    return new PoseEstimator(spec, runner, detector);
  }

  /** People in `input`, keypoints in its pixel coordinates. */
  async estimate(input: ImageInput, config: EstimateConfig = {}): Promise<Pose[]> {
    const image = toRgbImage(input);
    const timings: StageTimings = { preprocess: 0, infer: 0, postprocess: 0 };
    let poses: Pose[];
    if (isTopDown(this.spec)) {
      let boxes = config.boxes;
      if (boxes === undefined && this.detector !== undefined) {
        const people = await this.detector.estimate(image);
        boxes = people.filter((p) => p.score >= DETECTOR_MIN_SCORE).flatMap((p) => {
          const box = p.box ?? boxOfKeypoints(p.keypoints);
          return box !== undefined && box.width > 0 && box.height > 0 ? [box] : [];
        });
        for (const stage of ['preprocess', 'infer', 'postprocess'] as const) timings[stage] += this.detector.timings[stage];
      }
      poses = boxes === undefined
        ? this.topDown(image, undefined, timings)
        : boxes.flatMap((box) => this.topDown(image, box, timings));
    } else {
      poses = this.bottomUp(image, timings);
    }
    this.timings = timings;
    return poses;
  }

  dispose(): void {
    this.runner.dispose();
    this.detector?.dispose();
  }

  private run(input: Float32Array | Int32Array, timings: StageTimings): Record<string, RunnerOutput> {
    const start = performance.now();
    const outputs = this.runner.run({ [this.spec.inputName]: input });
    timings.infer += performance.now() - start;
    return outputs;
  }

  private output(outputs: Record<string, RunnerOutput>, role: OutputRole): RunnerOutput {
    const name = this.spec.outputs[role]!;
    const out = outputs[name];
    if (out === undefined) throw new InputError(`${this.spec.name}: the engine returned no output '${name}' (${role})`);
    return out;
  }

  private floatOutput(outputs: Record<string, RunnerOutput>, role: OutputRole): Float32Array {
    const data = this.output(outputs, role).data;
    return data instanceof Float32Array ? data : Float32Array.from(data);
  }

  private bottomUp(image: RgbImage, timings: StageTimings): Pose[] {
    if (this.spec.layout === 'NHWC') return this.bottomUpSquare(image, timings);
    let start = performance.now();
    const prepared = letterboxForStride(image, this.spec.input, this.spec.stride ?? 8);
    timings.preprocess += performance.now() - start;
    const outputs = this.run(toFloat32(prepared.tensor), timings);
    start = performance.now();
    const heatmapOutput = this.output(outputs, 'heatmaps');
    const size = { height: heatmapOutput.shape[2]!, width: heatmapOutput.shape[3]! };
    let heatmaps = this.floatOutput(outputs, 'heatmaps');
    let pafs = this.floatOutput(outputs, 'pafs');
    if (this.spec.outputs.heatmaps === this.spec.outputs.pafs) {
      // One output holds both: keypoint heatmaps + background first, then the PAFs.
      const split = (this.spec.keypoints.length + 1) * size.height * size.width;
      pafs = heatmaps.subarray(split);
      heatmaps = heatmaps.subarray(0, split);
    }
    // Decode only the cells that cover the photo, as Osokin's val.py crops the padding away:
    // peaks in the letterbox padding would otherwise come back outside the image.
    const stride = this.spec.stride ?? 8;
    const cells = { height: Math.min(size.height, Math.ceil(prepared.contentHeight / stride)), width: Math.min(size.width, Math.ceil(prepared.contentWidth / stride)) };
    const crop = (maps: Float32Array) => cropMaps(maps, size, cells);
    const toImage = (x: number, y: number): [number, number] => {
      const [ix, iy] = prepared.transform.toImage(x, y);
      return [Math.min(Math.max(ix, 0), image.width - 1), Math.min(Math.max(iy, 0), image.height - 1)];
    };
    const options = { stride, mapToImage: toImage };
    const poses =
      this.spec.decoder === 'pose3d'
        ? decodePose3d(crop(this.floatOutput(outputs, 'features')), crop(heatmaps), crop(pafs), cells, options)
        : decodeOpenPose(crop(heatmaps), crop(pafs), cells, options);
    timings.postprocess += performance.now() - start;
    return poses;
  }

  /** PoseNet and MoveNet MultiPose: the whole photo letterboxed to the network's square. */
  private bottomUpSquare(image: RgbImage, timings: StageTimings): Pose[] {
    let start = performance.now();
    const prepared = squareInput(image, letterboxRegion(image), this.spec);
    timings.preprocess += performance.now() - start;
    const outputs = this.run(prepared.tensor.data as Float32Array | Int32Array, timings);
    start = performance.now();
    let poses: Pose[];
    if (this.spec.decoder === 'movenet-multi') {
      poses = decodeMoveNetMulti(this.floatOutput(outputs, 'poses'), { toImage: prepared.normalizedToImage });
    } else if (this.spec.decoder === 'posenet') {
      const shape = this.output(outputs, 'heatmaps').shape;
      poses = decodePoseNet(
        this.floatOutput(outputs, 'heatmaps'),
        this.floatOutput(outputs, 'offsets'),
        this.floatOutput(outputs, 'displacementsFwd'),
        this.floatOutput(outputs, 'displacementsBwd'),
        { height: shape[1]!, width: shape[2]! },
        { layout: 'NHWC', outputStride: this.spec.stride ?? 16, ...POSENET_DECODING, mapToImage: prepared.transform.toImage },
      );
    } else {
      throw new InputError(`${this.spec.name}: decoder '${this.spec.decoder}' is not a bottom-up NHWC decoder`);
    }
    timings.postprocess += performance.now() - start;
    return poses;
  }

  /**
   * One person in `box` (undefined: the whole photo). Returns no pose when a single-person
   * decoder rejects it (MoveNet below its pose score, for the whole photo only: a given box
   * already says someone is there, so its pose is kept whatever it scores).
   */
  private topDown(image: RgbImage, box: BoundingBox | undefined, timings: StageTimings): Pose[] {
    if (this.spec.layout === 'NHWC') return this.topDownSquare(image, box, timings);
    const personBox = box ?? imageBox(image);
    let start = performance.now();
    const crop = cropForPerson(image, personBox, this.spec.input);
    timings.preprocess += performance.now() - start;
    const outputs = this.run(toFloat32(crop.tensor), timings);
    start = performance.now();
    const [, channels, height, width] = this.output(outputs, 'heatmaps').shape as [number, number, number, number];
    const decoded = decodeHeatmaps(this.floatOutput(outputs, 'heatmaps'), { channels, height, width }, {
      heatmapToImage: heatmapToImageTransform(crop.center, crop.cropSize, width, height),
      keypointNames: this.spec.keypoints,
    });
    timings.postprocess += performance.now() - start;
    return [{ keypoints: decoded.keypoints, score: decoded.score, box: box ?? boxOfKeypoints(decoded.keypoints) ?? personBox }];
  }

  private topDownSquare(image: RgbImage, box: BoundingBox | undefined, timings: StageTimings): Pose[] {
    let start = performance.now();
    const region: SquareRegion = box === undefined ? letterboxRegion(image) : boxRegion(box);
    const prepared = squareInput(image, region, this.spec);
    timings.preprocess += performance.now() - start;
    const outputs = this.run(prepared.tensor.data as Float32Array | Int32Array, timings);
    start = performance.now();
    let poses: Pose[];
    if (this.spec.decoder === 'movenet-single') {
      poses = decodeMoveNetSingle(this.floatOutput(outputs, 'poses'), { toImage: prepared.normalizedToImage, minPoseScore: box === undefined ? undefined : 0 });
    } else if (this.spec.decoder === 'efficientpose') {
      const shape = this.output(outputs, 'heatmaps').shape;
      const grid = { height: shape[1]!, width: shape[2]! };
      // The decoder hands over cell / grid size; cell i of a grid of W cells over an input of
      // `size` pixels has its centre at input pixel (i + 0.5) * size / W - 0.5.
      const size = this.spec.input.width;
      const toImage = (x: number, y: number): [number, number] =>
        prepared.transform.toImage((x * grid.width + 0.5) * (size / grid.width) - 0.5, (y * grid.height + 0.5) * (size / grid.height) - 0.5);
      poses = [decodeEfficientPose(this.floatOutput(outputs, 'heatmaps'), grid, { layout: 'NHWC', toImage })];
    } else {
      throw new InputError(`${this.spec.name}: decoder '${this.spec.decoder}' is not a top-down NHWC decoder`);
    }
    timings.postprocess += performance.now() - start;
    return poses.map((pose) => ({ ...pose, box: box ?? pose.box ?? boxOfKeypoints(pose.keypoints) }));
  }
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
