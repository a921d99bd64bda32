// `wasmpose estimate <video>`: frames decoded by ffmpeg as they stream, people tracked and smoothed
// (src/pipeline/video.ts), written as OpenPose's per-frame JSON files, one COCO results file with
// frame and track ids, and an overlay video, with a progress bar.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { COCO_KEYPOINTS, OPENPOSE_KEYPOINTS, reorderKeypoints, type Pose } from '../decode/pose.js';
import { toCocoResults, toOpenPoseJson, type CocoResult } from '../decode/writers.js';
import { InputError } from '../nn/errors.js';
import type { StageTimings } from '../pipeline/estimator.js';
import type { NetworkSpec } from '../pipeline/network-spec.js';
import { framePolicy, peopleOfFrame, VideoPoseEstimator, type VideoEstimatorOptions } from '../pipeline/video.js';
import { renderPoses, trackColor } from '../render/overlay.js';
import type { TrackedPose } from '../track/tracker.js';
import { PoseTracking } from '../track/tracking.js';
import { probeVideo, readVideoFrames, VideoWriter, type VideoFrame, type VideoInfo } from '../video/ffmpeg.js';
import { skeletonFor } from './commands/estimate.js';
import { intFlag, UsageError, type FlagSpec, type ParsedArgs } from './args.js';
import { ProgressBar } from './progress.js';
import type { EstimatorPool } from './worker-pool.js';

/** Extensions `estimate` hands to ffmpeg as video (anything else is a photo or a folder). */
export const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.wmv', '.flv', '.ts', '.mts', '.m2ts', '.3gp', '.ogv', '.gif']);

export function isVideoFile(path: string): boolean {
  return VIDEO_EXTENSIONS.has(extname(path).toLowerCase());
}

/** A COCO result of a video: image_id is the frame number; frame time and track id added. */
export type VideoCocoResult = CocoResult & { frame_index: number; timestamp: number; track_id: number };

/** OpenPose's --write_json file name for a frame: `<video name>_<frame number, 12 digits>_keypoints.json`. */
export function openPoseFrameFile(video: string, frameIndex: number): string {
  return `${basename(video, extname(video))}_${String(frameIndex).padStart(12, '0')}_keypoints.json`;
}

/** COCO-order poses from a network's own order (as estimate does for photos). */
export function cocoPoses<P extends Pose>(poses: readonly P[], keypoints: readonly string[]): { poses: P[]; from: 'coco17' | 'openpose18' } {
  const names = keypoints.join();
  if (names === COCO_KEYPOINTS.join()) return { poses: [...poses], from: 'coco17' };
  if (names === OPENPOSE_KEYPOINTS.join()) return { poses: [...poses], from: 'openpose18' };
  return { poses: poses.map((p) => reorderKeypoints(p, OPENPOSE_KEYPOINTS) as P), from: 'openpose18' };
}

export interface VideoRunOptions {
  start?: number;
  duration?: number;
  every: number;
  json?: string;
  format: 'openpose' | 'coco';
  render?: string;
  video: VideoEstimatorOptions;
}

/** The video options of `estimate`. */
export const VIDEO_FLAGS = {
  start: { kind: 'string' }, duration: { kind: 'string' }, every: { kind: 'string' },
  tracker: { kind: 'string' }, 'max-tracks': { kind: 'string' }, 'max-age': { kind: 'string' }, 'min-similarity': { kind: 'string' },
  'redetect-every': { kind: 'string' }, 'no-smoothing': { kind: 'boolean' },
  'min-cutoff': { kind: 'string' }, beta: { kind: 'string' }, 'derivative-cutoff': { kind: 'string' },
} as const satisfies Record<string, FlagSpec>;

