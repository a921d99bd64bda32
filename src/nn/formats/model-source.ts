// Where a model's files come from, in any runtime: a URL (fetched; file: URLs and plain paths are
// read from disk where there is a disk, i.e. Node, Deno and Bun), a fetch-like function, bytes, or
// files by name. The readers are synchronous and ask for the files beside the main one as they
// meet them (TFJS shards, an IR's .bin, ONNX external data); loadFromSource runs a reader, fetches
// what it asked for, and runs it again until it has everything, so no reader needs an async twin.
import { ModelFormatError } from '../errors.js';
import type { ReadModelFile } from './load-file.js';

export type FileBytes = Uint8Array | ArrayBuffer;

/** What a fetch-like function resolves to: a Response, or anything with its ok/status/arrayBuffer. */
export interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** `fetch` itself, or anything called like it (authentication, caching, a test server's files). */
export type FetchLike = (url: string) => Promise<FetchResponse>;

/**
 * A model's files. A URL or path names the main file (the others are beside it); a function is
 * given each file's name relative to the main file and resolves to its bytes or a fetch response
 * (404, or undefined, for a file that is not there); bytes are a single-file model (ONNX, PyTorch
 * checkpoint); a record holds every file by name.
 */
export type ModelSource =
  | string
  | URL
  | FileBytes
  | Readonly<Record<string, FileBytes>>
  | ((name: string) => Promise<FileBytes | FetchResponse | undefined>);

export interface SourceOptions {
  /** The main file's name where the source does not say it (a function, bytes, a record of several files). */
  file?: string;
  /** Fetches URLs (default: globalThis.fetch). */
  fetch?: FetchLike;
}

interface OpenedSource {
  main: string;
  /** Where the files come from, for messages. */
  where: string;
  get(name: string): Promise<Uint8Array | undefined>;
}

const MAIN_FILE = /\.(json|onnx|xml|prototxt|pth|pt|tar|ckpt)$/i;

const toBytes = (data: FileBytes): Uint8Array => (data instanceof Uint8Array ? data : new Uint8Array(data));

function isResponse(value: unknown): value is FetchResponse {
  return typeof value === 'object' && value !== null && 'arrayBuffer' in value && 'ok' in value;
}

async function responseBytes(response: FetchResponse, url: string): Promise<Uint8Array | undefined> {
  if (response.status === 404) return undefined;
  if (!response.ok) throw new ModelFormatError(`cannot fetch '${url}': HTTP ${response.status} ${response.statusText ?? ''}`.trim());
  return new Uint8Array(await response.arrayBuffer());
}

/** A single file's form by its first bytes, for bytes given without a name. */
function sniffName(bytes: Uint8Array): string {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'model.pth'; // a zip: PyTorch's checkpoint format
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b) return 'model.json';
  if (first === 0x3c) return 'model.xml';
  return 'model.onnx';
}

interface NodeModules {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  url: typeof import('node:url');
}

/** Node's modules where the runtime has them (Node, Deno, Bun), reached without an import. */
function nodeModules(): NodeModules | undefined {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') return undefined;
  return {
    fs: getBuiltinModule('node:fs') as typeof import('node:fs'),
    path: getBuiltinModule('node:path') as typeof import('node:path'),
    url: getBuiltinModule('node:url') as typeof import('node:url'),
  };
}

function diskSource(file: string, node: NodeModules): OpenedSource {
  const full = node.path.resolve(file);
  const folder = node.path.dirname(full);
  return {
    main: node.path.basename(full),
    where: folder,
    get: async (name) => {
      const path = node.path.resolve(folder, name);
      if (!node.fs.existsSync(path)) return undefined;
      try {
        return await node.fs.promises.readFile(path);
      } catch (e) {
        throw new ModelFormatError(`cannot read '${path}': ${(e as Error).message}`);
      }
    },
  };
}

