// Image in, people out: preprocessing from the model card, the engine, and the decoder, as one
// object in the style of TensorFlow.js pose-detection (`estimator.estimate(image)` returns
// poses in the image's own pixel coordinates). Every stage is timed, as the Open Model Zoo
// demos print it.
//
// An estimate is three stages, each callable on its own: prepareInput (decoders.ts: the crop and
// normalisation of the spec's decoder), runNetwork (runner.ts), decodeOutputs (decoders.ts).
// Top-down networks (decoders.ts) run once per person box, boxes given by the caller or found by
// a bottom-up `detector` estimator; without either, the whole photo is one person.
import { boxOfKeypoints, type BoundingBox, type Pose } from '../decode/pose.js';
import type { RgbImage } from '../image/image.js';
import { toRgbImage, type ImageInput } from '../image/input.js';
import { InputError } from '../nn/errors.js';
import type { Model } from '../nn/graph.js';
import { Session, type SessionOptions } from '../nn/session.js';
import { decodeOutputs, decoderEntry, isTopDown, prepareInput, requiredOutputs } from './decoders.js';
import type { NetworkSpec } from './network-spec.js';
import type { PreparedInput } from './preprocess.js';
import { runNetwork, type InferenceRunner, type RunnerOutput } from './runner.js';

export interface StageTimings {
  preprocess: number;
  infer: number;
  postprocess: number;
}

/** Per-call options of `estimate`; more may come (an interface, so fields can be added without breaking callers). */
export interface EstimateConfig {
  /**
   * Person boxes (image pixels). A top-down network runs once per box. A bottom-up network finds
   * everyone in one run and then keeps only the people whose keypoints' centre lies in a box.
   * Boxes must have finite corners and positive sizes (else InputError).
   */
  boxes?: readonly BoundingBox[];
}

/** People found by a bottom-up network score at least this to become boxes for a top-down one. */
const DETECTOR_MIN_SCORE = 0.2;

/** A spec the decoder table can serve: a known decoder, fed in the layout its crop makes. */
function checkSpec(spec: NetworkSpec): void {
  const entry = decoderEntry(spec);
  if (spec.layout !== entry.layout) {
    throw new InputError(`${spec.name}: decoder '${spec.decoder}' takes ${entry.layout} input, but the spec says ${spec.layout}`);
  }
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
    checkSpec(spec);
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
    checkSpec(spec);
    const missing = requiredOutputs(spec).filter((role) => spec.outputs[role] === undefined);
    if (missing.length > 0) throw new InputError(`${spec.name}: the spec names no output for ${missing.join(', ')}`);
    return new PoseEstimator(spec, runner, detector);
  }

  /** People in `input`, keypoints in its pixel coordinates. */
  async estimate(input: ImageInput, config: EstimateConfig = {}): Promise<Pose[]> {
    if (config === null || typeof config !== 'object') throw new InputError(`estimate's config must be an object, got ${config === null ? 'null' : typeof config}`);
    if (config.boxes !== undefined) checkBoxes(config.boxes);
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
        ? this.estimateOne(image, undefined, timings)
        : boxes.flatMap((box) => this.estimateOne(image, box, timings));
    } else {
      poses = this.estimateOne(image, undefined, timings);
      if (config.boxes !== undefined) poses = poses.filter((p) => insideAny(p, config.boxes!));
    }
    this.timings = timings;
    return poses;
  }

  /** Stage 1: the photo (top-down: the person in `box`, undefined for the whole photo) as this network's input. */
  prepare(image: RgbImage, box?: BoundingBox): PreparedInput {
    return prepareInput(this.spec, image, box);
  }

  /** Stage 2: the network's raw outputs, by output name. */
  infer(prepared: PreparedInput): Record<string, RunnerOutput> {
    return runNetwork(this.runner, this.spec, prepared);
  }

  /** Stage 3: the outputs of `infer(prepare(image, box))` as poses in the photo's pixel coordinates. */
  decode(outputs: Record<string, RunnerOutput>, prepared: PreparedInput, image: RgbImage, box?: BoundingBox): Pose[] {
    return decodeOutputs(this.spec, outputs, prepared, image, box);
  }

  dispose(): void {
    this.runner.dispose();
    this.detector?.dispose();
  }

  /** One run: the three stages, timed. */
  private estimateOne(image: RgbImage, box: BoundingBox | undefined, timings: StageTimings): Pose[] {
    let start = performance.now();
    const prepared = this.prepare(image, box);
    timings.preprocess += performance.now() - start;
    start = performance.now();
    const outputs = this.infer(prepared);
    timings.infer += performance.now() - start;
    start = performance.now();
    const poses = this.decode(outputs, prepared, image, box);
    timings.postprocess += performance.now() - start;
    return poses;
  }
}

function checkBoxes(boxes: readonly BoundingBox[]): void {
  if (!Array.isArray(boxes)) throw new InputError('boxes must be an array of { xMin, yMin, xMax, yMax, width, height }');
  boxes.forEach((b, i) => {
    const corners = b === null || typeof b !== 'object' ? [] : [b.xMin, b.yMin, b.xMax, b.yMax];
    if (corners.length !== 4 || !corners.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(b.xMax > b.xMin) || !(b.yMax > b.yMin)) {
      throw new InputError(`boxes[${i}] must have finite xMin < xMax and yMin < yMax, got ${JSON.stringify(b)}`);
    }
  });
}

/** Whether the centre of a pose's keypoints lies in one of the boxes. */
function insideAny(pose: Pose, boxes: readonly BoundingBox[]): boolean {
  const box = pose.box ?? boxOfKeypoints(pose.keypoints);
  if (box === undefined) return false;
  const x = (box.xMin + box.xMax) / 2;
  const y = (box.yMin + box.yMax) / 2;
  return boxes.some((b) => x >= b.xMin && x <= b.xMax && y >= b.yMin && y <= b.yMax);
}
