// Loads a model from disk (Node only), choosing the reader by the file's form. The readers
// themselves work on bytes and text and run anywhere.
//   .onnx                 ONNX (external data files resolved beside it)
//   .xml (+ .bin)         OpenVINO IR; the .bin beside it, or --weights, else shapes only
//   .prototxt (+ weights) Caffe; --weights <file.caffemodel>, or <name>.caffemodel beside it
//   .json                 TensorFlow.js graph model (model.json with its weight shards beside it)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

export function readFileOrThrow(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ModelFormatError(`cannot read '${path}': ${(e as Error).message}`);
  }
}

function sibling(path: string, from: string, to: string): string | undefined {
  const candidate = path.slice(0, path.length - from.length) + to;
  return existsSync(candidate) ? candidate : undefined;
}

export function loadModel(path: string, options: LoadOptions = {}): LoadedModel {
  if (path.endsWith('.onnx')) {
    const dir = dirname(path);
    return { format: 'onnx', hasWeights: true, model: readOnnx(readFileOrThrow(path), { externalData: (location) => readFileOrThrow(join(dir, location)) }) };
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
    return { format: 'tfjs', hasWeights: true, model: readTfjsModel(json, (shard) => readFileOrThrow(join(dir, shard)), { inputShapes: options.inputShapes }) };
  }
  throw new ModelFormatError(`'${path}': unknown model format (expected .onnx, .xml with .bin, .prototxt with .caffemodel, or a TFJS model.json)`);
}

/** A model ready to run: refuses topology-only files. */
export function loadModelFile(path: string, options: LoadOptions = {}): Model {
  const loaded = loadModel(path, options);
  if (!loaded.hasWeights) throw new ModelFormatError(`'${path}' has no weights beside it: pass the weights file with --weights`);
  return loaded.model;
}
