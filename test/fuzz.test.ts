// The fuzz harness in the suite: a short fixed-seed pass of every format (in process), and every
// reproducer a campaign ever wrote (test/fuzz-corpus/<format>/<finding>/) replayed as a
// regression case. Each case must end in success or a WasmposeError: anything else is a bug.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseOf, TARGETS, type FileSet } from '../fuzz/targets.js';
import { WasmposeError } from '../src/nn/errors.js';

const CORPUS = join(import.meta.dirname, 'fuzz-corpus');

async function outcome(format: string, files: FileSet): Promise<string> {
  try {
    await TARGETS.get(format)!.run(files);
    return 'ok';
  } catch (e) {
    return e instanceof WasmposeError ? 'typed' : `untyped ${String(e)}\n${(e as Error).stack ?? ''}`;
  }
}

describe('fuzz: fixed-seed pass per format', () => {
  for (const [format, target] of TARGETS) {
    it(`${format}: 60 mutated cases end in success or a typed error`, async () => {
      const seeds = target.seeds();
      for (const seed of seeds) expect(await outcome(format, seed), `${format} seed`).toBe('ok');
      for (let index = 0; index < 60; index++) {
        const result = await outcome(format, caseOf(target, seeds, 20261207, index));
        expect(result === 'ok' || result === 'typed', `${format} case ${index}: ${result}`).toBe(true);
      }
    });
  }
});

describe('fuzz: every reproducer in test/fuzz-corpus', () => {
  const cases = existsSync(CORPUS)
    ? readdirSync(CORPUS).flatMap((format) => readdirSync(join(CORPUS, format)).map((finding) => [format, finding] as const))
    : [];
  it.each(cases)('%s/%s', async (format, finding) => {
    const dir = join(CORPUS, format, finding);
    const files: FileSet = new Map(readdirSync(dir).filter((f) => f !== 'finding.json').map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
    const result = await outcome(format, files);
    expect(result === 'ok' || result === 'typed', result).toBe(true);
  });
});
