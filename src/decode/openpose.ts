// Bottom-up OpenPose decoding: keypoint heatmaps + part affinity fields (PAFs) -> people.
//
// The procedure is Lightweight OpenPose's (Daniil Osokin, lightweight-human-pose-estimation.pytorch,
// modules/keypoints.py extract_keypoints + group_keypoints, with demo.py's upsampling):
//   1. Upsample the stride-8 heatmaps and PAFs x4 with bicubic interpolation (cv2.INTER_CUBIC).
//   2. Per keypoint type, peaks: values >= 0.1 above their 4 neighbours (neighbours below the
//      threshold, or outside the map, count as 0). Peaks are visited left to right and each one
//      suppresses the later peaks closer than 6 (upsampled) pixels; note this keeps the leftmost
//      peak of a cluster, not the highest.
//   3. Per limb (19 limbs, tree order from the neck, then two redundant shoulder-ear limbs), score
//      every pair of candidate ends: 10 evenly spaced samples on the segment (rounded to cells),
//      each the dot product of the PAF with the segment's unit vector. A sample passes if > 0.05;
//      the limb score is the mean of the passing samples plus a length penalty
//      min(mapHeight / 2 / length - 1, 0). A pair is a candidate when score > 0 and more than 80%
//      of the samples pass.
//   4. Greedy matching: candidates by decreasing score, each keypoint used at most once per limb.
//   5. Assembly into people, limb by limb: a connection extends every person already holding its
//      first keypoint, otherwise it starts a new person. The shoulder-ear limbs (17, 18) only fill
//      in an ear (or shoulder) a person lacks, without counting it or adding to the score. When a
//      limb has candidates on one side only, those keypoints start one-keypoint people.
//   6. People with fewer than 3 keypoints, or with (sum of keypoint and limb scores) / keypoints
//      under 0.2, are dropped.
//
// One deliberate difference from both references: they require a peak to be strictly above all
// 4 neighbours, so a maximum shared by two adjacent cells is no peak at all and the keypoint is
// lost. That is not rare: x4 upsampling puts no sample on a stride-8 cell centre, so a heatmap
// blob centred on a cell centre (or midway between two) comes out as two equal maxima. Here a
// peak must beat its left and upper neighbours and at least equal its right and lower ones, so a
// tie goes to the first cell in reading order; maps without exact ties decode as in the reference.
//
// Where Open Model Zoo's Python OpenPoseDecoder (demos/common/python/.../models/open_pose.py)
// differs, and what is used here:
// - Peaks: OMZ runs max-pooling NMS (kernel 2 * round(6/7 * r) + 1) inside the network, keeps the
//   top 100 per type, moves each peak a quarter cell toward its higher neighbours and adds 0.5.
//   Here: Osokin's peaks (the x4 bicubic upsampling already gives quarter-cell resolution), plus a
//   cap on peaks per type (`maxPeaksPerKeypoint`, highest scores kept) so noisy maps cannot blow
//   up the quadratic pairing; it changes nothing on maps with fewer peaks.
// - Limb score: OMZ drops the length penalty. Kept here (Osokin's and CMU OpenPose's).
// - Assembly: OMZ looks a connection up by both ends and merges two disjoint partial people; it
//   has no shoulder-ear special case and never starts one-keypoint people. Osokin's tree-order
//   assembly is used here: it is what Osokin's val.py measured the model's COCO accuracy with.
// - Filtering: OMZ drops only people with fewer than 3 keypoints; here also the mean-score test.
// - Person score: OMZ (and Osokin's val.py, for COCO ranking) report
//   total * (keypoints - 1), Osokin's demo the total itself; neither is in [0, 1]. Here
//   Pose.score is the mean heatmap score of the person's found keypoints.
// - Coordinates: Osokin maps upsampled cell X to input pixel X * stride / r, OMZ to
//   (X + 0.5) * stride / r. See "Coordinates" below for what is used here.
// The C++ extractor of OMZ's 3D demo (pose_extractor/src/peak.cpp) is the same procedure with a
// suppression radius of 3, and it computes the success ratio in integer arithmetic
// (p_count / mid_num), so it needs all 10 samples to pass; pose3d.ts uses those settings.
//
// Coordinates: output keypoints are in network-input pixels, in pixel-index convention (the
// centre of the top-left pixel is (0, 0)). Stride-8 cell i covers input pixels 8i .. 8i+7, centre
// 8i + 3.5 (Osokin's training targets are placed exactly there: coco.py `stride / 2 - 0.5`), and
// bicubic upsampling aligns cell centres, so upsampled cell X maps to
//   x = (X + 0.5) * stride / upsample - 0.5        (2X + 0.5 for stride 8, upsample 4).
// `mapToImage` receives these and returns image coordinates (e.g. undo the resize and padding).
// Near the map's edge the upsampling replicates the border (as OpenCV's does), so a keypoint
// within about a cell of the edge is found on the edge, up to ~4 input pixels off.
// Keypoint scores are the upsampled heatmap's value at the peak, clipped to [0, 1] on output.

