// 3D decoding for Lightweight OpenPose 3D (OMZ's human-pose-estimation-3d-0001): outputs are
// `features` (57 = 19 joints x (x, y, z) maps), `heatmaps` (19 = 18 OpenPose keypoints +
// background) and `pafs` (38), all on the same stride-8 grid.
//
// What the reference does (OMZ demos/human_pose_estimation_3d_demo/python/modules/parse_poses.py,
// the same as Osokin's lightweight-human-pose-estimation-3d-demo.pytorch modules/parse_poses.py),
// and what is implemented here:
// 1. 2D poses: the C++ pose_extractor (pose_extractor/src/extract_poses.cpp + peak.cpp) decodes
//    heatmaps[0:18] and the PAFs with the same limb/PAF table and procedure as the 2D
//    Lightweight OpenPose (see openpose.ts), in the 18-keypoint OpenPose order. Its settings
//    differ from Osokin's Python: peak suppression radius 3 (minPeaksDistance), and the success
//    ratio is computed as integer p_count / mid_num, so a limb needs all 10 samples to pass;
//    pafSuccessRatio 0.9 reproduces that. Those are the defaults here; any OpenPoseOptions can
//    override them. Keypoints come back as upsampled cell + 0.5, divided by the upsample ratio:
//    (X + 0.5) / 4 in feature-map cells.
// 2. get_root_relative_poses: people without a neck are skipped; the 2D keypoints are repacked into
//    the 19-joint CMU Panoptic order (PANOPTIC_KEYPOINTS; body_center has no 2D keypoint). The
//    19 (x, y, z) triplets are read from `features` at the neck's cell (int of the feature-space
//    coordinate), then for each limb chain (ears+nose, eyes+nose, and the four arm and leg chains,
//    each listed from the extremity inwards) the whole chain is re-read at the first of its joints
//    whose 2D score exceeds 0.1. Values are multiplied by AVG_PERSON_HEIGHT = 180: centimetres.
// 3. parse_poses, translation: with the found 2D keypoints relative to the feature map's centre
//    (in feature cells) and their 3D counterparts, the scale is
//    s = sqrt(sum |xy3d - mean xy3d|^2) / sqrt(sum |xy2d - mean xy2d|^2) (cm per cell), and
//    translation = s * (mean2d.x, mean2d.y, f) - (mean3d.x, mean3d.y, 0), f being the focal length
//    in feature cells (the demo's fx * input_scale / stride). Every joint gets that translation:
//    a weak-perspective placement of the person in camera space (x right, y down, z forward, cm).
// Not done here, being display or video concerns of the demo: the one-euro filter on the
// translation and pose tracking ids (video mode), and the extrinsics rotation + axis swap used to
// plot the poses.
// Deliberate differences: a person whose neck score is <= 0.1 is dropped (the reference keeps it
// with every 3D value left at its -1 fill, i.e. -180 cm); so is a person whose found 2D keypoints
// all coincide (the scale's denominator is 0).
//
// Output: one Pose per person, keypoints (2D) and keypoints3D both in PANOPTIC_KEYPOINTS order.
// 2D keypoints are in network-input pixels, pixel-index convention, as decodeOpenPose's
// ((X + 0.5) * stride / 4 - 0.5), or mapped by `mapToImage`; body_center is always unfound
// (0, 0, score 0). All 19 3D joints carry coordinates (the network regresses every joint, the
// body centre too); their score is the 2D keypoint's, 0 where the 2D keypoint was not found.

import { groupOpenPose, meanKeypointScore, channelsOf, type GridSize, type OpenPoseOptions } from './openpose.js';
import { boxOfKeypoints, type Keypoint, type Keypoint3D, type Pose } from './pose.js';
import { InputError } from '../nn/errors.js';

/** The 19 joints of the 3D model, in CMU Panoptic order. */
export const PANOPTIC_KEYPOINTS = [
  'neck', 'nose', 'body_center', 'left_shoulder', 'left_elbow', 'left_wrist', 'left_hip',
  'left_knee', 'left_ankle', 'right_shoulder', 'right_elbow', 'right_wrist', 'right_hip',
  'right_knee', 'right_ankle', 'right_eye', 'left_eye', 'right_ear', 'left_ear',
] as const;

/** Panoptic index of each OpenPose keypoint (the reference's map_id_to_panoptic). */
const OPENPOSE_TO_PANOPTIC = [1, 0, 9, 10, 11, 3, 4, 5, 12, 13, 14, 6, 7, 8, 15, 16, 17, 18];
const NECK = 0; // Panoptic
const OPENPOSE_NECK = 1;
/** Joint chains re-read at their first confident joint (the reference's `limbs`), Panoptic ids. */
const LIMB_CHAINS = [[18, 17, 1], [16, 15, 1], [5, 4, 3], [8, 7, 6], [11, 10, 9], [14, 13, 12]];
const JOINTS = PANOPTIC_KEYPOINTS.length;

export interface Pose3dOptions extends OpenPoseOptions {
  /**
   * Focal length in network-input pixels. Default: the demo's fx = 0.8 * image width, taken as
   * 0.8 * the network input's width (grid width * stride). A focal length in original-image
   * pixels must be multiplied by the input scale (network input size / image size).
   */
  focalLength?: number;
  /** 2D score a joint needs for its chain to be re-read there (and the neck to be used). Default 0.1. */
  keypointThreshold?: number;
  /** Scale of the network's normalised 3D output, centimetres. Default 180 (AVG_PERSON_HEIGHT). */
  personHeight?: number;
}

