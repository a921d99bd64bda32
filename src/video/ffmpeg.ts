// Video files in and out through ffmpeg (Node only): ffmpeg decodes anything it reads to raw RGB
// frames piped from the child process (no temporary files), and encodes overlay frames piped to it.
//
// Which ffmpeg: the one on PATH, else the binary of the optional npm dependency
// @ffmpeg-installer/ffmpeg (a static build; it ships ffmpeg only, no ffprobe, so probing parses
// `ffmpeg -i`'s report). WASMPOSE_FFMPEG names another binary.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError, WasmposeError } from '../nn/errors.js';
import { checkImageSize, type RgbImage } from '../image/image.js';

/** Neither an ffmpeg on PATH nor the @ffmpeg-installer/ffmpeg package. */
export class FfmpegMissingError extends WasmposeError {}

/** ffmpeg failed on a video (unreadable, not a video, or the encoder refused). */
export class VideoError extends WasmposeError {}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, path: string): string | undefined {
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of path.split(delimiter)) {
    for (const n of names) {
      if (dir !== '' && isExecutable(join(dir, n))) return join(dir, n);
    }
  }
  return undefined;
}

function fromNpmPackage(): string | undefined {
  try {
    const path = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path?: string }).path;
    return path !== undefined && isExecutable(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ffmpeg binary by the rules above, from an environment's WASMPOSE_FFMPEG and PATH and the npm
 * package's binary (findFfmpeg passes the process's; tests pass others).
 */
export function locateFfmpeg(env: Record<string, string | undefined>, fromPackage: () => string | undefined = fromNpmPackage): string {
  const override = env.WASMPOSE_FFMPEG;
  if (override !== undefined && override !== '') {
    if (!isExecutable(override)) throw new FfmpegMissingError(`WASMPOSE_FFMPEG='${override}' is not an executable file`);
    return override;
  }
  const found = onPath('ffmpeg', env.PATH ?? '') ?? fromPackage();
  if (found === undefined) {
    throw new FfmpegMissingError(
      'video needs ffmpeg, and there is none: no `ffmpeg` on PATH and the optional dependency @ffmpeg-installer/ffmpeg ' +
        'is not installed. Install one of them (e.g. `apt-get install ffmpeg`, or `npm install @ffmpeg-installer/ffmpeg`).',
    );
  }
  return found;
}

let found: string | undefined;

/** The ffmpeg binary: $WASMPOSE_FFMPEG, else `ffmpeg` on PATH, else @ffmpeg-installer/ffmpeg's (looked up once). */
export function findFfmpeg(): string {
  return (found ??= locateFfmpeg(process.env));
}

/** Whether an ffmpeg is at hand (for callers that skip video work without one). */
export function hasFfmpeg(): boolean {
  try {
    findFfmpeg();
    return true;
  } catch {
    return false;
  }
}

export interface VideoInfo {
  /** Frame size as decoded, after the rotation ffmpeg applies from the file's display matrix. */
  width: number;
  height: number;
  /** Frames per second of the video stream (its average rate, else its tbr). */
  fps: number;
  /** Seconds, or undefined when the container does not say (a live stream, some .webm files). */
  duration: number | undefined;
  /** round(duration * fps): exact for constant-rate video, an estimate otherwise. */
  frameCount: number | undefined;
  codec: string;
}

/** The last lines of ffmpeg's report, for error messages. */
function reportTail(stderr: string, lines = 3): string {
  return stderr.trim().split('\n').slice(-lines).map((l) => l.trim()).join('; ');
}

/**
 * Reads size, frame rate and duration from `ffmpeg -i`'s report: the npm build has no ffprobe,
 * and this report has held these fields in this form since ffmpeg 1.x.
 */
