// PoseNet (MobileNetV1, PersonLab-style) decoding: part heatmaps + short-range offsets + mid-range
// displacements -> people. Follows tfjs-models posenet 2.x (posenet/src/multi_pose/
// decode_multiple_poses.ts, decode_pose.ts, build_part_with_score_queue.ts, and
// single_pose/decode_single_pose.ts), which the human library's posenet.ts also follows.
//
// The network (stride 16) outputs, per output cell:
//   heatmaps       17 logits, one per COCO keypoint; the score is sigmoid(logit).
//   offsets        34: channels 0-16 the y and 17-33 the x offset, in input pixels, from the cell's
//                  corner (cell * stride) to the keypoint. A keypoint at cell (i, j) with offset
//                  (oy, ox) is at input pixel (i * stride + oy, j * stride + ox).
//   displacements  32 forward (parent -> child) and 32 backward (child -> parent): channel e the y
//                  and 16 + e the x displacement, input pixels, along edge e of POSE_CHAIN.
//
// Multi-person decoding:
//   1. Root candidates: every (cell, keypoint) whose score is >= scoreThreshold and is not beaten
//      by any cell of the same keypoint within one cell (3x3 window; ties allowed). All
//      keypoint types compete in one queue, highest score first.
//   2. A candidate whose position lies within nmsRadius (<=, input pixels) of the same keypoint of
//      an already decoded person is dropped (part-based NMS). Otherwise it roots a new person.
//   3. From the root, the other keypoints follow the tree POSE_CHAIN: first toward the root of the
//      tree (edges last to first, backward displacements), then away from it (edges first to last,
//      forward displacements). Each step: take the displacement at the source keypoint's nearest
//      cell, add it to the source position, then twice (offsetRefineSteps) snap to the nearest cell
//      and replace the point with that cell's offset position for the target keypoint; the score is
//      the target heatmap at the final point's nearest cell. Nearest cell = round(p / stride)
//      clamped to the grid, with JavaScript's Math.round (halves round up).
//   4. The person's score is the sum of its keypoint scores, leaving out keypoints within
//      nmsRadius of the same keypoint of an earlier person, divided by 17.
//   5. Stop after maxPoses people or when the queue is empty.
// Single-person decoding takes each keypoint's heatmap maximum (first in row-major order on ties)
// plus its offset; the score is the mean keypoint score.
//
// Differences from tfjs-models:
// - Candidates of equal score: tfjs pops them in the order its binary max-heap happens to leave
//   them; here they come in scan order (row, column, keypoint). Only exact ties are affected.
// - Scores are rounded to float32 after the sigmoid, as tfjs stores them, so thresholds compare
//   the same; positions are computed in float64 (tfjs: float64 too, from float32 inputs).
// - Coordinates: tfjs rescales by input size / network size afterwards; here `mapToImage`
//   receives network-input pixels and returns image pixels (default: unchanged).

import { boxOfKeypoints, COCO_KEYPOINTS, type Keypoint, type Pose } from './pose.js';
import { InputError, ShapeError } from '../nn/errors.js';

/** Memory order of a [1, H, W, C] (NHWC, TensorFlow's) or [1, C, H, W] (NCHW) tensor. */
export type TensorLayout = 'NHWC' | 'NCHW';

/** Height and width of the network's output grid, shared by all its outputs. */
export interface OutputGrid {
  height: number;
  width: number;
}

/**
 * Index of element (y, x, channel) of a map with `channels` channels in the given layout. Checks
 * that `data` holds exactly one such map.
 */
export function channelIndexer(
  data: ArrayLike<number>,
  grid: OutputGrid,
  channels: number,
  layout: TensorLayout,
  what: string,
): (y: number, x: number, channel: number) => number {
  const { height, width } = grid;
  for (const [name, value] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new ShapeError(`${what}: ${name} must be a positive integer, got ${value}`);
  }
  if (layout !== 'NHWC' && layout !== 'NCHW') throw new InputError(`${what}: layout must be 'NHWC' or 'NCHW', got ${String(layout)}`);
  if (data.length !== height * width * channels) {
    throw new ShapeError(
      `${what}: ${data.length} values do not fill ${height}x${width}x${channels} = ${height * width * channels}`,
    );
  }
  return layout === 'NHWC'
    ? (y, x, c) => (y * width + x) * channels + c
    : (y, x, c) => (c * height + y) * width + x;
}

/** The 16 parent -> child edges PoseNet's displacements follow, as COCO keypoint indices. */
export const POSE_CHAIN: readonly (readonly [number, number])[] = [
  [0, 1], [1, 3], [0, 2], [2, 4], [0, 5], [5, 7], [7, 9], [5, 11], [11, 13], [13, 15],
  [0, 6], [6, 8], [8, 10], [6, 12], [12, 14], [14, 16],
];

