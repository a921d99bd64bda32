// The demo page's feature modules in Chromium: the network-maps toggle draws the current photo's
// heatmaps over it, and turning it off restores the photo. Screenshots go to
// $WASMPOSE_SHOTS when set, for people to look at.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumOnServedPackage, findChromium, pageLog, shoot } from './support/runtimes.js';

const chromium = findChromium();

/** Canvas pixels (RGBA) of the page's photo area. */
function canvasPixels(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#stage canvas')!;
    return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
  });
}

describe.skipIf(chromium.missing)(`the demo page's features in Chromium ${chromium.missing ?? ''}`, () => {
  const demo = chromiumOnServedPackage(chromium.path!);

  it('the network-maps toggle draws the sample photo\'s keypoint heatmaps over it', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1200, height: 800 } });
    const log = pageLog(page);
    await page.goto(new URL('/?sample&threads=1', demo.server.url).href);
    await page.waitForFunction(() => document.body.dataset['wasmpose'] !== undefined, null, { timeout: 300_000 });
    expect(await page.evaluate(() => document.body.dataset['wasmpose']), log.join('\n')).toBe('done');
    const before = await canvasPixels(page);
    await page.selectOption('#maps', 'heatmaps');
    await page.waitForFunction(() => document.body.dataset['maps'] === 'heatmaps' || document.querySelector('#maps-note')!.textContent !== '', null, { timeout: 300_000 });
    expect(await page.textContent('#maps-note')).toMatch(/maximum over the keypoint heatmaps, \d+ network runs?/);
    const after = await canvasPixels(page);
    await shoot(page, 'page-heatmaps.png');
    // The overlay covers the people: many pixels change, and some become the scale's bright yellow-white.
    let changed = 0, hot = 0;
    for (let i = 0; i < after.length; i += 4) {
      if (Math.abs(after[i]! - before[i]!) + Math.abs(after[i + 1]! - before[i + 1]!) + Math.abs(after[i + 2]! - before[i + 2]!) > 30) changed++;
      if (after[i]! > 180 && after[i]! > after[i + 2]! + 80) hot++; // the dimmed photo is below 116
    }
    expect(changed).toBeGreaterThan(500);
    expect(hot).toBeGreaterThan(10);
    // Off again: the photo and skeletons as before.
    await page.selectOption('#maps', '');
    expect(await canvasPixels(page)).toEqual(before);
    expect(log.filter((line) => line.startsWith('pageerror'))).toEqual([]);
    await page.close();
  }, 600_000);
});
