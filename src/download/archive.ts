// Reading .tar.gz archives (Node only): gunzip by node:zlib, then a streaming tar reader, so a
// 150 MB checkpoint is copied out without holding the archive in memory.
//
// Tar is a sequence of 512-byte blocks: a header block per entry (name, size in octal, type,
// checksum), the entry's data padded to a whole block, and two zero blocks at the end. Names
// longer than 100 bytes come from the ustar prefix field, a GNU 'L' entry (the next entry's
// name as data) or a pax 'x' entry (`<length> path=<name>\n` records).
import { closeSync, createReadStream, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ModelFormatError } from '../nn/errors.js';
import { limits } from '../nn/limits.js';

const BLOCK = 512;
/** Long names and pax headers are small; anything bigger is a corrupt size field. */
const MAX_META_BYTES = 1 << 20;

export interface TarEntry {
  /** Path inside the archive, without a leading `./`. */
  path: string;
  type: 'file' | 'directory' | 'other';
  size: number;
}

/** Receives the data of one selected entry. */
export interface TarSink {
  write(chunk: Uint8Array): void;
  close(): void;
}

function cString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}

/** A numeric header field: octal text, or GNU base-256 when the top bit of the first byte is set. */
function numericField(block: Uint8Array, start: number, length: number, what: string, where: string): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + field[i]!;
    if (!Number.isSafeInteger(value)) throw new ModelFormatError(`tar ${what} too large`, where);
    return value;
  }
  const text = new TextDecoder().decode(field).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]*$/.test(text)) throw new ModelFormatError(`tar ${what} is not octal: '${text}' (not a tar archive, or corrupt)`, where);
  return text === '' ? 0 : parseInt(text, 8);
}

function normalizePath(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** `path` and `size` of a pax extended header; other keys are not needed here. */
function paxRecords(data: Uint8Array, where: string): Map<string, string> {
  const records = new Map<string, string>();
  const decoder = new TextDecoder();
  let at = 0;
  while (at < data.length && data[at] !== 0) {
    const space = data.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= space - at || at + length > data.length) throw new ModelFormatError('corrupt pax header record', where);
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf('=');
    if (eq !== -1) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

type Section = 'header' | 'data' | 'meta' | 'padding' | 'end';

/**
 * A push parser: feed it the tar bytes in chunks of any size, then call finish(). For each file
 * entry, `select` returns a sink for its data, or undefined to skip it.
 */
export class TarReader {
  readonly entries: TarEntry[] = [];
  /** Bytes the entries so far declare. */
  private expanded = 0;
  private section: Section = 'header';
  private readonly header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Bytes left in the current data, meta or padding section. */
  private remaining = 0;
  private padding = 0;
  /** Bytes consumed, for error positions. */
  private position = 0;
  private zeroBlocks = 0;
  private sink: TarSink | undefined;
  private meta: { kind: 'longname' | 'pax' | 'ignored'; chunks: Uint8Array[] } | undefined;
  private longName: string | undefined;
  private paxPath: string | undefined;
  private paxSize: number | undefined;
  private current: TarEntry | undefined;

  constructor(private readonly select: (entry: TarEntry) => TarSink | undefined) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.section !== 'end') {
      if (this.section === 'header') {
        const n = Math.min(BLOCK - this.headerFill, chunk.length - at);
        this.header.set(chunk.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        this.position += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.readHeader();
        }
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - at);
      const piece = chunk.subarray(at, at + n);
      if (this.section === 'data') this.sink?.write(piece);
      else if (this.section === 'meta') this.meta!.chunks.push(piece.slice());
      at += n;
      this.position += n;
      this.remaining -= n;
      if (this.remaining === 0) this.endSection();
    }
  }

  /** Checks that the archive did not stop inside an entry; returns the entries seen. */
  finish(): TarEntry[] {
    if (this.section === 'end') return this.entries;
    if (this.position === 0) throw new ModelFormatError('empty tar archive');
    if (this.section !== 'header' || this.headerFill !== 0) {
      const inside = this.current === undefined ? 'a header' : `'${this.current.path}'`;
      throw new ModelFormatError(`truncated tar archive: it ends inside ${inside}`, `byte ${this.position}`);
    }
    // Stopping at a block boundary without the two zero blocks: some writers omit them.
    return this.entries;
  }

  private readHeader(): void {
    const where = `byte ${this.position - BLOCK}`;
    const block = this.header;
    if (block.every((b) => b === 0)) {
      if (++this.zeroBlocks === 2) this.section = 'end';
      return;
    }
    this.zeroBlocks = 0;
    const stored = numericField(block, 148, 8, 'header checksum', where);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (sum !== stored) throw new ModelFormatError(`tar header checksum mismatch (${stored} stored, ${sum} computed): not a tar archive, or corrupt`, where);

    const type = String.fromCharCode(block[156]!);
    let size = numericField(block, 124, 12, 'entry size', where);
    // POSIX ustar ("ustar\0" "00") joins a prefix field; GNU tar ("ustar  ") uses those bytes otherwise.
    const posix = cString(block, 257, 6) === 'ustar' && block[262] === 0;
    const prefix = posix ? cString(block, 345, 155) : '';
    let path = prefix === '' ? cString(block, 0, 100) : `${prefix}/${cString(block, 0, 100)}`;

    if (type === 'L' || type === 'x' || type === 'g' || type === 'K') {
      if (size > MAX_META_BYTES) throw new ModelFormatError(`tar ${type} header of ${size} bytes`, where);
      this.meta = { kind: type === 'L' ? 'longname' : type === 'x' ? 'pax' : 'ignored', chunks: [] };
      this.startSection('meta', size);
      return;
    }
    if (this.longName !== undefined) path = this.longName;
    if (this.paxPath !== undefined) path = this.paxPath;
    if (this.paxSize !== undefined) size = this.paxSize;
    this.longName = this.paxPath = this.paxSize = undefined;

    const kind: TarEntry['type'] = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'directory' : 'other';
    // Budgets before anything is written: entry count, and the bytes the entries expand to.
    const budget = limits();
    if (this.entries.length >= budget.maxArchiveEntries) throw new ModelFormatError(`archive has more than ${budget.maxArchiveEntries} entries (limit maxArchiveEntries)`, where);
    this.expanded += size;
    if (this.expanded > budget.maxArchiveBytes) throw new ModelFormatError(`archive expands to more than ${budget.maxArchiveBytes} bytes (limit maxArchiveBytes)`, where);
    this.current = { path: normalizePath(path), type: kind, size };
    this.entries.push(this.current);
    this.sink = kind === 'file' ? this.select(this.current) : undefined;
    this.startSection('data', size);
  }

  private startSection(section: 'data' | 'meta', size: number): void {
    this.section = section;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endSection();
  }

  private endSection(): void {
    if (this.section === 'data') {
      this.sink?.close();
      this.sink = undefined;
      this.current = undefined;
    } else if (this.section === 'meta') {
      this.applyMeta();
    }
    if (this.section !== 'padding' && this.padding > 0) {
      this.section = 'padding';
      this.remaining = this.padding;
      this.padding = 0;
    } else {
      this.section = 'header';
    }
  }

  private applyMeta(): void {
    const meta = this.meta!;
    this.meta = undefined;
    const data = Buffer.concat(meta.chunks);
    const where = `byte ${this.position - data.length}`;
    if (meta.kind === 'longname') this.longName = cString(data, 0, data.length);
    else if (meta.kind === 'pax') {
      const records = paxRecords(data, where);
      this.paxPath = records.get('path') ?? this.paxPath;
      const size = records.get('size');
      if (size !== undefined) {
        if (!/^\d+$/.test(size)) throw new ModelFormatError(`pax size is not a number: '${size}'`, where);
        this.paxSize = Number(size);
      }
    }
  }
}