function urlSource(url: URL, fetchLike: FetchLike | undefined): OpenedSource {
  const node = nodeModules();
  if (url.protocol === 'file:' && node !== undefined && fetchLike === undefined) return diskSource(node.url.fileURLToPath(url), node);
  const fetcher = fetchLike ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (fetcher === undefined) throw new ModelFormatError(`cannot fetch '${url.href}': this runtime has no fetch; pass one as the fetch option`);
  const main = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
  return {
    main,
    where: url.href,
    get: async (name) => {
      const href = new URL(name, url).href;
      let response: FetchResponse;
      try {
        response = await fetcher(href);
      } catch (e) {
        throw new ModelFormatError(`cannot fetch '${href}': ${(e as Error).message}`);
      }
      return responseBytes(response, href);
    },
  };
}

/** Opens a source: which file is the main one, and how to get any file by name. */
export function openSource(source: ModelSource, options: SourceOptions = {}): OpenedSource {
  if (source instanceof URL) return urlSource(source, options.fetch);
  if (typeof source === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^(data|blob):/i.test(source)) return urlSource(new URL(source), options.fetch);
    const node = nodeModules();
    if (node !== undefined && options.fetch === undefined) return diskSource(source, node);
    const base = (globalThis as { location?: { href: string } }).location?.href;
    if (base === undefined) throw new ModelFormatError(`'${source}' is neither a URL nor a path this runtime can read`);
    return urlSource(new URL(source, base), options.fetch);
  }
  if (typeof source === 'function') {
    if (options.file === undefined) throw new ModelFormatError('a model given as a function needs the main file\'s name (the file option)');
    return {
      main: options.file,
      where: 'the given function',
      get: async (name) => {
        const got = await source(name);
        if (got === undefined) return undefined;
        return isResponse(got) ? responseBytes(got, name) : toBytes(got);
      },
    };
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = toBytes(source);
    const main = options.file ?? sniffName(bytes);
    return { main, where: 'the given bytes', get: async (name) => (name === main ? bytes : undefined) };
  }
  if (typeof source === 'object' && source !== null) {
    const files = new Map(Object.entries(source).map(([name, data]) => [name, toBytes(data)]));
    const main = options.file ?? [...files.keys()].find((name) => MAIN_FILE.test(name));
    if (main === undefined) throw new ModelFormatError(`none of the given files (${[...files.keys()].join(', ')}) is a model's main file; name it with the file option`);
    return { main, where: 'the given files', get: async (name) => files.get(name) };
  }
  throw new ModelFormatError(`a model source must be a URL, a path, bytes, files by name or a function, got ${typeof source}`);
}

/** The shard paths of a TFJS model.json, to fetch them all at once rather than one per retry. */
function tfjsShards(json: Uint8Array): string[] {
  try {
    const manifest = (JSON.parse(new TextDecoder().decode(json)) as { weightsManifest?: { paths?: unknown[] }[] }).weightsManifest ?? [];
    return manifest.flatMap((group) => (group.paths ?? []).filter((p): p is string => typeof p === 'string'));
  } catch {
    return []; // the reader reports a broken model.json itself
  }
}

/**
 * Runs `use` (a synchronous reader of a model's files) on the files of `source`: every file it asks
 * for and does not have yet is fetched, then it runs again, until it returns or fails on what it has.
 */
export async function loadFromSource<T>(source: ModelSource, options: SourceOptions, use: (main: string, read: ReadModelFile) => T): Promise<T> {
  const opened = openSource(source, options);
  const files = new Map<string, Uint8Array | undefined>();
  const fetchAll = (names: Iterable<string>) => Promise.all([...names].map(async (name) => files.set(name, await opened.get(name))));
  await fetchAll([opened.main]);
  const main = files.get(opened.main);
  if (main === undefined) throw new ModelFormatError(`cannot read '${opened.main}' from ${opened.where}: no such file`);
  if (/\.json$/i.test(opened.main)) await fetchAll(tfjsShards(main));
  for (;;) {
    const wanted = new Set<string>();
    try {
      return use(opened.main, (name) => {
        if (files.has(name)) return files.get(name);
        wanted.add(name);
        throw new ModelFormatError(`'${name}' is being fetched`);
      });
    } catch (e) {
      // A reader may wrap the loader's error in its own: what counts is whether it asked for more.
      if (wanted.size === 0) throw e;
      await fetchAll(wanted);
    }
  }
}
