// Loads a model from disk (Node only), choosing the reader by the file's form. The readers
// themselves work on bytes and text and run anywhere.
//   .onnx                 ONNX (external data files resolved beside it)
//   .xml (+ .bin)         OpenVINO IR; the .bin beside it, or --weights, else shapes only
//   .prototxt (+ weights) Caffe; --weights <file.caffemodel>, or <name>.caffemodel beside it
//   .json                 TensorFlow.js graph model (model.json with its weight shards beside it)
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ModelFormatError } from '../errors.js';
import type { Model } from '../graph.js';
import { caffemodelWeights } from './caffe/caffemodel.js';
import { readCaffe } from './caffe/reader.js';
import { readOnnx } from './onnx/reader.js';
import { readOpenVino } from './openvino/reader.js';
import { readTfjsModel } from './tfjs/reader.js';

export type ModelFormat = 'onnx' | 'openvino' | 'caffe' | 'tfjs';

export interface LoadOptions {
  /** A separate weights file (.bin for IR, .caffemodel for Caffe). */
  weights?: string;
  /** Input shapes where the format lets the reader take them (Caffe nets reshape at run time). */
  inputShapes?: Record<string, number[]>;
}

export interface LoadedModel {
  format: ModelFormat;
  model: Model;
  /** False when only a topology was read (an .xml or .prototxt without weights). */
  hasWeights: boolean;
}

/** A regular file's bytes: a device or FIFO (/dev/zero, /dev/stdin) would grow or block forever. */
export function readFileOrThrow(path: string): Uint8Array {
  try {
    if (!statSync(path).isFile()) throw new ModelFormatError(`'${path}' is not a regular file`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    const code = (e as { code?: string }).code;
    throw new ModelFormatError(`cannot read '${path}': ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`);
  }
}

/**
 * A file a model names beside itself (TFJS shards, ONNX external data), confined to the model's
 * folder: '../../etc/passwd', an absolute path or a link out of the folder is refused.
 */
export function readBeside(dir: string, name: string, what: string): Uint8Array {
  const inside = (root: string, path: string): boolean => {
    const rel = relative(root, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  const path = resolve(dir, name);
  if (isAbsolute(name) || !inside(resolve(dir), path)) throw new ModelFormatError(`${what} '${name}' is outside the model's folder`);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return readFileOrThrow(path);
  }
  if (!inside(realpathSync(dir), real)) throw new ModelFormatError(`${what} '${name}' links outside the model's folder`);
  return readFileOrThrow(real);
}

function sibling(path: string, from: string, to: string): string | undefined {
  const candidate = path.slice(0, path.length - from.length) + to;
  return existsSync(candidate) ? candidate : undefined;
}

export function loadModel(path: string, options: LoadOptions = {}): LoadedModel {
  if (path.endsWith('.onnx')) {
    const dir = dirname(path);
    return { format: 'onnx', hasWeights: true, model: readOnnx(readFileOrThrow(path), { externalData: (location) => readBeside(dir, location, 'external data file') }) };
  }
  if (path.endsWith('.xml')) {
    const bin = options.weights ?? sibling(path, '.xml', '.bin');
    const weights = bin === undefined ? undefined : readFileOrThrow(bin);
    return { format: 'openvino', hasWeights: weights !== undefined, model: readOpenVino(new TextDecoder().decode(readFileOrThrow(path)), { weights }) };
  }
  if (path.endsWith('.prototxt')) {
    const file = options.weights ?? sibling(path, '.prototxt', '.caffemodel');
    const weights = file === undefined ? undefined : caffemodelWeights(readFileOrThrow(file));
    const text = new TextDecoder().decode(readFileOrThrow(path));
    return { format: 'caffe', hasWeights: weights !== undefined, model: readCaffe(text, { weights, inputShapes: options.inputShapes }) };
  }
  if (path.endsWith('.json')) {
    const dir = dirname(path);
    const json = new TextDecoder().decode(readFileOrThrow(path));
    return { format: 'tfjs', hasWeights: true, model: readTfjsModel(json, (shard) => readBeside(dir, shard, 'weight shard'), { inputShapes: options.inputShapes }) };
  }
  throw new ModelFormatError(`'${path}': unknown model format (expected .onnx, .xml with .bin, .prototxt with .caffemodel, or a TFJS model.json)`);
}

/** A model ready to run: refuses topology-only files. */
export function loadModelFile(path: string, options: LoadOptions = {}): Model {
  const loaded = loadModel(path, options);
  if (!loaded.hasWeights) throw new ModelFormatError(`'${path}' has no weights beside it: pass the weights file with --weights`);
  return loaded.model;
}
