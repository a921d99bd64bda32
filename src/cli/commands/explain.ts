// `wasmpose explain <image> [--model M] [--weights W] --out <dir>`: a self-contained report
// (index.html + PNGs, no scripts, works offline) that walks one photo through the pipeline:
// preprocessing, the network's layers with this run's milliseconds, the raw outputs over the
// photo, the decoder's steps from its own trace, and the final skeletons. summary.json beside it
// holds the poses and the checks in machine-readable form.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { explainPhoto, type ExplainModel } from '../../explain/explain.js';
import { renderReportHtml } from '../../explain/report.js';
import { decodeImage } from '../../image/codec.js';
import { encodePng } from '../../image/png-encode.js';
import { InputError } from '../../nn/errors.js';
import { modelEntry, modelNames } from '../../models/registry.js';
import { seedNetworkSpec } from '../../pipeline/catalogue.js';
import { DEFAULT_MODEL, loadEstimatorModel } from '../../pipeline/create.js';
import { intFlag, parseArgs, UsageError } from '../args.js';
import { samplePhotoPath } from './demo.js';
import { personBoxesFrom } from './estimate.js';

export const explainUsage =
  'wasmpose explain [<image>] --out <dir> [--model <name>] [--weights <file>|seeded] [--boxes-from <model>|none] [--threads N]';

/** The model to explain: its trained weights, or (`seeded`) a seed network with seeded random weights, to see the path work. */
function loadForExplain(name: string, weights: string | undefined): ExplainModel {
  if (weights !== 'seeded') return loadEstimatorModel(name, weights);
  if (!modelNames().includes(name)) throw new UsageError(`--weights seeded builds a seed network (${modelNames().join(', ')}), not '${name}'`);
  const entry = modelEntry(name);
  return { spec: seedNetworkSpec(entry), model: entry.build({ seed: 1 }) };
}

export async function explainCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { out: { kind: 'string' }, model: { kind: 'string' }, weights: { kind: 'string' }, 'boxes-from': { kind: 'string' }, threads: { kind: 'string' } });
  const [input, ...extra] = args.positionals;
  const outDir = args.strings.get('out');
  if (outDir === undefined || extra.length > 0) throw new UsageError(`usage: ${explainUsage}`);
  const photoPath = input ?? samplePhotoPath();
  if (!existsSync(photoPath)) throw new InputError(`'${photoPath}' does not exist`);
  const name = args.strings.get('model') ?? DEFAULT_MODEL;
  const threads = intFlag(args, 'threads', 1, 1);
  const photo = decodeImage(readFileSync(photoPath));
  const net = loadForExplain(name, args.strings.get('weights'));
  const boxesFrom = personBoxesFrom(name, args.strings.get('boxes-from'));
  const detector = boxesFrom === undefined ? undefined : loadEstimatorModel(boxesFrom);
  const started = performance.now();
  const result = await explainPhoto(photo, net, {
    detector, threads, photoName: basename(photoPath),
    onProgress: (message) => console.error(`explain: ${message}`),
  });
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  for (const [file, image] of result.images) writeFileSync(join(dir, file), encodePng(image));
  writeFileSync(join(dir, 'index.html'), renderReportHtml(result.report));
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(result.summary, null, 1) + '\n');
  console.log(`${name}: ${result.summary.poses.length} ${result.summary.poses.length === 1 ? 'person' : 'people'}; ${result.images.size} figures in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`wrote ${join(dir, 'index.html')}`);
  return 0;
}
