// Files the CLI reads and writes, made safe against what may already be on disk:
// - inputs must be regular files (a device or FIFO named as a model or photo would grow without
//   limit or block forever), and a missing file is one line naming it, not a stack;
// - outputs never follow a link already at their path (a planted `x_keypoints.json` link would
//   otherwise overwrite its target), and never replace a non-file;
// - two outputs of one command never land on one path silently (a.jpg and a.png in one folder
//   both make a_keypoints.json): an OutputNames hands out distinct stems.
import { closeSync, constants, lstatSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { InputError } from '../nn/errors.js';

function reason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ELOOP') return 'is a symbolic link';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** A regular file's bytes; anything else (missing, a directory, a device, a FIFO) is an InputError. */
export function readInputFile(path: string, what = 'file'): Uint8Array {
  try {
    if (!statSync(path).isFile()) throw new InputError(`${what} '${path}' is not a regular file`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${what} '${path}': ${reason(e)}`);
  }
}

/**
 * Writes `data` to `path`, creating or truncating a regular file. A symbolic link at `path` is
 * refused (O_NOFOLLOW), never followed, and so is anything that is not a regular file.
 */
export function writeOutputFile(path: string, data: Uint8Array | string): void {
  let existing;
  try {
    existing = lstatSync(path);
  } catch {
    existing = undefined;
  }
  if (existing !== undefined && !existing.isFile()) {
    throw new InputError(`refusing to write '${path}': a ${existing.isSymbolicLink() ? 'symbolic link' : 'non-file'} is already there`);
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0), 0o644);
  } catch (e) {
    throw new InputError(`cannot write '${path}': ${reason(e)}`);
  }
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    closeSync(fd);
  }
}

/**
 * Distinct output stems for a set of input files: a file's name without its extension, unless
 * another input shares that stem (a.jpg and a.png), then its whole name (a.jpg, a.png).
 */
export class OutputNames {
  private readonly stems = new Map<string, string>();

  constructor(files: readonly string[]) {
    const count = new Map<string, number>();
    const stem = (f: string): string => basename(f, extname(f));
    for (const f of files) count.set(stem(f), (count.get(stem(f)) ?? 0) + 1);
    const taken = new Set<string>();
    for (const f of files) {
      let s = count.get(stem(f))! > 1 ? basename(f) : stem(f);
      // The same file name in two folders: number the later ones.
      for (let n = 2; taken.has(s); n++) s = `${count.get(stem(f))! > 1 ? basename(f) : stem(f)}-${n}`;
      taken.add(s);
      this.stems.set(f, s);
    }
  }

  stemOf(file: string): string {
    return this.stems.get(file) ?? basename(file, extname(file));
  }
}