import { boxOfKeypoints, OPENPOSE_KEYPOINTS, type Keypoint, type Pose } from './pose.js';
import { upsampleBicubic } from './resize.js';
import { InputError, ShapeError } from '../nn/errors.js';

/** Height and width of the network's output grid, shared by all its maps. */
export interface GridSize {
  height: number;
  width: number;
}

/** A limb: two keypoint indices (OPENPOSE_KEYPOINTS order) and the PAF channels of its x and y. */
export interface OpenPoseLimb {
  from: number;
  to: number;
  pafX: number;
  pafY: number;
}

/**
 * The 19 limbs in decoding order (Osokin's BODY_PARTS_KPT_IDS / BODY_PARTS_PAF_IDS). The order
 * matters: the tree is grown from the neck, and limbs 17 and 18 are the redundant shoulder-ear
 * limbs the assembly treats specially.
 */
export const OPENPOSE_LIMBS: readonly OpenPoseLimb[] = (
  [
    [1, 2, 12], [1, 5, 20], [2, 3, 14], [3, 4, 16], [5, 6, 22], [6, 7, 24], [1, 8, 0], [8, 9, 2],
    [9, 10, 4], [1, 11, 6], [11, 12, 8], [12, 13, 10], [1, 0, 28], [0, 14, 30], [14, 16, 34],
    [0, 15, 32], [15, 17, 36], [2, 16, 18], [5, 17, 26],
  ] as const
).map(([from, to, pafX]) => ({ from, to, pafX, pafY: pafX + 1 }));

const KEYPOINT_COUNT = OPENPOSE_KEYPOINTS.length;
const PAF_CHANNELS = 2 * OPENPOSE_LIMBS.length;
const SHOULDER_EAR_LIMBS = new Set([17, 18]);

export interface OpenPoseOptions {
  /** Network output stride, input pixels per map cell. Default 8. */
  stride?: number;
  /** Bicubic upsampling factor applied to heatmaps and PAFs. Default 4. */
  upsample?: number;
  /** Minimum heatmap value of a peak. Default 0.1. */
  peakThreshold?: number;
  /** Peaks of one type closer than this (upsampled pixels) to an earlier one are dropped. Default 6. */
  peakSuppressionRadius?: number;
  /** At most this many peaks per keypoint type, the highest kept. Default 100. */
  maxPeaksPerKeypoint?: number;
  /** Samples taken along each candidate limb. Default 10. */
  pafSamples?: number;
  /** A sample passes when its PAF . limb direction exceeds this. Default 0.05. */
  pafSampleThreshold?: number;
  /** A limb is a candidate when the passing fraction of samples exceeds this. Default 0.8. */
  pafSuccessRatio?: number;
  /** People with fewer keypoints are dropped. Default 3. */
  minKeypoints?: number;
  /** People whose (keypoint + limb scores) / keypoints is below this are dropped. Default 0.2. */
  minMeanScore?: number;
  /** Maps network-input pixels to the caller's image; default identity. */
  mapToImage?: (x: number, y: number) => [number, number];
  /**
   * When given, the decoder records every step it takes here (see OpenPoseTrace), for reports
   * and figures to show exactly what it decided. The result is the same with or without it.
   */
  trace?: OpenPoseTrace;
}

export type ResolvedOpenPoseOptions = Required<Omit<OpenPoseOptions, 'mapToImage' | 'trace'>>;

