// Image in, people out: preprocessing from the model card, the engine, and the decoder, as one
// object in the style of TensorFlow.js pose-detection (`estimator.estimate(image)` returns
// poses in the image's own pixel coordinates). Every stage is timed, as the Open Model Zoo
// demos print it.
import { heatmapToImageTransform } from '../decode/affine.js';
import { decodeHeatmaps } from '../decode/heatmap.js';
import { decodeOpenPose } from '../decode/openpose.js';
import { decodePose3d } from '../decode/pose3d.js';
import { boxOfKeypoints, type BoundingBox, type Pose } from '../decode/pose.js';
import type { RgbImage } from '../image/image.js';
import { InputError } from '../nn/errors.js';
import type { Model } from '../nn/graph.js';
import { Session, type OutputTensor, type SessionOptions } from '../nn/session.js';
import { toFloat32 } from '../nn/tensor.js';
import { cropForPerson, letterboxForStride, type InputSpec } from './preprocess.js';

/** What the pipeline needs to know about a network: its input, its outputs and its decoder. */
export interface NetworkSpec {
  name: string;
  inputName: string;
  input: InputSpec;
  decoder: 'openpose' | 'heatmap' | 'pose3d';
  /** Output value names: heatmaps always; PAFs for openpose and pose3d; features for pose3d. */
  outputs: { heatmaps: string; pafs?: string; features?: string };
  keypoints: readonly string[];
  /** Output stride of the bottom-up networks (8). */
  stride?: number;
}

export interface StageTimings {
  preprocess: number;
  infer: number;
  postprocess: number;
}

export interface EstimateConfig {
  /** Person boxes for a top-down network; without them the whole image is one person. */
  boxes?: readonly BoundingBox[];
}

export class PoseEstimator {
  /** Milliseconds of each stage of the last `estimate` call. */
  timings: StageTimings = { preprocess: 0, infer: 0, postprocess: 0 };

  private constructor(
    readonly spec: NetworkSpec,
    private readonly session: Session,
    /** Finds person boxes for a top-down network when none are given. */
    private readonly detector: PoseEstimator | undefined,
  ) {}

  static async create(spec: NetworkSpec, model: Model, options: SessionOptions & { detector?: PoseEstimator } = {}): Promise<PoseEstimator> {
    const { detector, ...sessionOptions } = options;
    const inputShapes = { [spec.inputName]: [1, 3, spec.input.height, spec.input.width], ...sessionOptions.inputShapes };
    const session = await Session.create(model, { ...sessionOptions, inputShapes });
    const missing = Object.values(spec.outputs).filter((name) => !session.outputs.some((o) => o.name === name));
    if (missing.length > 0) {
      session.dispose();
      throw new InputError(`model for ${spec.name} lacks the output(s) ${missing.join(', ')}; it has ${session.outputs.map((o) => o.name).join(', ')}`);
    }
    return new PoseEstimator(spec, session, detector);
  }

  async estimate(image: RgbImage, config: EstimateConfig = {}): Promise<Pose[]> {
    const timings: StageTimings = { preprocess: 0, infer: 0, postprocess: 0 };
    let poses: Pose[];
    if (this.spec.decoder === 'heatmap') {
      let boxes = config.boxes;
      if (boxes === undefined && this.detector !== undefined) {
        boxes = (await this.detector.estimate(image)).flatMap((p) => (p.box ? [p.box] : []));
        timings.preprocess += this.detector.timings.preprocess + this.detector.timings.postprocess;
        timings.infer += this.detector.timings.infer;
      }
      boxes ??= [{ xMin: 0, yMin: 0, xMax: image.width, yMax: image.height, width: image.width, height: image.height }];
      poses = boxes.map((box) => this.topDown(image, box, timings));
    } else {
      poses = this.bottomUp(image, timings);
    }
    this.timings = timings;
    return poses;
  }

  dispose(): void {
    this.session.dispose();
    this.detector?.dispose();
  }

  private run(input: Float32Array, timings: StageTimings): Record<string, OutputTensor> {
    const start = performance.now();
    const outputs = this.session.run({ [this.spec.inputName]: input });
    timings.infer += performance.now() - start;
    return outputs;
  }

  private bottomUp(image: RgbImage, timings: StageTimings): Pose[] {
    let start = performance.now();
    const prepared = letterboxForStride(image, this.spec.input, this.spec.stride ?? 8);
    timings.preprocess += performance.now() - start;
    const outputs = this.run(toFloat32(prepared.tensor), timings);
    start = performance.now();
    const heatmaps = outputs[this.spec.outputs.heatmaps]!;
    const pafs = outputs[this.spec.outputs.pafs!]!;
    const size = { height: heatmaps.shape[2]!, width: heatmaps.shape[3]! };
    const options = { stride: this.spec.stride ?? 8, mapToImage: (x: number, y: number) => prepared.transform.toImage(x, y) };
    const poses =
      this.spec.decoder === 'pose3d'
        ? decodePose3d(outputs[this.spec.outputs.features!]!.data as Float32Array, heatmaps.data as Float32Array, pafs.data as Float32Array, size, options)
        : decodeOpenPose(heatmaps.data as Float32Array, pafs.data as Float32Array, size, options);
    timings.postprocess += performance.now() - start;
    return poses;
  }

  private topDown(image: RgbImage, box: BoundingBox, timings: StageTimings): Pose {
    let start = performance.now();
    const crop = cropForPerson(image, box, this.spec.input);
    timings.preprocess += performance.now() - start;
    const outputs = this.run(toFloat32(crop.tensor), timings);
    start = performance.now();
    const heatmaps = outputs[this.spec.outputs.heatmaps]!;
    const [, channels, height, width] = heatmaps.shape as [number, number, number, number];
    const decoded = decodeHeatmaps(heatmaps.data as Float32Array, { channels, height, width }, {
      heatmapToImage: heatmapToImageTransform(crop.center, crop.cropSize, width, height),
      keypointNames: this.spec.keypoints,
    });
    timings.postprocess += performance.now() - start;
    return { keypoints: decoded.keypoints, score: decoded.score, box: boxOfKeypoints(decoded.keypoints) ?? box };
  }
}
