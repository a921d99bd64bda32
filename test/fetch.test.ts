// Weights fetching against a local HTTP server on 127.0.0.1 serving files this test makes: success,
// checksum and size mismatches, HTTP errors, truncated bodies, Range resume (206) and servers that
// ignore Range (200), redirects, stalls; the .tar.gz reader; `wasmpose fetch` end to end with
// --mirror and --cache. Nothing here reaches beyond 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchCommand } from '../src/cli/commands/fetch.js';
import { captured } from './support/cli.js';
import { ModelFormatError, WeightsError } from '../src/nn/errors.js';
import { setLimits } from '../src/nn/limits.js';
import { extractFromTarGz, TarReader, type TarEntry } from '../src/download/archive.js';
import { fetchFile, FetchError, mirrorUrl, type FetchOptions } from '../src/download/fetch.js';
import { loadSources, parseSources } from '../src/download/sources.js';

const ROOT = resolve(import.meta.dirname, '..');
const OMZ_DIR = resolve(ROOT, '../shared/omz');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sha384 = (bytes: Uint8Array) => createHash('sha384').update(bytes).digest('hex');

// ---------------------------------------------------------------- tar.gz built here

function tarHeader(name: string, size: number, type: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name.slice(0, 100), 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(type, 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

function tarMember(name: string, data: Uint8Array, type = '0'): Buffer[] {
  return [tarHeader(name, data.length, type), Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512)];
}

/** A pax record `<length> key=value\n`, where length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length++;
  return `${length}${body}`;
}

interface Member {
  name: string;
  data: Uint8Array;
  /** How a name over 100 bytes is stored. */
  longName?: 'gnu' | 'pax';
  /** The tar type flag: '0' a file (default), '1' a hard link, '2' a symbolic link. */
  type?: string;
}

