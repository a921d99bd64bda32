// Video in, tracked and smoothed people out, on small clips this test makes from ../shared/data
// photos with ffmpeg: frame counts and timestamps, the overlay video, people crossing, a person
// leaving and coming back, smoothing against known jitter and a real pan, --workers and --shard.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPoseFrameFile } from '../src/cli/video.js';
import type { Pose } from '../src/decode/pose.js';
import type { RgbImage } from '../src/image/image.js';
import { createEstimator, tfjsModelAvailable } from '../src/pipeline/create.js';
import type { PoseEstimator } from '../src/pipeline/estimator.js';
import { VideoPoseEstimator, type VideoEstimatorOptions } from '../src/pipeline/video.js';
import type { TrackedPose } from '../src/track/tracker.js';
import { FfmpegMissingError, hasFfmpeg, locateFfmpeg, parseProbeReport, probeVideo, readVideoFrames, VideoError } from '../src/video/ffmpeg.js';
import { cli } from './support/cli.js';
import { seededRandom } from './support/harness.js';
import { ffmpeg, H36M, jitterFrames, people, S7_PHOTO, stage, writeClip } from './support/video-clips.js';

const ffmpegFound = hasFfmpeg();
const dataFound = existsSync(H36M);
const modelsFound = tfjsModelAvailable('movenet-lightning') && tfjsModelAvailable('movenet-multipose');
const dir = mkdtempSync(join(tmpdir(), 'wasmpose-video-'));

afterEach(() => vi.restoreAllMocks());

/** Every frame of a clip through a video estimator. */
async function track(path: string, estimator: PoseEstimator, options: VideoEstimatorOptions = {}): Promise<{ poses: TrackedPose[][]; detected: boolean[] }> {
  const video = new VideoPoseEstimator(estimator, options);
  const poses: TrackedPose[][] = [];
  const detected: boolean[] = [];
  for await (const frame of readVideoFrames(path, probeVideo(path))) {
    poses.push(await video.estimate(frame.image, { timestamp: frame.timestamp }));
    detected.push(video.detected);
  }
  return { poses, detected };
}

/** Mean x of a pose's confident keypoints. */
function centreX(pose: Pose): number {
  const ks = pose.keypoints.filter((k) => k.score >= 0.3);
  return ks.reduce((s, k) => s + k.x, 0) / ks.length;
}

describe('ffmpeg discovery and probing (no ffmpeg needed)', () => {
  it('names both ways to get ffmpeg when neither is there', () => {
    expect(() => locateFfmpeg({ PATH: '' }, () => undefined)).toThrow(FfmpegMissingError);
    expect(() => locateFfmpeg({ PATH: '' }, () => undefined)).toThrow(/ffmpeg.*PATH.*@ffmpeg-installer\/ffmpeg/s);
    expect(locateFfmpeg({ PATH: '' }, () => '/opt/ffmpeg')).toBe('/opt/ffmpeg');
    expect(() => locateFfmpeg({ WASMPOSE_FFMPEG: '/nonexistent/ffmpeg' }, () => '/opt/ffmpeg')).toThrow(/WASMPOSE_FFMPEG/);
  });

  it("reads size, rate, duration and rotation from ffmpeg's report", () => {
    const report = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mp4':",
      '  Duration: 00:01:02.50, start: 0.000000, bitrate: 2000 kb/s',
      '  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 1995 kb/s, 29.97 fps, 29.97 tbr, 90k tbn (default)',
      '    Side data:',
      '      displaymatrix: rotation of -90.00 degrees',
    ].join('\n');
    expect(parseProbeReport(report)).toEqual({ width: 1080, height: 1920, fps: 29.97, duration: 62.5, frameCount: 1873, codec: 'h264' });
    expect(() => parseProbeReport("Input #0, mp3, from 'a.mp3':\n  Stream #0:0: Audio: mp3, 44100 Hz")).toThrow(VideoError);
  });
});

