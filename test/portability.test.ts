// The engine core must run in browsers and workers: no Node-only module outside the file
// loaders and the CLI.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');
/** Files allowed to use Node's modules: they find and load files, or are the command line. */
const NODE_ONLY = [/^cli\//, /load-file\.ts$/, /^node\//, /^node\.ts$/, /codec\.ts$/, /spawn-node\.ts$/, /^weights\//, /^pipeline\/(create|tfjs-models)\.ts$/];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

it('keeps Node-only imports out of the portable core', () => {
  const offenders = sourceFiles(SRC)
    .map((path) => relative(SRC, path))
    .filter((rel) => !NODE_ONLY.some((re) => re.test(rel)))
    .filter((rel) => /from ['"](node:[a-z_/]+|fs|path|worker_threads|os|child_process)['"]/.test(readFileSync(join(SRC, rel), 'utf8')));
  expect(offenders).toEqual([]);
});
