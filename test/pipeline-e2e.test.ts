// The whole pipeline on a real photo, through every seed network of the registry with seeded
// weights: decode the JPEG, PoseEstimator (preprocessing, engine, decoder), the OpenPose JSON and
// COCO results writers, renderPoses and encodePng. Seeded weights give meaningless poses, so this
// checks the plumbing: every found keypoint lands inside the photo (bottom-up) or inside the
// person's expanded crop (top-down), unfound ones are exactly (0, 0); the files have their formats;
// the PNG decodes back to the photo's size.
//
// The big networks run at smaller inputs than their cards' (the definitions take any size, and
// the pipeline spec follows): openpose-coco 184x184 instead of 368x368 (68 instead of 272
// GFLOPs), bodyposenet 144x192, single-human-pose-estimation-0001 192x144, hrnet-w32 128x96.
// human-pose-estimation-0001 and the 3D network run at their cards' sizes; the top-down networks'
// person detector is human-pose-estimation-0001 at 64x112 (see smallDetector).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COCO_KEYPOINTS, OPENPOSE_KEYPOINTS, type BoundingBox, type Keypoint, type Pose } from '../src/decode/pose.js';
import { toCocoResults, toOpenPoseJson, type OpenPoseJson } from '../src/decode/writers.js';
import { decodeImage } from '../src/image/codec.js';
import { encodePng } from '../src/image/png-encode.js';
import type { RgbImage } from '../src/image/image.js';
import { MODELS, modelEntry, type ModelEntry } from '../src/models/registry.js';
import { seedNetworkSpec } from '../src/pipeline/catalogue.js';
import { isTopDown } from '../src/pipeline/decoders.js';
import { PoseEstimator } from '../src/pipeline/estimator.js';
import type { NetworkSpec } from '../src/pipeline/network-spec.js';
import { cropForPerson } from '../src/pipeline/preprocess.js';
import { COCO17_SKELETON, OPENPOSE18_SKELETON, renderPoses } from '../src/render/overlay.js';

const repoRoot = resolve(import.meta.dirname, '..');
const photoPath = resolve(repoRoot, '../shared/data/coco/000000000785.jpg');
const IMAGE_ID = 785;
const available = existsSync(photoPath);
if (!available) console.log(`pipeline-e2e: skipped, the photo ${photoPath} is absent`);

/** Inputs the networks run at here: undefined is the card's (see the header). */
const RUN_SIZES: Record<string, { height: number; width: number } | undefined> = {
  'human-pose-estimation-0001': undefined,
  'human-pose-estimation-3d-0001': undefined,
  'single-human-pose-estimation-0001': { height: 192, width: 144 },
  'openpose-coco': { height: 184, width: 184 },
  bodyposenet: { height: 144, width: 192 },
  'hrnet-w32': { height: 128, width: 96 },
};

/** The skier's COCO box, and a box in the photo's corner whose expanded crop runs past the edges. */
const BOXES: BoundingBox[] = [
  { xMin: 280.79, yMin: 44.73, width: 218.7, height: 346.68, xMax: 280.79 + 218.7, yMax: 44.73 + 346.68 },
  { xMin: 560, yMin: 330, width: 79, height: 94, xMax: 639, yMax: 424 },
];

/** The registry entry's pipeline spec at the size the network runs at here. */
function specAt(entry: ModelEntry): NetworkSpec {
  const spec = seedNetworkSpec(entry);
  const size = RUN_SIZES[entry.name];
  return size === undefined ? spec : { ...spec, input: { ...spec.input, ...size } };
}

async function estimatorFor(entry: ModelEntry, detector?: PoseEstimator): Promise<PoseEstimator> {
  return PoseEstimator.create(specAt(entry), entry.build({ ...RUN_SIZES[entry.name], seed: 5 }), { detector });
}