const KEYPOINT_COUNT = 17;
const EDGE_COUNT = POSE_CHAIN.length;

export interface PoseNetOptions {
  /** Memory order of all four outputs. */
  layout: TensorLayout;
  /** Input pixels per output cell; default 16 (the MobileNetV1 PoseNet). */
  outputStride?: number;
  /** At most this many people; default 5 (tfjs-models' maxDetections). */
  maxPoses?: number;
  /** Minimum root keypoint score; default 0.5. */
  scoreThreshold?: number;
  /** Part-based NMS radius, input pixels; default 20. */
  nmsRadius?: number;
  /** Offset refinement steps per chained keypoint; default 2 (tfjs-models posenet 2.x). */
  offsetRefineSteps?: number;
  /** Network-input pixel (x, y) -> image pixel; default unchanged. */
  mapToImage?: (x: number, y: number) => [number, number];
  /** When given, the decoder records its steps here (multi-person decoding). Results are unchanged. */
  trace?: PoseNetTrace;
}

/** A root candidate and what became of it. */
export interface PoseNetRootTrace {
  keypoint: number;
  /** Its cell. */
  cellX: number;
  cellY: number;
  score: number;
  /** Network-input pixels: the cell's corner plus its offset. */
  x: number;
  y: number;
  /**
   * 'root': started person `person`; 'nms': within nmsRadius of the same keypoint of person
   * `person`; 'max-poses': maxPoses people had been found already.
   */
  verdict: 'root' | 'nms' | 'max-poses';
  person?: number;
}

/** One keypoint reached along an edge of POSE_CHAIN from an already placed keypoint. */
export interface PoseNetStepTrace {
  edge: number;
  from: number;
  to: number;
  /** 'backward' toward the tree's root (child -> parent), 'forward' away from it. */
  direction: 'backward' | 'forward';
  /** Network-input pixels: the source keypoint, the point its displacement lands on, then each offset refinement. */
  source: Point;
  displaced: Point;
  refined: Point[];
  /** The target heatmap's score at the final point's cell. */
  score: number;
}

export interface PoseNetTrace {
  roots?: PoseNetRootTrace[];
  /** Per decoded person, the chain steps in the order they were taken. */
  steps?: PoseNetStepTrace[][];
  /** Per decoded person, the score and the keypoints (indices) it left out as overlapping an earlier person. */
  scores?: { score: number; overlapped: number[] }[];
}

export interface Point {
  x: number;
  y: number;
}

interface DecodedKeypoint extends Point {
  score: number;
}

/** The four outputs, read through one indexer per output, plus the sigmoid scores (HWC order). */
class PoseNetOutputs {
  readonly scores: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly stride: number;
  private readonly offsetAt: (y: number, x: number, c: number) => number;

  constructor(
    heatmaps: Float32Array,
    private readonly offsets: Float32Array,
    grid: OutputGrid,
    layout: TensorLayout,
    stride: number,
  ) {
    if (!(stride > 0) || !Number.isFinite(stride)) throw new InputError(`decodePoseNet: outputStride must be positive, got ${stride}`);
    const heatmapAt = channelIndexer(heatmaps, grid, KEYPOINT_COUNT, layout, 'decodePoseNet: heatmaps');
    this.offsetAt = channelIndexer(offsets, grid, KEYPOINT_COUNT * 2, layout, 'decodePoseNet: offsets');
    this.height = grid.height;
    this.width = grid.width;
    this.stride = stride;
    this.scores = new Float32Array(this.height * this.width * KEYPOINT_COUNT);
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) {
        for (let k = 0; k < KEYPOINT_COUNT; k++) {
          this.scores[this.scoreIndex(y, x, k)] = 1 / (1 + Math.exp(-heatmaps[heatmapAt(y, x, k)]!));
        }
      }
    }
  }

  scoreIndex(y: number, x: number, keypoint: number): number {
    return (y * this.width + x) * KEYPOINT_COUNT + keypoint;
  }

  score(y: number, x: number, keypoint: number): number {
    return this.scores[this.scoreIndex(y, x, keypoint)]!;
  }

  /** Input-pixel position of `keypoint` as seen from cell (y, x): the cell's corner plus its offset. */
  positionAt(y: number, x: number, keypoint: number): Point {
    return {
      y: y * this.stride + this.offsets[this.offsetAt(y, x, keypoint)]!,
      x: x * this.stride + this.offsets[this.offsetAt(y, x, keypoint + KEYPOINT_COUNT)]!,
    };
  }

  /** The cell nearest to an input-pixel point, clamped to the grid. */
  nearestCell(point: Point): Point {
    const clamp = (v: number, max: number): number => Math.min(Math.max(v, 0), max);
    return {
      y: clamp(Math.round(point.y / this.stride), this.height - 1),
      x: clamp(Math.round(point.x / this.stride), this.width - 1),
    };
  }
}

