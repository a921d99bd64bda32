// The soak: N photos (default 1000, cycling through a folder) through `estimate --render`'s path
// (decode, estimate, overlay, PNG encode) with RSS sampled every 50 photos: it must stay flat.
//   node dist/bench/soak.js [photos=1000] [folder=weights/sample]
// Prints RSS samples and the growth from the first sample after warm-up to the last.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../src/image/codec.js';
import { renderOverlay } from '../src/cli/commands/estimate.js';
import { createEstimator, DEFAULT_MODEL } from '../src/pipeline/create.js';

const count = Number(process.argv[2] ?? 1000);
const folder = process.argv[3] ?? 'weights/sample';
const files = readdirSync(folder).filter((f) => /\.(jpe?g|png)$/i.test(f)).map((f) => join(folder, f));
if (files.length === 0) throw new Error(`no photos in ${folder}`);

const estimator = await createEstimator(DEFAULT_MODEL);
const samples: number[] = [];
const started = performance.now();
for (let i = 0; i < count; i++) {
  const image = decodeImage(readFileSync(files[i % files.length]!));
  const poses = await estimator.estimate(image);
  renderOverlay(image, poses, estimator.spec.keypoints);
  if (i % 50 === 0 || i === count - 1) {
    const rss = process.memoryUsage().rss / 2 ** 20;
    samples.push(rss);
    console.log(`photo ${i + 1}/${count}: RSS ${rss.toFixed(0)} MiB`);
  }
}
estimator.dispose();
const settled = samples[Math.min(2, samples.length - 1)]!;
console.log(`${count} photos in ${((performance.now() - started) / 1000).toFixed(1)} s; RSS after warm-up ${settled.toFixed(0)} MiB, at the end ${samples[samples.length - 1]!.toFixed(0)} MiB, max ${Math.max(...samples).toFixed(0)} MiB`);
