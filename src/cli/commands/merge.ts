// `wasmpose merge <results.json>... --out <merged.json>`: the COCO results files of `estimate
// --shard i/n` runs as one, as if one run had gone over the whole folder: entries in image order
// (then in each file's own order), every image from exactly one shard. An image found in two
// files means overlapping shards (or files from different data sets) and is an error.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../../nn/errors.js';
import { parseArgs, UsageError } from '../args.js';

export const mergeUsage = 'wasmpose merge <coco_results.json>... [--out <merged.json>] (default: standard output)';

type Entry = { image_id: number } & Record<string, unknown>;

function readResults(path: string): Entry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(readFileSync(path)));
  } catch (e) {
    throw new InputError(`'${path}' is not a readable JSON file: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new InputError(`'${path}' is not a COCO results file (a JSON array of detections)`);
  parsed.forEach((entry: unknown, i) => {
    const e = entry as Partial<Entry> | null;
    if (e === null || typeof e !== 'object' || !Number.isInteger(e.image_id) || !Array.isArray(e.keypoints)) {
      throw new InputError(`'${path}' entry ${i} is not a COCO keypoint result ({ image_id, keypoints, ... })`);
    }
  });
  return parsed as Entry[];
}

/** Shards' COCO results as one list; throws when an image is in two of them. */
export function mergeCocoResults(files: readonly { path: string; results: readonly Entry[] }[]): Entry[] {
  const owner = new Map<number, string>();
  for (const { path, results } of files) {
    for (const id of new Set(results.map((r) => r.image_id))) {
      const other = owner.get(id);
      if (other !== undefined) throw new InputError(`image ${id} is in both '${other}' and '${path}': overlapping shards, or results of different data sets`);
      owner.set(id, path);
    }
  }
  // Array.prototype.sort is stable: each image keeps its file's order of people.
  return files.flatMap((f) => f.results).sort((a, b) => a.image_id - b.image_id);
}

export async function mergeCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { out: { kind: 'string' } });
  if (args.positionals.length === 0) throw new UsageError(`usage: ${mergeUsage}`);
  const merged = mergeCocoResults(args.positionals.map((path) => ({ path, results: readResults(path) })));
  const text = JSON.stringify(merged) + '\n';
  const out = args.strings.get('out');
  if (out === undefined) {
    process.stdout.write(text);
  } else {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text);
    console.error(`wasmpose merge: ${merged.length} detections on ${new Set(merged.map((r) => r.image_id)).size} images from ${args.positionals.length} files -> ${out}`);
  }
  return 0;
}