function checkCount(value: number, name: string, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new InputError(`decodePoseNet: ${name} must be an integer >= ${minimum}, got ${value}`);
  }
}

function squaredDistance(a: Point, b: Point): number {
  const dy = a.y - b.y, dx = a.x - b.x;
  return dy * dy + dx * dx;
}

function withinNmsRadius(poses: readonly DecodedKeypoint[][], squaredRadius: number, point: Point, keypoint: number): boolean {
  return poses.some((pose) => squaredDistance(point, pose[keypoint]!) <= squaredRadius);
}

function toPose(
  keypoints: readonly DecodedKeypoint[],
  score: number,
  mapToImage: ((x: number, y: number) => [number, number]) | undefined,
): Pose {
  const mapped: Keypoint[] = keypoints.map((k, i) => {
    // The Keypoint convention: score 0 means not found, at (0, 0) whatever the mapping.
    if (!(k.score > 0)) return { x: 0, y: 0, score: 0, name: COCO_KEYPOINTS[i]! };
    const [x, y] = mapToImage ? mapToImage(k.x, k.y) : [k.x, k.y];
    return { x, y, score: k.score, name: COCO_KEYPOINTS[i]! };
  });
  return { keypoints: mapped, score, box: boxOfKeypoints(mapped) };
}

/** Root candidates: local maxima (3x3, ties allowed) at or above the threshold, best first. */
function rootCandidates(outputs: PoseNetOutputs, scoreThreshold: number): { y: number; x: number; keypoint: number; score: number }[] {
  const { height, width } = outputs;
  const candidates: { y: number; x: number; keypoint: number; score: number }[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < KEYPOINT_COUNT; k++) {
        const score = outputs.score(y, x, k);
        if (!(score >= scoreThreshold)) continue;
        let isMaximum = true;
        for (let ny = Math.max(y - 1, 0); ny < Math.min(y + 2, height) && isMaximum; ny++) {
          for (let nx = Math.max(x - 1, 0); nx < Math.min(x + 2, width); nx++) {
            if (outputs.score(ny, nx, k) > score) {
              isMaximum = false;
              break;
            }
          }
        }
        if (isMaximum) candidates.push({ y, x, keypoint: k, score });
      }
    }
  }
  return candidates.sort((a, b) => b.score - a.score);
}

/**
 * Multi-person PoseNet decoding. All four outputs are [1, H, W, C] (or [1, C, H, W]) float maps
 * over the same `grid`: heatmaps C = 17 (logits), offsets 34, displacements 32 each. Returns at most
 * `maxPoses` people in decreasing root score order, keypoints in COCO order.
 */
