// EfficientPose decoding (the human library's efficientpose model, daniegr/EfficientPose): one
// person, one heatmap per body part, each keypoint at its heatmap's maximum. Follows
// vladmandic/human src/body/efficientpose.ts (max2d + predict).
//
// The model (human-models efficientpose.json) takes a 368 x 368 RGB image scaled to [-1, 1] and
// outputs `upscaled_confs/BiasAdd` [1, H, W, 16]: three stride-2 transposed convolutions bring it
// back to the input's resolution (H = W = 368), so one heatmap cell is one input pixel.
//
// Its 16 parts are MPII's, in this channel order (EFFICIENTPOSE_KEYPOINTS; human's names in
// brackets): head_top [head], upper_neck [neck], right_shoulder, right_elbow, right_wrist,
// thorax [chest], left_shoulder, left_elbow, left_wrist, pelvis [bodyCenter], right_hip,
// right_knee, right_ankle, left_hip, left_knee, left_ankle.
//
// Mapping to COCO's 17 keypoints (the default output): shoulders, elbows, wrists, hips, knees and
// ankles correspond one to one (channels 2-4, 6-8, 10-15). COCO's nose, eyes and ears have no
// EfficientPose counterpart and are reported as not found; head_top, upper_neck, thorax and pelvis
// have no COCO counterpart and are left out (head_top is the crown, not the nose: mapping it to
// the nose would put that keypoint 10-20 cm off). `keypoints: 'native'` returns the 16 parts instead.
//
// Per part, as human does: the maximum of the heatmap (first in row-major order on ties) at cell
// (x, y); the part is found when the maximum is above minScore (human: config.body.minConfidence,
// default 0.3), at normalized position (x / W, y / H), which `toImage` maps to image pixels. The
// score is the heatmap maximum, clipped to [0, 1] for the Keypoint type (human rounds it to two
// decimals instead). The pose score is the highest keypoint score, as in human.

import { boxOfKeypoints, COCO_KEYPOINTS, type Keypoint, type Pose } from './pose.js';
import { channelIndexer, type OutputGrid, type TensorLayout } from './posenet.js';
import type { HeatmapKeypointTrace } from './heatmap.js';
import { InputError } from '../nn/errors.js';

/** EfficientPose's 16 (MPII) parts, in channel order. */
export const EFFICIENTPOSE_KEYPOINTS = [
  'head_top', 'upper_neck', 'right_shoulder', 'right_elbow', 'right_wrist', 'thorax', 'left_shoulder',
  'left_elbow', 'left_wrist', 'pelvis', 'right_hip', 'right_knee', 'right_ankle', 'left_hip', 'left_knee',
  'left_ankle',
] as const;

/** For each COCO keypoint, the EfficientPose channel that is the same body point, or -1. */
export const COCO_FROM_EFFICIENTPOSE: readonly number[] = COCO_KEYPOINTS.map((name) =>
  (EFFICIENTPOSE_KEYPOINTS as readonly string[]).indexOf(name),
);

export interface EfficientPoseOptions {
  /** Memory order of the heatmaps; the TFJS model's is NHWC. */
  layout: TensorLayout;
  /** Normalized heatmap (x, y) in [0, 1] -> image pixel. */
  toImage: (x: number, y: number) => [number, number];
  /** A part is found when its heatmap maximum is above this; default 0.3. */
  minScore?: number;
  /** 'coco' (default): 17 COCO keypoints; 'native': EfficientPose's 16 parts. */
  keypoints?: 'coco' | 'native';
  /** When given, one entry per part (EFFICIENTPOSE_KEYPOINTS order) is appended. Results are unchanged. */
  trace?: HeatmapKeypointTrace[];
}

/** EfficientPose heatmaps [1, H, W, 16] (or [1, 16, H, W]) -> one pose. */
export function decodeEfficientPose(heatmaps: Float32Array, grid: OutputGrid, options: EfficientPoseOptions): Pose {
  const channels = EFFICIENTPOSE_KEYPOINTS.length;
  const at = channelIndexer(heatmaps, grid, channels, options.layout, 'decodeEfficientPose: heatmaps');
  if (typeof options.toImage !== 'function') throw new InputError('decodeEfficientPose: options.toImage must be a function');
  const minScore = options.minScore ?? 0.3;
  if (!Number.isFinite(minScore)) throw new InputError(`decodeEfficientPose: minScore must be a number, got ${minScore}`);
  const { height, width } = grid;

  const parts: Keypoint[] = EFFICIENTPOSE_KEYPOINTS.map((name, c) => {
    let max = -Infinity, bestX = 0, bestY = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const value = heatmaps[at(y, x, c)]!;
        if (value > max) {
          max = value;
          bestX = x;
          bestY = y;
        }
      }
    }
    options.trace?.push({ name, cellX: bestX, cellY: bestY, max, shiftX: 0, shiftY: 0, found: max > minScore });
    if (!(max > minScore)) return { x: 0, y: 0, score: 0, name };
    const [x, y] = options.toImage(bestX / width, bestY / height);
    return { x, y, score: Math.min(1, max), name };
  });

  const keypoints = options.keypoints === 'native'
    ? parts
    : COCO_KEYPOINTS.map((name, i): Keypoint => {
      const channel = COCO_FROM_EFFICIENTPOSE[i]!;
      return channel < 0 ? { x: 0, y: 0, score: 0, name } : { ...parts[channel]!, name };
    });
  const score = parts.reduce((best, k) => Math.max(best, k.score), 0);
  return { keypoints, score, box: boxOfKeypoints(keypoints) };
}