/** Writes one entry's data to `<dest>.part` (renamed to `dest` once the whole archive has been read). */
class FileSink implements TarSink {
  private readonly fd: number;
  constructor(dest: string) {
    this.fd = openSync(`${dest}.part`, 'w');
  }
  write(chunk: Uint8Array): void {
    writeSync(this.fd, chunk);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Extracts the file `member` of the .tar.gz `archive` to `dest`. `member` is matched as a path
 * (a leading `./` ignored); if no entry has that path but exactly one has its file name, that one
 * is taken, since archives differ in their top-level folder.
 */
export async function extractFromTarGz(archive: string, member: string, dest: string): Promise<TarEntry> {
  const wanted = normalizePath(member);
  const name = basename(wanted);
  let exact: TarEntry | undefined;
  const sameName: TarEntry[] = [];
  const reader = new TarReader((entry) => {
    if (entry.path === wanted) exact = entry;
    else if (basename(entry.path) === name && exact === undefined) sameName.push(entry);
    else return undefined;
    // Only the last matching entry is kept: each one rewrites `<dest>.part`.
    return new FileSink(dest);
  });
  const partPath = `${dest}.part`;
  try {
    await pipeline(
      createReadStream(archive),
      createGunzip(),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          try {
            reader.push(chunk);
            done();
          } catch (e) {
            done(e as Error);
          }
        },
      }),
    );
    reader.finish();
  } catch (e) {
    rmSync(partPath, { force: true });
    if (e instanceof ModelFormatError) throw new ModelFormatError(`'${archive}': ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new ModelFormatError(`'${archive}' is not a valid gzip file: ${(e as Error).message}`);
    throw new ModelFormatError(`cannot read '${archive}': ${(e as Error).message}`);
  }
  // A member that is there but not a file (a symbolic or hard link, a device) is refused: taking
  // another entry of the same file name in its place would extract something unrelated.
  const notFile = exact === undefined ? reader.entries.find((e) => e.path === wanted && e.type !== 'file') : undefined;
  if (notFile !== undefined) {
    rmSync(partPath, { force: true });
    throw new ModelFormatError(`'${archive}': '${wanted}' is a link or special entry, not a file (type ${notFile.type})`);
  }
  const found = exact ?? (sameName.length === 1 ? sameName[0] : undefined);
  if (found === undefined) {
    rmSync(partPath, { force: true });
    const files = reader.entries.filter((e) => e.type === 'file').map((e) => e.path);
    const why = sameName.length > 1 ? `several entries are named '${name}': ${sameName.map((e) => e.path).join(', ')}` : `files: ${files.slice(0, 20).join(', ')}${files.length > 20 ? ', ...' : ''}`;
    throw new ModelFormatError(`'${archive}' has no '${wanted}' (${why})`);
  }
  renameSync(partPath, dest);
  return found;
}