describe.skipIf(!ffmpegFound)(`video files through ffmpeg${ffmpegFound ? '' : ' (skipped: no ffmpeg on PATH and no @ffmpeg-installer/ffmpeg)'}`, () => {
  const testsrc = join(dir, 'testsrc.mp4');
  beforeAll(() => ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25', '-t', '2', '-pix_fmt', 'yuv420p', testsrc));

  it('frames stream with their numbers and timestamps; --start/--duration/--every pick the same frames', async () => {
    const info = probeVideo(testsrc);
    expect(info).toMatchObject({ width: 64, height: 48, fps: 25, frameCount: 50 });
    const all: { index: number; timestamp: number; image: RgbImage }[] = [];
    for await (const frame of readVideoFrames(testsrc, info)) all.push(frame);
    expect(all.map((f) => f.index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(all.map((f) => f.timestamp)).toEqual(Array.from({ length: 50 }, (_, i) => i * 40));
    const part: typeof all = [];
    for await (const frame of readVideoFrames(testsrc, info, { start: 0.4, duration: 0.8, every: 3 })) part.push(frame);
    expect(part.map((f) => f.index)).toEqual([10, 13, 16, 19, 22, 25, 28]);
    for (const frame of part) expect(frame.image.data).toEqual(all[frame.index]!.image.data);
  });

  it('a file that is not a video is a VideoError, not a hang', () => {
    const junk = join(dir, 'junk.mp4');
    writeFileSync(junk, new Uint8Array(4096).fill(7));
    expect(() => probeVideo(junk)).toThrow(VideoError);
    expect(() => probeVideo(join(dir, 'missing.mp4'))).toThrow(VideoError);
  });

  it('VideoWriter encodes what it is given (odd sizes padded to even)', async () => {
    const path = join(dir, 'colours.mp4');
    const colours: [number, number, number][] = [[200, 30, 30], [30, 200, 30], [30, 30, 200]];
    const frames = colours.flatMap((c) => Array.from({ length: 4 }, () => {
      const data = new Uint8Array(65 * 49 * 3);
      for (let i = 0; i < data.length; i += 3) data.set(c, i);
      return { width: 65, height: 49, data };
    }));
    await writeClip(path, frames, 10);
    const info = probeVideo(path);
    expect(info).toMatchObject({ width: 66, height: 50, fps: 10, frameCount: 12 });
    let i = 0;
    for await (const frame of readVideoFrames(path, info)) {
      const centre = (25 * 66 + 33) * 3;
      const expected = colours[Math.floor(i / 4)]!;
      for (let c = 0; c < 3; c++) expect(Math.abs(frame.image.data[centre + c]! - expected[c]!)).toBeLessThan(12);
      i++;
    }
    expect(i).toBe(12);
  });
});

describe.skipIf(!ffmpegFound || !dataFound || !modelsFound)(
  `people in video: tracking, smoothing, outputs${ffmpegFound && dataFound && modelsFound ? '' : ' (skipped: needs ffmpeg, ../shared/data and the MoveNet models)'}`,
  () => {
    let lightning: PoseEstimator;
    let lightningBoxes: PoseEstimator;
    beforeAll(async () => {
      lightning = await createEstimator('movenet-lightning');
      lightningBoxes = await createEstimator('movenet-lightning', { boxesFrom: 'movenet-multipose' });
    });

    it('smoothing cuts known jitter by more than half and follows a real pan with under a frame of lag', async () => {
      const jitter = join(dir, 'jitter.mp4');
      await writeClip(jitter, jitterFrames(30, seededRandom(11)).frames, 30);
      const pan = join(dir, 'pan.mp4');
      // ffmpeg's crop window slides right 3 pixels a frame: the person walks left 3 pixels a frame.
      ffmpeg('-loop', '1', '-i', S7_PHOTO, '-vf', "scale=500:-2,crop=256:256:x='t*90':y=60", '-r', '30', '-t', '1', '-pix_fmt', 'yuv420p', pan);

      const jitterOf = (frames: TrackedPose[][]): number => {
        let sum = 0, n = 0;
        for (let f = 1; f < frames.length; f++) {
          const [a, b] = [frames[f - 1]![0]!, frames[f]![0]!];
          a.keypoints.forEach((k, i) => {
            const m = b.keypoints[i]!;
            if (k.score < 0.3 || m.score < 0.3) return;
            sum += Math.hypot(m.x - k.x, m.y - k.y);
            n++;
          });
        }
        return sum / n;
      };
      const raw = await track(jitter, lightning, { smoothing: false });
      const smooth = await track(jitter, lightning);
      for (const run of [raw, smooth]) expect(run.poses.every((p) => p.length === 1)).toBe(true);
      const rawJitter = jitterOf(raw.poses.slice(5));
      const smoothJitter = jitterOf(smooth.poses.slice(5));
      console.log(`jitter: raw ${rawJitter.toFixed(2)} px a frame, smoothed ${smoothJitter.toFixed(2)}`);
      expect(smoothJitter).toBeLessThan(0.5 * rawJitter);

      const rawPan = await track(pan, lightning, { smoothing: false });
      const smoothPan = await track(pan, lightning);
      // The raw keypoints move at the pan's speed; the smoothed ones trail them by under a frame.
      const xs = rawPan.poses.map((p) => centreX(p[0]!));
      const speed = (xs[29]! - xs[5]!) / 24;
      expect(speed).toBeGreaterThan(-3.6);
      expect(speed).toBeLessThan(-2.4);
      let trail = 0, n = 0;
      for (let f = 10; f < xs.length; f++) {
        const [r, s] = [rawPan.poses[f]![0]!, smoothPan.poses[f]![0]!];
        r.keypoints.forEach((k, i) => {
          if (k.score < 0.3) return;
          trail += s.keypoints[i]!.x - k.x;
          n++;
        });
      }
      const lagFrames = trail / n / -speed;
      console.log(`pan: ${(-speed).toFixed(2)} px a frame, smoothed lag ${lagFrames.toFixed(2)} frames`);
      expect(Math.abs(lagFrames)).toBeLessThan(1);
    });

    it('two people crossing keep their identities', async () => {
      const { s1, s7 } = people();
      const path = join(dir, 'crossing.mp4');
      const at = (f: number) => ({ a: 10 + 5 * f, b: 320 - 5 * f });
      await writeClip(path, Array.from({ length: 60 }, (_, f) => stage([{ image: s1, x: at(f).a, y: 20 }, { image: s7, x: at(f).b, y: 50 }])), 30);
      const { poses, detected } = await track(path, lightningBoxes);
      // Each person found is attributed to the sprite nearest to it (where the two are at least 30
      // pixels apart, so that nearest means something); each sprite has one track id.
      const idsOf = { a: new Set<number>(), b: new Set<number>() };
      poses.forEach((frame, f) => {
        const a = at(f).a + s1.width / 2;
        const b = at(f).b + s7.width / 2;
        if (Math.abs(a - b) < 30) return;
        for (const pose of frame) idsOf[Math.abs(centreX(pose) - a) < Math.abs(centreX(pose) - b) ? 'a' : 'b'].add(pose.id);
      });
      console.log(`crossing: ids ${[...idsOf.a]} and ${[...idsOf.b]}, finder on ${detected.filter(Boolean).length} of 60 frames`);
      expect(idsOf.a.size).toBe(1);
      expect(idsOf.b.size).toBe(1);
      expect([...idsOf.a][0]).not.toBe([...idsOf.b][0]);
      expect(poses.filter((f) => f.length === 2).length).toBeGreaterThan(40);
      expect(detected.filter(Boolean).length).toBeLessThan(30);
    });

    it('a person who leaves and comes back: a new id after maxAge, the old one within it', async () => {
      const { s7 } = people();
      const path = join(dir, 'leave-return.mp4');
      // 15 fps: walks right out of the stage (gone by frame 8), away 0.8 s, then walks back in from the right.
      const x = (f: number) => (f < 10 ? 250 + 20 * f : f < 22 ? 1000 : 400 - 20 * (f - 22));
      await writeClip(path, Array.from({ length: 30 }, (_, f) => stage([{ image: s7, x: x(f), y: 40 }])), 15);
      const ids = async (maxAge: number) => (await track(path, lightningBoxes, { tracker: { maxAge } })).poses.map((frame) => frame.map((p) => p.id));
      const hasty = await ids(500);
      expect(hasty[0]).toEqual([1]);
      expect(hasty.slice(10, 22).every((f) => f.length === 0)).toBe(true);
      expect(new Set(hasty.slice(25).flat())).toEqual(new Set([2]));
      const patient = await ids(2000);
      expect(new Set(patient.slice(25).flat())).toEqual(new Set([1]));
    });

    it('estimate <video>: OpenPose JSON per frame, COCO with frame and track ids, an overlay video; --workers 2 gives the same people', async () => {
      const { s1, s7 } = people();
      const path = join(dir, 'two.mp4');
      await writeClip(path, Array.from({ length: 12 }, (_, f) => stage([{ image: s1, x: 20 + 4 * f, y: 20 }, { image: s7, x: 300 - 4 * f, y: 50 }])), 25);
      const json = join(dir, 'two-json');
      const render = join(dir, 'two-overlay.mp4');
      const model = ['--model', 'movenet-lightning'];
      const r = await cli('estimate', path, ...model, '--json', json, '--render', render, '--every', '2');
      expect(r.code).toBe(0);
      expect(readdirSync(json).sort()).toEqual([0, 2, 4, 6, 8, 10].map((i) => openPoseFrameFile(path, i)));
      expect(openPoseFrameFile(path, 4)).toBe('two_000000000004_keypoints.json');
      const frame = JSON.parse(readFileSync(join(json, openPoseFrameFile(path, 4)), 'utf8'));
      expect(frame.people.map((p: { person_id: number[] }) => p.person_id).sort()).toEqual([[1], [2]]);
      expect(probeVideo(render)).toMatchObject({ width: 400, height: 224, fps: 12.5, frameCount: 6 });

      const coco = async (...extra: string[]) => {
        const out = join(dir, `two-${extra.join('')}.json`);
        expect((await cli('estimate', path, ...model, '--format', 'coco', '--json', out, '--redetect-every', '1', ...extra)).code).toBe(0);
        return JSON.parse(readFileSync(out, 'utf8')) as { image_id: number; frame_index: number; timestamp: number; track_id: number; keypoints: number[] }[];
      };
      const one = await coco();
      expect(one.length).toBe(24);
      expect(one.map((e) => e.frame_index)).toEqual(one.map((e) => e.image_id));
      expect(new Set(one.map((e) => e.track_id))).toEqual(new Set([1, 2]));
      expect(one.filter((e) => e.frame_index === 5).every((e) => e.timestamp === 200)).toBe(true);
      const two = await coco('--workers', '2');
      expect(two).toEqual(one);
    });

    it('--shard i/n over a folder: the shards cover every photo once and merge into the whole run', async () => {
      const photos = resolve(H36M, '..', 'coco');
      const whole = join(dir, 'whole.json');
      const model = ['--model', 'movenet-lightning', '--format', 'coco'];
      expect((await cli('estimate', photos, ...model, '--json', whole)).code).toBe(0);
      const shards = [1, 2, 3].map((i) => join(dir, `shard-${i}.json`));
      for (const [i, out] of shards.entries()) expect((await cli('estimate', photos, ...model, '--shard', `${i + 1}/3`, '--json', out)).code).toBe(0);
      const merged = join(dir, 'merged.json');
      expect((await cli('merge', ...shards, '--out', merged)).code).toBe(0);
      const sort = (entries: { image_id: number }[]) => [...entries].sort((a, b) => a.image_id - b.image_id);
      expect(JSON.parse(readFileSync(merged, 'utf8'))).toEqual(sort(JSON.parse(readFileSync(whole, 'utf8'))));
      expect((await cli('merge', shards[0]!, shards[0]!)).code).toBe(1);
    });
  },
);
