// One import, every runtime: the same script (test/runtimes/sample-poses.js: the default model on
// the bundled sample photo, through the public API) in Node, a Chromium page, a Chromium module
// Web Worker, Deno and Bun; and the worker entry (wasmpose/worker) in Node and in a page. Same people, keypoints within 0.5 px; bit-identical where the same
// engine runs the same WebAssembly build (V8 in Node, Chromium and Deno). Runs the built package
// (dist/), as users do. Runtimes that are missing are skipped with the reason.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../src/cli/commands/serve.js';
import { findChromium, findNpmRuntime, launchChromium, pageLog, REPO, routeTestFiles, servePackage } from './support/runtimes.js';

interface SampleResult {
  build: 'simd' | 'relaxed';
  sharedMemory: boolean;
  inferMs: number;
  poses: { score: number; keypoints: [number, number, number][] }[];
}

const run = promisify(execFile);
const results = new Map<string, SampleResult>();
const chromium = findChromium();
const deno = findNpmRuntime('deno');
const bun = findNpmRuntime('bun');

async function runScript(command: string, args: string[], script = 'test/runtimes/main.js'): Promise<SampleResult> {
  const { stdout } = await run(command, [...args, script, '1'], { cwd: REPO, timeout: 180_000, maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as SampleResult;
}

describe('the same script in five runtimes', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (chromium.path === undefined) return;
    server = await servePackage();
    browser = await launchChromium(chromium.path);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('Node', async () => {
    results.set('node', await runScript(process.execPath, []));
  });

  it.skipIf(deno.missing)(`Deno ${deno.missing ?? ''}`, async () => {
    results.set('deno', await runScript(deno.path!, ['run', '--allow-read', '--allow-env']));
  });

  it.skipIf(bun.missing)(`Bun ${bun.missing ?? ''}`, async () => {
    results.set('bun', await runScript(bun.path!, []));
  });

  it('Node, wasmpose/worker (a worker thread; the pixels transferred)', async () => {
    const result = await runScript(process.execPath, [], 'test/runtimes/worker-main.js');
    expect((result as SampleResult & { detached: boolean }).detached).toBe(true);
    results.set('node wasmpose/worker', result);
  });

  for (const where of ['page', 'worker', 'wasmpose/worker', 'wasmpose/worker img'] as const) {
    const label = { page: 'page', worker: 'module Web Worker', 'wasmpose/worker': 'page through wasmpose/worker', 'wasmpose/worker img': 'page through wasmpose/worker, an <img>' }[where];
    it.skipIf(chromium.missing)(`a Chromium ${label} ${chromium.missing ?? ''}`, async () => {
      const page = await browser!.newPage();
      const log = pageLog(page);
      await routeTestFiles(page);
      await page.goto(new URL('/test-runtimes/page.html', server!.url).href);
      await page.waitForFunction(() => 'runSample' in window);
      try {
        results.set(`chromium ${where}`, await page.evaluate((w) => (window as unknown as { runSample(w: string, t: number): Promise<SampleResult> }).runSample(w, 1), where));
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${log.join('\n')}`);
      } finally {
        await page.close();
      }
    });
  }

  it('finds the same people everywhere, keypoints within 0.5 px, bit-identical on the same engine and build', () => {
    const node = results.get('node');
    expect(node, 'the Node run').toBeDefined();
    expect(node!.poses.length).toBeGreaterThan(0);
    const v8 = ['node', 'deno', 'chromium page', 'chromium worker'];
    for (const [name, result] of results) {
      expect(result.poses.length, name).toBe(node!.poses.length);
      // An <img> is decoded by the browser's own JPEG decoder (libjpeg-turbo's IDCT and chroma
      // upsampling), not wasmpose's: slightly different pixels, so only its confident keypoints
      // (score >= 0.3), within 1% of the photo's diagonal (640 x 425: 7.7 px).
      const browserDecoded = name.endsWith('img');
      result.poses.forEach((pose, p) => {
        pose.keypoints.forEach(([x, y, score], k) => {
          const [nx, ny, nscore] = node!.poses[p]!.keypoints[k]!;
          if (browserDecoded && Math.min(score, nscore) < 0.3) return;
          const bound = browserDecoded ? 7.7 : 0.5;
          expect(Math.abs(x - nx), `${name} person ${p} keypoint ${k} x`).toBeLessThanOrEqual(bound);
          expect(Math.abs(y - ny), `${name} person ${p} keypoint ${k} y`).toBeLessThanOrEqual(bound);
          if (!browserDecoded) expect(Math.abs(score - nscore), `${name} person ${p} keypoint ${k} score`).toBeLessThanOrEqual(0.01);
        });
      });
    }
    // The same engine (V8) running the same build computes the same floats.
    for (const a of v8) {
      for (const b of v8) {
        const ra = results.get(a);
        const rb = results.get(b);
        if (a < b && ra !== undefined && rb !== undefined && ra.build === rb.build) expect(rb.poses, `${a} and ${b} (${ra.build} build)`).toEqual(ra.poses);
      }
    }
    console.log([...results].map(([name, r]) => `${name}: ${r.build ?? "(in a worker)"} build, ${r.poses.length} people, inference ${r.inferMs.toFixed(0)} ms`).join('\n'));
  });
});
