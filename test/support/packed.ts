// The package as a user gets it: `npm pack` of the built tree (scripts ignored: no rebuild),
// installed offline into an empty project. The consumer, bundle and typings tests share one pack
// per vitest run: the first test file to ask packs and installs under a lock file, the others
// reuse that folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './runtimes.js';

export interface PackedFile { path: string; size: number }
export interface Packed {
  /** The empty project the tarball is installed in (type: module). */
  app: string;
  tarball: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Packs and installs once per built tree (keyed by the checkout, its package.json and the newest file it packs). */
export function packedApp(): Packed {
  const built = Math.max(...['dist/src', 'bin', 'web', 'weights'].map((dir) => newestMtime(join(REPO, dir))));
  const key = createHash('sha256').update(`${REPO}\n${readFileSync(join(REPO, 'package.json'), 'utf8')}\n${built}`).digest('hex').slice(0, 16);
  const root = join(tmpdir(), `wasmpose-packed-${key}`);
  const done = join(root, 'packed.json');
  const lock = join(root, 'lock');
  for (;;) {
    if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as Packed;
    mkdirSync(root, { recursive: true });
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is packing; a lock older than ten minutes was left by a killed run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 600_000) rmSync(lock, { recursive: true, force: true });
      else execFileSync('sleep', ['1']);
      continue;
    }
    try {
      const packed = packAndInstall(root);
      writeFileSync(done, JSON.stringify(packed));
      return packed;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return Math.floor(newest);
}

function packAndInstall(root: string): Packed {
  const out = execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26 });
  const [info] = JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
  const app = join(root, 'app');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'wasmpose-consumer', private: true, type: 'module' }));
  const tarball = join(root, info!.filename);
  // Offline, with a registry nobody listens on: an install that needed the network fails here.
  execFileSync(NPM, ['install', '--offline', '--no-audit', '--no-fund', '--omit=optional', '--ignore-scripts', '--registry=http://127.0.0.1:9/', tarball], {
    cwd: app,
    encoding: 'utf8',
    env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/' },
  });
  return { app, tarball, size: info!.size, unpackedSize: info!.unpackedSize, files: info!.files };
}
