// `npm run bench -- video [--quick] [--network <model>]`: video throughput on a pan over the
// bundled sample photo, made here with ffmpeg.
//   1. One session, frames streaming from ffmpeg, crops following the keypoints (what `estimate
//      <video>` does): wall time per frame against the network's own time per frame (the goal is
//      <= 1.1x: decoding happens in ffmpeg's process while the network runs).
//   2. `--workers N`: frames per second with N = 1 and 2 worker sessions (the finder on every
//      frame, tracking on the main thread in order), and the sequential run's fps beside them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { samplePhotoPath } from '../src/cli/commands/demo.js';
import { personBoxesFrom } from '../src/cli/commands/estimate.js';
import { EstimatorPool } from '../src/cli/worker-pool.js';
import { createEstimator, DEFAULT_MODEL, estimatorSpec } from '../src/pipeline/create.js';
import { framePolicy, peopleOfFrame, VideoPoseEstimator } from '../src/pipeline/video.js';
import { PoseTracking } from '../src/track/tracking.js';
import { findFfmpeg, probeVideo, readVideoFrames, type VideoFrame } from '../src/video/ffmpeg.js';

export interface VideoSuiteOptions {
  quick: boolean;
  network?: string;
}

function makeClip(dir: string, seconds: number): string {
  const clip = join(dir, 'pan.mp4');
  const result = spawnSync(findFfmpeg(), [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-loop', '1', '-i', samplePhotoPath(),
    '-vf', "crop=480:360:x='t*40':y=20", '-r', '30', '-t', String(seconds), '-pix_fmt', 'yuv420p', clip,
  ], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ffmpeg could not make the clip: ${result.stderr}`);
  return clip;
}

async function allFrames(clip: string): Promise<VideoFrame[]> {
  const frames: VideoFrame[] = [];
  for await (const frame of readVideoFrames(clip, probeVideo(clip))) frames.push(frame);
  return frames;
}

export async function videoSuite(options: VideoSuiteOptions): Promise<void> {
  const model = options.network ?? DEFAULT_MODEL;
  const boxesFrom = personBoxesFrom(model, undefined);
  const dir = mkdtempSync(join(tmpdir(), 'wasmpose-bench-video-'));
  try {
    const clip = makeClip(dir, options.quick ? 1 : 4);
    const info = probeVideo(clip);
    console.log(`video: ${model}${boxesFrom ? ` on ${boxesFrom} boxes` : ''}, ${info.width}x${info.height} pan, ${info.frameCount} frames at ${info.fps} fps`);

    // 1. Streaming from ffmpeg through one session.
    const video = new VideoPoseEstimator(await createEstimator(model, { boxesFrom }));
    const warm = (await allFrames(clip)).slice(0, 3);
    for (const frame of warm) await video.estimate(frame.image, { timestamp: frame.timestamp });
    video.reset();
    let infer = 0;
    let finder = 0;
    let frames = 0;
    const start = performance.now();
    for await (const frame of readVideoFrames(clip, info)) {
      await video.estimate(frame.image, { timestamp: frame.timestamp });
      infer += video.timings.infer;
      if (video.detected) finder++;
      frames++;
    }
    const wall = (performance.now() - start) / frames;
    video.dispose();
    const sequentialFps = 1000 / wall;
    console.log(`  one session, streaming: wall ${wall.toFixed(1)} ms a frame, network ${(infer / frames).toFixed(1)} ms a frame: ${(wall / (infer / frames)).toFixed(3)}x (finder on ${finder} of ${frames} frames)`);

    // 2. Worker sessions: frames in flight, people tracked here in order.
    const spec = estimatorSpec(model);
    const policy = framePolicy(spec, {});
    const decoded = await allFrames(clip);
    const fps: number[] = [];
    for (const workers of [1, 2]) {
      const pool = await EstimatorPool.start(workers, model, { boxesFrom });
      try {
        await Promise.all(decoded.slice(0, 2 * workers).map((f) => pool.submit({ image: f.image })));
        const tracking = new PoseTracking();
        const t0 = performance.now();
        const inFlight: { frame: VideoFrame; result: ReturnType<EstimatorPool['submit']> }[] = [];
        const take = async (): Promise<void> => {
          const { frame, result } = inFlight.shift()!;
          tracking.apply(peopleOfFrame((await result).poses, policy), frame.timestamp);
        };
        for (const frame of decoded) {
          inFlight.push({ frame, result: pool.submit({ image: frame.image }) });
          if (inFlight.length >= 2 * workers) await take();
        }
        while (inFlight.length > 0) await take();
        fps.push((decoded.length * 1000) / (performance.now() - t0));
      } finally {
        pool.close();
      }
      console.log(`  --workers ${workers}: ${fps.at(-1)!.toFixed(2)} fps (finder on every frame)`);
    }
    console.log(`  --workers 2 / --workers 1: ${(fps[1]! / fps[0]!).toFixed(2)}x; the one-session stream above: ${sequentialFps.toFixed(2)} fps`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
