// `wasmpose estimate <image|folder>`: people in photos, as JSON (OpenPose's per-image files or
// COCO results) and as overlays, with the per-stage milliseconds the Open Model Zoo demos print.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { OutputNames, readInputFile, writeOutputFile } from '../files.js';
import { basename, dirname, extname, join } from 'node:path';
import { COCO_KEYPOINTS, OPENPOSE_KEYPOINTS, type Pose } from '../../decode/pose.js';
import { toCocoResults, toOpenPoseJson, type CocoResult } from '../../decode/writers.js';
import { decodeImage } from '../../image/codec.js';
import { encodePng } from '../../image/png-encode.js';
import type { RgbImage } from '../../image/image.js';
import { InputError } from '../../nn/errors.js';
import { createEstimator, DEFAULT_BOXES_FROM, DEFAULT_MODEL, estimatorNames, estimatorSpec, tfjsModelAvailable } from '../../pipeline/create.js';
import { isTopDown } from '../../pipeline/decoders.js';
import type { PoseEstimator } from '../../pipeline/estimator.js';
import { COCO17_SKELETON, OPENPOSE18_SKELETON, renderPoses, type Skeleton } from '../../render/overlay.js';
import { intFlag, parseArgs, UsageError } from '../args.js';
import { DecodeAhead } from '../decode-ahead.js';
import { ProgressBar } from '../progress.js';
import { parseShard, shardSlice } from '../shard.js';
import { cocoPoses, estimateVideoFile, isVideoFile, videoEstimatorOptions, VIDEO_FLAGS } from '../video.js';
import { EstimatorPool } from '../worker-pool.js';
import { VideoPoseEstimator } from '../../pipeline/video.js';

export const estimateUsage =
  'wasmpose estimate <image|folder|video> [--model <name>] [--weights <file>] [--boxes-from <model>|none] [--json <file|dir>] [--render <file|dir|video>] ' +
  '[--format openpose|coco] [--threads N] [--workers N] [--shard i/n]\n' +
  '  video: [--start <s>] [--duration <s>] [--every N] [--tracker keypoint|box] [--max-tracks N] [--max-age <ms>] [--min-similarity <0..1>] ' +
  '[--redetect-every N] [--no-smoothing] [--min-cutoff <Hz>] [--beta <b>] [--derivative-cutoff <Hz>]';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** The images to run on: the file itself, or the JPEG and PNG files of a folder, sorted. */
export function listImages(path: string): { files: string[]; folder: boolean } {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new InputError(`'${path}' does not exist`);
  }
  if (!stats.isDirectory()) return { files: [path], folder: false };
  const files = readdirSync(path)
    .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) throw new InputError(`'${path}' holds no .jpg, .jpeg or .png file`);
  return { files, folder: true };
}

/** The skeleton that fits a network's keypoint order (none for an order without one). */
export function skeletonFor(keypoints: readonly string[]): Skeleton {
  if (keypoints.join() === COCO_KEYPOINTS.join()) return COCO17_SKELETON;
  if (keypoints.join() === OPENPOSE_KEYPOINTS.join()) return OPENPOSE18_SKELETON;
  return [];
}

export function renderOverlay(image: RgbImage, poses: readonly Pose[], keypoints: readonly string[]): Uint8Array {
  return encodePng(renderPoses(image, poses, { skeleton: skeletonFor(keypoints), minScore: 0.2 }));
}

/** Milliseconds of each stage for one image. */
export interface ImageTimings {
  decode: number;
  preprocess: number;
  infer: number;
  postprocess: number;
  render: number;
}

export function formatTimings(t: ImageTimings, prefix = ''): string {
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  return `${prefix}decode image ${ms(t.decode)}, preprocess ${ms(t.preprocess)}, infer ${ms(t.infer)}, postprocess ${ms(t.postprocess)}, render ${ms(t.render)}`;
}

/**
 * Runs the estimator on one image file; renders it when asked. With `ahead`, the image comes from
 * the decoder running ahead on a worker, and its decode time is the time spent waiting for it.
 */
export async function estimateFile(
  estimator: PoseEstimator,
  file: string,
  render: boolean,
  ahead?: DecodeAhead,
): Promise<{ image: RgbImage; poses: Pose[]; overlay?: Uint8Array; timings: ImageTimings }> {
  let start = performance.now();
  const image = ahead === undefined ? decodeImage(readInputFile(file, 'photo')) : await ahead.take(file);
  const decode = performance.now() - start;
  const poses = await estimator.estimate(image);
  start = performance.now();
  const overlay = render ? renderOverlay(image, poses, estimator.spec.keypoints) : undefined;
  const renderMs = render ? performance.now() - start : 0;
  return { image, poses, overlay, timings: { decode, ...estimator.timings, render: renderMs } };
}

