// The decoders' optional traces: passing one changes nothing, and what it records is exactly what
// the decoder decided (so figures drawn from a trace cannot drift from the decoder).
import { describe, expect, it } from 'vitest';
import { decodeHeatmaps, type HeatmapKeypointTrace } from '../src/decode/heatmap.js';
import { decodeMoveNetMulti, decodeMoveNetSingle, type MoveNetPersonTrace } from '../src/decode/movenet.js';
import { decodeOpenPose, OPENPOSE_LIMBS, upsampledCellToInput, type GridSize, type OpenPoseTrace } from '../src/decode/openpose.js';
import { decodePoseNet, POSE_CHAIN, type PoseNetTrace } from '../src/decode/posenet.js';
import { seededRandom, uniform } from '../src/nn/random.js';
import { paintOpenPoseMaps, standingPerson, without } from './support/pose-maps.js';

const SHOULDER_EAR = new Set([17, 18]);

describe('OpenPose trace', () => {
  const size: GridSize = { height: 48, width: 56 };
  // Two people, one without its left arm, plus noise so that some pairs are scored and rejected.
  const { heatmaps, pafs } = paintOpenPoseMaps([standingPerson(110, 90), without(standingPerson(300, 100, 0.9), [6, 7])], size);
  const rng = seededRandom(9);
  const noisy = pafs.map((v, i) => v + (uniform(1, rng)[0]! * 0.3) * (i % 3 === 0 ? 1 : 0));

  it('leaves the result unchanged and records the accepted connections the people are made of', () => {
    const plain = decodeOpenPose(heatmaps, noisy, size);
    const trace: OpenPoseTrace = {};
    const traced = decodeOpenPose(heatmaps, noisy, size, { trace });
    expect(traced).toEqual(plain);
    expect(plain).toHaveLength(2);

    const peaks = trace.peaks!;
    const kept = trace.groups!.filter((g) => g.verdict === 'kept');
    expect(kept.map((g) => g.person)).toEqual(plain.map((_, i) => i));
    for (const group of kept) {
      const person = plain[group.person!]!;
      // Every found keypoint is the peak the group holds, mapped as the decoder maps it.
      group.ids.forEach((id, type) => {
        if (id < 0) return expect(person.keypoints[type]!.score).toBe(0);
        const [x, y] = upsampledCellToInput(peaks[id]!.x, peaks[id]!.y, trace.options!);
        expect([person.keypoints[type]!.x, person.keypoints[type]!.y]).toEqual([x, y]);
      });
    }
    // The accepted connections of the tree limbs are exactly the limbs of the kept people.
    const fromPeople = new Set<string>();
    for (const group of kept) {
      OPENPOSE_LIMBS.forEach((limb, k) => {
        if (!SHOULDER_EAR.has(k) && group.ids[limb.from]! >= 0 && group.ids[limb.to]! >= 0) fromPeople.add(`${k}:${group.ids[limb.from]}-${group.ids[limb.to]}`);
      });
    }
    const accepted = new Set<string>();
    trace.connections!.forEach((list, k) => {
      if (SHOULDER_EAR.has(k)) return;
      for (const c of list ?? []) if (c.verdict === 'accepted') accepted.add(`${k}:${c.a}-${c.b}`);
    });
    expect(accepted).toEqual(fromPeople);
  });

  it('gives each rejected pair the rule that rejected it', () => {
    const trace: OpenPoseTrace = {};
    decodeOpenPose(heatmaps, noisy, size, { trace });
    const { pafSamples, pafSampleThreshold, pafSuccessRatio } = trace.options!;
    const verdicts = new Set<string>();
    for (const list of trace.connections!) {
      for (const c of list ?? []) {
        verdicts.add(c.verdict);
        expect(c.alignments).toHaveLength(pafSamples);
        expect(c.passed).toBe(c.alignments.filter((a) => a > pafSampleThreshold).length);
        expect(c.score).toBeCloseTo(c.meanAlignment + c.lengthPenalty, 12);
        if (c.verdict === 'score') expect(c.score).toBeLessThanOrEqual(0);
        if (c.verdict === 'ratio') expect(c.passed / pafSamples).toBeLessThanOrEqual(pafSuccessRatio);
        if (c.verdict === 'accepted' || c.verdict === 'end-taken' || c.verdict === 'limit') {
          expect(c.score).toBeGreaterThan(0);
          expect(c.passed / pafSamples).toBeGreaterThan(pafSuccessRatio);
        }
      }
    }
    expect(verdicts).toContain('accepted');
    expect(verdicts.has('ratio') || verdicts.has('score')).toBe(true);
  });
});