const DEFAULTS: ResolvedOpenPoseOptions = {
  stride: 8,
  upsample: 4,
  peakThreshold: 0.1,
  peakSuppressionRadius: 6,
  maxPeaksPerKeypoint: 100,
  pafSamples: 10,
  pafSampleThreshold: 0.05,
  pafSuccessRatio: 0.8,
  minKeypoints: 3,
  minMeanScore: 0.2,
};

/** A heatmap peak, in upsampled-map cells. */
export interface Peak {
  x: number;
  y: number;
  score: number;
  /** Index into the list of all peaks (all types, in type order). */
  id: number;
}

/** A person as grouped: the peak of each of the 18 keypoints, or undefined. */
export interface GroupedPerson {
  peaks: (Peak | undefined)[];
  /** Sum of the person's keypoint scores and limb scores, as the reference accumulates it. */
  totalScore: number;
  /** Keypoints counted by the reference (the shoulder-ear limbs add keypoints without counting). */
  keypointCount: number;
}

/** Why a candidate peak is not a peak after non-maximum suppression. */
export interface SuppressedPeak {
  type: number;
  x: number;
  y: number;
  score: number;
  /** 'radius': within peakSuppressionRadius of the kept peak `by` (an id); 'cap': beyond maxPeaksPerKeypoint. */
  reason: 'radius' | 'cap';
  by?: number;
}

/** What became of a scored pair of peaks for one limb. */
export type ConnectionVerdict =
  /** Chosen by the greedy matching. */
  | 'accepted'
  /** score <= 0: no sample passed, or the length penalty outweighed the PAF. */
  | 'score'
  /** Too few samples passed: passed / samples <= pafSuccessRatio. */
  | 'ratio'
  /** A candidate, but one of its ends was already taken by a higher-scoring connection of this limb. */
  | 'end-taken'
  /** A candidate, but the limb already had min(#A, #B) connections. */
  | 'limit';

/** One pair of peaks (ids) scored along one limb's PAF: the line integral and its verdict. */
export interface ScoredConnection {
  a: number;
  b: number;
  /** PAF . unit(b - a) at each sample, in order from a to b. */
  alignments: number[];
  /** Samples whose alignment exceeded pafSampleThreshold. */
  passed: number;
  /** Mean alignment of the passing samples (0 when none passed). */
  meanAlignment: number;
  /** min(mapHeight / 2 / length - 1, 0). */
  lengthPenalty: number;
  /** meanAlignment + lengthPenalty: what the candidates are ranked by. */
  score: number;
  verdict: ConnectionVerdict;
}

/** What the assembly did with an accepted connection. */
export interface AssemblyStep {
  limb: number;
  a: number;
  b: number;
  /**
   * 'extended': added `b` to the people holding `a`; 'started': a new person of `a` and `b`;
   * 'filled': a shoulder-ear limb filled in a missing end; 'single': the limb's other end type
   * has no peak, so peak `a` (b = -1) starts a one-keypoint person unless one holds it already.
   */
  action: 'extended' | 'started' | 'filled' | 'single';
  /** Indices into OpenPoseTrace.groups. */
  people: number[];
}

/** A group of peaks the assembly built, and whether it became a person. */
export interface TracedGroup {
  /** Peak id per keypoint type, -1 where absent. */
  ids: number[];
  totalScore: number;
  keypointCount: number;
  /** 'kept', or the rule that dropped it: fewer than minKeypoints keypoints, or mean score under minMeanScore. */
  verdict: 'kept' | 'too-few-keypoints' | 'low-mean-score';
  /** Index among the decoded people when kept. */
  person?: number;
}

/**
 * Everything the OpenPose decoder decided, in upsampled-map cells (`toInput` turns those into
 * network-input pixels as the decoder does). Filled in by decodeOpenPose / groupOpenPose /
 * decodePose3d when passed as `options.trace`: figures drawn from it are the decoder's own steps.
 */
