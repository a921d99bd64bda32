// The package as a user installs it: `npm pack` of the built tree installed offline into an empty
// project, where the README's library example runs under node and prints the sample photo's
// people. The tarball ships typings without kernel bytes and no source maps without sources.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packedApp } from './support/packed.js';
import { REPO } from './support/runtimes.js';

/** The first ```js block after the README's "## The library in every runtime" heading. */
function readmeLibraryExample(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.indexOf('## The library in every runtime');
  expect(section, 'README section "The library in every runtime"').toBeGreaterThan(0);
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(section));
  expect(block, 'a ```js block in that section').not.toBeNull();
  return block![1]!;
}

describe('the packed package in an empty project', () => {
  const packed = packedApp();

  it('installs offline and runs the README library example, which prints poses', () => {
    const example = readmeLibraryExample();
    expect(example).toContain("from 'wasmpose'");
    // The example's one free name is the photo's bytes; the program supplies them and prints the result.
    const program = [
      "import { readFileSync } from 'node:fs';",
      "const jpegOrPngBytes = readFileSync(new URL('./node_modules/wasmpose/weights/sample/000000000785.jpg', import.meta.url));",
      example,
      'console.log(JSON.stringify(poses));',
    ].join('\n');
    writeFileSync(join(packed.app, 'readme-example.mjs'), program);
    const out = execFileSync(process.execPath, ['readme-example.mjs'], { cwd: packed.app, encoding: 'utf8', timeout: 300_000 });
    const poses = JSON.parse(out.trim().split('\n').pop()!) as { score: number; keypoints: { x: number; y: number; score: number; name: string }[] }[];
    expect(poses.length).toBeGreaterThan(0);
    expect(poses[0]!.keypoints).toHaveLength(17);
    expect(poses[0]!.keypoints[0]!.name).toBe('nose');
    for (const k of poses[0]!.keypoints) expect(Number.isFinite(k.x) && Number.isFinite(k.y)).toBe(true);
  });

  it('ships no kernel bytes in its typings and no source maps without their sources', () => {
    console.log(`npm pack: ${packed.tarball}: packed ${packed.size} bytes, unpacked ${packed.unpackedSize} bytes, ${packed.files.length} files`);
    const root = join(packed.app, 'node_modules', 'wasmpose');
    const typings = packed.files.filter((f) => f.path.endsWith('.d.ts'));
    expect(typings.length).toBeGreaterThan(0);
    for (const f of typings) {
      expect(f.size, `${f.path} is ${f.size} bytes`).toBeLessThan(64 * 1024);
      const text = readFileSync(join(root, f.path), 'utf8');
      expect(/[A-Za-z0-9+/=]{512,}/.test(text), `${f.path} holds a long base64 run`).toBe(false);
      expect(/(\d{1,3}, ?){256,}/.test(text), `${f.path} holds a long byte list`).toBe(false);
    }
    const paths = new Set(packed.files.map((f) => f.path));
    for (const f of packed.files.filter((f) => f.path.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(join(root, f.path), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      map.sources.forEach((source, i) => {
        if (map.sourcesContent?.[i] != null) return;
        const shipped = join(f.path, '..', source).replace(/\\/g, '/');
        expect(paths.has(shipped), `${f.path} names ${source}, which is not in the tarball`).toBe(true);
      });
    }
  });
});