/**
 * The person detector of the top-down networks: human-pose-estimation-0001 at 64x112. With
 * seeded weights it "finds" people all over the photo, 91 at its card size (each one a top-down
 * run); at 64x112 with seed 5 it finds 10, which keeps the runs few.
 */
async function smallDetector(): Promise<PoseEstimator> {
  const entry = modelEntry('human-pose-estimation-0001');
  const size = { height: 64, width: 112 };
  const spec = seedNetworkSpec(entry);
  return PoseEstimator.create({ ...spec, input: { ...spec.input, ...size } }, entry.build({ ...size, seed: 5 }));
}

/** A keypoint is found with a positive score; unfound ones are exactly (0, 0) with score 0. */
function expectKeypointsWithin(pose: Pose, names: readonly string[], bounds: { left: number; top: number; right: number; bottom: number }, what: string): void {
  expect(pose.keypoints.map((k) => k.name), what).toEqual([...names]);
  for (const k of pose.keypoints) {
    const where = `${what} ${k.name} at (${k.x}, ${k.y}) score ${k.score}`;
    if (k.score > 0) {
      expect(Number.isFinite(k.x) && Number.isFinite(k.y), where).toBe(true);
      expect(k.x >= bounds.left && k.x <= bounds.right && k.y >= bounds.top && k.y <= bounds.bottom, `${where} outside ${JSON.stringify(bounds)}`).toBe(true);
    } else {
      expect([k.x, k.y, k.score], where).toEqual([0, 0, 0]);
    }
  }
}

/** The photo's extent in pixel-centre coordinates: pixel i covers [i - 0.5, i + 0.5]. */
function imageBounds(image: RgbImage): { left: number; top: number; right: number; bottom: number } {
  return { left: -0.5, top: -0.5, right: image.width - 0.5, bottom: image.height - 0.5 };
}

/** A pose's keypoints in the OpenPose 18 order, by name (the 3D network's are in the Panoptic order). */
function inOpenPoseOrder(pose: Pose): Pose {
  const byName = new Map(pose.keypoints.map((k) => [k.name, k]));
  const keypoints = OPENPOSE_KEYPOINTS.map((name): Keypoint => byName.get(name) ?? { x: 0, y: 0, score: 0, name });
  return { ...pose, keypoints };
}

