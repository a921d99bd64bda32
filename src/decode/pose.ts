// The one pose type every decoder returns, in the style of TensorFlow.js pose-detection:
// keypoints in the network's own order, in the original image's pixel coordinates.

export interface Keypoint {
  x: number;
  y: number;
  /** Confidence in [0, 1]; 0 for a keypoint that was not found (then x and y are 0). */
  score: number;
  name: string;
}

export interface Keypoint3D {
  /** Camera space, centimetres. */
  x: number;
  y: number;
  z: number;
  score: number;
  name: string;
}

export interface BoundingBox {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  width: number;
  height: number;
}

export interface Pose {
  keypoints: Keypoint[];
  score: number;
  box?: BoundingBox;
  keypoints3D?: Keypoint3D[];
}

/** COCO's 17 keypoints, in COCO's order. */
export const COCO_KEYPOINTS = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
  'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
  'right_knee', 'left_ankle', 'right_ankle',
] as const;

/** OpenPose's 18-keypoint COCO order (COCO's 17 plus the neck, reordered). */
export const OPENPOSE_KEYPOINTS = [
  'nose', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist', 'left_shoulder', 'left_elbow',
  'left_wrist', 'right_hip', 'right_knee', 'right_ankle', 'left_hip', 'left_knee', 'left_ankle',
  'right_eye', 'left_eye', 'right_ear', 'left_ear',
] as const;

/** Box around the found keypoints (score > 0), or undefined when none was found. */
export function boxOfKeypoints(keypoints: readonly Keypoint[]): BoundingBox | undefined {
  let xMin = Infinity, yMin = Infinity, xMax = -Infinity, yMax = -Infinity;
  for (const k of keypoints) {
    if (k.score <= 0) continue;
    xMin = Math.min(xMin, k.x); yMin = Math.min(yMin, k.y);
    xMax = Math.max(xMax, k.x); yMax = Math.max(yMax, k.y);
  }
  if (xMin === Infinity) return undefined;
  return { xMin, yMin, xMax, yMax, width: xMax - xMin, height: yMax - yMin };
}

/** The pose with its keypoints in the order of `names`, matched by name (missing ones unfound). */
export function reorderKeypoints(pose: Pose, names: readonly string[]): Pose {
  const byName = new Map(pose.keypoints.map((k) => [k.name, k]));
  return { ...pose, keypoints: names.map((name) => byName.get(name) ?? { x: 0, y: 0, score: 0, name }) };
}
