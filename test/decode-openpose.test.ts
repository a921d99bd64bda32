import { describe, expect, it } from 'vitest';
import { decodeOpenPose, OPENPOSE_LIMBS, type GridSize } from '../src/decode/openpose.js';
import { OPENPOSE_KEYPOINTS, type Pose } from '../src/decode/pose.js';
import { upsampleBicubic } from '../src/decode/resize.js';
import { InputError, ShapeError } from '../src/nn/errors.js';
import { paintOpenPoseMaps, standingPerson, without, type Skeleton } from './support/pose-maps.js';

const SIZE: GridSize = { height: 48, width: 56 }; // a 384 x 448 network input
const INPUT_W = SIZE.width * 8, INPUT_H = SIZE.height * 8;
/** Keypoints must come back within this many network-input pixels. */
const TOLERANCE = 2;

function decode(people: Skeleton[], size = SIZE): Pose[] {
  const { heatmaps, pafs } = paintOpenPoseMaps(people, size);
  return decodeOpenPose(heatmaps, pafs, size);
}

/**
 * Every truth person is decoded exactly once, with each of its keypoints within TOLERANCE and
 * its absent keypoints unfound: so the count, the positions and the limb assignment are right.
 */
function expectPeople(poses: Pose[], people: Skeleton[]): void {
  expect(poses).toHaveLength(people.length);
  const unmatched = new Set(poses);
  for (const truth of people) {
    const match = [...unmatched].find((pose) =>
      truth.every((p, k) => {
        const kp = pose.keypoints[k]!;
        if (p === null) return kp.score === 0 && kp.x === 0 && kp.y === 0;
        return kp.score > 0 && Math.hypot(kp.x - p[0], kp.y - p[1]) <= TOLERANCE;
      }),
    );
    expect(match, `no decoded pose matches the person with neck at ${JSON.stringify(truth[1])}`).toBeDefined();
    unmatched.delete(match!);
  }
}

describe('OpenPose limb table', () => {
  it('matches the PAF channel layout of Lightweight OpenPose training (coco.py BODY_PARTS_KPT_IDS)', () => {
    // Training paints limb i of this list into PAF channels 2i (x) and 2i + 1 (y).
    const training = [
      [1, 8], [8, 9], [9, 10], [1, 11], [11, 12], [12, 13], [1, 2], [2, 3], [3, 4], [2, 16], [1, 5],
      [5, 6], [6, 7], [5, 17], [1, 0], [0, 14], [0, 15], [14, 16], [15, 17],
    ];
    expect(OPENPOSE_LIMBS).toHaveLength(19);
    for (const limb of OPENPOSE_LIMBS) {
      expect(limb.pafX % 2).toBe(0);
      expect(limb.pafY).toBe(limb.pafX + 1);
      expect(training[limb.pafX / 2]).toEqual([limb.from, limb.to]);
    }
    expect(new Set(OPENPOSE_LIMBS.map((l) => l.pafX)).size).toBe(19);
  });
});

