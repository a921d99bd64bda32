// `wasmpose eval --gt <coco.json> --images <dir> --model <name>`: runs a model on every image of
// a COCO keypoint ground truth and scores it as pycocotools does (src/eval/coco.ts). With
// --baseline <eval.json> (a stored `eval --json` or --out file) it exits 1 when AP fell by more
// than --tolerance (eval/regression.ts: inference is deterministic, so any drop beyond rounding is
// real); --tracker writes AP for CI benchmark trackers (customBiggerIsBetter).
import { writeFileSync } from 'node:fs';
import { compareAp } from '../../eval/regression.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoundingBox } from '../../decode/pose.js';
import { toCocoResults } from '../../decode/writers.js';
import { evaluateKeypoints, formatCocoTable, validateCocoGroundTruth, type CocoGroundTruth, type CocoKeypointStats } from '../../eval/coco.js';
import { decodeImage } from '../../image/codec.js';
import { InputError } from '../../nn/errors.js';
import { COCO_KEYPOINTS } from '../../decode/pose.js';
import { createEstimator, DEFAULT_MODEL } from '../../pipeline/create.js';
import { isTopDown } from '../../pipeline/decoders.js';
import type { PoseEstimator } from '../../pipeline/estimator.js';
import { intFlag, parseArgs, UsageError } from '../args.js';

export const evalUsage =
  'wasmpose eval --gt <coco.json> --images <dir> [--model <name>] [--weights <file>] [--boxes gt|model] [--boxes-from <model>] [--threads N] [--json] ' +
  '[--out <eval.json>] [--baseline <eval.json>] [--tolerance <AP>] [--tracker <file.json>]';

/**
 * Where a single-person model's person boxes come from: 'gt' the ground truth's boxes (the usual
 * "GT boxes" protocol), 'model' the estimator's own detector (or the whole image without one).
 */
export type BoxSource = 'gt' | 'model';

/** COCO's [x, y, width, height] as a box in pixel-centre corners. */
export function cocoBox([x, y, width, height]: readonly number[]): BoundingBox {
  return { xMin: x!, yMin: y!, xMax: x! + width!, yMax: y! + height!, width: width!, height: height! };
}

/**
 * Runs `estimator` on every image of `gt` (files in `imagesDir`) and evaluates the poses. With
 * boxes 'gt', a single-person model gets the boxes of the image's non-crowd annotations;
 * multi-person models always see the whole image.
 */
export async function evaluateEstimator(
  estimator: PoseEstimator,
  gt: CocoGroundTruth,
  imagesDir: string,
  boxes: BoxSource,
): Promise<CocoKeypointStats> {
  if (estimator.spec.keypoints.join() !== COCO_KEYPOINTS.join()) {
    throw new InputError(`${estimator.spec.name} outputs ${estimator.spec.keypoints.length} keypoints in its own order; COCO evaluation needs COCO's 17 (OpenPose's 18 are not mapped here)`);
  }
  const results = [];
  for (const image of gt.images) {
    if (image.file_name === undefined) throw new InputError(`COCO image ${image.id} has no file_name`);
    const photo = decodeImage(readFileSync(join(imagesDir, image.file_name)));
    const personBoxes = boxes === 'gt' && isTopDown(estimator.spec)
      ? gt.annotations.filter((a) => a.image_id === image.id && !a.iscrowd).map((a) => cocoBox(a.bbox))
      : undefined;
    const poses = await estimator.estimate(photo, { boxes: personBoxes });
    results.push(...toCocoResults(poses, image.id, { from: 'coco17' }));
  }
  return evaluateKeypoints(gt, results);
}

export async function evalCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, {
    gt: { kind: 'string' }, images: { kind: 'string' }, model: { kind: 'string' }, weights: { kind: 'string' },
    boxes: { kind: 'string' }, 'boxes-from': { kind: 'string' }, threads: { kind: 'string' }, json: { kind: 'boolean' },
    out: { kind: 'string' }, baseline: { kind: 'string' }, tolerance: { kind: 'string' }, tracker: { kind: 'string' },
  });
  const gtPath = args.strings.get('gt');
  const imagesDir = args.strings.get('images');
  if (gtPath === undefined || imagesDir === undefined || args.positionals.length > 0) throw new UsageError(`usage: ${evalUsage}`);
  const boxes = args.strings.get('boxes') ?? 'gt';
  if (boxes !== 'gt' && boxes !== 'model') throw new UsageError(`--boxes must be gt or model, got '${boxes}'`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(gtPath, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the ground truth '${gtPath}': ${(e as Error).message}`);
  }
  const gt = validateCocoGroundTruth(json);
  const baselinePath = args.strings.get('baseline');
  const baselineAp = baselinePath === undefined ? undefined : readBaselineAp(baselinePath);
  const toleranceText = args.strings.get('tolerance');
  const tolerance = toleranceText === undefined ? undefined : Number(toleranceText);
  if (tolerance !== undefined && !(tolerance >= 0)) throw new UsageError(`--tolerance must be a number >= 0, got '${toleranceText}'`);
  const model = args.strings.get('model') ?? DEFAULT_MODEL;
  const estimator = await createEstimator(model, {
    weights: args.strings.get('weights'),
    threads: intFlag(args, 'threads', 1, 1),
    boxesFrom: args.strings.get('boxes-from'),
  });
  try {
    const stats = await evaluateEstimator(estimator, gt, imagesDir, boxes);
    const { AP, AP50, AP75, AR } = stats;
    const summary = { model, boxes: isTopDown(estimator.spec) ? boxes : 'none', AP, AP50, AP75, AR, people: stats.people, images: stats.images };
    const outPath = args.strings.get('out');
    if (outPath !== undefined) writeFileSync(outPath, `${JSON.stringify(summary, null, 2)}\n`);
    const trackerPath = args.strings.get('tracker');
    if (trackerPath !== undefined) writeFileSync(trackerPath, `${JSON.stringify([{ name: `${model} COCO AP`, unit: 'AP', value: AP, extra: `${stats.images} images, ${stats.people} people` }], null, 2)}\n`);
    const comparison = baselineAp === undefined ? undefined : compareAp(model, baselineAp, AP, tolerance);
    if (args.booleans.has('json')) {
      console.log(JSON.stringify(comparison === undefined ? summary : { ...summary, comparison }));
    } else {
      console.log(`${model} on ${stats.images} images, ${stats.people} people${isTopDown(estimator.spec) ? `, ${boxes} boxes` : ''}`);
      console.log(formatCocoTable(stats));
      if (comparison !== undefined) {
        console.log(`AP ${AP.toFixed(4)} against the baseline's ${comparison.baselineAp.toFixed(4)} (${comparison.delta >= 0 ? '+' : ''}${comparison.delta.toFixed(4)}): ${comparison.verdict}`);
      }
    }
    return comparison?.verdict === 'worse' ? 1 : 0;
  } finally {
    estimator.dispose();
  }
}

/** AP from a stored `eval --json` / `--out` result. */
function readBaselineAp(path: string): number {
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the baseline '${path}': ${(e as Error).message}`);
  }
  const ap = (stored as { AP?: unknown }).AP;
  if (typeof ap !== 'number') throw new InputError(`the baseline '${path}' has no AP: write it with 'wasmpose eval ... --out <file>'`);
  return ap;
}
