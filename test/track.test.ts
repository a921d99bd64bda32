// The video stages that need no network: the One Euro filter, the tracker, --shard slicing and
// the merge of shards' COCO files, on hand-built signals and poses.
import { describe, expect, it } from 'vitest';
import { COCO_KEYPOINTS, type Pose } from '../src/decode/pose.js';
import { mergeCocoResults } from '../src/cli/commands/merge.js';
import { parseShard, shardSlice } from '../src/cli/shard.js';
import { InputError } from '../src/nn/errors.js';
import { seededRandom } from './support/harness.js';
import { KeypointsSmoother, OneEuroFilter } from '../src/track/one-euro.js';
import { PoseTracker } from '../src/track/tracker.js';
import { PoseTracking } from '../src/track/tracking.js';

/** A stick person: 17 COCO keypoints spread over a `size`-pixel box whose top-left is (x, y). */
function person(x: number, y: number, size = 100, score = 0.9): Pose {
  const keypoints = COCO_KEYPOINTS.map((name, i) => ({ name, score, x: x + ((i * 37) % 17) * (size / 34) + (i % 2) * size / 2, y: y + (i / 16) * size }));
  return { keypoints, score };
}

const meanAbsStep = (xs: readonly number[]): number => xs.slice(1).reduce((s, v, i) => s + Math.abs(v - xs[i]!), 0) / (xs.length - 1);

describe('One Euro filter', () => {
  const fps = 30;

  it('passes the first value and a constant through unchanged', () => {
    const f = new OneEuroFilter();
    for (let i = 0; i < 10; i++) expect(f.filter(42, i / fps)).toBe(42);
  });

  it('cuts the jitter of a still signal to a third, and follows a ramp with under a frame of lag', () => {
    const random = seededRandom(3);
    const scale = 200; // a 200-pixel person
    const noisy = Array.from({ length: 120 }, () => 300 + (random() - 0.5) * 4);
    const still = new OneEuroFilter();
    const smoothed = noisy.map((v, i) => still.filter(v, i / fps, scale));
    expect(meanAbsStep(smoothed.slice(30))).toBeLessThan(0.35 * meanAbsStep(noisy.slice(30)));
    // A pan of 4 pixels a frame (0.6 person sizes a second): after it settles, the output trails
    // the input by less than one frame's step.
    const moving = new OneEuroFilter();
    const ramp = Array.from({ length: 60 }, (_, i) => 100 + 4 * i);
    const out = ramp.map((v, i) => moving.filter(v, i / fps, scale));
    for (let i = 30; i < 60; i++) expect(ramp[i]! - out[i]!).toBeLessThan(4);
  });

  it('keeps its output at a repeated timestamp; a keypoint lost and found again starts over', () => {
    const f = new OneEuroFilter();
    f.filter(0, 0);
    const a = f.filter(10, 1 / 30);
    expect(f.filter(50, 1 / 30)).toBe(a);
    const smoother = new KeypointsSmoother();
    const at = (x: number, score: number) => [{ name: 'nose', x, y: 0, score }];
    smoother.apply(at(0, 0.9), 0, 100);
    smoother.apply(at(0, 0), 33, 100);
    expect(smoother.apply(at(500, 0.9), 66, 100)[0]!.x).toBe(500);
  });

  it('rejects parameters that are not positive numbers', () => {
    expect(() => new OneEuroFilter({ minCutoff: 0, beta: 1, derivativeCutoff: 1 })).toThrow(InputError);
    expect(() => new PoseTracking({ smoothing: { beta: -1 } })).toThrow(InputError);
  });
});

describe('tracker', () => {
  it('keeps identities when two people cross, by keypoints and by boxes', () => {
    for (const similarity of ['keypoint', 'boundingBox'] as const) {
      const tracker = new PoseTracker({ similarity });
      const idsOf: number[][] = [];
      for (let frame = 0; frame < 40; frame++) {
        // A walks right, B walks left, 10 pixels a frame, crossing at frame 20 (B a bit lower, in front).
        const a = person(100 + 10 * frame, 100);
        const b = person(500 - 10 * frame, 120, 100, 0.8);
        const tracked = tracker.apply(frame % 2 === 0 ? [a, b] : [b, a], frame * 33);
        const idA = tracked.find((p) => p.keypoints === a.keypoints)!.id;
        const idB = tracked.find((p) => p.keypoints === b.keypoints)!.id;
        idsOf.push([idA, idB]);
      }
      expect(new Set(idsOf.map((ids) => ids.join()))).toEqual(new Set(['1,2']));
    }
  });

  it('a person unseen for longer than maxAge comes back as a new track; within maxAge with the old id', () => {
    const tracker = new PoseTracker({ maxAge: 500 });
    expect(tracker.apply([person(100, 100)], 0)[0]!.id).toBe(1);
    expect(tracker.apply([], 200)).toEqual([]);
    expect(tracker.apply([person(100, 100)], 400)[0]!.id).toBe(1);
    expect(tracker.apply([person(100, 100)], 1000)[0]!.id).toBe(2);
  });

  it('keeps at most maxTracks, the most recently seen', () => {
    const tracker = new PoseTracker({ maxTracks: 2 });
    tracker.apply([person(0, 0), person(300, 0), person(600, 0)], 0);
    tracker.apply([person(300, 0)], 33);
    expect(tracker.trackIds()).toHaveLength(2);
    expect(tracker.trackIds()[0]).toBe(2);
  });

  it('smoothing is per track: two people never share a filter', () => {
    const tracking = new PoseTracking();
    for (let frame = 0; frame < 5; frame++) {
      const out = tracking.apply([person(100, 100), person(400, 100)], frame * 33);
      expect(out.map((p) => p.keypoints[0]!.x)).toEqual([person(100, 100).keypoints[0]!.x, person(400, 100).keypoints[0]!.x]);
    }
  });
});

describe('--shard and merge', () => {
  it('the n slices of a list cover every file exactly once, in order, sizes within one', () => {
    const files = Array.from({ length: 23 }, (_, i) => `photo-${String(i).padStart(3, '0')}.jpg`);
    for (const n of [1, 2, 3, 7, 23, 30]) {
      const slices = Array.from({ length: n }, (_, i) => shardSlice(files, parseShard(`${i + 1}/${n}`)));
      expect(slices.flat().sort()).toEqual(files);
      const sizes = slices.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      for (const s of slices) expect([...s].sort()).toEqual(s);
    }
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1']) expect(() => parseShard(bad)).toThrow(/--shard/);
  });

  it('merge puts the shards back in image order and refuses an image in two shards', () => {
    const entry = (image_id: number, score: number) => ({ image_id, category_id: 1, keypoints: [], score });
    const merged = mergeCocoResults([
      { path: 'a.json', results: [entry(1, 0.9), entry(3, 0.8), entry(3, 0.7)] },
      { path: 'b.json', results: [entry(2, 0.5), entry(4, 0.4)] },
    ]);
    expect(merged.map((e) => [e.image_id, e.score])).toEqual([[1, 0.9], [2, 0.5], [3, 0.8], [3, 0.7], [4, 0.4]]);
    expect(() => mergeCocoResults([{ path: 'a.json', results: [entry(1, 1)] }, { path: 'b.json', results: [entry(1, 1)] }])).toThrow(/image 1 is in both/);
  });
});