export interface OpenPoseTrace {
  options?: ResolvedOpenPoseOptions;
  /** Size of the upsampled maps the peaks and samples live on. */
  upsampled?: GridSize;
  /** All peaks after suppression, by id. */
  peaks?: Peak[];
  /** Peak ids per keypoint type. */
  peaksByType?: number[][];
  suppressed?: SuppressedPeak[];
  /** Per limb (OPENPOSE_LIMBS order): every scored pair with its verdict; undefined when an end had no peak. */
  connections?: (ScoredConnection[] | undefined)[];
  assembly?: AssemblyStep[];
  groups?: TracedGroup[];
}

/** An upsampled-map cell of a trace in network-input pixels, as decodeOpenPose maps keypoints. */
export function upsampledCellToInput(x: number, y: number, options: Pick<ResolvedOpenPoseOptions, 'stride' | 'upsample'>): [number, number] {
  const cellToInput = options.stride / options.upsample;
  return [(x + 0.5) * cellToInput - 0.5, (y + 0.5) * cellToInput - 0.5];
}

function resolveOptions(options: OpenPoseOptions): ResolvedOpenPoseOptions {
  const resolved = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof ResolvedOpenPoseOptions)[]) {
    const value = options[key] as number | undefined;
    if (value === undefined) continue;
    if (!Number.isFinite(value)) throw new InputError(`OpenPose option ${key} must be a finite number, got ${value}`);
    resolved[key] = value;
  }
  for (const key of ['upsample', 'maxPeaksPerKeypoint'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
      throw new InputError(`OpenPose option ${key} must be a positive integer, got ${resolved[key]}`);
    }
  }
  if (!Number.isInteger(resolved.pafSamples) || resolved.pafSamples < 2) {
    throw new InputError(`OpenPose option pafSamples must be an integer >= 2, got ${resolved.pafSamples}`);
  }
  if (!(resolved.stride > 0)) throw new InputError(`OpenPose option stride must be positive, got ${resolved.stride}`);
  return resolved;
}

/** Check a map's length against its grid; returns its channel count. */
export function channelsOf(data: Float32Array, size: GridSize, what: string, allowed: readonly number[]): number {
  const { height, width } = size;
  if (!Number.isInteger(height) || height < 1 || !Number.isInteger(width) || width < 1) {
    throw new ShapeError(`${what}: grid size must be positive integers, got ${height}x${width}`);
  }
  const channels = data.length / (height * width);
  if (!allowed.includes(channels)) {
    throw new ShapeError(
      `${what}: ${data.length} values on a ${height}x${width} grid; expected ` +
        `${allowed.map((c) => `${c} channels (${c * height * width} values)`).join(' or ')}`,
    );
  }
  return channels;
}

/** Round half to even, like numpy's round and OpenCV's cvRound. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Peaks of one upsampled heatmap plane, in Osokin's order (left to right), ids from `firstId`. */
function findPeaks(
  map: Float32Array,
  height: number,
  width: number,
  firstId: number,
  options: ResolvedOpenPoseOptions,
  suppressedOut?: Omit<SuppressedPeak, 'type'>[],
): Peak[] {
  const { peakThreshold: threshold } = options;
  const at = (x: number, y: number): number => {
    if (x < 0 || y < 0 || x >= width || y >= height) return 0;
    const v = map[y * width + x]!;
    return v >= threshold ? v : 0;
  };
  const candidates: Peak[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = at(x, y);
      // A tie goes to the left / upper cell (see the header: the references lose such peaks).
      if (v > 0 && v > at(x - 1, y) && v >= at(x + 1, y) && v > at(x, y - 1) && v >= at(x, y + 1)) {
        candidates.push({ x, y, score: v, id: -1 });
      }
    }
  }
  candidates.sort((a, b) => a.x - b.x); // stable: ties stay top to bottom, as in the reference

  const radius = options.peakSuppressionRadius;
  const suppressed = new Uint8Array(candidates.length);
  const suppressedBy: (Peak | undefined)[] = [];
  let kept: Peak[] = [];
  for (let i = 0; i < candidates.length; i++) {
    if (suppressed[i]) continue;
    const p = candidates[i]!;
    for (let j = i + 1; j < candidates.length && candidates[j]!.x - p.x < radius; j++) {
      if (Math.hypot(candidates[j]!.x - p.x, candidates[j]!.y - p.y) < radius) {
        suppressedBy[j] ??= p;
        suppressed[j] = 1;
      }
    }
    kept.push(p);
  }
  let capped: Peak[] = [];
  if (kept.length > options.maxPeaksPerKeypoint) {
    const strongest = new Set([...kept].sort((a, b) => b.score - a.score).slice(0, options.maxPeaksPerKeypoint));
    capped = kept.filter((p) => !strongest.has(p));
    kept = kept.filter((p) => strongest.has(p));
  }
  kept.forEach((p, k) => (p.id = firstId + k));
  if (suppressedOut !== undefined) {
    candidates.forEach((c, i) => {
      if (suppressed[i]) suppressedOut.push({ x: c.x, y: c.y, score: c.score, reason: 'radius', by: suppressedBy[i]!.id >= 0 ? suppressedBy[i]!.id : undefined });
    });
    for (const c of capped) suppressedOut.push({ x: c.x, y: c.y, score: c.score, reason: 'cap' });
  }
  return kept;
}

