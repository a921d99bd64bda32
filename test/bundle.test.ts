// The package through a bundler, as an app built with esbuild uses it: an entry importing
// 'wasmpose', bundled from the installed tarball with nothing but entry, outfile and format, runs
// in Chromium (platform browser, the weights served beside the page and named by weightsBase) and
// under node (platform node), finding the sample photo's people in both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Browser } from 'playwright-core';
import { packedApp } from './support/packed.js';
import { findChromium, launchChromium, pageLog } from './support/runtimes.js';

type Person = { score: number; keypoints: { x: number; y: number; score: number; name: string }[] };

const PAGE_ENTRY = `import { createEstimator, decodeImage } from 'wasmpose';
try {
  const bytes = new Uint8Array(await (await fetch('/weights/sample/000000000785.jpg')).arrayBuffer());
  const estimator = await createEstimator(undefined, { weightsBase: '/weights/' });
  const poses = await estimator.estimate(decodeImage(bytes));
  estimator.dispose();
  document.getElementById('result').textContent = JSON.stringify(poses);
  document.body.dataset.wasmpose = 'done';
} catch (e) {
  document.getElementById('result').textContent = String(e && e.stack || e);
  document.body.dataset.wasmpose = 'error';
}
`;

// A bundle moves the modules away from the package's weights/; on a disk the installed
// node_modules/wasmpose above the bundle is found without options.
const NODE_ENTRY = `import { readFileSync } from 'node:fs';
import { createEstimator, decodeImage } from 'wasmpose';
const estimator = await createEstimator();
const poses = await estimator.estimate(decodeImage(readFileSync(process.argv[2])));
estimator.dispose();
console.log(JSON.stringify(poses));
`;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.jpg': 'image/jpeg', '.bin': 'application/octet-stream' };

/** esbuild's JS API from the devDependencies, imported when a test runs: entry, outfile, format esm, platform. */
async function esbuild(dir: string, platform: 'browser' | 'node'): Promise<void> {
  const { build } = await import('esbuild');
  await build({ entryPoints: [join(dir, 'entry.js')], bundle: true, outfile: join(dir, 'bundle.js'), format: 'esm', platform, absWorkingDir: dir, logLevel: 'error' });
}

function poseCheck(poses: Person[]): void {
  expect(poses.length).toBeGreaterThan(0);
  expect(poses[0]!.keypoints).toHaveLength(17);
  expect(poses[0]!.keypoints[0]!.name).toBe('nose');
  for (const k of poses[0]!.keypoints) expect(Number.isFinite(k.x) && Number.isFinite(k.y)).toBe(true);
}

describe('the package bundled by esbuild', () => {
  const packed = packedApp();

  let nodePoses: Person[] | undefined;
  it('platform node: the bundle runs under node and prints the sample photo\'s people', async () => {
    const dir = join(packed.app, 'bundle-node');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'entry.js'), NODE_ENTRY);
    await esbuild(dir, 'node');
    const photo = join(packed.app, 'node_modules', 'wasmpose', 'weights', 'sample', '000000000785.jpg');
    const out = execFileSync(process.execPath, [join(dir, 'bundle.js'), photo], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    nodePoses = JSON.parse(out.trim().split('\n').pop()!) as Person[];
    poseCheck(nodePoses);
  });

  const chromium = findChromium();
  describe.skipIf(chromium.missing)(`platform browser, in Chromium ${chromium.missing ?? ''}`, () => {
    let server: Server;
    let browser: Browser;
    let dir: string;
    beforeAll(async () => {
      dir = join(packed.app, 'bundle-browser');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'entry.js'), PAGE_ENTRY);
      writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><pre id="result"></pre><script type="module" src="/bundle.js"></script>\n');
      await esbuild(dir, 'browser');
      // The app's own static server: its page and bundle, and the package's weights/ at /weights/.
      const weights = join(packed.app, 'node_modules', 'wasmpose', 'weights');
      server = createServer((req, res) => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
        const file = path.startsWith('/weights/') ? normalize(join(weights, path.slice('/weights/'.length))) : join(dir, path === '/' ? 'index.html' : normalize(path));
        if (!(file.startsWith(weights + sep) || file.startsWith(dir + sep))) return void res.writeHead(404).end();
        try {
          const body = readFileSync(file);
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      browser = await launchChromium(chromium.path!);
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((done) => server?.close(done));
    });

    it('the bundle finds the sample photo\'s people, as the node bundle does', async () => {
      const page = await browser.newPage();
      const log = pageLog(page);
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => document.body.dataset['wasmpose'] !== undefined, null, { timeout: 300_000 });
      const state = await page.evaluate(() => document.body.dataset['wasmpose']);
      const text = (await page.textContent('#result'))!;
      await page.close();
      expect(state, `${text}\n${log.join('\n')}`).toBe('done');
      const poses = JSON.parse(text) as Person[];
      poseCheck(poses);
      if (nodePoses !== undefined) {
        expect(poses.length).toBe(nodePoses.length);
        poses.forEach((pose, p) => pose.keypoints.forEach((k, i) => {
          expect(Math.abs(k.x - nodePoses![p]!.keypoints[i]!.x)).toBeLessThanOrEqual(0.5);
          expect(Math.abs(k.y - nodePoses![p]!.keypoints[i]!.y)).toBeLessThanOrEqual(0.5);
        }));
      }
    });
  });
});