describe.skipIf(!available)('a real photo through every seed network (seeded weights)', () => {
  const out = mkdtempSync(join(tmpdir(), 'wasmpose-e2e-'));
  let photo: RgbImage;
  let detector: PoseEstimator;

  beforeAll(async () => {
    photo = decodeImage(readFileSync(photoPath));
    detector = await smallDetector();
  });
  afterAll(() => {
    detector?.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  /** Writes both JSON files and the PNG for `poses` and checks their formats. */
  function writeAndCheckOutputs(entry: ModelEntry, poses: Pose[], tag: string): void {
    const openPoseOrder = entry.keypoints.includes('neck');
    const forWriters = openPoseOrder ? poses.map(inOpenPoseOrder) : poses;

    const openPosePath = join(out, `${tag}_keypoints.json`);
    writeFileSync(openPosePath, JSON.stringify(toOpenPoseJson(forWriters, openPoseOrder ? OPENPOSE_KEYPOINTS : COCO_KEYPOINTS)));
    const openPose = JSON.parse(readFileSync(openPosePath, 'utf8')) as OpenPoseJson;
    expect(openPose.version).toBe(1.3);
    expect(openPose.people).toHaveLength(poses.length);
    const perPerson = (openPoseOrder ? 18 : 17) * 3;
    for (const person of openPose.people) {
      expect(person.pose_keypoints_2d).toHaveLength(perPerson);
      expect(person.pose_keypoints_2d.every(Number.isFinite)).toBe(true);
    }

    const cocoPath = join(out, `${tag}_coco.json`);
    writeFileSync(cocoPath, JSON.stringify(toCocoResults(forWriters, IMAGE_ID, { from: openPoseOrder ? 'openpose18' : 'coco17' })));
    const coco = JSON.parse(readFileSync(cocoPath, 'utf8')) as { image_id: number; category_id: number; keypoints: number[]; score: number }[];
    expect(coco).toHaveLength(poses.length);
    for (const result of coco) {
      expect(result.image_id).toBe(IMAGE_ID);
      expect(result.category_id).toBe(1);
      expect(result.keypoints).toHaveLength(51);
      expect(Number.isFinite(result.score)).toBe(true);
    }

    const pngPath = join(out, `${tag}.png`);
    writeFileSync(pngPath, encodePng(renderPoses(photo, forWriters, { skeleton: openPoseOrder ? OPENPOSE18_SKELETON : COCO17_SKELETON, drawBoxes: true })));
    const back = decodeImage(readFileSync(pngPath));
    expect([back.width, back.height]).toEqual([photo.width, photo.height]);
  }

  for (const entry of MODELS) {
    const size = RUN_SIZES[entry.name];
    const sizeNote = size === undefined ? 'card size' : `${size.height}x${size.width}`;
    if (!isTopDown(seedNetworkSpec(entry))) {
      it(`${entry.name} (bottom-up, ${sizeNote}): keypoints inside the photo, JSON and PNG`, async () => {
        const estimator = await estimatorFor(entry);
        const poses = await estimator.estimate(photo);
        console.log(`${entry.name}: ${poses.length} people (seeded weights)`);
        // The photo is letterboxed (padded right or below) to the input: a peak in the padding
        // must not come back as a keypoint beyond the photo's edge.
        poses.forEach((pose, p) => expectKeypointsWithin(pose, entry.keypoints, imageBounds(photo), `${entry.name} person ${p}`));
        if (entry.decoder === 'pose3d') for (const pose of poses) expect(pose.keypoints3D).toHaveLength(entry.keypoints.length);
        writeAndCheckOutputs(entry, poses, entry.name);
        estimator.dispose();
      });
    } else {
      it(`${entry.name} (top-down, ${sizeNote}): given boxes and boxes from human-pose-estimation-0001`, async () => {
        const spec = specAt(entry);
        // Not disposed: disposing would also dispose the shared detector (disposed at the end).
        const estimator = await estimatorFor(entry, detector);

        const given = await estimator.estimate(photo, { boxes: BOXES });
        expect(given).toHaveLength(BOXES.length);
        given.forEach((pose, p) => {
          // The crop is the box grown to the network's aspect ratio, then by 1.25, about its centre.
          const crop = cropForPerson(photo, BOXES[p]!, spec.input);
          const [cx, cy] = crop.center;
          const [w, h] = crop.cropSize;
          expectKeypointsWithin(pose, entry.keypoints, { left: cx - w / 2, top: cy - h / 2, right: cx + w / 2, bottom: cy + h / 2 }, `${entry.name} box ${p}`);
          expect(pose.box).toEqual(BOXES[p]);
        });
        writeAndCheckOutputs(entry, given, `${entry.name}_boxes`);

        const people = await detector.estimate(photo);
        const detected = await estimator.estimate(photo);
        console.log(`${entry.name}: ${detected.length} people on the boxes of ${people.length} found by human-pose-estimation-0001 (seeded weights)`);
        expect(detected.length).toBeGreaterThan(0);
        expect(detected.length).toBeLessThanOrEqual(people.length);
        for (const [p, pose] of detected.entries()) {
          const crop = cropForPerson(photo, pose.box!, spec.input);
          const [cx, cy] = crop.center;
          const [w, h] = crop.cropSize;
          expectKeypointsWithin(pose, entry.keypoints, { left: cx - w / 2, top: cy - h / 2, right: cx + w / 2, bottom: cy + h / 2 }, `${entry.name} detected ${p}`);
        }
        writeAndCheckOutputs(entry, detected, `${entry.name}_detected`);
      });
    }
  }
});