/** The C++ extractor's settings, see step 1 above. */
const EXTRACTOR_DEFAULTS: OpenPoseOptions = { peakSuppressionRadius: 3, pafSuccessRatio: 0.9 };

function positiveOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InputError(`decodePose3d: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

export function decodePose3d(
  features: Float32Array,
  heatmaps: Float32Array,
  pafs: Float32Array,
  size: GridSize,
  options: Pose3dOptions = {},
): Pose[] {
  channelsOf(features, size, 'Pose3d features', [JOINTS * 3]);
  const { people, options: grouping } = groupOpenPose(heatmaps, pafs, size, { ...EXTRACTOR_DEFAULTS, ...options });
  const { height, width } = size;
  const { stride, upsample } = grouping;
  const focalCells = positiveOption(options.focalLength, 0.8 * width * stride, 'focalLength') / stride;
  const threshold = options.keypointThreshold ?? 0.1;
  if (!Number.isFinite(threshold)) throw new InputError(`decodePose3d: keypointThreshold must be finite, got ${threshold}`);
  const personHeight = positiveOption(options.personHeight, 180, 'personHeight');
  const plane = height * width;

  const poses: Pose[] = [];
  for (const person of people) {
    const neckPeak = person.peaks[OPENPOSE_NECK];
    if (neckPeak === undefined || neckPeak.score <= threshold) continue;

    // 2D keypoints in feature-map cells, continuous coordinates, as the reference has them.
    const u = new Float64Array(JOINTS), v = new Float64Array(JOINTS), score = new Float64Array(JOINTS);
    const found = new Uint8Array(JOINTS);
    person.peaks.forEach((peak, type) => {
      if (peak === undefined) return;
      const j = OPENPOSE_TO_PANOPTIC[type]!;
      u[j] = (peak.x + 0.5) / upsample;
      v[j] = (peak.y + 0.5) / upsample;
      score[j] = peak.score;
      found[j] = 1;
    });

    const joints3d = new Float64Array(JOINTS * 3);
    const readChainAt = (chain: readonly number[], joint: number): void => {
      const cx = Math.min(width - 1, Math.trunc(u[joint]!));
      const cy = Math.min(height - 1, Math.trunc(v[joint]!));
      for (const j of chain) {
        for (let axis = 0; axis < 3; axis++) {
          joints3d[j * 3 + axis] = features[(j * 3 + axis) * plane + cy * width + cx]! * personHeight;
        }
      }
    };
    readChainAt(PANOPTIC_KEYPOINTS.map((_, j) => j), NECK);
    for (const chain of LIMB_CHAINS) {
      const first = chain.find((j) => found[j] && score[j]! > threshold);
      if (first !== undefined) readChainAt(chain, first);
    }

    const translation = estimateTranslation(joints3d, u, v, found, width, height, focalCells);
    if (translation === undefined) continue;

    const mapToImage = options.mapToImage;
    const keypoints: Keypoint[] = [];
    const keypoints3D: Keypoint3D[] = [];
    for (let j = 0; j < JOINTS; j++) {
      const name = PANOPTIC_KEYPOINTS[j]!;
      const s = found[j] ? Math.min(1, score[j]!) : 0;
      if (found[j]) {
        let x = u[j]! * stride - 0.5, y = v[j]! * stride - 0.5;
        if (mapToImage) [x, y] = mapToImage(x, y);
        keypoints.push({ x, y, score: s, name });
      } else {
        keypoints.push({ x: 0, y: 0, score: 0, name });
      }
      keypoints3D.push({
        x: joints3d[j * 3]! + translation[0],
        y: joints3d[j * 3 + 1]! + translation[1],
        z: joints3d[j * 3 + 2]! + translation[2],
        score: s,
        name,
      });
    }
    poses.push({ keypoints, keypoints3D, score: meanKeypointScore(keypoints), box: boxOfKeypoints(keypoints) });
  }
  return poses;
}

/**
 * The demo's weak-perspective translation (parse_poses.py): undefined when the found 2D keypoints
 * have no spread.
 */
function estimateTranslation(
  joints3d: Float64Array,
  u: Float64Array,
  v: Float64Array,
  found: Uint8Array,
  width: number,
  height: number,
  focalCells: number,
): [number, number, number] | undefined {
  let n = 0, mx3 = 0, my3 = 0, mx2 = 0, my2 = 0;
  for (let j = 0; j < JOINTS; j++) {
    if (!found[j]) continue;
    n++;
    mx3 += joints3d[j * 3]!;
    my3 += joints3d[j * 3 + 1]!;
    mx2 += u[j]! - width / 2;
    my2 += v[j]! - height / 2;
  }
  mx3 /= n; my3 /= n; mx2 /= n; my2 /= n;
  let spread3 = 0, spread2 = 0;
  for (let j = 0; j < JOINTS; j++) {
    if (!found[j]) continue;
    spread3 += (joints3d[j * 3]! - mx3) ** 2 + (joints3d[j * 3 + 1]! - my3) ** 2;
    spread2 += (u[j]! - width / 2 - mx2) ** 2 + (v[j]! - height / 2 - my2) ** 2;
  }
  if (!(spread2 > 0)) return undefined;
  const scale = Math.sqrt(spread3) / Math.sqrt(spread2);
  return [scale * mx2 - mx3, scale * my2 - my3, scale * focalCells];
}
