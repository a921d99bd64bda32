// Video mode: an estimator that sees frames in order, as TensorFlow.js pose-detection's detectors
// do with `estimatePoses(frame, config, timestamp)`: `video.estimate(frame, { timestamp })` returns
// the people of the frame with track ids (pose.id), keypoints and boxes smoothed by One Euro
// filters. Browser-safe: frames come from ffmpeg in Node, from a video element or VideoFrame in a page.
//
// Single-person (top-down) networks do not need the multi-person box finder on every frame: as
// MoveNet's and MediaPipe's trackers crop, each person's crop in the next frame is taken around
// their keypoints in this one. The finder runs on the first frame, every `redetectEvery` frames
// (to pick up people who walked in), on any frame where a crop lost its person (pose score below
// `minPoseScore` or fewer than 4 confident keypoints) or two crops settled on the same person, and
// on every frame while a live track is missing (hidden or gone, until it is found or expires). Without a finder the first crop is the whole frame, as MoveNet's own is.
import { boxOfKeypoints, type BoundingBox, type Keypoint, type Pose } from '../decode/pose.js';
import type { RgbImage } from '../image/image.js';
import { toRgbImage, type ImageInput } from '../image/input.js';
import { InputError } from '../nn/errors.js';
import { DEFAULT_TRACKER, keypointSimilarity, type TrackedPose } from '../track/tracker.js';
import { PoseTracking, type TrackingOptions } from '../track/tracking.js';
import { isTopDown } from './decoders.js';
import type { PoseEstimator, StageTimings } from './estimator.js';
import type { NetworkSpec } from './network-spec.js';

export interface VideoEstimatorOptions extends TrackingOptions {
  /** Top-down with a finder: run it every N frames at least (default 15; 1: on every frame). */
  redetectEvery?: number;
  /** Top-down: crop each person from their keypoints in the previous frame (default true). */
  cropFromKeypoints?: boolean;
  /** A crop whose pose scores below this has lost its person (default 0.25, pose-detection's MoveNet minPoseScore). */
  minPoseScore?: number;
  /** false: raw poses with no ids, no smoothing (default true). */
  track?: boolean;
}

export interface FrameConfig {
  /** The frame's time in milliseconds (a video's presentation time, or performance.now() for a camera). */
  timestamp: number;
}

/** Keypoints that count toward a crop: this confident, at least MIN_CROP_KEYPOINTS of them. */
const CROP_KEYPOINT_SCORE = 0.3;
const MIN_CROP_KEYPOINTS = 4;
/** Keypoint box -> person box: the keypoints miss the top of the head and the feet. */
const CROP_GROWTH = 1.2;
/** Two crops whose poses are this similar (OKS) have found the same person. */
const SAME_PERSON_OKS = 0.6;

/** The next frame's crop box for a person, from this frame's keypoints (undefined: too few to crop). */
export function cropBoxFromKeypoints(keypoints: readonly Keypoint[]): BoundingBox | undefined {
  const confident = keypoints.filter((k) => k.score >= CROP_KEYPOINT_SCORE);
  if (confident.length < MIN_CROP_KEYPOINTS) return undefined;
  const box = boxOfKeypoints(confident)!;
  const cx = (box.xMin + box.xMax) / 2;
  const cy = (box.yMin + box.yMax) / 2;
  const width = Math.max(box.width, box.height / 4) * CROP_GROWTH;
  const height = Math.max(box.height, box.width / 4) * CROP_GROWTH;
  return { xMin: cx - width / 2, yMin: cy - height / 2, xMax: cx + width / 2, yMax: cy + height / 2, width, height };
}

export class VideoPoseEstimator {
  /** Milliseconds of each stage for the last frame (finder included). */
  timings: StageTimings = { preprocess: 0, infer: 0, postprocess: 0 };
  /** Whether the last frame ran the box finder (or, without one, the whole-frame crop). */
  detected = false;
  private readonly tracking: PoseTracking | undefined;
  private readonly redetectEvery: number;
  readonly cropFromKeypoints: boolean;
  readonly minPoseScore: number;
  private crops: BoundingBox[] = [];
  private framesSinceDetection = 0;
  private searching = false;
  private lastTimestamp = -Infinity;

  constructor(readonly estimator: PoseEstimator, options: VideoEstimatorOptions = {}) {
    this.redetectEvery = options.redetectEvery ?? 15;
    if (!Number.isInteger(this.redetectEvery) || this.redetectEvery < 1) throw new InputError(`redetectEvery must be an integer >= 1, got ${this.redetectEvery}`);
    ({ minPoseScore: this.minPoseScore, cropFromKeypoints: this.cropFromKeypoints } = framePolicy(estimator.spec, options));
    this.tracking = options.track === false ? undefined : new PoseTracking(options);
  }

