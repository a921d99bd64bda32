// The demo page of `wasmpose serve` in Chromium: `/?sample` with 2 threads under COOP/COEP puts the
// sample photo's people, as OpenPose JSON, into <pre id="wasmpose-result">, the same people Node
// finds. And a page that is not cross-origin isolated asking for 2 threads runs on one, with one
// notice, instead of failing.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../src/image/codec.js';
import { createEstimator } from '../src/pipeline/create.js';
import { chromiumOnServedPackage, findChromium, pageLog, REPO, routeTestFiles } from './support/runtimes.js';

const chromium = findChromium();

describe.skipIf(chromium.missing)(`the demo page in Chromium ${chromium.missing ?? ''}`, () => {
  const demo = chromiumOnServedPackage(chromium.path!);

  it('serves the page cross-origin isolated, and nothing outside the package folders', async () => {
    const index = await fetch(demo.server.url);
    expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(index.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await index.text()).toContain('wasmpose-result');
    for (const path of ['/package.json', '/web/../package.json', '/dist/src/../../package.json', '/weights/%2e%2e/package.json']) {
      expect((await fetch(new URL(path, demo.server.url))).status, path).toBe(404);
    }
  });

  it('/?sample with 2 threads puts the sample photo\'s people into #wasmpose-result as OpenPose JSON', async () => {
    const page = await demo.browser.newPage();
    const log = pageLog(page);
    await page.goto(new URL('/?sample&threads=2', demo.server.url).href);
    await page.waitForFunction(() => document.body.dataset['wasmpose'] !== undefined, null, { timeout: 300_000 });
    expect(await page.evaluate(() => document.body.dataset['wasmpose']), log.join('\n')).toBe('done');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent('#status')).toMatch(/2 threads/);
    const json = JSON.parse((await page.textContent('#wasmpose-result'))!) as { version: number; people: { pose_keypoints_2d: number[] }[] };
    await page.close();

    const estimator = await createEstimator();
    const poses = await estimator.estimate(decodeImage(readFileSync(join(REPO, 'weights', 'sample', '000000000785.jpg'))));
    estimator.dispose();
    expect(json.version).toBe(1.3);
    expect(json.people.length).toBe(poses.length);
    json.people.forEach((person, p) => {
      poses[p]!.keypoints.forEach((k, i) => {
        if (person.pose_keypoints_2d[3 * i + 2] === 0) return; // not found: 0,0,0 in OpenPose JSON
        expect(Math.abs(person.pose_keypoints_2d[3 * i]! - k.x)).toBeLessThanOrEqual(0.5);
        expect(Math.abs(person.pose_keypoints_2d[3 * i + 1]! - k.y)).toBeLessThanOrEqual(0.5);
      });
    });
  });

  it('runs a page without cross-origin isolation on one thread with one notice, not an error', async () => {
    const page = await demo.browser.newPage();
    const log = pageLog(page);
    await routeTestFiles(page, false);
    await page.goto(new URL('/test-runtimes/page.html', demo.server.url).href);
    await page.waitForFunction(() => 'runSample' in window);
    const run = () => page.evaluate(() => (window as unknown as { runSample(w: string, t: number): Promise<{ sharedMemory: boolean; poses: unknown[] }> }).runSample('page', 2));
    const first = await run();
    const second = await run();
    await page.close();
    expect(first.sharedMemory).toBe(false);
    expect(first.poses.length).toBeGreaterThan(0);
    expect(second.poses).toEqual(first.poses);
    expect(log.filter((line) => line.includes('shared WebAssembly memory is unavailable'))).toHaveLength(1);
    expect(log.filter((line) => line.startsWith('pageerror') || line.startsWith('error'))).toEqual([]);
  });
});