function makeTar(members: Member[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    if (m.longName === 'gnu') blocks.push(...tarMember('././@LongLink', Buffer.from(`${m.name}\0`), 'L'));
    if (m.longName === 'pax') blocks.push(...tarMember('PaxHeader', Buffer.from(paxRecord('path', m.name)), 'x'));
    blocks.push(...tarMember(m.name, m.data, m.type));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

// ---------------------------------------------------------------- the local server

interface Seen {
  path: string;
  range: string | undefined;
  status: number;
}

const files = new Map<string, Buffer>();
const seen: Seen[] = [];
const sockets = new Set<Socket>();
let server: http.Server;
let base: string;

/** Answers a Range request with 206 (416 past the end) unless `honourRange` is false. */
function serveBytes(req: http.IncomingMessage, res: http.ServerResponse, bytes: Buffer, honourRange: boolean): number {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (honourRange && range) {
    const start = Number(range[1]);
    if (start >= bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return 416;
    }
    res.writeHead(206, { 'content-length': bytes.length - start, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
    res.end(bytes.subarray(start));
    return 206;
  }
  res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
  return 200;
}

function handle(req: http.IncomingMessage, res: http.ServerResponse): number {
  const path = req.url ?? '/';
  const [, route, ...rest] = path.split('/');
  const name = `/${rest.join('/')}`;
  const bytes = files.get(name);
  switch (route) {
    case 'files':
      if (bytes) return serveBytes(req, res, bytes, true);
      break;
    case 'norange':
      if (bytes) return serveBytes(req, res, bytes, false);
      break;
    case 'truncated':
      if (bytes) {
        // Announce the whole file, send a third, then drop the connection. The pause lets the
        // client read what was sent: Node's client discards a response's unread buffered data
        // when its connection closes early.
        res.writeHead(200, { 'content-length': bytes.length });
        res.write(bytes.subarray(0, Math.floor(bytes.length / 3)), () => setTimeout(() => res.destroy(), 100));
        return 200;
      }
      break;
    case 'stall-body':
      if (bytes) {
        res.writeHead(200, { 'content-length': bytes.length });
        res.write(bytes.subarray(0, 1000));
        return 200;
      }
      break;
    case 'stall-headers':
      return 0;
    case 'redirect': {
      // /redirect/<n>/<name>: n more hops, then /files/<name>.
      const hops = Number(rest[0]);
      const target = hops > 1 ? `/redirect/${hops - 1}/${rest.slice(1).join('/')}` : `/files/${rest.slice(1).join('/')}`;
      res.writeHead(302, { location: target }).end();
      return 302;
    }
    case 'status':
      res.writeHead(Number(rest[0])).end('server says no');
      return Number(rest[0]);
    case 'mirror':
      if (bytes) return serveBytes(req, res, bytes, true);
      break;
  }
  res.writeHead(404).end('not found');
  return 404;
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '/', range: req.headers.range, status: handle(req, res) });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((done) => server.close(() => done()));
  rmSync(work, { recursive: true, force: true });
});

afterEach(() => vi.restoreAllMocks());

const work = mkdtempSync(join(tmpdir(), 'wasmpose-fetch-'));
let counter = 0;
/** A fresh destination path per test. */
const destination = (name = 'file.bin') => join(work, `case-${++counter}`, name);

function publish(name: string, bytes: Buffer): FetchOptions {
  files.set(name, bytes);
  return { expected: { algorithm: 'sha384', digest: sha384(bytes) }, size: bytes.length };
}

function requestsSince(mark: number): Seen[] {
  return seen.slice(mark);
}

// ---------------------------------------------------------------- fetchFile

describe('fetchFile', () => {
  const payload = randomBytes(300_000);
  let options: FetchOptions;
  beforeAll(() => {
    options = publish('/payload.bin', payload);
  });

  it('downloads, verifies, renames into place, reports progress; a second call uses the cache', async () => {
    const dest = destination();
    const progress: number[] = [];
    const outcome = await fetchFile(`${base}/files/payload.bin`, dest, { ...options, onProgress: (bytes, total) => { progress.push(bytes); expect(total).toBe(payload.length); } });
    expect(outcome).toEqual({ path: dest, bytes: payload.length, how: 'downloaded' });
    expect(readFileSync(dest).equals(payload)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(progress.at(-1)).toBe(payload.length);
    const mark = seen.length;
    expect((await fetchFile(`${base}/files/payload.bin`, dest, options)).how).toBe('cached');
    expect(requestsSince(mark)).toEqual([]);
  });

  it('replaces a cached file that no longer verifies', async () => {
    const dest = destination();
    await fetchFile(`${base}/files/payload.bin`, dest, options);
    writeFileSync(dest, Buffer.alloc(payload.length));
    expect((await fetchFile(`${base}/files/payload.bin`, dest, options)).how).toBe('downloaded');
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('sha256 works too, and without a published size', async () => {
    const dest = destination();
    await fetchFile(`${base}/files/payload.bin`, dest, { expected: { algorithm: 'sha256', digest: sha256(payload) } });
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('a wrong checksum deletes the file and names the URL, expected and actual digest', async () => {
    const dest = destination();
    const wrong = 'ab'.repeat(48);
    const url = `${base}/files/payload.bin`;
    const error = await fetchFile(url, dest, { ...options, expected: { algorithm: 'sha384', digest: wrong } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    const message = (error as FetchError).message;
    expect(message).toContain(url);
    expect(message).toContain(wrong);
    expect(message).toContain(sha384(payload));
    expect((error as FetchError).details).toMatchObject({ url, expected: wrong, actual: sha384(payload) });
    expect(existsSync(dest) || existsSync(`${dest}.part`)).toBe(false);
  });

  it('a server size that differs from the published size is refused before the body', async () => {
    const dest = destination();
    await expect(fetchFile(`${base}/files/payload.bin`, dest, { ...options, size: payload.length + 1 })).rejects.toThrow(/has 300000 bytes, the published size is 300001/);
    expect(existsSync(dest)).toBe(false);
  });

  it('HTTP 500 and 404 are FetchErrors with the status', async () => {
    for (const [path, status] of [['/status/500', 500], ['/files/absent.bin', 404]] as const) {
      const error = await fetchFile(`${base}${path}`, destination(), options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FetchError);
      expect((error as FetchError).details.status).toBe(status);
      expect((error as FetchError).message).toContain(`HTTP ${status}`);
    }
  });

  it('a truncated body keeps the .part; the next fetch resumes it with Range and gets 206', async () => {
    const dest = destination();
    const error = await fetchFile(`${base}/truncated/payload.bin`, dest, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    // A third is sent (100000 bytes); a heavily loaded machine may have read less before the close.
    const got = Number(/^truncated: got (\d+) of 300000 bytes/.exec((error as Error).message)?.[1]);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(100_000);
    expect(statSync(`${dest}.part`).size).toBe(got);
    const mark = seen.length;
    const outcome = await fetchFile(`${base}/files/payload.bin`, dest, options);
    expect(outcome.how).toBe('resumed');
    expect(requestsSince(mark)).toEqual([{ path: '/files/payload.bin', range: `bytes=${got}-`, status: 206 }]);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('resumes a partial .part left by an earlier run', async () => {
    const dest = destination();
    mkdirFor(dest);
    writeFileSync(`${dest}.part`, payload.subarray(0, 123_456));
    const mark = seen.length;
    expect((await fetchFile(`${base}/files/payload.bin`, dest, options)).how).toBe('resumed');
    expect(requestsSince(mark)).toEqual([{ path: '/files/payload.bin', range: 'bytes=123456-', status: 206 }]);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('a server that ignores Range (200) restarts the file from byte 0', async () => {
    const dest = destination();
    mkdirFor(dest);
    writeFileSync(`${dest}.part`, payload.subarray(0, 50_000));
    const mark = seen.length;
    expect((await fetchFile(`${base}/norange/payload.bin`, dest, options)).how).toBe('downloaded');
    expect(requestsSince(mark)).toEqual([{ path: '/norange/payload.bin', range: 'bytes=50000-', status: 200 }]);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('a .part longer than the file (416) starts over; a complete .part is only checked', async () => {
    const dest = destination();
    mkdirFor(dest);
    writeFileSync(`${dest}.part`, Buffer.concat([payload, Buffer.from('extra')]));
    const mark = seen.length;
    // Without a published size the .part cannot be judged before asking the server.
    await fetchFile(`${base}/files/payload.bin`, dest, { expected: options.expected });
    expect(requestsSince(mark).map((r) => r.status)).toEqual([416, 200]);
    expect(readFileSync(dest).equals(payload)).toBe(true);

    const complete = destination();
    mkdirFor(complete);
    writeFileSync(`${complete}.part`, payload);
    const before = seen.length;
    await fetchFile(`${base}/files/payload.bin`, complete, options);
    expect(requestsSince(before)).toEqual([]);
  });

  it('follows up to 5 redirects, and no more', async () => {
    const dest = destination();
    const mark = seen.length;
    await fetchFile(`${base}/redirect/5/payload.bin`, dest, options);
    expect(requestsSince(mark).map((r) => r.status)).toEqual([302, 302, 302, 302, 302, 200]);
    expect(readFileSync(dest).equals(payload)).toBe(true);
    await expect(fetchFile(`${base}/redirect/6/payload.bin`, destination(), options)).rejects.toThrow(/too many redirects \(more than 5\)/);
  });

  it('a stalled connection times out: before the headers, and mid-body (keeping the .part)', async () => {
    const start = performance.now();
    await expect(fetchFile(`${base}/stall-headers/payload.bin`, destination(), { ...options, stallTimeoutMs: 200 })).rejects.toThrow(/stalled: no response for 0.2 s/);
    const dest = destination();
    await expect(fetchFile(`${base}/stall-body/payload.bin`, dest, { ...options, stallTimeoutMs: 200 })).rejects.toThrow(/stalled: no data for 0.2 s .*got 1000 of 300000 bytes/);
    expect(statSync(`${dest}.part`).size).toBe(1000);
    expect(performance.now() - start).toBeLessThan(3000);
  });

  it('a host that refuses connections is a FetchError', async () => {
    const closed = http.createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    await expect(fetchFile(`http://127.0.0.1:${port}/x`, destination(), options)).rejects.toThrow(FetchError);
  });
});

function mkdirFor(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}

// ---------------------------------------------------------------- mirror and sources

describe('mirrorUrl', () => {
  it('replaces scheme, host and port, keeping the path (under the mirror path, if any)', () => {
    const url = 'https://storage.openvinotoolkit.org/repositories/open_model_zoo/x.bin?v=1';
    expect(mirrorUrl(url, 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/repositories/open_model_zoo/x.bin?v=1');
    expect(mirrorUrl(url, 'http://127.0.0.1:8080/cache/')).toBe('http://127.0.0.1:8080/cache/repositories/open_model_zoo/x.bin?v=1');
    expect(() => mirrorUrl(url, 'ftp://example')).toThrow(FetchError);
    expect(() => mirrorUrl(url, 'not a url')).toThrow(FetchError);
  });
});

describe('weights/sources.json', () => {
  const sources = loadSources();

  it('lists every seed network; those without files say why', () => {
    expect(Object.keys(sources).sort()).toEqual(
      ['bodyposenet', 'hrnet-w32', 'human-pose-estimation-0001', 'human-pose-estimation-3d-0001', 'openpose-coco', 'single-human-pose-estimation-0001'],
    );
    for (const model of ['hrnet-w32', 'bodyposenet']) {
      expect(sources[model]!.files).toEqual([]);
      expect(sources[model]!.note).toMatch(/checksum/);
    }
    expect(sources['openpose-coco']!.files[0]!.checksum).toEqual({ algorithm: 'md5', digest: '5156d31f670511fce9b4e28b403f2939' });
  });

  it('rejects malformed entries with the JSON path', () => {
    const file = { name: 'a.bin', url: 'https://h/a.bin', checksum: { algorithm: 'sha384', digest: 'ab'.repeat(48) } };
    expect(() => parseSources({ models: { m: { origin: 'o', files: [file] } } })).not.toThrow();
    expect(() => parseSources({ models: { m: { origin: 'o', files: [{ ...file, checksum: { algorithm: 'sha1', digest: 'ab' } }] } } })).toThrow(/unsupported checksum algorithm 'sha1'.*models\.m\.files\[0\]\.checksum/);
    expect(() => parseSources({ models: { m: { origin: 'o', files: [{ ...file, checksum: { algorithm: 'sha384', digest: 'ab' } }] } } })).toThrow(/96 hex digits/);
    expect(() => parseSources({ models: { m: { origin: 'o', files: [{ ...file, name: '../escape.bin' }] } } })).toThrow(/without '\.\.'/);
    expect(() => parseSources({ models: { m: { origin: 'o', files: [] } } })).toThrow(/needs a 'note'/);
    expect(() => parseSources([])).toThrow(ModelFormatError);
  });

  describe.skipIf(!existsSync(OMZ_DIR))('matches Open Model Zoo model.yml', () => {
    if (!existsSync(OMZ_DIR)) console.log(`skipped: ${OMZ_DIR} is absent`);
    for (const model of ['human-pose-estimation-0001', 'human-pose-estimation-3d-0001', 'single-human-pose-estimation-0001']) {
      it(model, () => {
        const yml = readFileSync(join(OMZ_DIR, model, 'model.yml'), 'utf8');
        // The `files:` section, up to the next top-level key; each `- name:` item of it.
        const section = /\nfiles:\n([\s\S]*?)\n[a-z_]+:/.exec(yml)![1]!;
        const listed = `\n${section}`.split(/\n  - name: /).slice(1).map((item) => ({
          size: Number(/\n\s+size: (\d+)/.exec(item)![1]),
          digest: /\n\s+checksum: ([0-9a-f]+)/.exec(item)![1],
          url: /\n\s+source: (\S+)/.exec(item)![1],
        }));
        const entries = sources[model]!.files.map((f) => ({ size: f.size, digest: f.checksum.digest, url: f.url }));
        expect(entries).toEqual(listed);
        expect(sources[model]!.files.every((f) => f.checksum.algorithm === 'sha384')).toBe(true);
      });
    }
  });
});

// ---------------------------------------------------------------- .tar.gz

describe('extractFromTarGz', () => {
  const checkpoint = randomBytes(5000);
  const longDir = 'd'.repeat(120);
  const write = (tar: Buffer, name = 'a.tar.gz') => {
    const path = destination(name);
    mkdirFor(path);
    writeFileSync(path, gzipSync(tar));
    return path;
  };

  it('takes the member by path, with GNU and pax long names', async () => {
    for (const longName of ['gnu', 'pax'] as const) {
      const member = `${longDir}/net.pth`;
      const archive = write(makeTar([{ name: 'model/readme.txt', data: Buffer.from('hi') }, { name: member, data: checkpoint, longName }, { name: 'other.pth', data: Buffer.from('x') }]));
      const dest = join(resolve(archive, '..'), 'net.pth');
      const entry = await extractFromTarGz(archive, member, dest);
      expect(entry).toEqual({ path: member, type: 'file', size: checkpoint.length });
      expect(readFileSync(dest).equals(checkpoint)).toBe(true);
      expect(existsSync(`${dest}.part`)).toBe(false);
    }
  });

  it('falls back to the one entry with the file name when the folder differs', async () => {
    const archive = write(makeTar([{ name: './elsewhere/net.pth', data: checkpoint }]));
    const dest = join(resolve(archive, '..'), 'net.pth');
    expect((await extractFromTarGz(archive, 'model/net.pth', dest)).path).toBe('elsewhere/net.pth');
    expect(readFileSync(dest).equals(checkpoint)).toBe(true);
  });

  it('refuses a member that is a link, instead of another entry with its file name', async () => {
    for (const type of ['2', '1']) {
      const archive = write(makeTar([{ name: 'model/net.pth', data: new Uint8Array(0), type }, { name: 'unrelated/net.pth', data: checkpoint }]));
      const dest = join(resolve(archive, '..'), `linked-${type}.pth`);
      await expect(extractFromTarGz(archive, 'model/net.pth', dest)).rejects.toThrow(/'model\/net\.pth' is a link or special entry, not a file/);
      await expect(extractFromTarGz(archive, 'model/net.pth', dest)).rejects.toBeInstanceOf(ModelFormatError);
      expect(existsSync(dest)).toBe(false);
      expect(existsSync(`${dest}.part`)).toBe(false);
    }
  });

  it('never turns entry names into paths: ../ and absolute entries write nothing outside dest', async () => {
    const archive = write(makeTar([{ name: '../../escaped.pth', data: checkpoint }, { name: '/tmp/absolute-escape.pth', data: checkpoint }, { name: 'model/net.pth', data: checkpoint }]), 'escape.tar.gz');
    const dest = join(resolve(archive, '..'), 'taken.pth');
    expect((await extractFromTarGz(archive, 'model/net.pth', dest)).path).toBe('model/net.pth');
    expect(readFileSync(dest).equals(checkpoint)).toBe(true);
    expect(existsSync(resolve(archive, '../../../escaped.pth'))).toBe(false);
    expect(existsSync(resolve(archive, '../../escaped.pth'))).toBe(false);
    expect(existsSync('/tmp/absolute-escape.pth')).toBe(false);
  });

  it('says what the archive holds when the member is missing', async () => {
    const archive = write(makeTar([{ name: 'a/one.pth', data: checkpoint }, { name: 'b/one.pth', data: checkpoint }]));
    await expect(extractFromTarGz(archive, 'x/two.pth', `${archive}.out`)).rejects.toThrow(/has no 'x\/two\.pth' \(files: a\/one\.pth, b\/one\.pth\)/);
    await expect(extractFromTarGz(archive, 'x/one.pth', `${archive}.out`)).rejects.toThrow(/several entries are named 'one\.pth'/);
    expect(existsSync(`${archive}.out.part`)).toBe(false);
  });

  it('corrupt archives are ModelFormatErrors', async () => {
    const tar = makeTar([{ name: 'net.pth', data: checkpoint }]);
    const badHeader = Buffer.from(tar);
    badHeader[10] = 0x41;
    const cases: [Buffer, RegExp][] = [
      [gzipSync(badHeader), /header checksum mismatch/],
      [gzipSync(tar.subarray(0, 512 + 1000)), /truncated tar archive: it ends inside 'net\.pth'/],
      [gzipSync(tar).subarray(0, 200), /not a valid gzip file/],
      [Buffer.from('plain text, not gzip'), /not a valid gzip file/],
      [gzipSync(Buffer.alloc(0)), /empty tar archive/],
    ];
    for (const [bytes, message] of cases) {
      const archive = destination('bad.tar.gz');
      mkdirFor(archive);
      writeFileSync(archive, bytes);
      const error = await extractFromTarGz(archive, 'net.pth', `${archive}.pth`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFormatError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('TarReader gives the same entries whatever the chunk size', () => {
    const tar = makeTar([{ name: `${longDir}/a.bin`, data: randomBytes(1300), longName: 'pax' }, { name: 'b.bin', data: randomBytes(512) }, { name: 'c.bin', data: new Uint8Array(0) }]);
    const read = (chunk: number) => {
      const data = new Map<string, Buffer[]>();
      const reader = new TarReader((entry: TarEntry) => {
        const parts: Buffer[] = [];
        data.set(entry.path, parts);
        return { write: (bytes) => void parts.push(Buffer.from(bytes)), close: () => undefined };
      });
      for (let at = 0; at < tar.length; at += chunk) reader.push(tar.subarray(at, at + chunk));
      return { entries: reader.finish(), sizes: [...data.values()].map((parts) => Buffer.concat(parts).length) };
    };
    const whole = read(tar.length);
    expect(whole.sizes).toEqual([1300, 512, 0]);
    for (const chunk of [1, 7, 511, 513]) expect(read(chunk)).toEqual(whole);
  });
});

// ---------------------------------------------------------------- wasmpose fetch

/** `wasmpose fetch ...argv`, its errors thrown rather than printed. */
const cli = (...argv: string[]) => captured(fetchCommand, argv);

describe('wasmpose fetch', () => {
  // A sources list of the same form as weights/sources.json, on a host that does not exist
  // (.invalid never resolves): only --mirror makes it reachable.
  const ir = { fp32xml: randomBytes(3000), fp32bin: randomBytes(40_000), fp16xml: randomBytes(3100), fp16bin: randomBytes(20_000) };
  const checkpoint = randomBytes(10_000);
  const archive = gzipSync(makeTar([{ name: 'tiny/models/with_mobilenet.py', data: Buffer.from('# code') }, { name: 'tiny/tiny.pth', data: checkpoint }]));
  const sourcesPath = join(work, 'sources.json');
  const irFile = (precision: string, ext: string, bytes: Buffer) => {
    files.set(`/models/tiny/${precision}/tiny.${ext}`, bytes);
    return { name: `${precision}/tiny.${ext}`, precision, url: `https://weights.invalid/models/tiny/${precision}/tiny.${ext}`, size: bytes.length, checksum: { algorithm: 'sha384', digest: sha384(bytes) } };
  };
  beforeAll(() => {
    files.set('/models/tiny/tiny.tar.gz', archive);
    const models = {
      'tiny-ir': { origin: 'test', files: [irFile('FP32', 'xml', ir.fp32xml), irFile('FP32', 'bin', ir.fp32bin), irFile('FP16', 'xml', ir.fp16xml), irFile('FP16', 'bin', ir.fp16bin)] },
      'tiny-archive': {
        origin: 'test',
        files: [{ name: 'tiny.tar.gz', url: 'https://weights.invalid/models/tiny/tiny.tar.gz', size: archive.length, checksum: { algorithm: 'sha256', digest: sha256(archive) }, extract: 'tiny/tiny.pth' }],
      },
      'by-hand': { origin: 'test', note: 'download it from the authors\' drive folder; no checksum is published', files: [] },
    };
    writeFileSync(sourcesPath, JSON.stringify({ models }));
  });

  it('downloads the chosen precision into the cache, says where, and that IR needs no conversion', async () => {
    const cache = join(work, 'cache-ir');
    const mirror = `${base}/mirror`;
    const mark = seen.length;
    const { code, out, err } = await cli('tiny-ir', '--precision', 'FP16', '--cache', cache, '--mirror', mirror, '--sources', sourcesPath);
    expect(code).toBe(0);
    expect(requestsSince(mark).map((r) => r.path)).toEqual(['/mirror/models/tiny/FP16/tiny.xml', '/mirror/models/tiny/FP16/tiny.bin']);
    const xml = join(cache, 'tiny-ir', 'FP16', 'tiny.xml');
    expect(readFileSync(xml).equals(ir.fp16xml)).toBe(true);
    expect(readFileSync(join(cache, 'tiny-ir', 'FP16', 'tiny.bin')).equals(ir.fp16bin)).toBe(true);
    expect(out).toContain(xml);
    expect(out).toMatch(/no conversion step/);
    expect(err.split('\n')).toEqual([expect.stringMatching(/^FP16\/tiny\.xml: downloaded, .* sha384 verified$/), expect.stringMatching(/^FP16\/tiny\.bin: downloaded/)]);

    const again = await cli('tiny-ir', '--precision', 'FP16', '--cache', cache, '--mirror', mirror, '--sources', sourcesPath);
    expect(again.err).toMatch(/FP16\/tiny\.xml: already in the cache/);
    expect(seen.length).toBe(mark + 2);
  });

  it('takes the cache and mirror from WASMPOSE_CACHE and WASMPOSE_MIRROR; FP32 by default', async () => {
    const cache = join(work, 'cache-env');
    vi.stubEnv('WASMPOSE_CACHE', cache);
    vi.stubEnv('WASMPOSE_MIRROR', `${base}/mirror`);
    try {
      const { code } = await cli('tiny-ir', '--sources', sourcesPath);
      expect(code).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(readFileSync(join(cache, 'tiny-ir', 'FP32', 'tiny.bin')).equals(ir.fp32bin)).toBe(true);
    expect(existsSync(join(cache, 'tiny-ir', 'FP16'))).toBe(false);
  });

  it('extracts the checkpoint of an archive and prints where', async () => {
    const cache = join(work, 'cache-archive');
    const { code, out } = await cli('tiny-archive', '--cache', cache, '--mirror', `${base}/mirror`, '--sources', sourcesPath);
    expect(code).toBe(0);
    const pth = join(cache, 'tiny-archive', 'tiny.pth');
    expect(readFileSync(pth).equals(checkpoint)).toBe(true);
    expect(out).toContain(`extracted ${pth}`);
  });

  it('refuses a model without published files, with its note; usage errors for bad arguments', async () => {
    await expect(cli('by-hand', '--sources', sourcesPath)).rejects.toThrow(WeightsError);
    await expect(cli('by-hand', '--sources', sourcesPath)).rejects.toThrow(/drive folder/);
    await expect(cli('hrnet-w32')).rejects.toThrow(/no published weights with a checksum/);
    await expect(cli('nope', '--sources', sourcesPath)).rejects.toThrow(/unknown model 'nope'; models: tiny-ir, tiny-archive, by-hand/);
    await expect(cli('tiny-ir', '--precision', 'INT8', '--sources', sourcesPath)).rejects.toThrow(/--precision must be one of FP32, FP16/);
    await expect(cli('tiny-archive', '--precision', 'FP16', '--sources', sourcesPath)).rejects.toThrow(/published in one form only/);
    await expect(cli('tiny-ir', '--timeout', '0', '--sources', sourcesPath)).rejects.toThrow(/--timeout/);
    await expect(cli()).rejects.toThrow(/usage: wasmpose fetch/);
  });

  it('the real OMZ entries go through --mirror with their paths kept (404 here)', async () => {
    const mark = seen.length;
    const error = await cli('human-pose-estimation-0001', '--cache', join(work, 'cache-omz'), '--mirror', base).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).details.status).toBe(404);
    expect(requestsSince(mark).map((r) => r.path)).toEqual(['/repositories/open_model_zoo/2023.0/models_bin/1/human-pose-estimation-0001/FP32/human-pose-estimation-0001.xml']);
  });
});

describe('archive budgets', () => {
  it('refuses a tar with more entries, or more declared bytes, than its budget before writing them', () => {
    const tar = makeTar([{ name: 'a', data: new Uint8Array(600) }, { name: 'b', data: new Uint8Array(600) }, { name: 'c', data: new Uint8Array(600) }]);
    const read = (): TarEntry[] => {
      const reader = new TarReader(() => ({ write: () => undefined, close: () => undefined }));
      reader.push(tar);
      return reader.finish();
    };
    expect(read()).toHaveLength(3);
    for (const budget of [{ maxArchiveEntries: 2 }, { maxArchiveBytes: 1000 }]) {
      const previous = setLimits(budget);
      try {
        expect(read, JSON.stringify(budget)).toThrow(/maxArchive/);
        expect(read).toThrow(ModelFormatError);
      } finally {
        setLimits(previous);
      }
    }
  });
});
