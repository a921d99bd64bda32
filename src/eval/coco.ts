// COCO keypoint evaluation (OKS-based AP and AR), computed the way pycocotools' COCOeval does with
// iouType='keypoints' (cocodataset/cocoapi PythonAPI/pycocotools/cocoeval.py and coco.py loadRes).
//
// The procedure, step by step:
//   1. Ground truth. A person annotation is *ignored* when it is a crowd region (iscrowd) or has
//      no labelled keypoint (num_keypoints == 0). Ignored annotations still take part in matching:
//      a detection matched to one is itself ignored (neither true nor false positive).
//   2. Detections. Per image and category, detections are sorted by score, highest first (a
//      stable sort: equal scores keep their order in the results list), and only the first 20
//      (maxDets) are kept. A detection's area is that of the box around all 17 of its keypoints
//      (including any reported at (0, 0)), as loadRes computes it.
//   3. OKS between every kept detection d and annotation g:
//        e_i = (dx_i^2 + dy_i^2) / (2 sigma_i)^2 / (area_g + eps) / 2,  OKS = mean over i of exp(-e_i)
//      over the keypoints labelled in g (v > 0). For an annotation with no labelled keypoint
//      (typically a crowd region), dx_i and dy_i are instead the distances from the detected
//      keypoint to the box [x - w, x + 2w] x [y - h, y + 2h] (the annotation's box grown by its own
//      size on every side; 0 inside it), and the mean runs over all 17 keypoints.
//   4. Area ranges: all [0, 1e10], medium [32^2, 96^2], large [96^2, 1e10]. Per range, an
//      annotation whose area lies outside it is ignored too; a detection left unmatched whose
//      area lies outside it is ignored.
//   5. Greedy matching per OKS threshold t in 0.50:0.05:0.95, per image: detections in score
//      order; each takes the annotation with the highest OKS >= t among those still free
//      (crowd annotations are never used up), preferring non-ignored annotations: annotations
//      are visited non-ignored first, and once a non-ignored match is in hand the search stops at
//      the first ignored one. An OKS equal to the best so far replaces it, so of two annotations
//      with the same OKS the later one wins.
//   6. Accumulation per threshold over all images: detections of all images sorted by score
//      (stable, images in increasing id order), cumulative true and false positives, recall =
//      TP / (non-ignored annotations), precision = TP / (TP + FP + eps) made non-increasing from
//      the right, then read at the 101 recall points 0:0.01:1 (the first detection whose recall
//      reaches the point; 0 past the last one). AP is the mean of those 101 x 10 values; AR the
//      mean over thresholds of the final recall.
//   7. A metric with no non-ignored annotation in any image is -1, as in pycocotools.
//
// Floating point follows numpy's order of operations, including its pairwise summation
// (numpySum below) for the OKS mean and the final means, so results agree with pycocotools to the
// last bit save for exp() itself, which may differ from the C library's in the last ulp.
//
// Differences from pycocotools, all on input it rejects or crashes on:
// - An empty results list evaluates (every annotation missed) instead of crashing in loadRes.
// - A ground truth without `categories` takes its category ids from the annotations.
// - A missing `iscrowd` counts as 0.
// - Results carrying a `bbox` are always scored from their keypoints: pycocotools' loadRes would
//   take such results down its box branch and use the box's area.

import { InputError } from '../nn/errors.js';

export interface CocoImage {
  id: number;
  width?: number;
  height?: number;
  file_name?: string;
}

export interface CocoKeypointAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** 17 x (x, y, v); v = 0 not labelled, 1 labelled but hidden, 2 visible. */
  keypoints: number[];
  num_keypoints: number;
  /** [x, y, width, height] */
  bbox: number[];
  /** Segmentation area; the OKS scale and the area-range test use it. */
  area: number;
  iscrowd?: number | boolean;
}

export interface CocoCategory {
  id: number;
  name?: string;
}

export interface CocoGroundTruth {
  images: CocoImage[];
  annotations: CocoKeypointAnnotation[];
  categories?: CocoCategory[];
}

export interface CocoResult {
  image_id: number;
  category_id: number;
  /** 17 x (x, y, score); only x and y are used. */
  keypoints: number[];
  score: number;
}

export interface CocoKeypointStats {
  AP: number;
  AP50: number;
  AP75: number;
  APm: number;
  APl: number;
  AR: number;
  AR50: number;
  AR75: number;
  ARm: number;
  ARl: number;
  /** Annotations that count (not crowd, at least one labelled keypoint) in the evaluated images. */
  people: number;
  /** Images evaluated. */
  images: number;
}

