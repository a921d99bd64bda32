// Loads a model file from disk (Node only), choosing the reader by the file's form. The readers
// themselves work on bytes and run anywhere.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ModelFormatError } from '../errors.js';
import type { Model } from '../graph.js';
import { readOnnx } from './onnx/reader.js';

function readFileOrThrow(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ModelFormatError(`cannot read '${path}': ${(e as Error).message}`);
  }
}

export function loadModelFile(path: string): Model {
  if (path.endsWith('.onnx')) {
    const dir = dirname(path);
    return readOnnx(readFileOrThrow(path), { externalData: (location) => readFileOrThrow(join(dir, location)) });
  }
  throw new ModelFormatError(`'${path}': unknown model format (expected .onnx)`);
}