interface Connection {
  /** Indices into the two candidate lists while matching; peak ids after. */
  a: number;
  b: number;
  score: number;
}

/** Scored, greedily matched connections of one limb (step 3 and 4), as peak ids. */
function connectLimb(
  limb: OpenPoseLimb,
  candidatesA: Peak[],
  candidatesB: Peak[],
  pafs: Float32Array,
  height: number,
  width: number,
  options: ResolvedOpenPoseOptions,
  traced?: ScoredConnection[],
): Connection[] {
  const plane = height * width;
  const pafX = pafs.subarray(limb.pafX * plane, (limb.pafX + 1) * plane);
  const pafY = pafs.subarray(limb.pafY * plane, (limb.pafY + 1) * plane);
  const samples = options.pafSamples;
  const halfHeight = Math.floor(height / 2);
  const scored: (Connection & { traced?: ScoredConnection })[] = [];
  for (let i = 0; i < candidatesA.length; i++) {
    const a = candidatesA[i]!;
    for (let j = 0; j < candidatesB.length; j++) {
      const b = candidatesB[j]!;
      const dx = b.x - a.x, dy = b.y - a.y;
      const length = Math.hypot(dx, dy);
      if (length === 0) continue;
      const ux = dx / length, uy = dy / length;
      let passedSum = 0, passed = 0;
      const alignments: number[] | undefined = traced && [];
      for (let n = 0; n < samples; n++) {
        const t = n / (samples - 1);
        const cell = roundHalfEven(a.y + dy * t) * width + roundHalfEven(a.x + dx * t);
        const alignment = ux * pafX[cell]! + uy * pafY[cell]!;
        alignments?.push(alignment);
        if (alignment > options.pafSampleThreshold) {
          passedSum += alignment;
          passed++;
        }
      }
      // The length penalty: limbs longer than half the map height are implausible.
      const meanAlignment = passed > 0 ? passedSum / passed : 0;
      const lengthPenalty = Math.min(halfHeight / length - 1, 0);
      const score = meanAlignment + lengthPenalty;
      const candidate = score > 0 && passed / samples > options.pafSuccessRatio;
      let entry: ScoredConnection | undefined;
      if (traced) {
        entry = { a: a.id, b: b.id, alignments: alignments!, passed, meanAlignment, lengthPenalty, score, verdict: score > 0 ? (candidate ? 'end-taken' : 'ratio') : 'score' };
        traced.push(entry);
      }
      if (candidate) scored.push({ a: i, b: j, score, traced: entry });
    }
  }
  scored.sort((p, q) => q.score - p.score); // stable, like Python's sorted

  const limit = Math.min(candidatesA.length, candidatesB.length);
  const usedA = new Uint8Array(candidatesA.length);
  const usedB = new Uint8Array(candidatesB.length);
  const chosen: Connection[] = [];
  for (const c of scored) {
    if (chosen.length === limit) {
      if (!traced) break;
      c.traced!.verdict = 'limit';
      continue;
    }
    if (usedA[c.a] || usedB[c.b]) continue; // traced as 'end-taken' already
    usedA[c.a] = 1;
    usedB[c.b] = 1;
    if (c.traced) c.traced.verdict = 'accepted';
    chosen.push({ a: candidatesA[c.a]!.id, b: candidatesB[c.b]!.id, score: c.score });
  }
  return chosen;
}