export function decodePoseNet(
  heatmaps: Float32Array,
  offsets: Float32Array,
  displacementsFwd: Float32Array,
  displacementsBwd: Float32Array,
  grid: OutputGrid,
  options: PoseNetOptions,
): Pose[] {
  const stride = options.outputStride ?? 16;
  const maxPoses = options.maxPoses ?? 5;
  const scoreThreshold = options.scoreThreshold ?? 0.5;
  const nmsRadius = options.nmsRadius ?? 20;
  const refineSteps = options.offsetRefineSteps ?? 2;
  checkCount(maxPoses, 'maxPoses', 0);
  checkCount(refineSteps, 'offsetRefineSteps', 0);
  if (!(nmsRadius > 0)) throw new InputError(`decodePoseNet: nmsRadius must be positive, got ${nmsRadius}`);
  if (!Number.isFinite(scoreThreshold)) throw new InputError(`decodePoseNet: scoreThreshold must be a number, got ${scoreThreshold}`);
  const outputs = new PoseNetOutputs(heatmaps, offsets, grid, options.layout, stride);
  const forwardAt = channelIndexer(displacementsFwd, grid, EDGE_COUNT * 2, options.layout, 'decodePoseNet: displacementsFwd');
  const backwardAt = channelIndexer(displacementsBwd, grid, EDGE_COUNT * 2, options.layout, 'decodePoseNet: displacementsBwd');

  const trace = options.trace;
  let steps: PoseNetStepTrace[] | undefined;
  /** Follow edge `edge` from `source` to keypoint `target` (tfjs traverseToTargetKeypoint). */
  const traverse = (edge: number, source: Point, target: number, forward: boolean): DecodedKeypoint => {
    const [displacements, at] = forward ? [displacementsFwd, forwardAt] : [displacementsBwd, backwardAt];
    const sourceCell = outputs.nearestCell(source);
    let point: Point = {
      y: source.y + displacements[at(sourceCell.y, sourceCell.x, edge)]!,
      x: source.x + displacements[at(sourceCell.y, sourceCell.x, EDGE_COUNT + edge)]!,
    };
    const displaced = point;
    const refined: Point[] = [];
    for (let step = 0; step < refineSteps; step++) {
      const cell = outputs.nearestCell(point);
      point = outputs.positionAt(cell.y, cell.x, target);
      refined.push(point);
    }
    const cell = outputs.nearestCell(point);
    const score = outputs.score(cell.y, cell.x, target);
    const [from, to] = forward ? POSE_CHAIN[edge]! : [POSE_CHAIN[edge]![1], POSE_CHAIN[edge]![0]];
    steps?.push({ edge, from, to, direction: forward ? 'forward' : 'backward', source: { x: source.x, y: source.y }, displaced, refined, score });
    return { ...point, score };
  };

  const squaredRadius = nmsRadius * nmsRadius;
  const poses: DecodedKeypoint[][] = [];
  const scores: number[] = [];
  if (trace) Object.assign(trace, { roots: [], steps: [], scores: [] });
  for (const root of rootCandidates(outputs, scoreThreshold)) {
    const rootPoint = outputs.positionAt(root.y, root.x, root.keypoint);
    const traced: PoseNetRootTrace = { keypoint: root.keypoint, cellX: root.x, cellY: root.y, score: root.score, ...rootPoint, verdict: 'root' };
    if (poses.length >= maxPoses) {
      if (!trace) break;
      trace.roots!.push({ ...traced, verdict: 'max-poses' });
      continue;
    }
    const near = poses.findIndex((pose) => squaredDistance(rootPoint, pose[root.keypoint]!) <= squaredRadius);
    if (near >= 0) {
      trace?.roots!.push({ ...traced, verdict: 'nms', person: near });
      continue;
    }
    trace?.roots!.push({ ...traced, person: poses.length });
    steps = trace && [];

    const keypoints: (DecodedKeypoint | undefined)[] = new Array(KEYPOINT_COUNT).fill(undefined);
    keypoints[root.keypoint] = { ...rootPoint, score: root.score };
    for (let edge = EDGE_COUNT - 1; edge >= 0; edge--) {
      const [parent, child] = POSE_CHAIN[edge]!;
      const source = keypoints[child];
      if (source && !keypoints[parent]) keypoints[parent] = traverse(edge, source, parent, false);
    }
    for (let edge = 0; edge < EDGE_COUNT; edge++) {
      const [parent, child] = POSE_CHAIN[edge]!;
      const source = keypoints[parent];
      if (source && !keypoints[child]) keypoints[child] = traverse(edge, source, child, true);
    }
    // The chain is a tree over all 17 keypoints, so every one is set now.
    const decoded = keypoints as DecodedKeypoint[];
    let notOverlapped = 0;
    const overlapped: number[] = [];
    decoded.forEach((k, i) => {
      if (!withinNmsRadius(poses, squaredRadius, k, i)) notOverlapped += k.score;
      else overlapped.push(i);
    });
    poses.push(decoded);
    scores.push(notOverlapped / KEYPOINT_COUNT);
    trace?.steps!.push(steps!);
    trace?.scores!.push({ score: notOverlapped / KEYPOINT_COUNT, overlapped });
  }
  return poses.map((keypoints, i) => toPose(keypoints, scores[i]!, options.mapToImage));
}

/**
 * Single-person PoseNet decoding (tfjs-models decodeSinglePose): each keypoint at its heatmap's
 * maximum cell plus that cell's offset; the pose score is the mean keypoint score.
 */
export function decodePoseNetSingle(
  heatmaps: Float32Array,
  offsets: Float32Array,
  grid: OutputGrid,
  options: Pick<PoseNetOptions, 'layout' | 'outputStride' | 'mapToImage'>,
): Pose {
  const outputs = new PoseNetOutputs(heatmaps, offsets, grid, options.layout, options.outputStride ?? 16);
  const keypoints: DecodedKeypoint[] = [];
  for (let k = 0; k < KEYPOINT_COUNT; k++) {
    let best = { y: 0, x: 0 };
    let bestScore = -Infinity;
    for (let y = 0; y < outputs.height; y++) {
      for (let x = 0; x < outputs.width; x++) {
        if (outputs.score(y, x, k) > bestScore) {
          bestScore = outputs.score(y, x, k);
          best = { y, x };
        }
      }
    }
    // A heatmap of nothing but NaN has no maximum: the keypoint is not found.
    if (bestScore === -Infinity) keypoints.push({ x: 0, y: 0, score: 0 });
    else keypoints.push({ ...outputs.positionAt(best.y, best.x, k), score: bestScore });
  }
  const score = keypoints.reduce((sum, k) => sum + k.score, 0) / KEYPOINT_COUNT;
  return toPose(keypoints, score, options.mapToImage);
}
