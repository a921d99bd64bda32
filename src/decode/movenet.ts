// MoveNet decoding. MoveNet does its own decoding inside the network; what is left is reading the
// output tensor and mapping its normalized coordinates back to the image. Follows TensorFlow.js
// pose-detection's MoveNet detector (pose-detection/src/movenet/detector.ts, constants.ts).
//
// Single-pose (Lightning 192, Thunder 256): output [1, 1, 17, 3], per COCO keypoint (y, x, score),
// y and x normalized to the network input ([0, 1] over its height and width).
//   Pose score = mean of the keypoint scores above 0.2 (MIN_CROP_KEYPOINT_SCORE; 0 when none is);
//   no pose when that is below minPoseScore (0.25, DEFAULT_MIN_POSE_SCORE). Keypoints are returned
//   with their raw scores, low ones included, as pose-detection does.
// Multi-pose (MultiPose Lightning): output [1, N, 56] (N = 6), per person 17 x (y, x, score), then
//   the box (ymin, xmin, ymax, xmax) and the person score, all normalized the same way.
//   People scoring below minPoseScore (0.25) are dropped; the score is the network's person score.
//
// Coordinates: `toImage(x, y)` receives normalized network-input coordinates and returns image
// pixels. It is where the preprocessing is undone: for a square input made by letterboxing a
// W x H image (scaled by s = side / max(W, H), padded by (padX, padY) input pixels),
//   toImage = (x, y) => [(x * side - padX) / s, (y * side - padY) / s].
// pose-detection's single-pose crop region and its multi-pose padding are both such maps. The box
// corners go through the same map (pose-detection leaves its box normalized).

import { COCO_KEYPOINTS, type Keypoint, type Pose } from './pose.js';
import { InputError, ShapeError } from '../nn/errors.js';

export interface MoveNetOptions {
  /** Normalized network-input (x, y) -> image pixel. */
  toImage: (x: number, y: number) => [number, number];
  /** People scoring below this are dropped; default 0.25. */
  minPoseScore?: number;
  /** When given, what decided each person is appended (one entry per instance of the output). Results are unchanged. */
  trace?: MoveNetPersonTrace[];
}

/** Why a MoveNet person was kept or dropped. */
export interface MoveNetPersonTrace {
  /** The pose score: single-pose, the mean of the keypoint scores above MOVENET_MIN_KEYPOINT_SCORE; multi-pose, the network's person score. */
  score: number;
  /** Single-pose: the keypoints (indices) whose scores made the mean. */
  counted?: number[];
  minPoseScore: number;
  kept: boolean;
}

/** Keypoints scoring at or below this do not count toward the single-pose score. */
export const MOVENET_MIN_KEYPOINT_SCORE = 0.2;
export const MOVENET_MIN_POSE_SCORE = 0.25;

const KEYPOINT_COUNT = 17;
/** 17 x (y, x, score) + (ymin, xmin, ymax, xmax, score). */
const MULTIPOSE_INSTANCE_SIZE = KEYPOINT_COUNT * 3 + 5;

function checkOptions(options: MoveNetOptions, what: string): number {
  if (typeof options.toImage !== 'function') throw new InputError(`${what}: options.toImage must be a function`);
  const minPoseScore = options.minPoseScore ?? MOVENET_MIN_POSE_SCORE;
  if (!Number.isFinite(minPoseScore)) throw new InputError(`${what}: minPoseScore must be a number, got ${minPoseScore}`);
  return minPoseScore;
}

/** The 17 keypoints of one person starting at `base` in the output, mapped to the image. */
function readKeypoints(output: Float32Array, base: number, toImage: MoveNetOptions['toImage']): Keypoint[] {
  const keypoints: Keypoint[] = [];
  for (let k = 0; k < KEYPOINT_COUNT; k++) {
    const [x, y] = toImage(output[base + k * 3 + 1]!, output[base + k * 3]!);
    keypoints.push({ x, y, score: output[base + k * 3 + 2]!, name: COCO_KEYPOINTS[k]! });
  }
  return keypoints;
}

/**
 * Single-pose MoveNet output [1, 1, 17, 3] -> zero or one pose (none when the pose score is below
 * minPoseScore).
 */
export function decodeMoveNetSingle(output: Float32Array, options: MoveNetOptions): Pose[] {
  const minPoseScore = checkOptions(options, 'decodeMoveNetSingle');
  if (output.length !== KEYPOINT_COUNT * 3) {
    throw new ShapeError(`decodeMoveNetSingle: expected [1, 1, 17, 3] = 51 values, got ${output.length}`);
  }
  const keypoints = readKeypoints(output, 0, options.toImage);
  const counted = keypoints.filter((k) => k.score > MOVENET_MIN_KEYPOINT_SCORE);
  const score = counted.length > 0 ? counted.reduce((sum, k) => sum + k.score, 0) / counted.length : 0;
  options.trace?.push({ score, counted: counted.map((k) => keypoints.indexOf(k)), minPoseScore, kept: score >= minPoseScore });
  if (!(score >= minPoseScore)) return [];
  return [{ keypoints, score }];
}

/** Multi-pose MoveNet output [1, N, 56] -> the people scoring at least minPoseScore, in output order. */
export function decodeMoveNetMulti(output: Float32Array, options: MoveNetOptions): Pose[] {
  const minPoseScore = checkOptions(options, 'decodeMoveNetMulti');
  if (output.length === 0 || output.length % MULTIPOSE_INSTANCE_SIZE !== 0) {
    throw new ShapeError(
      `decodeMoveNetMulti: expected [1, N, ${MULTIPOSE_INSTANCE_SIZE}] values, got ${output.length} ` +
        `(not a positive multiple of ${MULTIPOSE_INSTANCE_SIZE})`,
    );
  }
  const poses: Pose[] = [];
  for (let base = 0; base < output.length; base += MULTIPOSE_INSTANCE_SIZE) {
    const box = base + KEYPOINT_COUNT * 3;
    const score = output[box + 4]!;
    options.trace?.push({ score, minPoseScore, kept: score >= minPoseScore });
    if (!(score >= minPoseScore)) continue;
    const [xMin, yMin] = options.toImage(output[box + 1]!, output[box]!);
    const [xMax, yMax] = options.toImage(output[box + 3]!, output[box + 2]!);
    poses.push({
      keypoints: readKeypoints(output, base, options.toImage),
      score,
      box: { xMin, yMin, xMax, yMax, width: xMax - xMin, height: yMax - yMin },
    });
  }
  return poses;
}