interface Entry {
  /** Peak id per keypoint type, -1 when absent. */
  ids: Int32Array;
  totalScore: number;
  count: number;
}

function newEntry(): Entry {
  return { ids: new Int32Array(KEYPOINT_COUNT).fill(-1), totalScore: 0, count: 0 };
}

/** Step 5 and 6: the reference's tree-order assembly and final filter. */
function assemble(
  peaksByType: Peak[][],
  allPeaks: Peak[],
  connectionsOf: (k: number) => Connection[],
  options: ResolvedOpenPoseOptions,
  trace?: OpenPoseTrace,
): Entry[] {
  const entries: Entry[] = [];
  const steps: AssemblyStep[] | undefined = trace && (trace.assembly = []);
  const startSingletons = (type: number, k: number): void => {
    for (const p of peaksByType[type]!) {
      if (entries.some((e) => e.ids[type] === p.id)) continue;
      const e = newEntry();
      e.ids[type] = p.id;
      e.count = 1;
      e.totalScore = p.score;
      entries.push(e);
      steps?.push({ limb: k, a: p.id, b: -1, action: 'single', people: [entries.length - 1] });
    }
  };

  OPENPOSE_LIMBS.forEach((limb, k) => {
    const { from, to } = limb;
    const countA = peaksByType[from]!.length, countB = peaksByType[to]!.length;
    if (countA === 0 && countB === 0) return;
    if (countA === 0) return startSingletons(to, k);
    if (countB === 0) return startSingletons(from, k);

    const connections = connectionsOf(k);
    if (SHOULDER_EAR_LIMBS.has(k)) {
      for (const c of connections) {
        const filled: number[] = [];
        entries.forEach((e, index) => {
          if (e.ids[from] === c.a && e.ids[to] === -1) e.ids[to] = c.b;
          else if (e.ids[to] === c.b && e.ids[from] === -1) e.ids[from] = c.a;
          else return;
          filled.push(index);
        });
        steps?.push({ limb: k, a: c.a, b: c.b, action: 'filled', people: filled });
      }
      return;
    }
    for (const c of connections) {
      const extended: number[] = [];
      entries.forEach((e, index) => {
        if (e.ids[from] !== c.a) return;
        e.ids[to] = c.b;
        e.count++;
        e.totalScore += allPeaks[c.b]!.score + c.score;
        extended.push(index);
      });
      if (extended.length === 0) {
        const e = newEntry();
        e.ids[from] = c.a;
        e.ids[to] = c.b;
        e.count = 2;
        e.totalScore = allPeaks[c.a]!.score + allPeaks[c.b]!.score + c.score;
        entries.push(e);
        steps?.push({ limb: k, a: c.a, b: c.b, action: 'started', people: [entries.length - 1] });
      } else {
        steps?.push({ limb: k, a: c.a, b: c.b, action: 'extended', people: extended });
      }
    }
  });

  const verdictOf = (e: Entry): TracedGroup['verdict'] => {
    if (!(e.count >= options.minKeypoints)) return 'too-few-keypoints';
    return e.totalScore / e.count >= options.minMeanScore ? 'kept' : 'low-mean-score';
  };
  const kept = entries.filter((e) => verdictOf(e) === 'kept');
  if (trace) {
    trace.groups = entries.map((e) => {
      const verdict = verdictOf(e);
      return { ids: Array.from(e.ids), totalScore: e.totalScore, keypointCount: e.count, verdict, person: verdict === 'kept' ? kept.indexOf(e) : undefined };
    });
  }
  return kept;
}

/**
 * Steps 1 to 6: people as peaks in the upsampled maps. `decodeOpenPose` turns these into poses;
 * the 3D decoder reads its features at them.
 */
