// Poses out as the JSON other tools read: OpenPose's --write_json people files and COCO keypoint
// detection results (the file pycocotools' COCO.loadRes and COCOeval take).
import { InputError } from '../nn/errors.js';
import { COCO_KEYPOINTS, OPENPOSE_KEYPOINTS, type Keypoint, type Pose } from './pose.js';

export interface OpenPosePerson {
  person_id: number[];
  pose_keypoints_2d: number[];
  face_keypoints_2d: number[];
  hand_left_keypoints_2d: number[];
  hand_right_keypoints_2d: number[];
  pose_keypoints_3d: number[];
  face_keypoints_3d: number[];
  hand_left_keypoints_3d: number[];
  hand_right_keypoints_3d: number[];
}

export interface OpenPoseJson {
  version: number;
  people: OpenPosePerson[];
}

/**
 * One frame in OpenPose's JSON format (version 1.3, what OpenPose 1.5+ writes with --write_json):
 * per person, `pose_keypoints_2d` is x0,y0,c0,x1,y1,c1,... in `keypointNames` order (the network's
 * own order, e.g. OPENPOSE_KEYPOINTS), in image pixels; a keypoint that was not found (score 0, or
 * absent from the pose) is 0,0,0 as OpenPose writes it. Face, hand and 3D arrays are empty, as
 * OpenPose leaves them without --face/--hand/--3d; `person_id` is the track id of a tracked pose
 * (video), else [-1] (no tracking).
 */
export function toOpenPoseJson(poses: readonly (Pose & { id?: number })[], keypointNames: readonly string[]): OpenPoseJson {
  return {
    version: 1.3,
    people: poses.map((pose) => {
      const byName = keypointsByName(pose);
      const flat: number[] = [];
      for (const name of keypointNames) {
        const k = byName.get(name);
        if (k === undefined || !isFound(k)) flat.push(0, 0, 0);
        else flat.push(k.x, k.y, k.score);
      }
      return {
        person_id: [pose.id ?? -1],
        pose_keypoints_2d: flat,
        face_keypoints_2d: [],
        hand_left_keypoints_2d: [],
        hand_right_keypoints_2d: [],
        pose_keypoints_3d: [],
        face_keypoints_3d: [],
        hand_left_keypoints_3d: [],
        hand_right_keypoints_3d: [],
      };
    }),
  };
}

export interface CocoResult {
  image_id: number;
  category_id: 1;
  /** 17 x (x, y, v) in COCO_KEYPOINTS order. */
  keypoints: number[];
  score: number;
}

export type KeypointLayout = 'openpose18' | 'coco17';

/**
 * COCO keypoint-detection results, one entry per pose: `{ image_id, category_id: 1, keypoints,
 * score }`, keypoints in COCO's 17-keypoint order. From the OpenPose 18-keypoint order the neck is
 * dropped and the rest reordered (by name).
 *
 * `v` is the keypoint's score, as mmpose and most detectors write it (COCOeval ignores v in
 * results: OKS uses only x and y, and the ground truth's visibility); a keypoint not found is
 * 0, 0, 0. `score` is the pose's score. Coordinates are image pixels as the pose holds them.
 */
export function toCocoResults(
  poses: readonly Pose[],
  imageId: number,
  options: { from: KeypointLayout },
): CocoResult[] {
  if (!Number.isInteger(imageId) || imageId < 0) throw new InputError(`COCO image_id must be a non-negative integer, got ${imageId}`);
  const layout: readonly string[] = options.from === 'openpose18' ? OPENPOSE_KEYPOINTS : COCO_KEYPOINTS;
  return poses.map((pose, p) => {
    if (pose.keypoints.length !== layout.length) {
      throw new InputError(
        `pose ${p} has ${pose.keypoints.length} keypoints but the ${options.from} layout has ${layout.length}`,
      );
    }
    pose.keypoints.forEach((k, i) => {
      if (k.name !== layout[i]) {
        throw new InputError(`pose ${p} keypoint ${i} is "${k.name}" but the ${options.from} layout has "${layout[i]}" there`);
      }
    });
    const byName = keypointsByName(pose);
    const keypoints: number[] = [];
    for (const name of COCO_KEYPOINTS) {
      const k = byName.get(name)!;
      if (isFound(k)) keypoints.push(k.x, k.y, k.score);
      else keypoints.push(0, 0, 0);
    }
    return { image_id: imageId, category_id: 1, keypoints, score: pose.score };
  });
}

function keypointsByName(pose: Pose): Map<string, Keypoint> {
  return new Map(pose.keypoints.map((k) => [k.name, k]));
}

/** Found means a positive score and finite coordinates (anything else is written as 0,0,0). */
function isFound(k: Keypoint): boolean {
  return k.score > 0 && Number.isFinite(k.x) && Number.isFinite(k.y) && Number.isFinite(k.score);
}