/** COCO's per-keypoint OKS sigmas, in COCO keypoint order. */
export const COCO_OKS_SIGMAS: readonly number[] = [
  0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89,
].map((s) => s / 10);

const KEYPOINT_COUNT = 17;
/** (2 sigma)^2 per keypoint, as pycocotools' `vars`. */
const VARIANCES = COCO_OKS_SIGMAS.map((s) => (s * 2) * (s * 2));
/** numpy's np.spacing(1): keeps zero areas and empty sums from dividing by zero. */
const EPS = 2.220446049250313e-16;
const MAX_DETECTIONS = 20;

/** numpy.linspace(start, stop, count): start + i * step, with the last value exactly stop. */
function linspace(start: number, stop: number, count: number): number[] {
  const step = (stop - start) / (count - 1);
  const values = Array.from({ length: count }, (_, i) => i * step + start);
  values[count - 1] = stop;
  return values;
}

const OKS_THRESHOLDS = linspace(0.5, 0.95, 10);
const RECALL_POINTS = linspace(0, 1, 101);

type AreaRangeName = 'all' | 'medium' | 'large';
const AREA_RANGES: Record<AreaRangeName, readonly [number, number]> = {
  all: [0, 1e10],
  medium: [32 * 32, 96 * 96],
  large: [96 * 96, 1e10],
};
const AREA_RANGE_NAMES: readonly AreaRangeName[] = ['all', 'medium', 'large'];

/**
 * numpy's np.sum of a float64 array: pairwise summation. Below 8 values a plain loop; up to 128,
 * eight interleaved accumulators combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)),
 * then the remainder; above 128, the two halves (the first a multiple of 8 long) summed apart.
 */
function numpySum(values: readonly number[], start = 0, count = values.length): number {
  if (count < 8) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += values[start + i]!;
    return sum;
  }
  if (count <= 128) {
    const r = values.slice(start, start + 8);
    let i = 8;
    for (; i < count - (count % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += values[start + i + j]!;
    }
    let sum = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < count; i++) sum += values[start + i]!;
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return numpySum(values, start, half) + numpySum(values, start + half, count - half);
}