export function groupOpenPose(
  heatmaps: Float32Array,
  pafs: Float32Array,
  size: GridSize,
  options: OpenPoseOptions = {},
): { people: GroupedPerson[]; options: ResolvedOpenPoseOptions } {
  const resolved = resolveOptions(options);
  channelsOf(heatmaps, size, 'OpenPose heatmaps', [KEYPOINT_COUNT, KEYPOINT_COUNT + 1]);
  channelsOf(pafs, size, 'OpenPose PAFs', [PAF_CHANNELS]);
  const { height, width } = size;
  const r = resolved.upsample;
  // The background channel, when present, is not needed.
  const keypointMaps = heatmaps.subarray(0, KEYPOINT_COUNT * height * width);
  const heat = upsampleBicubic(keypointMaps, { channels: KEYPOINT_COUNT, height, width }, r).data;
  const paf = upsampleBicubic(pafs, { channels: PAF_CHANNELS, height, width }, r).data;
  const upHeight = height * r, upWidth = width * r;
  const plane = upHeight * upWidth;

  const trace = options.trace;
  const suppressed: SuppressedPeak[] | undefined = trace && [];
  const peaksByType: Peak[][] = [];
  const allPeaks: Peak[] = [];
  for (let type = 0; type < KEYPOINT_COUNT; type++) {
    const suppressedHere: Omit<SuppressedPeak, 'type'>[] | undefined = trace && [];
    const peaks = findPeaks(heat.subarray(type * plane, (type + 1) * plane), upHeight, upWidth, allPeaks.length, resolved, suppressedHere);
    suppressedHere?.forEach((p) => suppressed!.push({ type, ...p }));
    peaksByType.push(peaks);
    allPeaks.push(...peaks);
  }

  const connections: (ScoredConnection[] | undefined)[] = new Array(OPENPOSE_LIMBS.length).fill(undefined);
  const connectionsOf = (k: number): Connection[] => {
    const limb = OPENPOSE_LIMBS[k]!;
    const traced: ScoredConnection[] | undefined = trace && (connections[k] = []);
    return connectLimb(limb, peaksByType[limb.from]!, peaksByType[limb.to]!, paf, upHeight, upWidth, resolved, traced);
  };
  if (trace) {
    Object.assign(trace, {
      options: resolved,
      upsampled: { height: upHeight, width: upWidth },
      peaks: allPeaks,
      peaksByType: peaksByType.map((peaks) => peaks.map((p) => p.id)),
      suppressed,
      connections,
    });
  }
  const entries = assemble(peaksByType, allPeaks, connectionsOf, resolved, trace);
  const people = entries.map((e) => ({
    peaks: Array.from(e.ids, (id) => (id >= 0 ? allPeaks[id] : undefined)),
    totalScore: e.totalScore,
    keypointCount: e.count,
  }));
  return { people, options: resolved };
}

/** Mean score of the found keypoints (0 when none). */
export function meanKeypointScore(keypoints: readonly Keypoint[]): number {
  let sum = 0, found = 0;
  for (const k of keypoints) {
    if (k.score <= 0) continue;
    sum += k.score;
    found++;
  }
  return found === 0 ? 0 : sum / found;
}

/**
 * Decode the 18-keypoint OpenPose COCO model's outputs: `heatmaps` (18 keypoint channels, plus
 * optionally the background channel, which is ignored) and `pafs` (38 channels), both CHW on the
 * same `size` grid. Poses come back with keypoints in OPENPOSE_KEYPOINTS order, in network-input
 * pixels (or wherever `options.mapToImage` sends them).
 */
export function decodeOpenPose(
  heatmaps: Float32Array,
  pafs: Float32Array,
  size: GridSize,
  options: OpenPoseOptions = {},
): Pose[] {
  const { people, options: resolved } = groupOpenPose(heatmaps, pafs, size, options);
  const cellToInput = resolved.stride / resolved.upsample;
  const mapToImage = options.mapToImage;
  return people.map((person) => {
    const keypoints = person.peaks.map((peak, type): Keypoint => {
      const name = OPENPOSE_KEYPOINTS[type]!;
      if (peak === undefined) return { x: 0, y: 0, score: 0, name };
      let x = (peak.x + 0.5) * cellToInput - 0.5;
      let y = (peak.y + 0.5) * cellToInput - 0.5;
      if (mapToImage) [x, y] = mapToImage(x, y);
      return { x, y, score: Math.min(1, peak.score), name };
    });
    return { keypoints, score: meanKeypointScore(keypoints), box: boxOfKeypoints(keypoints) };
  });
}
