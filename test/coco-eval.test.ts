import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  evaluateKeypoints, formatCocoTable, objectKeypointSimilarity, validateCocoGroundTruth,
  type CocoGroundTruth, type CocoKeypointAnnotation, type CocoResult,
} from '../src/eval/coco.js';
import { InputError } from '../src/nn/errors.js';

// Every expected number below is worked out by hand from pycocotools' definitions (see the comments).
// Precision is TP / (TP + FP + 2^-52), so a "1" is 1 - 2.2e-16: compared to 12 digits.

/** 17 labelled keypoints spread over a 100 x 100 box at (x, y). */
function body(x: number, y: number): number[] {
  const points: number[] = [];
  for (let i = 0; i < 17; i++) points.push(x + (i % 5) * 25, y + Math.floor(i / 5) * 33, 2);
  return points;
}

let nextId = 1;
function person(imageId: number, keypoints: number[], area = 10000, extra: Partial<CocoKeypointAnnotation> = {}): CocoKeypointAnnotation {
  const labelled = keypoints.filter((v, i) => i % 3 === 2 && v > 0).length;
  return {
    id: nextId++, image_id: imageId, category_id: 1, keypoints, num_keypoints: labelled,
    bbox: [keypoints[0]!, keypoints[1]!, 100, 100], area, iscrowd: 0, ...extra,
  };
}

/** Only the nose labelled, at (x, y). */
function noseOnly(x: number, y: number): number[] {
  const points = new Array<number>(51).fill(0);
  points[0] = x; points[1] = y; points[2] = 2;
  return points;
}

function gtOf(imageIds: number[], annotations: CocoKeypointAnnotation[]): CocoGroundTruth {
  return { images: imageIds.map((id) => ({ id })), annotations, categories: [{ id: 1, name: 'person' }] };
}

function det(imageId: number, keypoints: number[], score: number): CocoResult {
  return { image_id: imageId, category_id: 1, keypoints: keypoints.map((v, i) => (i % 3 === 2 ? 1 : v)), score };
}

function shifted(keypoints: number[], dx: number, dy = 0): number[] {
  return keypoints.map((v, i) => (i % 3 === 0 ? v + dx : i % 3 === 1 ? v + dy : v));
}

const NOSE_VARIANCE = (0.026 * 2) ** 2; // (2 sigma)^2 for the nose