// ---------------------------------------------------------------------------------------------
// Input checks

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`COCO data: ${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function finiteField(entry: Record<string, unknown>, key: string, where: string): number {
  const value = entry[key];
  if (!isFiniteNumber(value)) throw new InputError(`COCO data: ${where}.${key} must be a finite number`);
  return value;
}

function numberList(entry: Record<string, unknown>, key: string, length: number, where: string): number[] {
  const value = entry[key];
  if (!Array.isArray(value) || value.length !== length || !value.every(isFiniteNumber)) {
    throw new InputError(`COCO data: ${where}.${key} must be ${length} finite numbers`);
  }
  return value as number[];
}

/** Checks a parsed COCO keypoint ground-truth file and returns it typed. */
export function validateCocoGroundTruth(json: unknown): CocoGroundTruth {
  const root = record(json, 'the ground truth');
  if (!Array.isArray(root.images)) throw new InputError('COCO data: ground truth has no images list');
  if (!Array.isArray(root.annotations)) throw new InputError('COCO data: ground truth has no annotations list');
  root.images.forEach((image, i) => finiteField(record(image, `images[${i}]`), 'id', `images[${i}]`));
  root.annotations.forEach((annotation, i) => {
    const where = `annotations[${i}]`;
    const entry = record(annotation, where);
    for (const key of ['id', 'image_id', 'category_id', 'num_keypoints', 'area']) finiteField(entry, key, where);
    numberList(entry, 'keypoints', KEYPOINT_COUNT * 3, where);
    numberList(entry, 'bbox', 4, where);
    if (entry.iscrowd !== undefined && typeof entry.iscrowd !== 'number' && typeof entry.iscrowd !== 'boolean') {
      throw new InputError(`COCO data: ${where}.iscrowd must be 0, 1 or a boolean`);
    }
  });
  if (root.categories !== undefined) {
    if (!Array.isArray(root.categories)) throw new InputError('COCO data: ground truth categories must be a list');
    root.categories.forEach((category, i) => finiteField(record(category, `categories[${i}]`), 'id', `categories[${i}]`));
  }
  return json as CocoGroundTruth;
}

/** Checks a parsed COCO keypoint results list and returns it typed. */
export function validateCocoResults(json: unknown): CocoResult[] {
  if (!Array.isArray(json)) throw new InputError('COCO data: results must be a list');
  json.forEach((result, i) => {
    const where = `results[${i}]`;
    const entry = record(result, where);
    for (const key of ['image_id', 'category_id', 'score']) finiteField(entry, key, where);
    numberList(entry, 'keypoints', KEYPOINT_COUNT * 3, where);
  });
  return json as CocoResult[];
}

// ---------------------------------------------------------------------------------------------
// Per-image evaluation

interface GroundTruthPerson {
  id: number;
  area: number;
  crowd: boolean;
  /** Crowd or without labelled keypoints: never counted, whatever the area range. */
  ignore: boolean;
  keypoints: number[];
  bbox: number[];
}

interface Detection {
  area: number;
  score: number;
  keypoints: readonly number[];
}

/**
 * OKS of one detection's keypoints (17 x (x, y, score)) against one ground-truth annotation:
 * one entry of pycocotools' computeOks matrix. See step 3 at the top of this file.
 */
export function objectKeypointSimilarity(
  detectionKeypoints: readonly number[],
  person: Pick<CocoKeypointAnnotation, 'keypoints' | 'bbox' | 'area'>,
): number {
  const g = person.keypoints, d = detectionKeypoints;
  let labelled = 0;
  for (let i = 0; i < KEYPOINT_COUNT; i++) if (g[i * 3 + 2]! > 0) labelled++;
  const [bx, by, bw, bh] = person.bbox as [number, number, number, number];
  const x0 = bx - bw, x1 = bx + bw * 2;
  const y0 = by - bh, y1 = by + bh * 2;
  const scale = person.area + EPS;
  const similarities: number[] = [];
  for (let i = 0; i < KEYPOINT_COUNT; i++) {
    const xd = d[i * 3]!, yd = d[i * 3 + 1]!;
    let dx: number, dy: number;
    if (labelled > 0) {
      if (!(g[i * 3 + 2]! > 0)) continue;
      dx = xd - g[i * 3]!;
      dy = yd - g[i * 3 + 1]!;
    } else {
      dx = Math.max(0, x0 - xd) + Math.max(0, xd - x1);
      dy = Math.max(0, y0 - yd) + Math.max(0, yd - y1);
    }
    const e = (dx * dx + dy * dy) / VARIANCES[i]! / scale / 2;
    similarities.push(Math.exp(-e));
  }
  return numpySum(similarities) / similarities.length;
}

/** What one image contributes to one category and area range (pycocotools evaluateImg). */
interface ImageEvaluation {
  /** Scores of the kept detections, highest first. */
  scores: number[];
  /** Per threshold, per detection: whether it matched a (non-ignored or ignored) annotation. */
  matched: boolean[][];
  /** Per threshold, per detection: neither a true nor a false positive. */
  ignored: boolean[][];
  /** Annotations that count in this area range. */
  countedPeople: number;
}

function evaluateImage(
  people: readonly GroundTruthPerson[],
  detections: readonly Detection[],
  oks: readonly (readonly number[])[],
  [areaMin, areaMax]: readonly [number, number],
): ImageEvaluation {
  const outsideRange = (area: number): boolean => area < areaMin || area > areaMax;
  // Ignored annotations go last (a stable partition), so the matching loop meets them last.
  const order = people.map((_, j) => j);
  const personIgnored = people.map((p) => p.ignore || outsideRange(p.area));
  order.sort((a, b) => Number(personIgnored[a]) - Number(personIgnored[b]));

  const matched: boolean[][] = [];
  const ignored: boolean[][] = [];
  for (const threshold of OKS_THRESHOLDS) {
    const taken = new Array<boolean>(people.length).fill(false);
    const matchedHere = new Array<boolean>(detections.length).fill(false);
    const ignoredHere = new Array<boolean>(detections.length).fill(false);
    detections.forEach((detection, d) => {
      let best = Math.min(threshold, 1 - 1e-10);
      let match = -1;
      for (const j of order) {
        if (taken[j] && !people[j]!.crowd) continue;
        // Already holding a counted annotation, and only ignored ones are left.
        if (match > -1 && !personIgnored[match] && personIgnored[j]) break;
        if (oks[d]![j]! < best) continue;
        best = oks[d]![j]!;
        match = j;
      }
      if (match === -1) {
        ignoredHere[d] = outsideRange(detection.area);
        return;
      }
      // pycocotools records the annotation's id as the match, and 0 reads as "no match".
      matchedHere[d] = people[match]!.id !== 0;
      ignoredHere[d] = personIgnored[match] || (!matchedHere[d] && outsideRange(detection.area));
      taken[match] = true;
    });
    matched.push(matchedHere);
    ignored.push(ignoredHere);
  }
  return {
    scores: detections.map((d) => d.score),
    matched,
    ignored,
    countedPeople: personIgnored.filter((i) => !i).length,
  };
}

// ---------------------------------------------------------------------------------------------
// Accumulation

/** Precision at the 101 recall points and the final recall, per OKS threshold (pycocotools accumulate). */
function accumulate(
  evaluations: readonly ImageEvaluation[],
): { precision: number[][]; recall: number[] } | undefined {
  const countedPeople = evaluations.reduce((n, e) => n + e.countedPeople, 0);
  if (countedPeople === 0) return undefined;
  const entries: { score: number; image: number; index: number }[] = [];
  evaluations.forEach((e, image) => e.scores.forEach((score, index) => entries.push({ score, image, index })));
  entries.sort((a, b) => b.score - a.score);

  const precision: number[][] = [];
  const recall: number[] = [];
  OKS_THRESHOLDS.forEach((_, t) => {
    const recalls: number[] = [];
    const precisions: number[] = [];
    let truePositives = 0, falsePositives = 0;
    for (const { image, index } of entries) {
      if (!evaluations[image]!.ignored[t]![index]) {
        if (evaluations[image]!.matched[t]![index]) truePositives++;
        else falsePositives++;
      }
      recalls.push(truePositives / countedPeople);
      precisions.push(truePositives / (falsePositives + truePositives + EPS));
    }
    recall.push(entries.length > 0 ? recalls[recalls.length - 1]! : 0);
    for (let i = precisions.length - 1; i > 0; i--) {
      if (precisions[i]! > precisions[i - 1]!) precisions[i - 1] = precisions[i]!;
    }
    // For each recall point, the first detection whose recall reaches it (numpy searchsorted, left).
    const atPoints: number[] = [];
    let i = 0;
    for (const point of RECALL_POINTS) {
      while (i < recalls.length && recalls[i]! < point) i++;
      atPoints.push(i < recalls.length ? precisions[i]! : 0);
    }
    precision.push(atPoints);
  });
  return { precision, recall };
}

/** pycocotools summarize: the mean of the entries that are not -1, or -1 when there is none. */
function meanOfDefined(values: readonly number[]): number {
  const defined = values.filter((v) => v > -1);
  return defined.length === 0 ? -1 : numpySum(defined) / defined.length;
}

// ---------------------------------------------------------------------------------------------

function appendTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * COCO keypoint AP / AR of `results` against `gt`, as pycocotools' COCOeval(iouType='keypoints')
 * evaluate + accumulate + summarize. `options.imageIds` restricts the evaluation to those images
 * (default: every image of the ground truth).
 */
export function evaluateKeypoints(
  gt: CocoGroundTruth,
  results: readonly CocoResult[],
  options: { imageIds?: readonly number[] } = {},
): CocoKeypointStats {
  validateCocoGroundTruth(gt);
  validateCocoResults(results);
  const knownImages = new Set(gt.images.map((image) => image.id));
  for (const [i, result] of results.entries()) {
    if (!knownImages.has(result.image_id)) {
      throw new InputError(
        `COCO data: results[${i}] is for image ${result.image_id}, which the ground truth does not have`,
      );
    }
  }
  const imageIds = [...new Set(options.imageIds ?? gt.images.map((image) => image.id))].sort((a, b) => a - b);
  const categoryIds = [
    ...new Set(gt.categories ? gt.categories.map((c) => c.id) : gt.annotations.map((a) => a.category_id)),
  ].sort((a, b) => a - b);

  const key = (imageId: number, categoryId: number): string => `${imageId}/${categoryId}`;
  const peopleByKey = new Map<string, GroundTruthPerson[]>();
  for (const a of gt.annotations) {
    const crowd = Boolean(a.iscrowd);
    const person: GroundTruthPerson = {
      id: a.id, area: a.area, crowd, ignore: crowd || a.num_keypoints === 0, keypoints: a.keypoints, bbox: a.bbox,
    };
    appendTo(peopleByKey, key(a.image_id, a.category_id), person);
  }
  const detectionsByKey = new Map<string, Detection[]>();
  for (const r of results) {
    const xs = r.keypoints.filter((_, i) => i % 3 === 0);
    const ys = r.keypoints.filter((_, i) => i % 3 === 1);
    const area = (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
    appendTo(detectionsByKey, key(r.image_id, r.category_id), { area, score: r.score, keypoints: r.keypoints });
  }

  // Per area range, the per-threshold precision curves and final recalls of every category.
  const precisionValues = new Map<AreaRangeName, number[][][]>();
  const recallValues = new Map<AreaRangeName, number[][]>();
  for (const name of AREA_RANGE_NAMES) {
    precisionValues.set(name, []);
    recallValues.set(name, []);
  }
  let people = 0;
  for (const categoryId of categoryIds) {
    const perImage: { people: GroundTruthPerson[]; detections: Detection[]; oks: number[][] }[] = [];
    for (const imageId of imageIds) {
      const imagePeople = peopleByKey.get(key(imageId, categoryId)) ?? [];
      const detections = [...(detectionsByKey.get(key(imageId, categoryId)) ?? [])]
        .sort((a, b) => b.score - a.score)
        .slice(0, MAX_DETECTIONS);
      if (imagePeople.length === 0 && detections.length === 0) continue;
      const oks = detections.map((d) => imagePeople.map((p) => objectKeypointSimilarity(d.keypoints, p)));
      perImage.push({ people: imagePeople, detections, oks });
      people += imagePeople.filter((p) => !p.ignore).length;
    }
    for (const name of AREA_RANGE_NAMES) {
      const evaluations = perImage.map((i) => evaluateImage(i.people, i.detections, i.oks, AREA_RANGES[name]));
      const curves = accumulate(evaluations);
      const undefinedCurves = OKS_THRESHOLDS.map(() => RECALL_POINTS.map(() => -1));
      precisionValues.get(name)!.push(curves ? curves.precision : undefinedCurves);
      recallValues.get(name)!.push(curves ? curves.recall : OKS_THRESHOLDS.map(() => -1));
    }
  }

  // numpy flattens precision[T, R, K] threshold-major, then recall point, then category.
  const averagePrecision = (name: AreaRangeName, threshold?: number): number => {
    const values: number[] = [];
    OKS_THRESHOLDS.forEach((t, ti) => {
      if (threshold !== undefined && t !== threshold) return;
      RECALL_POINTS.forEach((_, ri) => {
        for (const curves of precisionValues.get(name)!) values.push(curves[ti]![ri]!);
      });
    });
    return meanOfDefined(values);
  };
  const averageRecall = (name: AreaRangeName, threshold?: number): number => {
    const values: number[] = [];
    OKS_THRESHOLDS.forEach((t, ti) => {
      if (threshold !== undefined && t !== threshold) return;
      for (const recalls of recallValues.get(name)!) values.push(recalls[ti]!);
    });
    return meanOfDefined(values);
  };

  return {
    AP: averagePrecision('all'),
    AP50: averagePrecision('all', 0.5),
    AP75: averagePrecision('all', 0.75),
    APm: averagePrecision('medium'),
    APl: averagePrecision('large'),
    AR: averageRecall('all'),
    AR50: averageRecall('all', 0.5),
    AR75: averageRecall('all', 0.75),
    ARm: averageRecall('medium'),
    ARl: averageRecall('large'),
    people,
    images: imageIds.length,
  };
}

/**
 * Python's '{:0.3f}': like toFixed(3), except that an exact tie (possible only for multiples of
 * 1/16 with a 5 in the fourth decimal) rounds to even, where toFixed rounds up.
 */
function formatThreeDecimals(value: number): string {
  const scaled = value * 1000;
  if (Number.isInteger(value * 16) && scaled - Math.floor(scaled) === 0.5) {
    const even = Math.floor(scaled) % 2 === 0 ? Math.floor(scaled) : Math.floor(scaled) + 1;
    return (even / 1000).toFixed(3);
  }
  return value.toFixed(3);
}

/** The 10 lines pycocotools' summarize() prints for keypoints. */
export function formatCocoTable(stats: CocoKeypointStats): string {
  const rows: [string, string, string, number][] = [
    ['Average Precision  (AP)', '0.50:0.95', 'all', stats.AP],
    ['Average Precision  (AP)', '0.50', 'all', stats.AP50],
    ['Average Precision  (AP)', '0.75', 'all', stats.AP75],
    ['Average Precision  (AP)', '0.50:0.95', 'medium', stats.APm],
    ['Average Precision  (AP)', '0.50:0.95', 'large', stats.APl],
    ['Average Recall     (AR)', '0.50:0.95', 'all', stats.AR],
    ['Average Recall     (AR)', '0.50', 'all', stats.AR50],
    ['Average Recall     (AR)', '0.75', 'all', stats.AR75],
    ['Average Recall     (AR)', '0.50:0.95', 'medium', stats.ARm],
    ['Average Recall     (AR)', '0.50:0.95', 'large', stats.ARl],
  ];
  return rows
    .map(([title, oks, area, value]) =>
      ` ${title} @[ IoU=${oks.padEnd(9)} | area=${area.padStart(6)} | maxDets= 20 ] = ${formatThreeDecimals(value)}`)
    .join('\n');
}
