import { describe, expect, it } from 'vitest';
import { decodePose3d, PANOPTIC_KEYPOINTS } from '../src/decode/pose3d.js';
import { ShapeError } from '../src/nn/errors.js';
import { paintOpenPoseMaps, type Skeleton } from './support/pose-maps.js';

const SIZE = { height: 32, width: 56 }; // a 256 x 448 network input, as the demo feeds it
const STRIDE = 8;
const INPUT_W = SIZE.width * STRIDE, INPUT_H = SIZE.height * STRIDE;
const FOCAL = 0.8 * INPUT_W; // the decoder's default
const PLANE = SIZE.height * SIZE.width;

type Vec3 = [number, number, number];

/** A standing person, root (neck) relative, cm, camera axes (x right, y down, z away), Panoptic order. */
const BODY: Vec3[] = [
  [0, 0, 0], [0, -20, -5], [0, 50, 0], [18, 0, 2], [25, 28, 5], [28, 52, -10], [10, 50, 0],
  [11, 95, 3], [12, 140, 5], [-18, 0, -2], [-25, 28, 0], [-28, 52, -15], [-10, 50, 0], [-11, 95, -3],
  [-12, 140, 2], [-4, -25, -8], [4, -25, -8], [-8, -22, -2], [8, -22, -2],
];
/** Panoptic index of each OpenPose keypoint, written out independently of the decoder. */
const PANOPTIC_OF_OPENPOSE = [1, 0, 9, 10, 11, 3, 4, 5, 12, 13, 14, 6, 7, 8, 15, 16, 17, 18];

/** Pinhole projection to network-input pixels (pixel-index convention), principal point at the centre. */
function project([x, y, z]: Vec3): [number, number] {
  return [(FOCAL * x) / z + INPUT_W / 2 - 0.5, (FOCAL * y) / z + INPUT_H / 2 - 0.5];
}

function placed(body: Vec3[], translation: Vec3): Vec3[] {
  return body.map(([x, y, z]) => [x + translation[0], y + translation[1], z + translation[2]]);
}

/** The person's OpenPose skeleton in the input, without the listed Panoptic joints. */
function skeletonOf(camera: Vec3[], missing: number[] = []): Skeleton {
  return PANOPTIC_OF_OPENPOSE.map((j) => (missing.includes(j) ? null : project(camera[j]!)));
}

/**
 * Features holding `body` / 180 at every cell of the columns [x0, x1), except that around the
 * neck's cell every joint but the neck and body centre reads 0.3 (54 cm) too far to the right: the
 * decoder must re-read each limb chain at its own joints to get those right.
 */
function paintFeatures(features: Float32Array, body: Vec3[], neckCell: [number, number] | null, x0 = 0, x1 = SIZE.width): void {
  for (let j = 0; j < 19; j++) {
    for (let axis = 0; axis < 3; axis++) {
      for (let y = 0; y < SIZE.height; y++) {
        for (let x = x0; x < x1; x++) {
          const nearNeck = neckCell !== null && Math.abs(x - neckCell[0]) <= 1 && Math.abs(y - neckCell[1]) <= 1;
          const decoy = nearNeck && j !== 0 && j !== 2 && axis === 0 ? 0.3 : 0;
          features[(j * 3 + axis) * PLANE + y * SIZE.width + x] = body[j]![axis]! / 180 + decoy;
        }
      }
    }
  }
}

function cellOf([x, y]: [number, number]): [number, number] {
  return [Math.floor((x + 0.5) / STRIDE), Math.floor((y + 0.5) / STRIDE)];
}

function rootRelative(pose: { keypoints3D?: { x: number; y: number; z: number }[] }): Vec3[] {
  const k = pose.keypoints3D!;
  return k.map((p) => [p.x - k[0]!.x, p.y - k[0]!.y, p.z - k[0]!.z]);
}