export function parseProbeReport(report: string, path = 'video'): VideoInfo {
  const stream = /Stream #\d+:\d+.*?: Video: (.*)/.exec(report);
  if (stream === null) throw new VideoError(`'${path}' holds no video stream ffmpeg can read (${reportTail(report)})`);
  const line = stream[1]!;
  const codec = /^([\w-]+)/.exec(line)?.[1] ?? 'unknown';
  const size = /(?:^|[ ,])(\d+)x(\d+)(?=[ ,\]]|$)/.exec(line);
  if (size === null) throw new VideoError(`'${path}': ffmpeg reports no frame size for its video stream (${line})`);
  let width = Number(size[1]);
  let height = Number(size[2]);
  const rate = /([\d.]+)(k?) fps/.exec(line) ?? /([\d.]+)(k?) tbr/.exec(line);
  const fps = rate === null ? NaN : Number(rate[1]) * (rate[2] === 'k' ? 1000 : 1);
  if (!(fps > 0) || !Number.isFinite(fps)) throw new VideoError(`'${path}': ffmpeg reports no frame rate for its video stream (${line})`);
  // A phone video stored sideways: ffmpeg turns the frames upright as it decodes them.
  const rotation = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(report) ?? /rotate\s*:\s*(-?\d+)/.exec(report);
  if (rotation !== null && Math.abs(Math.round(Number(rotation[1]) / 90)) % 2 === 1) [width, height] = [height, width];
  checkImageSize(width, height, `video '${path}'`);
  const time = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(report);
  const duration = time === null ? undefined : Number(time[1]) * 3600 + Number(time[2]) * 60 + Number(time[3]);
  const frameCount = duration === undefined ? undefined : Math.round(duration * fps);
  return { width, height, fps, duration, frameCount, codec };
}

/** Size, frame rate and duration of a video file. */
export function probeVideo(path: string): VideoInfo {
  const result = spawnSync(findFfmpeg(), ['-hide_banner', '-nostdin', '-i', path], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (result.error !== undefined) throw new VideoError(`could not run ffmpeg on '${path}': ${result.error.message}`);
  return parseProbeReport(result.stderr, path);
}

export interface ReadVideoOptions {
  /** Seconds from the start of the video to begin at (default 0). */
  start?: number;
  /** Seconds to read (default: to the end). */
  duration?: number;
  /** Keep one frame in `every` (default 1: every frame). */
  every?: number;
}

export interface VideoFrame {
  /** The frame's number in the video at its frame rate (0 = the video's first frame). */
  index: number;
  /** Milliseconds from the start of the video: index * 1000 / fps (pose-detection's unit). */
  timestamp: number;
  image: RgbImage;
}

function checkSeconds(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new InputError(`${name} must be a number of seconds >= 0, got ${value}`);
}

/**
 * Reads ffmpeg's frames off its pipe on a worker thread: the network runs on the main thread and
 * holds it for a whole frame, during which a pipe read there could not happen, ffmpeg would stall
 * on the full 64 KiB pipe, and the next frame would be read (and partly decoded) only after the
 * network was done. The worker keeps up to `ahead` whole frames ready and hands each over without
 * a copy (transferred).
 */
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { command, args, frameBytes, ahead } = workerData;
const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.setEncoding('utf8');
child.stderr.on('data', (text) => { stderr = (stderr + text).slice(-8192); });
let credits = ahead;
let frame = new Uint8Array(frameBytes);
let filled = 0;
child.stdout.on('data', (chunk) => {
  for (let offset = 0; offset < chunk.length;) {
    const take = Math.min(frameBytes - filled, chunk.length - offset);
    frame.set(chunk.subarray(offset, offset + take), filled);
    filled += take;
    offset += take;
    if (filled < frameBytes) continue;
    parentPort.postMessage({ frame }, [frame.buffer]);
    frame = new Uint8Array(frameBytes);
    filled = 0;
    credits--;
  }
  if (credits <= 0) child.stdout.pause();
});
parentPort.on('message', (m) => {
  if (m === 'more' && ++credits > 0) child.stdout.resume();
  if (m === 'stop') child.kill('SIGKILL');
});
child.on('error', (e) => parentPort.postMessage({ error: e.message }));
child.on('close', (code) => parentPort.postMessage({ end: code, stderr }));
`;

type ReaderMessage = { frame: Uint8Array } | { error: string } | { end: number | null; stderr: string };

/** Frames ready ahead of the one being estimated. */
const FRAMES_AHEAD = 3;

/**
 * The frames of a video as they decode, in order. ffmpeg seeks to `start` (frame-accurate),
 * converts to the probed constant frame rate (so frame k is at start + k / fps seconds) and writes
 * rgb24 to a pipe read on a worker thread, a few frames ahead of the caller. Stopping the
 * iteration early stops ffmpeg.
 */
export async function* readVideoFrames(path: string, info: VideoInfo, options: ReadVideoOptions = {}): AsyncGenerator<VideoFrame> {
  const { start = 0, duration, every = 1 } = options;
  checkSeconds('start', start);
  checkSeconds('duration', duration);
  if (!Number.isInteger(every) || every < 1) throw new InputError(`every must be an integer >= 1, got ${every}`);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  if (start > 0) args.push('-ss', String(start));
  args.push('-i', path);
  if (duration !== undefined) args.push('-t', String(duration));
  args.push('-map', '0:v:0', '-an', '-sn', '-r', String(info.fps), '-s', `${info.width}x${info.height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const frameBytes = info.width * info.height * 3;
  const reader = new Worker(READER_SOURCE, { eval: true, workerData: { command: findFfmpeg(), args, frameBytes, ahead: FRAMES_AHEAD } });
  const queue: ReaderMessage[] = [];
  let wake: (() => void) | undefined;
  const arrived = (m: ReaderMessage): void => {
    queue.push(m);
    wake?.();
  };
  reader.on('message', arrived);
  reader.on('error', (e) => arrived({ error: e.message }));
  const first = Math.round(start * info.fps);
  let count = 0;
  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = queue.shift()!;
      if ('error' in message) throw new VideoError(`could not run ffmpeg on '${path}': ${message.error}`);
      if ('end' in message) {
        if (message.end !== 0) throw new VideoError(`ffmpeg could not decode '${path}' (exit ${message.end}): ${reportTail(message.stderr)}`);
        return;
      }
      reader.postMessage('more');
      if (count % every === 0) {
        const index = first + count;
        yield { index, timestamp: (index * 1000) / info.fps, image: { width: info.width, height: info.height, data: message.frame } };
      }
      count++;
    }
  } finally {
    reader.postMessage('stop');
    void reader.terminate();
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
}

