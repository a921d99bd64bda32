// `wasmpose demo`: the default model on the bundled sample photo (COCO val2017 image 785,
// Flickr, CC BY 2.0), written as wasmpose-demo.png and wasmpose-demo.json. Needs no flags, no
// download and no other file: the model and the photo ship in the package's weights/.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../nn/errors.js';
import { createEstimator, DEFAULT_MODEL } from '../../pipeline/create.js';
import { packageDir } from '../../pipeline/model-files.js';
import { intFlag, parseArgs, UsageError } from '../args.js';
import { estimateFile, formatTimings, personBoxesFrom } from './estimate.js';

export const demoUsage = 'wasmpose demo [--out <dir>] [--threads N]';

/** The bundled sample photo. */
export function samplePhotoPath(): string {
  return join(packageDir(), 'weights', 'sample', '000000000785.jpg');
}

export async function demoCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { out: { kind: 'string' }, threads: { kind: 'string' } });
  if (args.positionals.length > 0) throw new UsageError(`usage: ${demoUsage}`);
  const outDir = resolve(args.strings.get('out') ?? '.');
  const photo = samplePhotoPath();
  if (!existsSync(photo)) throw new InputError(`the bundled sample photo is missing: ${photo}`);
  const boxesFrom = personBoxesFrom(DEFAULT_MODEL, undefined);
  const estimator = await createEstimator(DEFAULT_MODEL, { threads: intFlag(args, 'threads', 1, 1), boxesFrom });
  try {
    const result = await estimateFile(estimator, photo, true);
    mkdirSync(outDir, { recursive: true });
    const png = join(outDir, 'wasmpose-demo.png');
    const json = join(outDir, 'wasmpose-demo.json');
    writeFileSync(png, result.overlay!);
    const model = boxesFrom === undefined ? DEFAULT_MODEL : `${DEFAULT_MODEL} on ${boxesFrom} boxes`;
    writeFileSync(json, JSON.stringify({ model, image: 'COCO val2017 000000000785.jpg (Flickr, CC BY 2.0)', width: result.image.width, height: result.image.height, poses: result.poses }, null, 2) + '\n');
    console.log(`${model}: ${result.poses.length} ${result.poses.length === 1 ? 'person' : 'people'} in the sample photo`);
    console.log(formatTimings(result.timings));
    console.log(`wrote ${png}\nwrote ${json}`);
  } finally {
    estimator.dispose();
  }
  return 0;
}
