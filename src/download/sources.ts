// The published weights of the seed networks (weights/sources.json), checked into typed records.
// The JSON is data users may edit (a private mirror with its own files), so every field is
// validated here and a bad entry names its JSON path.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFormatError } from '../nn/errors.js';

/**
 * Digests the fetcher verifies. Open Model Zoo publishes SHA-384; CMU publishes only MD5 for the
 * OpenPose caffemodel, which still catches a corrupt or truncated download.
 */
export const CHECKSUM_ALGORITHMS = ['sha256', 'sha384', 'md5'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** Lower-case hex. */
  digest: string;
}

const DIGEST_HEX_LENGTH: Record<ChecksumAlgorithm, number> = { sha256: 64, sha384: 96, md5: 32 };

export interface WeightFile {
  /** Path of the file inside the model's cache directory, e.g. `FP32/human-pose-estimation-0001.xml`. */
  name: string;
  url: string;
  /** Bytes, where the publisher states it. */
  size?: number;
  checksum: Checksum;
  /** IR precision of this file; files without one are fetched whatever --precision says. */
  precision?: string;
  /** For an archive: the path inside it of the file to extract. */
  extract?: string;
}

export interface ModelWeights {
  /** Where the entry was copied from. */
  origin: string;
  /** Why nothing (or not everything) is fetched, where that needs saying. */
  note?: string;
  /** Empty when no URL with a checksum is published. */
  files: WeightFile[];
}

export type WeightSources = Record<string, ModelWeights>;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string, where: string): never {
  throw new ModelFormatError(`weights sources: ${message}`, where);
}

function stringField(object: Json, key: string, where: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') fail(`'${key}' must be a non-empty string`, where);
  return value;
}

function optionalString(object: Json, key: string, where: string): string | undefined {
  return object[key] === undefined ? undefined : stringField(object, key, where);
}

function parseChecksum(value: unknown, where: string): Checksum {
  if (!isObject(value)) fail("'checksum' must be an object { algorithm, digest }", where);
  const algorithm = stringField(value, 'algorithm', where);
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm)) fail(`unsupported checksum algorithm '${algorithm}' (supported: ${CHECKSUM_ALGORITHMS.join(', ')})`, where);
  const known = algorithm as ChecksumAlgorithm;
  const digest = stringField(value, 'digest', where).toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${DIGEST_HEX_LENGTH[known]}}$`).test(digest)) fail(`a ${known} digest is ${DIGEST_HEX_LENGTH[known]} hex digits, got '${digest}'`, where);
  return { algorithm: known, digest };
}

function parseFile(value: unknown, where: string): WeightFile {
  if (!isObject(value)) fail('a file entry must be an object', where);
  const name = stringField(value, 'name', where);
  // The name becomes a path under the cache directory: keep it there.
  if (name.startsWith('/') || name.split(/[\\/]/).some((part) => part === '..' || part === '')) fail(`'name' must be a relative path without '..', got '${name}'`, where);
  const url = stringField(value, 'url', where);
  if (!/^https?:\/\//.test(url)) fail(`'url' must be http(s), got '${url}'`, where);
  const file: WeightFile = { name, url, checksum: parseChecksum(value['checksum'], `${where}.checksum`) };
  if (value['size'] !== undefined) {
    const size = value['size'];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail(`'size' must be a non-negative integer, got ${JSON.stringify(size)}`, where);
    file.size = size;
  }
  const precision = optionalString(value, 'precision', where);
  if (precision !== undefined) file.precision = precision;
  const extract = optionalString(value, 'extract', where);
  if (extract !== undefined) file.extract = extract;
  return file;
}

/** Checks the parsed JSON of weights/sources.json. */
export function parseSources(json: unknown): WeightSources {
  if (!isObject(json) || !isObject(json['models'])) fail("expected an object with 'models'", '$');
  const sources: WeightSources = {};
  for (const [model, value] of Object.entries(json['models'])) {
    const where = `models.${model}`;
    // The key becomes a folder of the cache: one plain name, never '..', '/' or '__proto__'.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(model) || model.includes('..')) fail(`a model key must be a plain name ([A-Za-z0-9._-], starting with a letter or digit), got '${model}'`, where);
    if (!isObject(value)) fail('a model entry must be an object', where);
    const files = value['files'];
    if (!Array.isArray(files)) fail("'files' must be an array", where);
    const entry: ModelWeights = {
      origin: stringField(value, 'origin', where),
      files: files.map((file, i) => parseFile(file, `${where}.files[${i}]`)),
    };
    const note = optionalString(value, 'note', where);
    if (note !== undefined) entry.note = note;
    if (entry.files.length === 0 && note === undefined) fail("a model without files needs a 'note' saying where its weights come from", where);
    sources[model] = entry;
  }
  return sources;
}

/**
 * weights/sources.json of the package: found by walking up from this module, which sits at
 * src/download/ when run from source and dist/src/download/ when built.
 */
export function defaultSourcesPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'weights', 'sources.json');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new ModelFormatError('weights/sources.json not found above ' + dirname(fileURLToPath(import.meta.url)));
    dir = parent;
  }
}

export function loadSources(path: string = defaultSourcesPath()): WeightSources {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ModelFormatError(`cannot read weights sources '${path}': ${(e as Error).message}`);
  }
  return parseSources(json);
}
