// Downloads published weights and checks them against the publisher's checksum (Node only).
//
// A file is written to `<dest>.part` and renamed into place only once its size and digest match,
// so `<dest>` existing means a verified file. A `.part` left by an interrupted download is resumed
// with an HTTP Range request; a server that ignores Range (200 instead of 206) gets a fresh start.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { WasmposeError } from '../nn/errors.js';
import { extractFromTarGz } from './archive.js';
import type { Checksum, ChecksumAlgorithm, ModelWeights, WeightFile } from './sources.js';

export interface FetchErrorDetails {
  url: string;
  /** HTTP status of a failed response. */
  status?: number;
  /** Expected and actual digest (or byte count) of a file that did not verify. */
  expected?: string;
  actual?: string;
}

/** A download that failed: an HTTP error, a dropped or stalled connection, or a file that does not verify. */
export class FetchError extends WasmposeError {
  constructor(
    message: string,
    readonly details: FetchErrorDetails,
  ) {
    super(message);
  }
}

export interface FetchOptions {
  expected: Checksum;
  /** Bytes, where the publisher states it. */
  size?: number;
  /** Called as data arrives; bytes counts a resumed part too. total is undefined when nobody says it. */
  onProgress?: (bytes: number, total: number | undefined) => void;
  /** Milliseconds without any data before the connection counts as stalled (default 30 s). */
  stallTimeoutMs?: number;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
}

export interface FetchOutcome {
  path: string;
  bytes: number;
  /** 'cached': a verified file was already there; 'resumed': a `.part` was continued. */
  how: 'cached' | 'downloaded' | 'resumed';
}

const DEFAULT_STALL_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REDIRECTS = 5;

export async function fileDigest(path: string, algorithm: ChecksumAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function sizeOrZero(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** `start` and `total` of a `Content-Range: bytes start-end/total` header. */
function parseContentRange(header: string | undefined): { start: number; total?: number } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (match === null) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}

function contentLength(response: IncomingMessage): number | undefined {
  const header = response.headers['content-length'];
  return header === undefined || !/^\d+$/.test(header) ? undefined : Number(header);
}

/** Sends a GET (ranged from `offset` when > 0); the socket is destroyed after `stallTimeoutMs` idle. */
function get(url: URL, offset: number, stallTimeoutMs: number, onStall: () => void): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'wasmpose', 'accept-encoding': 'identity' };
    if (offset > 0) headers['range'] = `bytes=${offset}-`;
    // agent: false — one connection per request, closed at the end, so nothing lingers in a pool.
    const request = client.get(url, { headers, agent: false }, resolve);
    request.setTimeout(stallTimeoutMs, () => {
      onStall();
      request.destroy();
    });
    request.on('error', reject);
  });
}

interface Transfer {
  url: string;
  part: string;
  offset: number;
  options: FetchOptions;
}

/**
 * Streams the response body into the `.part` file (appending at `offset`). A body that ends short
 * of the announced length, or a connection that stalls, keeps the `.part` for a later resume.
 */
async function receive(response: IncomingMessage, transfer: Transfer, total: number | undefined, stalled: () => boolean): Promise<void> {
  const { url, part, offset, options } = transfer;
  let bytes = offset;
  const file = createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
  let failure: Error | undefined;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      options.onProgress?.(bytes, total);
      if (!file.write(chunk)) await once(file, 'drain');
    }
  } catch (e) {
    // The connection failed: keep every byte received so far for the resume.
    failure = e as Error;
  }
  file.end();
  try {
    await finished(file);
  } catch (e) {
    throw new FetchError(`cannot write ${part}: ${(e as Error).message}`, { url });
  }
  const got = sizeOrZero(part);
  const seconds = (options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS) / 1000;
  const of = total === undefined ? '' : ` of ${total}`;
  if (stalled()) throw new FetchError(`stalled: no data for ${seconds} s from ${url} (got ${got}${of} bytes; kept ${part} to resume)`, { url });
  if (total !== undefined && got < total) throw new FetchError(`truncated: got ${got} of ${total} bytes from ${url} (kept ${part} to resume)`, { url, expected: String(total), actual: String(got) });
  if (failure !== undefined) throw new FetchError(`download of ${url} failed after ${got} bytes: ${failure.message} (kept ${part} to resume)`, { url });
}