  /**
   * The people in `frame` (an RgbImage, or in a page a video element, VideoFrame, canvas or
   * ImageData), tracked (pose.id) and smoothed; frames must come in time order.
   */
  async estimate(input: ImageInput, config: FrameConfig): Promise<TrackedPose[]> {
    const frame = toRgbImage(input);
    const { timestamp } = config;
    if (!Number.isFinite(timestamp)) throw new InputError(`frame timestamp must be milliseconds, got ${timestamp}`);
    if (timestamp < this.lastTimestamp) throw new InputError(`frame timestamp ${timestamp} ms is before the previous frame's ${this.lastTimestamp} ms: frames must come in order (reset() to start over)`);
    this.lastTimestamp = timestamp;
    const timings: StageTimings = { preprocess: 0, infer: 0, postprocess: 0 };
    const poses = await this.findPeople(frame, timings);
    this.timings = timings;
    if (this.tracking === undefined) return poses.map((p, i) => ({ ...p, id: -1 - i }));
    const tracked = this.tracking.apply(poses, timestamp);
    // Someone tracked is missing (hidden, or gone): look for them with the finder until they are
    // back or their track expires.
    this.searching = this.tracking.tracker.missing;
    return tracked;
  }

  /** Forgets every track (a new video). */
  reset(): void {
    this.tracking?.reset();
    this.crops = [];
    this.framesSinceDetection = 0;
    this.searching = false;
    this.lastTimestamp = -Infinity;
  }

  dispose(): void {
    this.estimator.dispose();
  }

  private async run(frame: RgbImage, timings: StageTimings, boxes?: BoundingBox[]): Promise<Pose[]> {
    const poses = await this.estimator.estimate(frame, boxes === undefined ? {} : { boxes });
    for (const stage of ['preprocess', 'infer', 'postprocess'] as const) timings[stage] += this.estimator.timings[stage];
    return poses;
  }

  private async findPeople(frame: RgbImage, timings: StageTimings): Promise<Pose[]> {
    if (!this.cropFromKeypoints) {
      this.detected = true;
      return this.run(frame, timings);
    }
    let poses: Pose[] | undefined;
    if (this.crops.length > 0 && !this.searching && this.framesSinceDetection + 1 < this.redetectEvery) {
      const kept = peopleOfFrame(await this.run(frame, timings, this.crops), this);
      if (kept.filter((p) => cropBoxFromKeypoints(p.keypoints) !== undefined).length === this.crops.length) poses = kept;
    }
    this.detected = poses === undefined;
    if (poses === undefined) {
      poses = peopleOfFrame(await this.run(frame, timings), this);
      this.framesSinceDetection = 0;
    } else {
      this.framesSinceDetection++;
    }
    this.crops = poses.flatMap((p) => (cropBoxFromKeypoints(p.keypoints) === undefined ? [] : [p.box!]));
    return poses;
  }
}

/** Whether a network's video mode crops from keypoints, and the pose score a crop must keep. */
export function framePolicy(spec: NetworkSpec, options: VideoEstimatorOptions): { cropFromKeypoints: boolean; minPoseScore: number } {
  return { cropFromKeypoints: (options.cropFromKeypoints ?? true) && isTopDown(spec), minPoseScore: options.minPoseScore ?? 0.25 };
}

/**
 * What the video estimator keeps of a frame's poses. Cropping from keypoints (top-down): every
 * person once (of two poses of the same person, the better scoring one), those scoring at least
 * minPoseScore, each with the box its keypoints give the next frame's crop, one kind of box
 * whether the finder ran or not, so that box smoothing sees no jumps between the two. Otherwise
 * the poses as they are. (Worker threads running the finder on every frame feed their poses
 * through this too, so they see the very people the sequential run sees.)
 */
export function peopleOfFrame(poses: readonly Pose[], options: { cropFromKeypoints: boolean; minPoseScore: number }): Pose[] {
  if (!options.cropFromKeypoints) return [...poses];
  return distinctPeople(poses)
    .filter((p) => p.score >= options.minPoseScore)
    .map((p) => ({ ...p, box: cropBoxFromKeypoints(p.keypoints) ?? p.box }));
}

/** The poses with every person once: of two poses of the same person, the better scoring one. */
function distinctPeople(poses: readonly Pose[]): Pose[] {
  const kept: Pose[] = [];
  for (const pose of [...poses].sort((a, b) => b.score - a.score)) {
    const duplicate = kept.some((k) => {
      const box = boxOfKeypoints(k.keypoints);
      return box !== undefined && keypointSimilarity(pose.keypoints, k.keypoints, box, DEFAULT_TRACKER) >= SAME_PERSON_OKS;
    });
    if (!duplicate) kept.push(pose);
  }
  return kept;
}
