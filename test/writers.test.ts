import { describe, expect, it } from 'vitest';
import { InputError } from '../src/nn/errors.js';
import { COCO_KEYPOINTS, OPENPOSE_KEYPOINTS, type Keypoint, type Pose } from '../src/decode/pose.js';
import { toCocoResults, toOpenPoseJson } from '../src/decode/writers.js';

/** An 18-keypoint OpenPose pose where keypoint i sits at (100 + i, 200 + i) with score 0.5 + i/100, except the unfound ones. */
function openPosePose(unfound: readonly string[], score = 7.5): Pose {
  const keypoints: Keypoint[] = OPENPOSE_KEYPOINTS.map((name, i) =>
    unfound.includes(name) ? { name, x: 0, y: 0, score: 0 } : { name, x: 100 + i, y: 200 + i, score: 0.5 + i / 100 });
  return { keypoints, score };
}

describe('toOpenPoseJson', () => {
  it('writes OpenPose 1.3 people JSON, keypoints in the network order, unfound as 0,0,0', () => {
    const pose = openPosePose(['left_ear', 'right_wrist']);
    const json = toOpenPoseJson([pose], OPENPOSE_KEYPOINTS);
    const expected2d: number[] = [];
    OPENPOSE_KEYPOINTS.forEach((name, i) => {
      if (name === 'left_ear' || name === 'right_wrist') expected2d.push(0, 0, 0);
      else expected2d.push(100 + i, 200 + i, 0.5 + i / 100);
    });
    expect(JSON.stringify(json)).toBe(
      '{"version":1.3,"people":[{"person_id":[-1],' +
        `"pose_keypoints_2d":[${expected2d.join(',')}],` +
        '"face_keypoints_2d":[],"hand_left_keypoints_2d":[],"hand_right_keypoints_2d":[],' +
        '"pose_keypoints_3d":[],"face_keypoints_3d":[],"hand_left_keypoints_3d":[],"hand_right_keypoints_3d":[]}]}',
    );
    // Spot checks: nose first, neck second (index 1 -> 101, 201, 0.51), right wrist (4) zeroed.
    const flat = json.people[0]!.pose_keypoints_2d;
    expect(flat).toHaveLength(54);
    expect(flat.slice(0, 6)).toEqual([100, 200, 0.5, 101, 201, 0.51]);
    expect(flat.slice(12, 15)).toEqual([0, 0, 0]);
  });

  it('no people gives an empty array; a name missing from a pose is 0,0,0', () => {
    expect(toOpenPoseJson([], OPENPOSE_KEYPOINTS)).toEqual({ version: 1.3, people: [] });
    const pose: Pose = { keypoints: [{ name: 'nose', x: 1.5, y: 2.5, score: 0.25 }], score: 1 };
    expect(toOpenPoseJson([pose], ['nose', 'neck']).people[0]!.pose_keypoints_2d).toEqual([1.5, 2.5, 0.25, 0, 0, 0]);
  });
});

describe('toCocoResults', () => {
  it('drops the neck and reorders OpenPose 18 to COCO 17; v is the score, unfound is 0,0,0', () => {
    const pose = openPosePose(['left_ear']);
    const [result] = toCocoResults([pose], 785, { from: 'openpose18' });
    // COCO index -> OpenPose index: the to_coco_map of Osokin's val.py, inverted.
    const openposeIndexOfCoco = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10];
    const expected: number[] = [];
    openposeIndexOfCoco.forEach((i) => {
      if (OPENPOSE_KEYPOINTS[i] === 'left_ear') expected.push(0, 0, 0);
      else expected.push(100 + i, 200 + i, 0.5 + i / 100);
    });
    expect(result).toEqual({ image_id: 785, category_id: 1, keypoints: expected, score: 7.5 });
    expect(result!.keypoints).toHaveLength(51);
    // Pinned by hand: COCO 1 is left_eye = OpenPose 15 -> (115, 215, 0.65); COCO 3 left_ear unfound.
    expect(result!.keypoints.slice(3, 6)).toEqual([115, 215, 0.65]);
    expect(result!.keypoints.slice(9, 12)).toEqual([0, 0, 0]);
    expect(JSON.stringify(result).startsWith('{"image_id":785,"category_id":1,"keypoints":[100,200,0.5,115,215,0.65,')).toBe(true);
  });

  it('passes COCO 17 poses through in order', () => {
    const keypoints: Keypoint[] = COCO_KEYPOINTS.map((name, i) => ({ name, x: i, y: 2 * i, score: i === 3 ? 0 : 0.9 }));
    const [result] = toCocoResults([{ keypoints, score: 0.42 }], 1, { from: 'coco17' });
    expect(result!.keypoints.slice(0, 12)).toEqual([0, 0, 0.9, 1, 2, 0.9, 2, 4, 0.9, 0, 0, 0]);
    expect(result!.score).toBe(0.42);
  });

  it('rejects poses that do not match the declared layout, and bad image ids', () => {
    const coco: Pose = { keypoints: COCO_KEYPOINTS.map((name) => ({ name, x: 0, y: 0, score: 1 })), score: 1 };
    expect(() => toCocoResults([coco], 1, { from: 'openpose18' })).toThrow(InputError);
    const shuffled: Pose = { keypoints: [...coco.keypoints].reverse(), score: 1 };
    expect(() => toCocoResults([shuffled], 1, { from: 'coco17' })).toThrow(/keypoint 0 is "right_ankle"/);
    expect(() => toCocoResults([], 1.5, { from: 'coco17' })).toThrow(InputError);
    expect(toCocoResults([], 3, { from: 'coco17' })).toEqual([]);
  });
});
