// The demo page's webcam mode in Chromium, on Chromium's fake camera playing a clip that ffmpeg
// makes from a ../shared/data photo of two people (the view pans and zooms in, then goes back, and
// the camera loops it): both people drawn in their tracks' colours with ids that stay theirs frame
// after frame, frames per second shown, the page still answering after 15 s of estimates, and the
// button's second click ending the camera's tracks. A screenshot goes to $WASMPOSE_SHOTS when set.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasFfmpeg } from '../src/video/ffmpeg.js';
import { personColour } from '../src/web/draw.js';
import { chromiumOnServedPackage, findChromium, pageLog, shoot } from './support/runtimes.js';
import { ffmpeg } from './support/video-clips.js';

/** Two people seated apart, in black and white: any coloured pixel on the page's canvas is drawn. */
const PHOTO = resolve(import.meta.dirname, '../../shared/data/coco/000000040083.jpg');
const chromium = findChromium();
const skipped =
  chromium.missing ??
  (!hasFfmpeg() ? '(skipped: no ffmpeg on PATH and no @ffmpeg-installer/ffmpeg to make the camera clip)' : undefined) ??
  (!existsSync(PHOTO) ? `(skipped: ${PHOTO} is missing)` : undefined);
const clip = join(mkdtempSync(join(tmpdir(), 'wasmpose-webcam-')), 'camera.y4m');

/** One processed webcam frame as the page shows it: the panel's track ids and the JSON's person ids. */
interface ShownFrame {
  tracks: string;
  personIds: number[];
}

type WebcamWindow = Window & { webcamStreams: MediaStream[]; shownFrames: ShownFrame[] };

const shownFrames = (page: Page) => page.evaluate(() => (window as unknown as WebcamWindow).shownFrames);
const idsOf = (frame: ShownFrame) => [...frame.tracks.matchAll(/#(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);

describe.skipIf(skipped !== undefined)(`the demo page's webcam in Chromium ${skipped ?? ''}`, () => {
  // 2 s at 15 fps zooming in on the photo while panning right, then the same frames backwards,
  // so that the looping camera moves smoothly, as a camera does.
  beforeAll(() => {
    const zoom = "zoompan=z='1+0.15*on/30':x='(iw-iw/zoom)*on/30':y='(ih-ih/zoom)/2':d=1:s=480x320:fps=15";
    ffmpeg('-loop', '1', '-i', PHOTO, '-filter_complex', `[0]scale=960:640,${zoom},trim=end_frame=30,split[a][b];[b]reverse[r];[a][r]concat=n=2:v=1:a=0,format=yuv420p`, clip);
  });
  const demo = chromiumOnServedPackage(chromium.path!, ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`]);

  it('tracks both people with stable ids, shows fps, survives 15 s, and Stop ends the camera', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1200, height: 800 } });
    const log = pageLog(page);
    page.on('crash', () => log.push('pageerror: the page crashed'));
    // Every stream the page opens (to see Stop end its tracks), and every frame the panel shows.
    await page.addInitScript(() => {
      const w = window as unknown as WebcamWindow;
      w.webcamStreams = [];
      w.shownFrames = [];
      const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        const stream = await getUserMedia(constraints);
        w.webcamStreams.push(stream);
        return stream;
      };
    });
    await page.goto(new URL('/?threads=1', demo.server.url).href);
    await page.waitForSelector('#webcam-tracks', { state: 'attached' });
    await page.evaluate(() => {
      const tracks = document.querySelector('#webcam-tracks')!;
      new MutationObserver(() => {
        if (tracks.textContent === '') return; // cleared by Stop
        const json = JSON.parse(document.querySelector('#wasmpose-result')!.textContent!) as { people: { person_id: number[] }[] };
        (window as unknown as WebcamWindow).shownFrames.push({ tracks: tracks.textContent!, personIds: json.people.map((p) => p.person_id[0]!) });
      }).observe(tracks, { childList: true, characterData: true, subtree: true });
    });

    const started = Date.now();
    await page.click('#webcam');
    await page.waitForFunction(() => (window as unknown as WebcamWindow).shownFrames.length >= 12, null, { timeout: 300_000 });
    await page.waitForFunction(() => /frames per second/.test(document.querySelector('#webcam-fps')!.textContent!), null, { timeout: 60_000 });
    // Still estimating, and still answering, 15 s after the start (a page whose estimates never
    // let it run its tasks froze here).
    await page.waitForTimeout(Math.max(0, started + 15_000 - Date.now()));
    const before = (await shownFrames(page)).length;
    await page.waitForFunction((n) => (window as unknown as WebcamWindow).shownFrames.length > n, before, { timeout: 60_000 });
    await shoot(page, 'webcam.png');

    // Both people tracked, and never another id: a person the network misses in a frame (a
    // camera's first frames, a weak detection) comes back with their own id, not a new one.
    const frames = await shownFrames(page);
    const history = JSON.stringify(frames.map((f) => f.tracks));
    const withBoth = frames.filter((f) => idsOf(f).length === 2);
    expect(withBoth.length, history).toBeGreaterThanOrEqual(Math.max(8, frames.length / 2));
    const ids = idsOf(withBoth[0]!);
    expect([...new Set(frames.flatMap(idsOf))].sort((a, b) => a - b), history).toEqual(ids);
    for (const frame of frames) expect([...frame.personIds].sort((a, b) => a - b)).toEqual(idsOf(frame)); // OpenPose JSON's person_id
    const fps = /^(\d+\.\d) frames per second, (\d+) frames$/.exec((await page.textContent('#webcam-fps'))!);
    expect(fps, 'the fps line').not.toBeNull();
    expect(Number(fps![1])).toBeGreaterThan(0);
    // Each person drawn in their track's colour (the photo itself is grey).
    const counts = await page.evaluate((colours) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#stage canvas')!;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const rgb = colours.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
      const count = rgb.map(() => 0);
      for (let i = 0; i < data.length; i += 4) {
        rgb.forEach(([r, g, b], k) => {
          if (Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 30) count[k]!++;
        });
      }
      return count;
    }, ids.map((id) => personColour({ id, keypoints: [], score: 1 }, 0)));
    for (const count of counts) expect(count).toBeGreaterThan(100);

    // Stop: the camera's tracks end and the estimates stop.
    await page.click('#webcam');
    await page.waitForFunction(() => document.body.dataset['webcam'] === 'off', null, { timeout: 60_000 });
    expect(await page.textContent('#webcam')).toBe('Webcam');
    expect(await page.textContent('#webcam-fps')).toBe('off');
    const states = await page.evaluate(() => (window as unknown as WebcamWindow).webcamStreams.flatMap((s) => s.getTracks().map((t) => t.readyState)));
    expect(states).toEqual(['ended']);
    const stopped = (await shownFrames(page)).length;
    await page.waitForTimeout(1000);
    expect((await shownFrames(page)).length).toBe(stopped);

    // And it starts again on a second camera stream.
    await page.click('#webcam');
    await page.waitForFunction((n) => (window as unknown as WebcamWindow).shownFrames.length >= n + 3, stopped, { timeout: 120_000 });
    await page.click('#webcam');
    await page.waitForFunction(() => document.body.dataset['webcam'] === 'off', null, { timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as WebcamWindow).webcamStreams.flatMap((s) => s.getTracks().map((t) => t.readyState)))).toEqual(['ended', 'ended']);

    expect(log.filter((line) => line.startsWith('pageerror') || line.startsWith('error'))).toEqual([]);
    await page.close();
  }, 600_000);
});