describe('PoseNet trace', () => {
  const grid = { height: 9, width: 9 };
  const rng = seededRandom(4);
  const heatmaps = uniform(9 * 9 * 17, rng, -3, 2);
  const offsets = uniform(9 * 9 * 34, rng, -8, 8);
  const fwd = uniform(9 * 9 * 32, rng, -30, 30);
  const bwd = uniform(9 * 9 * 32, rng, -30, 30);

  it('leaves the result unchanged; roots, chain steps and scores are the decoded people', () => {
    const options = { layout: 'NHWC' as const, maxPoses: 3, nmsRadius: 100 };
    const plain = decodePoseNet(heatmaps, offsets, fwd, bwd, grid, options);
    const trace: PoseNetTrace = {};
    const traced = decodePoseNet(heatmaps, offsets, fwd, bwd, grid, { ...options, trace });
    expect(traced).toEqual(plain);
    expect(plain).toHaveLength(3);
    const roots = trace.roots!.filter((r) => r.verdict === 'root');
    expect(roots.map((r) => r.person)).toEqual([0, 1, 2]);
    expect(trace.roots!.some((r) => r.verdict === 'nms')).toBe(true);
    expect(trace.roots!.some((r) => r.verdict === 'max-poses')).toBe(true);
    plain.forEach((pose, i) => {
      expect(pose.score).toBe(trace.scores![i]!.score);
      const root = roots[i]!;
      expect([pose.keypoints[root.keypoint]!.x, pose.keypoints[root.keypoint]!.y]).toEqual([root.x, root.y]);
      const steps = trace.steps![i]!;
      expect(steps).toHaveLength(POSE_CHAIN.length);
      for (const step of steps) {
        const end = step.refined.at(-1)!;
        const k = pose.keypoints[step.to]!;
        if (k.score > 0) expect([k.x, k.y]).toEqual([end.x, end.y]);
        expect(k.score).toBe(step.score > 0 ? step.score : 0);
      }
    });
  });
});

describe('heatmap and MoveNet traces', () => {
  it('decodeHeatmaps records the hottest cell and the quarter-cell shift of each keypoint', () => {
    const maps = uniform(17 * 12 * 9, seededRandom(2), -0.2, 1);
    const options = { heatmapToImage: [2, 0, 1, 0, 2, 1] };
    const trace: HeatmapKeypointTrace[] = [];
    const plain = decodeHeatmaps(maps, { channels: 17, height: 12, width: 9 }, options);
    expect(decodeHeatmaps(maps, { channels: 17, height: 12, width: 9 }, { ...options, trace })).toEqual(plain);
    trace.forEach((t, k) => {
      expect(t.max).toBe(plain.keypoints[k]!.score);
      expect(plain.keypoints[k]!.x).toBe(2 * (t.cellX + t.shiftX) + 1);
      expect(plain.keypoints[k]!.y).toBe(2 * (t.cellY + t.shiftY) + 1);
    });
  });

  it('MoveNet traces say which people the pose score kept', () => {
    const toImage = (x: number, y: number): [number, number] => [x, y];
    const single = uniform(51, seededRandom(3), 0, 0.5);
    const trace: MoveNetPersonTrace[] = [];
    expect(decodeMoveNetSingle(single, { toImage, trace })).toEqual(decodeMoveNetSingle(single, { toImage }));
    expect(trace[0]!.counted!.every((k) => single[k * 3 + 2]! > 0.2)).toBe(true);
    const multi = uniform(6 * 56, seededRandom(4), 0, 0.5);
    const multiTrace: MoveNetPersonTrace[] = [];
    const people = decodeMoveNetMulti(multi, { toImage, trace: multiTrace });
    expect(multiTrace).toHaveLength(6);
    expect(multiTrace.filter((t) => t.kept).map((t) => t.score)).toEqual(people.map((p) => p.score));
  });
});