export interface VideoWriterOptions {
  width: number;
  height: number;
  fps: number;
}

/**
 * Encodes RGB frames to a video file through ffmpeg, the codec chosen by ffmpeg from the file's
 * extension (H.264 in .mp4 where ffmpeg has libx264), yuv420p so that every player shows it;
 * odd sizes are padded by a pixel to the even size yuv420p needs.
 */
export class VideoWriter {
  private stderr = '';
  private failure: Error | undefined;

  private constructor(
    private readonly path: string,
    private readonly options: VideoWriterOptions,
    private readonly child: ChildProcess,
    private readonly exited: Promise<number | null>,
  ) {}

  static open(path: string, options: VideoWriterOptions): VideoWriter {
    checkImageSize(options.width, options.height, 'video frame');
    if (!(options.fps > 0 && Number.isFinite(options.fps))) throw new InputError(`video fps must be positive, got ${options.fps}`);
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${options.width}x${options.height}`, '-r', String(options.fps), '-i', 'pipe:0',
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-pix_fmt', 'yuv420p', path,
    ];
    const child = spawn(findFfmpeg(), args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const writer = new VideoWriter(path, options, child, exitOf(child));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      writer.stderr = (writer.stderr + text).slice(-8192);
    });
    child.stdin!.on('error', (e) => {
      writer.failure ??= e;
    });
    writer.exited.catch((e: Error) => {
      writer.failure ??= e;
    });
    return writer;
  }

  /** Queues one frame; resolves when ffmpeg can take more (back-pressure). */
  async write(image: RgbImage): Promise<void> {
    const { width, height } = this.options;
    if (image.width !== width || image.height !== height) {
      throw new InputError(`video frame is ${image.width}x${image.height}, the video ${width}x${height}`);
    }
    if (this.failure !== undefined) throw this.error();
    const stdin = this.child.stdin!;
    if (!stdin.write(image.data)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stdin.off('drain', done);
          this.child.off('close', done);
          resolve();
        };
        stdin.on('drain', done);
        this.child.on('close', done);
      });
    }
    if (this.failure !== undefined) throw this.error();
  }

  /** Ends the stream and waits for ffmpeg to finish the file. */
  async close(): Promise<void> {
    this.child.stdin!.end();
    const code = await this.exited.catch(() => -1);
    if (code !== 0) throw this.error(code);
  }

  /** Stops ffmpeg without finishing the file (after an error elsewhere). */
  abort(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private error(code?: number | null): VideoError {
    const why = reportTail(this.stderr) || this.failure?.message || `exit ${code}`;
    return new VideoError(`ffmpeg could not write '${this.path}': ${why}`);
  }
}