describe('COCO keypoint evaluation (pycocotools semantics)', () => {
  it('a perfect detection scores AP 1 and AR 1 on every line', () => {
    const gt = gtOf([1], [person(1, body(10, 10), 5000)]);
    const stats = evaluateKeypoints(gt, [det(1, body(10, 10), 0.9)]);
    for (const key of ['AP', 'AP50', 'AP75', 'APm', 'AR', 'AR50', 'AR75', 'ARm'] as const) {
      expect(stats[key]).toBeCloseTo(1, 12);
    }
    // No annotation is large (area 5000 < 96^2): pycocotools reports -1.
    expect(stats.APl).toBe(-1);
    expect(stats.ARl).toBe(-1);
    expect(stats.people).toBe(1);
    expect(stats.images).toBe(1);
  });

  it('an offset detection: OKS 0.8467 matches thresholds .50 to .80 only', () => {
    // One labelled keypoint (nose), area 10000, offset d = 3 px:
    // e = 9 / 0.002704 / 10000 / 2 = 0.16642, OKS = exp(-0.16642) = 0.84669.
    // Thresholds <= 0.84669: .50 .55 .60 .65 .70 .75 .80 -> 7 of 10 matched (recall 1, precision 1),
    // the other 3 see one false positive and a miss (precision 0 everywhere).
    const oks = Math.exp(-9 / NOSE_VARIANCE / 10000 / 2);
    expect(oks).toBeCloseTo(0.84669, 5);
    const annotation = person(1, noseOnly(50, 50), 10000);
    expect(objectKeypointSimilarity(shifted(noseOnly(50, 50), 3), annotation)).toBeCloseTo(oks, 14);
    const stats = evaluateKeypoints(gtOf([1], [annotation]), [det(1, shifted(noseOnly(50, 50), 0, 3), 0.5)]);
    expect(stats.AP).toBeCloseTo(0.7, 12);
    expect(stats.AR).toBeCloseTo(0.7, 12);
    expect(stats.AP50).toBeCloseTo(1, 12);
    expect(stats.AP75).toBeCloseTo(1, 12);
    expect(stats.AR75).toBe(1);
    expect(stats.APl).toBeCloseTo(0.7, 12); // area 10000 is large
    expect(stats.APm).toBe(-1);
  });

  it('a whole-body shift: OKS is the mean over the 17 labelled keypoints', () => {
    // Every keypoint moved 4 px right on a person of area 10000: e_i = 16 / (2 sigma_i)^2 / 10000 / 2.
    const sigmas = [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89];
    const expected = sigmas.reduce((sum, s) => sum + Math.exp(-16 / (2 * s / 10) ** 2 / 10000 / 2), 0) / 17;
    expect(expected).toBeCloseTo(0.9128, 4); // between thresholds .90 and .95
    const annotation = person(1, body(0, 0), 10000);
    expect(objectKeypointSimilarity(shifted(body(0, 0), 4), annotation)).toBeCloseTo(expected, 14);
    const stats = evaluateKeypoints(gtOf([1], [annotation]), [det(1, shifted(body(0, 0), 4), 1)]);
    expect(stats.AP).toBeCloseTo(0.9, 12); // thresholds .50 ... .90 matched
    expect(stats.AR).toBeCloseTo(0.9, 12);
  });

  it('two annotations, one detection: recall 1/2, precision 1 up to recall .50', () => {
    // Recall points 0, .01, ..., .50 (51 of 101) read precision 1; the 50 beyond the last recall read 0.
    const gt = gtOf([1], [person(1, body(0, 0)), person(1, body(300, 0))]);
    const stats = evaluateKeypoints(gt, [det(1, body(300, 0), 0.7)]);
    expect(stats.AP).toBeCloseTo(51 / 101, 12);
    expect(stats.AR).toBe(0.5);
    expect(stats.people).toBe(2);
  });

  it('a detection on a crowd region is ignored, not a false positive', () => {
    // The crowd region has no keypoints: OKS uses the distance to its box grown by its size on each
    // side ([100 - 50, 100 + 100] on both axes here); a detection inside scores OKS exp(0) = 1.
    const crowd = person(1, new Array(51).fill(0), 2500, { iscrowd: 1, bbox: [100, 100, 50, 50], num_keypoints: 0 });
    const inside = body(60, 60); // spans 60..160 x 60..159, inside [50, 200] x [50, 200]
    expect(objectKeypointSimilarity(inside, crowd)).toBe(1);
    // 10 px right of the grown box on every keypoint: e_i = 100 / (2 sigma_i)^2 / 2500 / 2.
    const right = new Array(51).fill(0).map((_, i) => (i % 3 === 0 ? 210 : i % 3 === 1 ? 120 : 1));
    const sigmas = [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89];
    const expected = sigmas.reduce((sum, s) => sum + Math.exp(-100 / (2 * s / 10) ** 2 / 2500 / 2), 0) / 17;
    expect(objectKeypointSimilarity(right, crowd)).toBeCloseTo(expected, 14);

    const real = person(1, body(400, 0), 5000);
    const results = [det(1, inside, 0.95), det(1, body(400, 0), 0.9), det(1, shifted(inside, 5), 0.8)];
    const withCrowd = evaluateKeypoints(gtOf([1], [real, crowd]), results);
    // Both crowd detections (a crowd region can be matched any number of times) are ignored.
    expect(withCrowd.AP).toBeCloseTo(1, 12);
    expect(withCrowd.people).toBe(1);
    // Without the crowd region, the 0.95 detection is a false positive ahead of the true one:
    // precisions [0, 1/2, 1/3] -> envelope [1/2, 1/2, 1/3]; recall reaches 1 at the second, so every
    // recall point reads 1/2.
    const without = evaluateKeypoints(gtOf([1], [real]), results);
    expect(without.AP).toBeCloseTo(0.5, 12);
    expect(without.AR).toBe(1);
  });

  it('an annotation without labelled keypoints is ignored, and so is its detection', () => {
    const empty = person(1, new Array(51).fill(0), 600, { bbox: [300, 300, 20, 40], num_keypoints: 0 });
    const real = person(1, body(0, 0), 5000);
    const results = [det(1, body(0, 0), 0.5), det(1, new Array(51).fill(0).map((_, i) => (i % 3 === 2 ? 1 : 310)), 0.9)];
    const stats = evaluateKeypoints(gtOf([1], [real, empty]), results);
    expect(stats.people).toBe(1);
    expect(stats.AP).toBeCloseTo(1, 12);
    expect(stats.AR).toBe(1);
  });

  it('area ranges split annotations (and unmatched detections) by area', () => {
    // small (area 500), medium (2000) and large (10000) people, all detected exactly, except the
    // large one, which is missed.
    const small = person(1, body(0, 0), 500);
    const medium = person(1, body(200, 0), 2000);
    const large = person(1, body(400, 0), 10000);
    const results = [det(1, body(0, 0), 0.9), det(1, body(200, 0), 0.8)];
    const stats = evaluateKeypoints(gtOf([1], [small, medium, large]), results);
    // all: 2 TP of 3 people -> precision 1 up to recall 2/3 = 0.667: points 0 ... .66 = 67 of 101.
    expect(stats.AP).toBeCloseTo(67 / 101, 12);
    expect(stats.AR).toBeCloseTo(2 / 3, 14);
    // medium: only the medium person counts; the small one's detection matches an ignored annotation.
    expect(stats.APm).toBeCloseTo(1, 12);
    expect(stats.ARm).toBe(1);
    // large: the large person is missed; the two detections match ignored annotations.
    expect(stats.APl).toBe(0);
    expect(stats.ARl).toBe(0);
  });

  it('an unmatched detection whose own area is outside the range is ignored in that range', () => {
    const medium = person(1, body(0, 0), 2000);
    // Keypoints at (500, 500) but the last at (800, 800): area 300 x 300 = 90000 (large), far from
    // the person, so a false positive.
    const spread: number[] = new Array(51).fill(0).map((_, i) => (i % 3 === 2 ? 1 : 500));
    spread[48] = 800; spread[49] = 800;
    const results = [det(1, spread, 0.9), det(1, body(0, 0), 0.8)];
    const stats = evaluateKeypoints(gtOf([1], [medium]), results);
    expect(stats.AP).toBeCloseTo(0.5, 12); // the false positive comes first
    expect(stats.APm).toBeCloseTo(1, 12); // ... but its area (90000) is not medium
  });

  it('score order decides AP; detections of all images are ranked together', () => {
    const gt = gtOf([1, 2], [person(1, body(0, 0)), person(2, body(0, 0))]);
    const right = (score: number): CocoResult => det(1, body(0, 0), score);
    const wrong = (score: number): CocoResult => det(2, body(500, 500), score);
    // TP then FP: precision [1, 1/2], recall [1/2, 1/2] -> points up to .50 read 1.
    expect(evaluateKeypoints(gt, [right(0.9), wrong(0.8)]).AP).toBeCloseTo(51 / 101, 12);
    // FP then TP: precision [0, 1/2] -> envelope [1/2, 1/2]; points up to .50 read 1/2.
    expect(evaluateKeypoints(gt, [right(0.8), wrong(0.9)]).AP).toBeCloseTo(25.5 / 101, 12);
  });

  it('false positives on an image without people lower AP by a hand-computable amount', () => {
    const gt = gtOf([1, 2], [person(1, body(0, 0))]);
    // Ranked below the true positive: harmless.
    expect(evaluateKeypoints(gt, [det(1, body(0, 0), 0.5), det(2, body(0, 0), 0.1)]).AP).toBeCloseTo(1, 12);
    // Ranked above it: precision at recall 1 is 1/2, and every recall point reads 1/2.
    const above = evaluateKeypoints(gt, [det(1, body(0, 0), 0.5), det(2, body(0, 0), 0.9)]);
    expect(above.AP).toBeCloseTo(0.5, 12);
    expect(above.AR).toBe(1);
    // Two above it: 1/3.
    const two = [det(1, body(0, 0), 0.5), det(2, body(0, 0), 0.9), det(2, body(200, 0), 0.8)];
    expect(evaluateKeypoints(gt, two).AP).toBeCloseTo(1 / 3, 12);
  });

  it('only the 20 best detections of an image count', () => {
    const gt = gtOf([1], [person(1, body(0, 0))]);
    const falsePositives = (n: number): CocoResult[] =>
      Array.from({ length: n }, (_, i) => det(1, body(1000 + 200 * i, 1000), 0.9 - i * 0.01));
    // 19 false positives ahead of the true positive: it is 20th, precision 1/20 at recall 1.
    const kept = evaluateKeypoints(gt, [...falsePositives(19), det(1, body(0, 0), 0.1)]);
    expect(kept.AR).toBe(1);
    expect(kept.AP).toBeCloseTo(1 / 20, 12);
    // 20 ahead of it: it is 21st and dropped.
    const dropped = evaluateKeypoints(gt, [...falsePositives(20), det(1, body(0, 0), 0.1)]);
    expect(dropped.AR).toBe(0);
    expect(dropped.AP).toBe(0);
  });

  it('of two annotations with the same OKS the later one takes the detection', () => {
    // A (area 10000) and B (area 100) have their nose at the same place. The first detection is
    // exact (OKS 1 with both); pycocotools gives it to B, the later one. The second is 2 px off:
    // OKS with A = exp(-4 / 0.002704 / 10000 / 2) = 0.9287, with B = exp(-7.396) = 0.0006. So it
    // matches A at thresholds .50 to .90: recall 1 there, and 1/2 at .95. Had the tie gone to A,
    // recall would be 1/2 everywhere.
    const a = person(1, noseOnly(50, 50), 10000);
    const b = person(1, noseOnly(50, 50), 100);
    const results = [det(1, noseOnly(50, 50), 0.9), det(1, noseOnly(52, 50), 0.8)];
    const stats = evaluateKeypoints(gtOf([1], [a, b]), results);
    expect(stats.AR).toBeCloseTo(0.95, 14);
    expect(stats.AR50).toBe(1);
  });

  it('images without annotations or detections are skipped; imageIds restricts the evaluation', () => {
    const gt = gtOf([1, 2, 3], [person(1, body(0, 0)), person(2, body(0, 0))]);
    const results = [det(1, body(0, 0), 0.9)];
    expect(evaluateKeypoints(gt, results).AR).toBe(0.5);
    const only1 = evaluateKeypoints(gt, results, { imageIds: [1, 3] });
    expect(only1.AR).toBe(1);
    expect(only1.images).toBe(2);
    expect(only1.people).toBe(1);
    // No detections at all: AP 0 where people exist; no people at all: -1.
    expect(evaluateKeypoints(gt, []).AP).toBe(0);
    expect(evaluateKeypoints(gt, [], { imageIds: [3] }).AP).toBe(-1);
  });

  it('rejects malformed input with InputError', () => {
    const gt = gtOf([1], [person(1, body(0, 0))]);
    expect(() => evaluateKeypoints(gt, [det(9, body(0, 0), 1)])).toThrow(InputError);
    expect(() => evaluateKeypoints(gt, [{ ...det(1, body(0, 0), 1), keypoints: [1, 2, 3] }])).toThrow(/51 finite/);
    expect(() => evaluateKeypoints(gt, [{ ...det(1, body(0, 0), 1), score: Number.NaN }])).toThrow(InputError);
    expect(() => validateCocoGroundTruth({ images: [] })).toThrow(/annotations/);
    expect(() => validateCocoGroundTruth({ images: [{ id: 1 }], annotations: [{ id: 1 }] })).toThrow(InputError);
  });

  it('formatCocoTable prints the 10 summarize() lines', () => {
    const table = formatCocoTable({
      AP: 0.0625, AP50: 0.1875, AP75: 1, APm: -1, APl: 0.5, AR: 0.12345, AR50: 1, AR75: 0.9999, ARm: 0, ARl: -1,
      people: 0, images: 0,
    });
    const lines = table.split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 0.062');
    expect(lines[1]).toBe(' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets= 20 ] = 0.188');
    expect(lines[3]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets= 20 ] = -1.000');
    expect(lines[4]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ] = 0.500');
    expect(lines[5]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 0.123');
    expect(lines[7]).toBe(' Average Recall     (AR) @[ IoU=0.75      | area=   all | maxDets= 20 ] = 1.000');
  });
});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cocoFile = path.resolve(repoRoot, '../shared/data/coco/test_coco.json');
if (!existsSync(cocoFile)) console.warn(`skipping the real COCO ground-truth test: ${cocoFile} is absent`);

describe.skipIf(!existsSync(cocoFile))('COCO evaluation on real ground truth (mmpose test_coco.json)', () => {
  it('the ground truth scored against itself gives AP 1 and AR 1 over its 12 people with keypoints', () => {
    const gt = validateCocoGroundTruth(JSON.parse(readFileSync(cocoFile, 'utf8')));
    const results: CocoResult[] = gt.annotations
      .filter((a) => a.num_keypoints > 0)
      .map((a) => ({ image_id: a.image_id, category_id: a.category_id, keypoints: a.keypoints, score: 1 }));
    const stats = evaluateKeypoints(gt, results);
    expect(stats.people).toBe(12);
    expect(stats.images).toBe(4);
    for (const key of ['AP', 'AP50', 'AP75', 'APm', 'APl'] as const) expect(stats[key]).toBeCloseTo(1, 12);
    for (const key of ['AR', 'AR50', 'AR75', 'ARm', 'ARl'] as const) expect(stats[key]).toBe(1);
    console.log(formatCocoTable(stats));
  });
});
