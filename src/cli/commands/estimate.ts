// `wasmpose estimate <image|folder>`: people in photos, as JSON (OpenPose's per-image files or
// COCO results) and as overlays, with the per-stage milliseconds the Open Model Zoo demos print.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { COCO_KEYPOINTS, OPENPOSE_KEYPOINTS, reorderKeypoints, type Pose } from '../../decode/pose.js';
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

export const estimateUsage =
  'wasmpose estimate <image|folder> [--model <name>] [--weights <file>] [--boxes-from <model>|none] [--json <file|dir>] [--render <file|dir>] [--format openpose|coco] [--threads N]';

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
  const image = ahead === undefined ? decodeImage(readFileSync(file)) : await ahead.take(file);
  const decode = performance.now() - start;
  const poses = await estimator.estimate(image);
  start = performance.now();
  const overlay = render ? renderOverlay(image, poses, estimator.spec.keypoints) : undefined;
  const renderMs = render ? performance.now() - start : 0;
  return { image, poses, overlay, timings: { decode, ...estimator.timings, render: renderMs } };
}

/** COCO image id from a COCO-style file name (000000000785.jpg -> 785), else the running index. */
function imageIdOf(file: string, index: number): number {
  const stem = basename(file, extname(file));
  const digits = /(\d+)$/.exec(stem);
  return digits ? Number(digits[1]) : index;
}

/** A bar on a terminal, redrawn in place; nothing otherwise (the caller prints plain lines). */
class ProgressBar {
  constructor(private readonly total: number) {}

  draw(done: number, label: string): void {
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${label}\x1b[K`);
  }

  clear(): void {
    process.stderr.write('\r\x1b[K');
  }
}

/** Output path for one image: the given file when running on one image and it has the extension, else inside the directory. */
function outputPath(target: string, single: boolean, extension: string, file: string, suffix: string): string {
  if (single && target.toLowerCase().endsWith(extension)) {
    mkdirSync(dirname(target), { recursive: true });
    return target;
  }
  mkdirSync(target, { recursive: true });
  return join(target, `${basename(file, extname(file))}${suffix}${extension}`);
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
    render: { kind: 'string' }, format: { kind: 'string' }, threads: { kind: 'string' },
  });
  const [input, ...extra] = args.positionals;
  if (input === undefined || extra.length > 0) throw new UsageError(`usage: ${estimateUsage}`);
  const format = args.strings.get('format') ?? 'openpose';
  if (format !== 'openpose' && format !== 'coco') throw new UsageError(`--format must be openpose or coco, got '${format}'`);
  const { files, folder } = listImages(input);
  const model = args.strings.get('model') ?? DEFAULT_MODEL;
  const boxesFrom = personBoxesFrom(model, args.strings.get('boxes-from'));
  // Over a folder the next photo is decoded on a worker while the current one runs; the first
  // two while the model loads.
  const ahead = folder ? new DecodeAhead() : undefined;
  for (const file of files.slice(0, 2)) ahead?.request(file);
  const estimator = await createEstimator(model, { weights: args.strings.get('weights'), threads: intFlag(args, 'threads', 1, 1), boxesFrom });
  const jsonTarget = args.strings.get('json');
  const renderTarget = args.strings.get('render');
  const single = !folder;
  const bar = folder && process.stderr.isTTY === true ? new ProgressBar(files.length) : undefined;
  const total: ImageTimings = { decode: 0, preprocess: 0, infer: 0, postprocess: 0, render: 0 };
  const cocoResults: CocoResult[] = [];
  let people = 0;
  const started = performance.now();
  try {
    const pipeline = estimator.detector ? `${model} on ${estimator.detector.spec.name} boxes` : model;
    console.error(`wasmpose estimate: ${pipeline}${isTopDown(estimator.spec) && !estimator.detector ? ' (single person: the whole image is one person)' : ''}`);
    for (const [index, file] of files.entries()) {
      bar?.draw(index, basename(file));
      if (index + 1 < files.length) ahead?.request(files[index + 1]!);
      const result = await estimateFile(estimator, file, renderTarget !== undefined, ahead);
      people += result.poses.length;
      for (const stage of Object.keys(total) as (keyof ImageTimings)[]) total[stage] += result.timings[stage];
      if (result.overlay !== undefined) writeFileSync(outputPath(renderTarget!, single, '.png', file, ''), result.overlay);
      if (jsonTarget !== undefined) {
        if (format === 'coco') {
          // COCO order from the network's own: OpenPose's 18 and COCO's 17 directly, any other
          // order (the 3D network's Panoptic joints) through OpenPose's by keypoint name.
          const names = estimator.spec.keypoints.join();
          const coco = names === COCO_KEYPOINTS.join();
          const poses = coco || names === OPENPOSE_KEYPOINTS.join() ? result.poses : result.poses.map((p) => reorderKeypoints(p, OPENPOSE_KEYPOINTS));
          cocoResults.push(...toCocoResults(poses, imageIdOf(file, index), { from: coco ? 'coco17' : 'openpose18' }));
        } else {
          writeFileSync(outputPath(jsonTarget, single, '.json', file, '_keypoints'), JSON.stringify(toOpenPoseJson(result.poses, estimator.spec.keypoints)) + '\n');
        }
      }
      if (bar === undefined) {
        console.log(`${file}: ${result.poses.length} ${result.poses.length === 1 ? 'person' : 'people'} (${result.image.width}x${result.image.height})`);
        console.log(formatTimings(result.timings, '  '));
      }
    }
    bar?.draw(files.length, 'done');
    bar?.clear();
    if (jsonTarget !== undefined && format === 'coco') {
      const path = jsonTarget.toLowerCase().endsWith('.json') ? jsonTarget : join(jsonTarget, 'coco_results.json');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(cocoResults) + '\n');
    }
    if (folder) {
      const mean = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, v / files.length])) as unknown as ImageTimings;
      const wall = (performance.now() - started) / files.length;
      console.log(`${files.length} images, ${people} people`);
      console.log(formatTimings(mean, 'mean per image: '));
      console.log(`wall time per image ${wall.toFixed(1)} ms, ${(wall / mean.infer).toFixed(2)}x the network's (decoding runs ahead on a worker thread; decode image is the wait for it)`);
    }
  } finally {
    ahead?.close();
    estimator.dispose();
  }
  return 0;
}