describe('upsampleBicubic', () => {
  it('reproduces cv2.resize(fx=4, fy=4, INTER_CUBIC)', () => {
    // Reference rows computed with OpenCV 4.5 (opencv.js) on this 3x4 map.
    const input = Float32Array.from({ length: 12 }, (_, i) => ((i * 7) % 5) / 4 - 0.25);
    const expected: Record<number, number[]> = {
      0: [-0.4024165, -0.3781433, -0.2709285, -0.1356939, 0.02033746, 0.2024471, 0.4120221, 0.6136174,
        0.7642522, 0.8229108, 0.7481014, 0.5401129, 0.270312, 0.01544845, -0.1460876, -0.1798823],
      5: [0.5354243, 0.5084173, 0.3773765, 0.1631187, -0.06084806, -0.2198195, -0.244651, -0.1413336,
        0.03830296, 0.2427289, 0.4190612, 0.5360319, 0.6132844, 0.6749687, 0.734033, 0.7481014],
      11: [-0.1249507, -0.1006774, 0.02076286, 0.2332218, 0.4502198, 0.5794917, 0.5302973, 0.2997071,
        0.001898587, -0.2415662, -0.3163757, -0.2222407, -0.04359835, 0.1337237, 0.230957, 0.25],
    };
    const { data, dims } = upsampleBicubic(input, { channels: 1, height: 3, width: 4 }, 4);
    expect(dims).toEqual({ channels: 1, height: 12, width: 16 });
    for (const [row, values] of Object.entries(expected)) {
      const got = Array.from(data.subarray(Number(row) * 16, Number(row) * 16 + 16));
      got.forEach((v, i) => expect(v).toBeCloseTo(values[i]!, 5));
    }
  });

  it('keeps constants constant and handles every channel', () => {
    const input = new Float32Array(2 * 2 * 3);
    input.fill(0.5, 0, 6);
    input.fill(-2, 6);
    const { data } = upsampleBicubic(input, { channels: 2, height: 2, width: 3 }, 4);
    expect(data.subarray(0, 96).every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    expect(data.subarray(96).every((v) => Math.abs(v + 2) < 1e-6)).toBe(true);
  });

  it('rejects bad shapes and factors', () => {
    expect(() => upsampleBicubic(new Float32Array(5), { channels: 1, height: 2, width: 3 }, 4)).toThrow(ShapeError);
    expect(() => upsampleBicubic(new Float32Array(6), { channels: 1, height: 2, width: 3 }, 1.5)).toThrow(InputError);
  });
});

describe('decodeOpenPose', () => {
  it('finds two people', () => {
    const people = [standingPerson(120, 100), standingPerson(330, 110, 0.8)];
    const poses = decode(people);
    expectPeople(poses, people);
    for (const pose of poses) {
      expect(pose.keypoints.map((k) => k.name)).toEqual([...OPENPOSE_KEYPOINTS]);
      expect(pose.score).toBeGreaterThan(0.9);
      expect(pose.score).toBeLessThanOrEqual(1);
      expect(pose.keypoints.every((k) => k.score > 0 && k.score <= 1)).toBe(true);
      const box = pose.box!;
      expect(box.xMin).toBe(Math.min(...pose.keypoints.map((k) => k.x)));
      expect(box.yMax).toBe(Math.max(...pose.keypoints.map((k) => k.y)));
    }
  });

  it('finds three people of different sizes, close together', () => {
    const people = [standingPerson(80, 80, 0.9), standingPerson(215, 120, 0.7), standingPerson(350, 90, 1.1)];
    expectPeople(decode(people), people);
  });

  it('assigns crossing forearms of the same type to the right people', () => {
    const a = standingPerson(150, 80);
    const b = standingPerson(330, 80);
    // A's left forearm runs right, horizontally; B's left arm reaches across B's chest and its
    // forearm comes down through A's, crossing it at about (259, 120).
    a[6] = [220, 120];
    a[7] = [300, 120];
    b[6] = [270, 70];
    b[7] = [250, 160];
    const poses = decode([a, b]);
    expectPeople(poses, [a, b]);
  });

  it('leaves missing parts unfound', () => {
    const legless = without(standingPerson(110, 100), [8, 9, 10, 11, 12, 13]);
    const headless = without(standingPerson(320, 100), [0, 14, 15, 16, 17]);
    const oneArm = without(standingPerson(215, 60, 0.6), [5, 6, 7]);
    const people = [legless, headless, oneArm];
    expectPeople(decode(people), people);
  });

  it('attaches ears through the shoulder-ear limbs when the eyes are missing', () => {
    const earsOnly = without(standingPerson(200, 100), [0, 14, 15]);
    const poses = decode([earsOnly]);
    expectPeople(poses, [earsOnly]);
  });

  it('finds people cut by the image border', () => {
    // Right arm beyond the left edge with the shoulder on it, feet on the bottom row, one hand
    // beyond the right edge. (Keypoints less than a cell from the edge are pulled onto it: the
    // bicubic upsampling replicates the border, as OpenCV's does; 2 px is within tolerance.)
    const left = without(standingPerson(32, 163), [], INPUT_W, INPUT_H);
    expect(left[2]).toEqual([2, 163]);
    const right = without(standingPerson(410, 120), [], INPUT_W, INPUT_H);
    expect(left.filter((p) => p === null)).toHaveLength(2);
    expect(right.filter((p) => p === null)).toHaveLength(2);
    const people = [left, right];
    expectPeople(decode(people), people);
  });

  it('places keypoints on the right pixel centres', () => {
    // A stride-8 cell centre is input pixel 8i + 3.5, so a person on cell centres comes back on
    // them. x4 upsampling has no sample on a cell centre: each blob's maximum is shared exactly by
    // two upsampled cells, a tie the decoder must resolve (either cell is within 1 pixel).
    const person = standingPerson(8 * 15 + 3.5, 8 * 12 + 3.5);
    const pose = decode([person])[0]!;
    const neck = pose.keypoints[1]!;
    expect(Math.abs(neck.x - (8 * 15 + 3.5))).toBeLessThanOrEqual(1);
    expect(Math.abs(neck.y - (8 * 12 + 3.5))).toBeLessThanOrEqual(1);
  });

  it('maps keypoints through mapToImage', () => {
    const people = [standingPerson(200, 100)];
    const { heatmaps, pafs } = paintOpenPoseMaps(people, SIZE);
    const plain = decodeOpenPose(heatmaps, pafs, SIZE);
    const mapped = decodeOpenPose(heatmaps, pafs, SIZE, { mapToImage: (x, y) => [x * 2 + 10, y * 3] });
    plain[0]!.keypoints.forEach((k, i) => {
      expect(mapped[0]!.keypoints[i]!.x).toBeCloseTo(k.x * 2 + 10, 9);
      expect(mapped[0]!.keypoints[i]!.y).toBeCloseTo(k.y * 3, 9);
    });
  });

  it('drops people with fewer than 3 keypoints and weak people', () => {
    const pair = without(standingPerson(100, 100), [0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(pair.filter((p) => p !== null)).toHaveLength(2);
    expect(decode([pair])).toEqual([]);

    const { heatmaps, pafs } = paintOpenPoseMaps([standingPerson(200, 100)], SIZE);
    expect(decodeOpenPose(heatmaps, pafs, SIZE, { minMeanScore: 2.5 })).toEqual([]);
    expect(decodeOpenPose(heatmaps, pafs, SIZE, { minKeypoints: 19 })).toEqual([]);
  });

  it('returns nothing for empty and noisy maps', () => {
    const plane = SIZE.height * SIZE.width;
    expect(decodeOpenPose(new Float32Array(19 * plane), new Float32Array(38 * plane), SIZE)).toEqual([]);
    let seed = 1;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const noise = Float32Array.from({ length: 19 * plane }, () => random() * 0.09);
    const pafNoise = Float32Array.from({ length: 38 * plane }, () => random() * 2 - 1);
    expect(decodeOpenPose(noise, pafNoise, SIZE)).toEqual([]);
  });

  it('accepts heatmaps without the background channel', () => {
    const people = [standingPerson(200, 100)];
    const { heatmaps, pafs } = paintOpenPoseMaps(people, SIZE);
    const poses = decodeOpenPose(heatmaps.subarray(0, 18 * SIZE.height * SIZE.width), pafs, SIZE);
    expectPeople(poses, people);
  });

  it('rejects mismatched shapes and bad options', () => {
    const plane = SIZE.height * SIZE.width;
    expect(() => decodeOpenPose(new Float32Array(17 * plane), new Float32Array(38 * plane), SIZE)).toThrow(ShapeError);
    expect(() => decodeOpenPose(new Float32Array(19 * plane), new Float32Array(36 * plane), SIZE)).toThrow(ShapeError);
    expect(() => decodeOpenPose(new Float32Array(19), new Float32Array(38), { height: 0, width: 1 })).toThrow(ShapeError);
    const ok = [new Float32Array(19 * plane), new Float32Array(38 * plane)] as const;
    expect(() => decodeOpenPose(...ok, SIZE, { upsample: 0 })).toThrow(InputError);
    expect(() => decodeOpenPose(...ok, SIZE, { pafSamples: 1 })).toThrow(InputError);
    expect(() => decodeOpenPose(...ok, SIZE, { peakThreshold: Number.NaN })).toThrow(InputError);
  });
});