function numberFlag(args: ParsedArgs, name: string, min: number, max = Infinity): number | undefined {
  const text = args.strings.get(name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number${max === Infinity ? ` >= ${min}` : ` in [${min}, ${max}]`}, got '${text}'`);
  }
  return n;
}

/** The video part of estimate's flags as run options (undefined: the library's defaults). */
export function videoEstimatorOptions(args: ParsedArgs): Pick<VideoRunOptions, 'start' | 'duration' | 'every' | 'video'> {
  const tracker = args.strings.get('tracker');
  if (tracker !== undefined && tracker !== 'keypoint' && tracker !== 'box') throw new UsageError(`--tracker must be keypoint or box, got '${tracker}'`);
  const drop = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  const smoothing = drop({ minCutoff: numberFlag(args, 'min-cutoff', 1e-6), beta: numberFlag(args, 'beta', 0), derivativeCutoff: numberFlag(args, 'derivative-cutoff', 1e-6) });
  return {
    start: numberFlag(args, 'start', 0),
    duration: numberFlag(args, 'duration', 0),
    every: intFlag(args, 'every', 1, 1),
    video: {
      tracker: drop({
        similarity: tracker === undefined ? undefined : tracker === 'box' ? 'boundingBox' as const : 'keypoint' as const,
        maxTracks: args.strings.has('max-tracks') ? intFlag(args, 'max-tracks', 18, 1) : undefined,
        maxAge: numberFlag(args, 'max-age', 0),
        minSimilarity: numberFlag(args, 'min-similarity', 0, 1),
      }),
      redetectEvery: args.strings.has('redetect-every') ? intFlag(args, 'redetect-every', 15, 1) : undefined,
      smoothing: args.booleans.has('no-smoothing') ? false : smoothing,
      boxSmoothing: args.booleans.has('no-smoothing') ? false : undefined,
    },
  };
}

/** Frames the run will see: those in [start, start + duration), one in `every`. */
function expectedFrames(info: VideoInfo, options: VideoRunOptions): number | undefined {
  if (info.frameCount === undefined) return undefined;
  const first = Math.round((options.start ?? 0) * info.fps);
  const last = options.duration === undefined ? info.frameCount : Math.min(info.frameCount, first + Math.round(options.duration * info.fps));
  return Math.max(0, Math.ceil((last - first) / options.every));
}

/**
 * Runs a video through `video` (sequential: crops follow the keypoints) or through a pool of
 * workers (the finder on every frame, tracking here in frame order). Returns 0.
 */
export async function estimateVideoFile(
  path: string,
  estimator: { video: VideoPoseEstimator } | { pool: EstimatorPool; spec: NetworkSpec },
  options: VideoRunOptions,
): Promise<number> {
  const info = probeVideo(path);
  const spec = 'video' in estimator ? estimator.video.estimator.spec : estimator.spec;
  const fps = info.fps / options.every;
  console.error(`wasmpose estimate: ${basename(path)}: ${info.width}x${info.height}, ${info.fps.toFixed(2)} fps${info.duration === undefined ? '' : `, ${info.duration.toFixed(2)} s`} (${info.codec})`);
  const writer = options.render === undefined ? undefined : (mkdirSync(dirname(options.render), { recursive: true }), VideoWriter.open(options.render, { width: info.width, height: info.height, fps }));
  if (options.json !== undefined && options.format === 'openpose') mkdirSync(options.json, { recursive: true });
  const total = expectedFrames(info, options);
  const bar = process.stderr.isTTY === true ? new ProgressBar(total) : undefined;
  const coco: VideoCocoResult[] = [];
  const ids = new Set<number>();
  const sum: StageTimings = { preprocess: 0, infer: 0, postprocess: 0 };
  let frames = 0;
  let detections = 0;
  const started = performance.now();

  const emit = async (frame: VideoFrame, poses: TrackedPose[]): Promise<void> => {
    for (const p of poses) ids.add(p.id);
    if (options.json !== undefined) {
      if (options.format === 'coco') {
        const { poses: ordered, from } = cocoPoses(poses, spec.keypoints);
        const results = toCocoResults(ordered, frame.index, { from });
        results.forEach((r, i) => coco.push({ ...r, frame_index: frame.index, timestamp: frame.timestamp, track_id: ordered[i]!.id }));
      } else {
        writeFileSync(join(options.json, openPoseFrameFile(path, frame.index)), JSON.stringify(toOpenPoseJson(poses, spec.keypoints)) + '\n');
      }
    }
    if (writer !== undefined) {
      const overlay = renderPoses(frame.image, poses, {
        skeleton: skeletonFor(spec.keypoints), minScore: 0.2, drawBoxes: true, personColor: (pose) => trackColor((pose as TrackedPose).id),
      });
      await writer.write(overlay);
    }
    frames++;
    bar?.draw(frames, `frame ${frame.index}`);
  };

  try {
    const source = readVideoFrames(path, info, { start: options.start, duration: options.duration, every: options.every });
    if ('video' in estimator) {
      for await (const frame of source) {
        const poses = await estimator.video.estimate(frame.image, { timestamp: frame.timestamp });
        for (const stage of Object.keys(sum) as (keyof StageTimings)[]) sum[stage] += estimator.video.timings[stage];
        if (estimator.video.detected) detections++;
        await emit(frame, poses);
      }
    } else {
      // Up to two frames per worker in flight; results are taken in frame order.
      const tracking = new PoseTracking(options.video);
      const policy = framePolicy(spec, options.video);
      const inFlight: { frame: VideoFrame; result: ReturnType<EstimatorPool['submit']> }[] = [];
      const takeOne = async (): Promise<void> => {
        const { frame, result } = inFlight.shift()!;
        const done = await result;
        for (const stage of Object.keys(sum) as (keyof StageTimings)[]) sum[stage] += done.timings[stage];
        detections++;
        await emit(frame, tracking.apply(peopleOfFrame(done.poses, policy), frame.timestamp));
      };
      for await (const frame of source) {
        inFlight.push({ frame, result: estimator.pool.submit({ image: frame.image }) });
        if (inFlight.length >= 2 * estimator.pool.size) await takeOne();
      }
      while (inFlight.length > 0) await takeOne();
    }
    await writer?.close();
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    bar?.clear();
  }
  if (frames === 0) throw new InputError(`'${path}' gave no frames${options.start ? ` from ${options.start} s` : ''}`);
  if (options.json !== undefined && options.format === 'coco') {
    const file = options.json.toLowerCase().endsWith('.json') ? options.json : join(options.json, `${basename(path, extname(path))}_coco_results.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(coco) + '\n');
  }
  const wall = (performance.now() - started) / frames;
  const infer = sum.infer / frames;
  console.log(`${path}: ${frames} frames, ${ids.size} ${ids.size === 1 ? 'track' : 'tracks'}; the person finder ran on ${detections} frames`);
  console.log(`mean per frame: preprocess ${(sum.preprocess / frames).toFixed(1)} ms, infer ${infer.toFixed(1)} ms, postprocess ${(sum.postprocess / frames).toFixed(1)} ms`);
  console.log(`wall time per frame ${wall.toFixed(1)} ms (${(1000 / wall).toFixed(1)} fps), ${(wall / infer).toFixed(2)}x the network's${'pool' in estimator ? ` summed over ${estimator.pool.size} workers` : ''}`);
  return 0;
}