/** One photo's outcome, however it was computed. */
interface PhotoResult {
  poses: Pose[];
  overlay?: Uint8Array;
  timings: ImageTimings;
  width: number;
  height: number;
}

/** The photos one after another on this thread (the next one decoding ahead over a folder). */
async function* sequentialResults(
  estimator: PoseEstimator, files: readonly string[], render: boolean, ahead: DecodeAhead | undefined, bar: ProgressBar | undefined,
): AsyncGenerator<{ index: number; file: string; result: PhotoResult }> {
  for (const [index, file] of files.entries()) {
    bar?.draw(index, basename(file));
    if (index + 1 < files.length) ahead?.request(files[index + 1]!);
    const { image, ...result } = await estimateFile(estimator, file, render, ahead);
    yield { index, file, result: { ...result, width: image.width, height: image.height } };
  }
}

/** The photos over a pool of worker sessions, two per worker in flight, yielded in file order. */
async function* pooledResults(
  pool: EstimatorPool, files: readonly string[], render: boolean, bar: ProgressBar | undefined,
): AsyncGenerator<{ index: number; file: string; result: PhotoResult }> {
  const inFlight: ReturnType<EstimatorPool['submit']>[] = [];
  let next = 0;
  for (let index = 0; index < files.length; index++) {
    while (next < files.length && inFlight.length < 2 * pool.size) inFlight.push(pool.submit({ file: files[next++]!, render }));
    bar?.draw(index, basename(files[index]!));
    const done = await inFlight.shift()!;
    yield {
      index,
      file: files[index]!,
      result: { poses: done.poses, overlay: done.overlay, width: done.width, height: done.height, timings: { decode: done.decode, ...done.timings, render: done.render } },
    };
  }
}

/** COCO image id from a COCO-style file name (000000000785.jpg -> 785), else the running index. */
function imageIdOf(file: string, index: number): number {
  const stem = basename(file, extname(file));
  const digits = /(\d+)$/.exec(stem);
  return digits ? Number(digits[1]) : index;
}

/** Output path for one image: the given file when running on one image and it has the extension, else inside the directory. */
function outputPath(target: string, single: boolean, extension: string, stem: string, suffix: string): string {
  if (single && target.toLowerCase().endsWith(extension)) {
    mkdirSync(dirname(target), { recursive: true });
    return target;
  }
  mkdirSync(target, { recursive: true });
  return join(target, `${stem}${suffix}${extension}`);
}

/**
 * Where a single-person model gets its person boxes: --boxes-from, else the default multi-person
 * model when its files are at hand ('none': no boxes, the whole image is one person).
 */
export function personBoxesFrom(model: string, flag: string | undefined): string | undefined {
  if (flag === 'none') return undefined;
  if (flag !== undefined) return flag;
  if (!estimatorNames().includes(model) || !isTopDown(estimatorSpec(model))) return undefined;
  return tfjsModelAvailable(DEFAULT_BOXES_FROM) ? DEFAULT_BOXES_FROM : undefined;
}

