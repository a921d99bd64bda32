// Pose overlay in OpenPose's style: limbs as thick coloured lines, keypoints as dots, on a copy
// of the image.
//
// Colours follow OpenPose's renderer (poseParametersRender.hpp, renderKeypointsCpu): an 18-colour
// wheel indexed by keypoint; a keypoint is drawn in its own colour and a limb in the colour of its
// SECOND keypoint ("colorIndex = pairs[pair+1]"). The same rule applied to COCO's 17-keypoint order
// gives a similar wheel.
import { InputError } from '../nn/errors.js';
import { boxOfKeypoints, type Pose } from '../decode/pose.js';
import { cloneImage, type Rgb, type RgbImage } from '../image/image.js';
import { drawLine, drawRect, fillCircle } from './draw.js';

export type Skeleton = readonly (readonly [number, number])[];

/**
 * The 17 limbs OpenPose draws for its 18-keypoint COCO model (POSE_COCO_PAIRS_RENDER_GPU), in
 * OPENPOSE_KEYPOINTS order. The network's PAF list has two more (shoulder-ear), never drawn.
 */
export const OPENPOSE18_SKELETON: Skeleton = [
  [1, 2], [1, 5], [2, 3], [3, 4], [5, 6], [6, 7], [1, 8], [8, 9], [9, 10], [1, 11],
  [11, 12], [12, 13], [1, 0], [0, 14], [14, 16], [0, 15], [15, 17],
];

/** COCO's 19 keypoint-annotation skeleton edges (person category), 0-based, COCO_KEYPOINTS order. */
export const COCO17_SKELETON: Skeleton = [
  [15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8],
  [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6],
];

/** OpenPose's 18 keypoint colours (POSE_COCO_COLORS_RENDER_GPU), RGB. */
export const OPENPOSE_COLORS: readonly Rgb[] = [
  [255, 0, 85], [255, 0, 0], [255, 85, 0], [255, 170, 0], [255, 255, 0], [170, 255, 0],
  [85, 255, 0], [0, 255, 0], [0, 255, 85], [0, 255, 170], [0, 255, 255], [0, 170, 255],
  [0, 85, 255], [0, 0, 255], [255, 0, 170], [170, 0, 255], [255, 0, 255], [85, 0, 255],
];

export interface RenderOptions {
  /** Limbs as pairs of keypoint indices into each pose's keypoints. */
  skeleton: Skeleton;
  /** Keypoints scoring at or below this are not drawn, nor limbs touching them. Default 0.05, OpenPose's --render_threshold. */
  minScore?: number;
  /** Limb thickness in pixels. Default: grows with the image, about 3 px for a 640x480 photo. */
  lineWidth?: number;
  /** Keypoint dot radius in pixels. Default: lineWidth. */
  keypointRadius?: number;
  /** Also draw each person's box (pose.box, or the box around its drawn keypoints). Default false. */
  drawBoxes?: boolean;
  boxColor?: Rgb;
  /**
   * One colour per person (a video's track colours): that person's limbs, keypoints and box are
   * drawn in it instead of the per-keypoint wheel. Undefined for a person keeps the wheel.
   */
  personColor?: (pose: Pose, index: number) => Rgb | undefined;
}

/** Twelve well-separated colours for track ids (id modulo 12), so a person keeps one colour through a video. */
export const TRACK_COLORS: readonly Rgb[] = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [170, 110, 40],
];

/** The stable colour of a track id. */
export function trackColor(id: number): Rgb {
  return TRACK_COLORS[((Math.trunc(id) % TRACK_COLORS.length) + TRACK_COLORS.length) % TRACK_COLORS.length]!;
}

/** Draws every pose on a copy of `image` and returns the copy; `image` is left unchanged. */
export function renderPoses(image: RgbImage, poses: readonly Pose[], options: RenderOptions): RgbImage {
  const { skeleton } = options;
  for (const [a, b] of skeleton) {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) {
      throw new InputError(`skeleton edge [${a}, ${b}] must be two non-negative keypoint indices`);
    }
  }
  const minScore = options.minScore ?? 0.05;
  const lineWidth = options.lineWidth ?? Math.max(2, Math.round(Math.sqrt(image.width * image.height) / 180));
  const keypointRadius = options.keypointRadius ?? lineWidth;
  const boxColor = options.boxColor ?? [255, 255, 255];
  const wheel = (keypointIndex: number): Rgb => OPENPOSE_COLORS[keypointIndex % OPENPOSE_COLORS.length]!;

  const canvas = cloneImage(image);
  for (const [index, pose] of poses.entries()) {
    const keypoints = pose.keypoints;
    const personColor = options.personColor?.(pose, index);
    const colorOf = personColor === undefined ? wheel : (): Rgb => personColor;
    const shown = keypoints.map((k) => k.score > minScore && Number.isFinite(k.x) && Number.isFinite(k.y));
    for (const [a, b] of skeleton) {
      if (a >= keypoints.length || b >= keypoints.length) {
        throw new InputError(
          `skeleton edge [${a}, ${b}] refers to a keypoint beyond the pose's ${keypoints.length}: wrong skeleton for this network?`,
        );
      }
      if (!shown[a] || !shown[b]) continue;
      const ka = keypoints[a]!;
      const kb = keypoints[b]!;
      drawLine(canvas, ka.x, ka.y, kb.x, kb.y, colorOf(b), lineWidth);
    }
    keypoints.forEach((k, i) => {
      if (shown[i]) fillCircle(canvas, k.x, k.y, keypointRadius, colorOf(i));
    });
    if (options.drawBoxes) {
      const box = pose.box ?? boxOfKeypoints(keypoints.filter((_, i) => shown[i]));
      if (box) drawRect(canvas, box.xMin, box.yMin, box.xMax, box.yMax, personColor ?? boxColor, Math.max(1, lineWidth / 2));
    }
  }
  return canvas;
}