/** Follows redirects and writes the body into the `.part`; returns whether it continued an existing one. */
async function download(transfer: Transfer): Promise<boolean> {
  const { options } = transfer;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = transfer.url;
  let redirects = 0;
  for (;;) {
    let target: URL;
    try {
      target = new URL(current);
    } catch {
      throw new FetchError(`not a URL: '${current}'`, { url: current });
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new FetchError(`only http and https are supported, got ${current}`, { url: current });
    let stalled = false;
    let response: IncomingMessage;
    try {
      response = await get(target, transfer.offset, options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, () => (stalled = true));
    } catch (e) {
      if (stalled) throw new FetchError(`stalled: no response for ${(options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS) / 1000} s from ${current}`, { url: current });
      throw new FetchError(`cannot reach ${current}: ${(e as Error).message}`, { url: current });
    }
    const status = response.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status)) {
      response.resume();
      const location = response.headers.location;
      if (location === undefined) throw new FetchError(`HTTP ${status} from ${current} without a Location`, { url: current, status });
      if (++redirects > maxRedirects) throw new FetchError(`too many redirects (more than ${maxRedirects}) from ${transfer.url}`, { url: transfer.url, status });
      current = new URL(location, current).href;
      continue;
    }
    const size = options.size;
    if (status === 206 && transfer.offset > 0) {
      const range = parseContentRange(response.headers['content-range']);
      if (range?.start !== transfer.offset || (size !== undefined && range.total !== undefined && range.total !== size)) {
        // Not the continuation asked for: start over rather than splice mismatched bytes.
        response.resume();
        rmSync(transfer.part, { force: true });
        transfer.offset = 0;
        continue;
      }
      await receive(response, { ...transfer, url: current }, range.total ?? size, () => stalled);
      return true;
    }
    if (status === 416 && transfer.offset > 0) {
      // The `.part` reaches past the end of the file: it is not a prefix of it.
      response.resume();
      rmSync(transfer.part, { force: true });
      transfer.offset = 0;
      continue;
    }
    if (status === 200) {
      const length = contentLength(response);
      if (size !== undefined && length !== undefined && length !== size) {
        response.resume();
        throw new FetchError(`${current} has ${length} bytes, the published size is ${size}`, { url: current, expected: String(size), actual: String(length) });
      }
      // A 200 to a ranged request is the whole file: the `.part` is overwritten from byte 0.
      await receive(response, { ...transfer, url: current, offset: 0 }, length ?? size, () => stalled);
      return false;
    }
    response.resume();
    throw new FetchError(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''} from ${current}`, { url: current, status });
  }
}

/**
 * Downloads `url` to `dest`, verified. A verified `dest` already there is kept (`how: 'cached'`);
 * a file that does not match its size or checksum is deleted and reported as a FetchError.
 */
export async function fetchFile(url: string, dest: string, options: FetchOptions): Promise<FetchOutcome> {
  const { expected, size } = options;
  if (existsSync(dest)) {
    if ((size === undefined || statSync(dest).size === size) && (await fileDigest(dest, expected.algorithm)) === expected.digest) {
      return { path: dest, bytes: statSync(dest).size, how: 'cached' };
    }
    rmSync(dest);
  }
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const transfer: Transfer = { url, part, offset: sizeOrZero(part), options };
  if (size !== undefined && transfer.offset > size) {
    rmSync(part);
    transfer.offset = 0;
  }
  // A `.part` of the full published size needs no request, only the check below.
  const resumed = size !== undefined && transfer.offset === size ? true : await download(transfer);
  const got = sizeOrZero(part);
  if (size !== undefined && got !== size) {
    rmSync(part, { force: true });
    throw new FetchError(`size mismatch for ${url}: expected ${size} bytes, got ${got} (deleted)`, { url, expected: String(size), actual: String(got) });
  }
  const actual = await fileDigest(part, expected.algorithm);
  if (actual !== expected.digest) {
    rmSync(part);
    throw new FetchError(`checksum mismatch for ${url}: expected ${expected.algorithm} ${expected.digest}, got ${actual} (deleted)`, { url, expected: expected.digest, actual });
  }
  renameSync(part, dest);
  return { path: dest, bytes: got, how: resumed ? 'resumed' : 'downloaded' };
}

/**
 * `url` with its scheme and host (and port) replaced by `mirror`'s; a path in `mirror` is
 * prefixed: `https://host/a/b.bin` via `http://127.0.0.1:8080/m` is `http://127.0.0.1:8080/m/a/b.bin`.
 */
export function mirrorUrl(url: string, mirror: string): string {
  let base: URL;
  try {
    base = new URL(mirror);
  } catch {
    throw new FetchError(`mirror is not a URL: '${mirror}'`, { url: mirror });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new FetchError(`mirror must be http or https, got '${mirror}'`, { url: mirror });
  const original = new URL(url);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${original.pathname}${original.search}`;
}

/** `WASMPOSE_CACHE`, else `~/.cache/wasmpose`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['WASMPOSE_CACHE'] || join(homedir(), '.cache', 'wasmpose');
}

/** IR precisions a model is published in (empty for single-form models). */
export function precisionsOf(weights: ModelWeights): string[] {
  return [...new Set(weights.files.flatMap((f) => (f.precision === undefined ? [] : [f.precision])))];
}

/** The files to fetch: those of `precision` (default FP32 where there is a choice) and all without one. */
export function selectFiles(weights: ModelWeights, precision = 'FP32'): WeightFile[] {
  return weights.files.filter((f) => f.precision === undefined || f.precision === precision);
}

export interface ModelFetchOptions {
  /** Files go to `<cacheDir>/<model>/<file name>`. */
  cacheDir: string;
  mirror?: string;
  precision?: string;
  stallTimeoutMs?: number;
  onProgress?: (file: WeightFile, bytes: number, total: number | undefined) => void;
  /** Called as each file is in place, verified (and extracted). */
  onFetched?: (fetched: FetchedFile) => void;
}

export interface FetchedFile {
  file: WeightFile;
  outcome: FetchOutcome;
  /** Where the archive's `extract` member was written. */
  extracted?: string;
}

export async function fetchModelWeights(model: string, weights: ModelWeights, options: ModelFetchOptions): Promise<FetchedFile[]> {
  const fetched: FetchedFile[] = [];
  for (const file of selectFiles(weights, options.precision)) {
    const url = options.mirror === undefined ? file.url : mirrorUrl(file.url, options.mirror);
    const dest = join(options.cacheDir, model, file.name);
    const outcome = await fetchFile(url, dest, {
      expected: file.checksum,
      size: file.size,
      stallTimeoutMs: options.stallTimeoutMs,
      onProgress: options.onProgress && ((bytes, total) => options.onProgress!(file, bytes, total)),
    });
    const entry: FetchedFile = { file, outcome };
    if (file.extract !== undefined) {
      entry.extracted = join(dirname(dest), basename(file.extract));
      // Extraction renames into place, so an existing file beside an unchanged archive is complete.
      if (outcome.how !== 'cached' || !existsSync(entry.extracted)) await extractFromTarGz(dest, file.extract, entry.extracted);
    }
    options.onFetched?.(entry);
    fetched.push(entry);
  }
  return fetched;
}
