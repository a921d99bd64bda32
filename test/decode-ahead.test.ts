// Decoding ahead on a worker thread (src/cli/decode-ahead.ts): the same images as decoding in
// place, and a broken file still fails with the plain path's error. The worker runs the built
// decoder, so its path is checked through the built CLI; from the TypeScript sources the class
// falls back to decoding on the calling thread.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeAhead } from '../src/cli/decode-ahead.js';
import { decodeImage } from '../src/image/codec.js';
import { encodePng } from '../src/image/png-encode.js';
import { ImageError } from '../src/nn/errors.js';

const repoRoot = resolve(import.meta.dirname, '..');
const samplePhoto = join(repoRoot, 'weights/sample/000000000785.jpg');
const dir = mkdtempSync(join(tmpdir(), 'wasmpose-decode-ahead-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DecodeAhead', () => {
  it('gives the images decoding in place gives, requested or not, and the plain error for a broken file', async () => {
    const png = join(dir, 'b.png');
    writeFileSync(png, encodePng(decodeImage(readFileSync(samplePhoto))));
    const broken = join(dir, 'broken.jpg');
    writeFileSync(broken, readFileSync(samplePhoto).subarray(0, 200));
    const ahead = new DecodeAhead();
    try {
      ahead.request(samplePhoto);
      ahead.request(broken);
      for (const file of [samplePhoto, png]) {
        const image = await ahead.take(file);
        expect(image.data).toEqual(decodeImage(readFileSync(file)).data);
      }
      await expect(ahead.take(broken)).rejects.toThrow(ImageError);
    } finally {
      ahead.close();
    }
  });

  const cli = join(repoRoot, 'bin/wasmpose.js');
  it.skipIf(!existsSync(join(repoRoot, 'dist/src/cli/decode-ahead.js')))('the built CLI decodes a folder ahead on a worker: same poses, the decode wait near zero', () => {
    const photos = join(dir, 'photos');
    mkdirSync(photos);
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) writeFileSync(join(photos, name), readFileSync(samplePhoto));
    const json = join(dir, 'json');
    const out = execFileSync(process.execPath, [cli, 'estimate', photos, '--model', 'posenet', '--json', json], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/wall time per image [\d.]+ ms, [\d.]+x the network's/);
    const single = join(dir, 'single.json');
    execFileSync(process.execPath, [cli, 'estimate', samplePhoto, '--model', 'posenet', '--json', single], { stdio: 'ignore' });
    const expected = readFileSync(single, 'utf8');
    for (const name of ['a', 'b', 'c']) expect(readFileSync(join(json, `${name}_keypoints.json`), 'utf8')).toBe(expected);
  }, 120_000);
});