describe('decodePose3d', () => {
  const translation: Vec3 = [-40, -60, 300];
  const camera = placed(BODY, translation);

  it('recovers a known skeleton root-relative and places it in camera space', () => {
    const { heatmaps, pafs } = paintOpenPoseMaps([skeletonOf(camera)], SIZE);
    const features = new Float32Array(57 * PLANE);
    paintFeatures(features, BODY, cellOf(project(camera[0]!)));
    const poses = decodePose3d(features, heatmaps, pafs, SIZE);
    expect(poses).toHaveLength(1);
    const pose = poses[0]!;

    expect(pose.keypoints3D!.map((k) => k.name)).toEqual([...PANOPTIC_KEYPOINTS]);
    rootRelative(pose).forEach((p, j) => p.forEach((v, axis) => expect(v).toBeCloseTo(BODY[j]![axis]!, 2)));

    // The demo's weak-perspective translation: close to the true one, not exact.
    const neck = pose.keypoints3D![0]!;
    expect(Math.abs(neck.x - translation[0])).toBeLessThan(2);
    expect(Math.abs(neck.y - translation[1])).toBeLessThan(2);
    expect(Math.abs(neck.z - translation[2]) / translation[2]).toBeLessThan(0.02);

    // 2D keypoints in the same Panoptic order, at the projections; body_center has none.
    pose.keypoints.forEach((k, j) => {
      expect(k.name).toBe(PANOPTIC_KEYPOINTS[j]);
      if (j === 2) {
        expect(k).toEqual({ x: 0, y: 0, score: 0, name: 'body_center' });
        expect(pose.keypoints3D![j]!.score).toBe(0);
        return;
      }
      const [px, py] = project(camera[j]!);
      expect(Math.hypot(k.x - px, k.y - py)).toBeLessThanOrEqual(2);
      expect(pose.keypoints3D![j]!.score).toBe(k.score);
    });
  });

  it('re-reads a chain at its next joint when its extremity is missing, at the neck when all are', () => {
    const leftWrist = 5, leftArm = [3, 4, 5];
    const { heatmaps, pafs } = paintOpenPoseMaps([skeletonOf(camera, [leftWrist])], SIZE);
    const features = new Float32Array(57 * PLANE);
    paintFeatures(features, BODY, cellOf(project(camera[0]!)));
    const pose = decodePose3d(features, heatmaps, pafs, SIZE)[0]!;
    expect(pose.keypoints[leftWrist]!.score).toBe(0);
    expect(pose.keypoints3D![leftWrist]!.score).toBe(0);
    rootRelative(pose).forEach((p, j) => p.forEach((v, axis) => expect(v).toBeCloseTo(BODY[j]![axis]!, 2)));

    // Without the whole left arm in 2D, its joints keep the values read at the neck (the decoy).
    const armless = paintOpenPoseMaps([skeletonOf(camera, leftArm)], SIZE);
    const armlessPose = decodePose3d(features, armless.heatmaps, armless.pafs, SIZE)[0]!;
    const relative = rootRelative(armlessPose);
    for (const j of leftArm) expect(relative[j]![0]).toBeCloseTo(BODY[j]![0] + 54, 2);
    expect(relative[6]![0]).toBeCloseTo(BODY[6]![0], 2);
  });

  it('decodes two people from their own feature regions', () => {
    const other: Vec3[] = BODY.map(([x, y, z], j) => (j === 5 || j === 11 ? [x * 1.5, -40, z] : [x, y, z]));
    const left = placed(BODY, [-70, -60, 320]);
    const right = placed(other, [60, -50, 280]);
    const { heatmaps, pafs } = paintOpenPoseMaps([skeletonOf(left), skeletonOf(right)], SIZE);
    const features = new Float32Array(57 * PLANE);
    paintFeatures(features, BODY, null, 0, SIZE.width / 2);
    paintFeatures(features, other, null, SIZE.width / 2, SIZE.width);
    const poses = decodePose3d(features, heatmaps, pafs, SIZE);
    expect(poses).toHaveLength(2);
    const byX = [...poses].sort((a, b) => a.keypoints3D![0]!.x - b.keypoints3D![0]!.x);
    rootRelative(byX[0]!).forEach((p, j) => p.forEach((v, axis) => expect(v).toBeCloseTo(BODY[j]![axis]!, 2)));
    rootRelative(byX[1]!).forEach((p, j) => p.forEach((v, axis) => expect(v).toBeCloseTo(other[j]![axis]!, 2)));
    expect(Math.abs(byX[0]!.keypoints3D![0]!.z - 320) / 320).toBeLessThan(0.05);
    expect(Math.abs(byX[1]!.keypoints3D![0]!.z - 280) / 280).toBeLessThan(0.05);
  });

  it('skips people without a neck, like the demo', () => {
    const { heatmaps, pafs } = paintOpenPoseMaps([skeletonOf(camera, [0])], SIZE);
    const features = new Float32Array(57 * PLANE);
    expect(decodePose3d(features, heatmaps, pafs, SIZE)).toEqual([]);
  });

  it('rejects features of the wrong shape', () => {
    const { heatmaps, pafs } = paintOpenPoseMaps([skeletonOf(camera)], SIZE);
    expect(() => decodePose3d(new Float32Array(54 * PLANE), heatmaps, pafs, SIZE)).toThrow(ShapeError);
  });
});
