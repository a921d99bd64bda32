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
 * The frames of a video as they decode, in order. ffmpeg seeks to `start` (frame-accurate),
 * converts to the probed constant frame rate (so frame k is at start + k / fps seconds) and writes
 * rgb24 to a pipe; frames are read off it one whole frame at a time. Stopping the iteration early
 * stops ffmpeg.
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
  const child = spawn(findFfmpeg(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr = (stderr + text).slice(-8192);
  });
  const exited = exitOf(child);
  const frameBytes = info.width * info.height * 3;
  const first = Math.round(start * info.fps);
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let count = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled < frameBytes) continue;
        if (count % every === 0) {
          const index = first + count;
          yield { index, timestamp: (index * 1000) / info.fps, image: { width: info.width, height: info.height, data: frame } };
          frame = new Uint8Array(frameBytes);
        }
        filled = 0;
        count++;
      }
    }
    const code = await exited;
    if (code !== 0) throw new VideoError(`ffmpeg could not decode '${path}' (exit ${code}): ${reportTail(stderr)}`);
    finished = true;
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGKILL');
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
