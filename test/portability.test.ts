// The engine core must run in browsers and workers: no Node-only module outside the file
// loaders and the CLI.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');
/** Files allowed to use Node's modules: they find and load files, or are the command line. */
const NODE_ONLY = [/^cli\//, /^node\//, /^node\.ts$/, /png-encode\.ts$/, /spawn-node\.ts$/, /^download\//, /^video\/ffmpeg\.ts$/];

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

it('keeps everything the public index imports free of Node modules', () => {
  // Walk the import graph from src/index.ts: a portable module importing a Node-only one would
  // break the browser build even though each file passes the check above.
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
      if (spec!.startsWith('.')) visit(join(file, '..', spec!.replace(/\.js$/, '.ts')));
      else if (/^(node:|fs$|path$|os$|worker_threads$|child_process$)/.test(spec!)) offenders.push(`${relative(SRC, file)} imports ${spec}`);
    }
  };
  visit(join(SRC, 'index.ts'));
  expect(offenders).toEqual([]);
});