export async function estimateCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, {
    model: { kind: 'string' }, weights: { kind: 'string' }, 'boxes-from': { kind: 'string' }, json: { kind: 'string' },
    render: { kind: 'string' }, format: { kind: 'string' }, threads: { kind: 'string' }, workers: { kind: 'string' }, shard: { kind: 'string' },
    ...VIDEO_FLAGS,
  });
  const [input, ...extra] = args.positionals;
  if (input === undefined || extra.length > 0) throw new UsageError(`usage: ${estimateUsage}`);
  const format = args.strings.get('format') ?? 'openpose';
  if (format !== 'openpose' && format !== 'coco') throw new UsageError(`--format must be openpose or coco, got '${format}'`);
  const model = args.strings.get('model') ?? DEFAULT_MODEL;
  const boxesFrom = personBoxesFrom(model, args.strings.get('boxes-from'));
  const workers = intFlag(args, 'workers', 1, 1);
  const estimatorOptions = { weights: args.strings.get('weights'), threads: intFlag(args, 'threads', 1, 1), boxesFrom };
  if (isVideoFile(input)) {
    if (args.strings.has('shard')) throw new UsageError('--shard slices a folder; a video runs whole (--start/--duration pick a part of it)');
    const run = { ...videoEstimatorOptions(args), format: format as 'openpose' | 'coco', json: args.strings.get('json'), render: args.strings.get('render') };
    if (workers > 1) {
      const pool = await EstimatorPool.start(workers, model, estimatorOptions);
      try {
        return await estimateVideoFile(input, { pool, spec: estimatorSpec(model) }, run);
      } finally {
        pool.close();
      }
    }
    const video = new VideoPoseEstimator(await createEstimator(model, estimatorOptions), run.video);
    try {
      return await estimateVideoFile(input, { video }, run);
    } finally {
      video.dispose();
    }
  }
  const listed = listImages(input);
  const folder = listed.folder;
  const shardText = args.strings.get('shard');
  if (shardText !== undefined && !folder) throw new UsageError('--shard slices a folder of photos');
  const files = shardText === undefined ? listed.files : shardSlice(listed.files, parseShard(shardText));
  const jsonTarget = args.strings.get('json');
  const renderTarget = args.strings.get('render');
  const single = !folder;
  const names = new OutputNames(files);
  // One worker: over a folder the next photo is decoded on a worker thread while the current one
  // runs (the first two while the model loads). N workers: N sessions, each decoding its own.
  const ahead = folder && workers === 1 ? new DecodeAhead() : undefined;
  for (const file of files.slice(0, 2)) ahead?.request(file);
  const pool = workers > 1 ? await EstimatorPool.start(workers, model, estimatorOptions) : undefined;
  const estimator = pool === undefined ? await createEstimator(model, estimatorOptions) : undefined;
  const spec = estimator?.spec ?? estimatorSpec(model);
  const bar = folder && process.stderr.isTTY === true ? new ProgressBar(files.length, 'images/s') : undefined;
  const total: ImageTimings = { decode: 0, preprocess: 0, infer: 0, postprocess: 0, render: 0 };
  const cocoResults: CocoResult[] = [];
  let people = 0;
  const started = performance.now();
  try {
    const detector = estimator === undefined ? (isTopDown(spec) ? boxesFrom : undefined) : estimator.detector?.spec.name;
    const pipeline = detector ? `${model} on ${detector} boxes` : model;
    const sessions = pool === undefined ? '' : `, ${pool.size} worker sessions`;
    console.error(`wasmpose estimate: ${pipeline}${isTopDown(spec) && !detector ? ' (single person: the whole image is one person)' : ''}${sessions}${shardText === undefined ? '' : `, shard ${shardText}: ${files.length} of ${listed.files.length} photos`}`);
    const results = pool === undefined
      ? sequentialResults(estimator!, files, renderTarget !== undefined, ahead, bar)
      : pooledResults(pool, files, renderTarget !== undefined, bar);
    for await (const { index, file, result } of results) {
      people += result.poses.length;
      for (const stage of Object.keys(total) as (keyof ImageTimings)[]) total[stage] += result.timings[stage];
      if (result.overlay !== undefined) writeOutputFile(outputPath(renderTarget!, single, '.png', names.stemOf(file), ''), result.overlay);
      if (jsonTarget !== undefined) {
        if (format === 'coco') {
          // COCO order from the network's own: OpenPose's 18 and COCO's 17 directly, any other
          // order (the 3D network's Panoptic joints) through OpenPose's by keypoint name.
          const { poses, from } = cocoPoses(result.poses, spec.keypoints);
          cocoResults.push(...toCocoResults(poses, imageIdOf(file, index), { from }));
        } else {
          writeOutputFile(outputPath(jsonTarget, single, '.json', names.stemOf(file), '_keypoints'), JSON.stringify(toOpenPoseJson(result.poses, spec.keypoints)) + '\n');
        }
      }
      if (bar === undefined) {
        console.log(`${file}: ${result.poses.length} ${result.poses.length === 1 ? 'person' : 'people'} (${result.width}x${result.height})`);
        console.log(formatTimings(result.timings, '  '));
      }
    }
    bar?.draw(files.length, 'done');
    bar?.clear();
    if (jsonTarget !== undefined && format === 'coco') {
      const path = jsonTarget.toLowerCase().endsWith('.json') ? jsonTarget : join(jsonTarget, 'coco_results.json');
      mkdirSync(dirname(path), { recursive: true });
      writeOutputFile(path, JSON.stringify(cocoResults) + '\n');
    }
    if (folder && files.length > 0) {
      const mean = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, v / files.length])) as unknown as ImageTimings;
      const wall = (performance.now() - started) / files.length;
      console.log(`${files.length} images, ${people} people`);
      console.log(formatTimings(mean, 'mean per image: '));
      console.log(pool === undefined
        ? `wall time per image ${wall.toFixed(1)} ms, ${(wall / mean.infer).toFixed(2)}x the network's (decoding runs ahead on a worker thread; decode image is the wait for it)`
        : `wall time per image ${wall.toFixed(1)} ms (${(1000 / wall).toFixed(1)} images/s) over ${pool.size} worker sessions; the network alone ${mean.infer.toFixed(1)} ms per image per session`);
    } else if (folder) {
      console.log(`shard ${shardText}: no photos (the folder has ${listed.files.length})`);
    }
  } finally {
    ahead?.close();
    estimator?.dispose();
    pool?.close();
  }
  return 0;
}
