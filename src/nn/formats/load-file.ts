// Loads a model from its files, choosing the reader by the main file's form. The readers work on
// bytes and text; this module knows which files a format keeps beside its main file:
//   .onnx                 ONNX (external data files resolved beside it)
//   .xml (+ .bin)         OpenVINO IR; the .bin beside it, or `weights`, else shapes only
//   .prototxt (+ weights) Caffe; `weights` (a .caffemodel), or <name>.caffemodel beside it
//   .json                 TensorFlow.js graph model (model.json with its weight shards beside it)
// readModelFiles takes the files through a function, so the same code serves files on disk
// (loadModel, Node), fetched files and bytes in memory (src/pipeline/model-source.ts).
import { ModelFormatError } from '../errors.js';
import type { Model } from '../graph.js';
import { caffemodelWeights } from './caffe/caffemodel.js';
import { readCaffe } from './caffe/reader.js';
import { readOnnx } from './onnx/reader.js';
import { readOpenVino } from './openvino/reader.js';
import { readTfjsModel } from './tfjs/reader.js';

export type ModelFormat = 'onnx' | 'openvino' | 'caffe' | 'tfjs';

export interface LoadOptions {
  /** A separate weights file (.bin for IR, .caffemodel for Caffe), named as `read` takes names. */
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

/**
 * A model's files by name: the bytes of `name` (a path relative to the main file's folder, or the
 * main file's own name), or undefined when there is no such file.
 */
export type ReadModelFile = (name: string) => Uint8Array | undefined;

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function required(read: ReadModelFile, name: string): Uint8Array {
  const bytes = read(name);
  if (bytes === undefined) throw new ModelFormatError(`cannot read '${name}': no such file`);
  return bytes;
}

/** The file named like `main` with another extension. */
function sibling(main: string, from: string, to: string): string {
  return main.slice(0, main.length - from.length) + to;
}

/** One entry per format: the main file's extension and how its files become a model. */
const FORMATS: readonly { extension: string; format: ModelFormat; read(main: string, read: ReadModelFile, options: LoadOptions): LoadedModel }[] = [
  {
    extension: '.onnx',
    format: 'onnx',
    read: (main, read) => ({ format: 'onnx', hasWeights: true, model: readOnnx(required(read, main), { externalData: (location) => required(read, location) }) }),
  },
  {
    extension: '.xml',
    format: 'openvino',
    read: (main, read, options) => {
      const weights = read(options.weights ?? sibling(main, '.xml', '.bin'));
      return { format: 'openvino', hasWeights: weights !== undefined, model: readOpenVino(text(required(read, main)), { weights }) };
    },
  },
  {
    extension: '.prototxt',
    format: 'caffe',
    read: (main, read, options) => {
      const file = read(options.weights ?? sibling(main, '.prototxt', '.caffemodel'));
      const weights = file === undefined ? undefined : caffemodelWeights(file);
      return { format: 'caffe', hasWeights: weights !== undefined, model: readCaffe(text(required(read, main)), { weights, inputShapes: options.inputShapes }) };
    },
  },
  {
    extension: '.json',
    format: 'tfjs',
    read: (main, read, options) => ({
      format: 'tfjs',
      hasWeights: true,
      model: readTfjsModel(text(required(read, main)), (shard) => required(read, shard), { inputShapes: options.inputShapes }),
    }),
  },
];

function formatOf(main: string): (typeof FORMATS)[number] {
  const entry = FORMATS.find((f) => main.toLowerCase().endsWith(f.extension));
  if (entry === undefined) {
    throw new ModelFormatError(`'${main}': unknown model format (expected .onnx, .xml with .bin, .prototxt with .caffemodel, or a TFJS model.json)`);
  }
  return entry;
}

/** Reads the model whose main file is `main` (its extension says the format). */
export function readModelFiles(main: string, read: ReadModelFile, options: LoadOptions = {}): LoadedModel {
  return formatOf(main).read(main, read, options);
}

/** Node's fs and path, reached without an import so that this module loads in every runtime. */
function nodeFiles(): { fs: typeof import('node:fs'); path: typeof import('node:path') } {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  if (getBuiltinModule === undefined) throw new ModelFormatError('reading model files by path needs Node (or Deno, Bun); elsewhere pass a URL or the bytes');
  return { fs: getBuiltinModule('node:fs') as typeof import('node:fs'), path: getBuiltinModule('node:path') as typeof import('node:path') };
}

/** A regular file's bytes: a device or FIFO (/dev/zero, /dev/stdin) would grow or block forever. */
export function readFileOrThrow(path: string): Uint8Array {
  try {
    const { fs } = nodeFiles();
    if (!fs.statSync(path).isFile()) throw new ModelFormatError(`'${path}' is not a regular file`);
    return fs.readFileSync(path);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    const code = (e as { code?: string }).code;
    throw new ModelFormatError(`cannot read '${path}': ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`);
  }
}

/**
 * A file a model names beside itself (TFJS shards, ONNX external data, an IR's .bin), confined to
 * the model's folder: '../../etc/passwd', an absolute path or a link out of the folder is refused.
 * Undefined when there is no such file.
 */
export function readBeside(dir: string, name: string, what = 'file'): Uint8Array | undefined {
  const { fs, path } = nodeFiles();
  const inside = (root: string, file: string): boolean => {
    const rel = path.relative(root, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  const file = path.resolve(dir, name);
  if (path.isAbsolute(name) || !inside(path.resolve(dir), file)) throw new ModelFormatError(`${what} '${name}' is outside the model's folder`);
  if (!fs.existsSync(file)) return undefined;
  const real = fs.realpathSync(file);
  if (!inside(fs.realpathSync(dir), real)) throw new ModelFormatError(`${what} '${name}' links outside the model's folder`);
  return readFileOrThrow(real);
}

/** The files of a folder on disk, for readModelFiles: names confined to it, except the `given` paths (a --weights file). */
export function readFromFolder(folder: string, given: readonly string[] = []): ReadModelFile {
  const { fs } = nodeFiles();
  return (name) => (given.includes(name) ? (fs.existsSync(name) ? readFileOrThrow(name) : undefined) : readBeside(folder, name, 'file'));
}

/**
 * A model file on disk as readModelFiles takes it: its name, its folder's files, and a separate
 * weights file (named relative to the working directory) made absolute.
 */
export function filesOnDisk(file: string, weights?: string): { main: string; read: ReadModelFile; weights?: string } {
  const { fs, path } = nodeFiles();
  if (!fs.existsSync(file)) readFileOrThrow(file); // the reason, with the path as given
  const given = weights === undefined ? [] : [path.resolve(weights)];
  return { main: path.basename(file), read: readFromFolder(path.dirname(path.resolve(file)), given), weights: given[0] };
}

/** Loads a model file from disk (Node, Deno, Bun), with the files its format keeps beside it. */
export function loadModel(file: string, options: LoadOptions = {}): LoadedModel {
  formatOf(file);
  const { main, read, weights } = filesOnDisk(file, options.weights);
  return readModelFiles(main, read, { ...options, weights });
}

/** A model ready to run: refuses topology-only files. */
export function loadModelFile(path: string, options: LoadOptions = {}): Model {
  const loaded = loadModel(path, options);
  if (!loaded.hasWeights) throw new ModelFormatError(`'${path}' has no weights beside it: pass the weights file with --weights`);
  return loaded.model;
}
