// Every model wasmpose runs, in one table: what `wasmpose models` lists and createEstimator
// takes, in that order. An entry is one of two kinds, each described where its own details
// live: a trained TFJS model (tfjs-models.ts: its spec, model.json file, licence) or a seed
// network (src/models/registry.ts: its definition, model card, where its weights are published).
// Every entry carries the pipeline spec that prepares its input and decodes its outputs.
import type { ModelEntry } from '../models/registry.js';
import { MODELS } from '../models/registry.js';
import { InputError } from '../nn/errors.js';
import type { NetworkSpec } from './network-spec.js';
import { TFJS_MODELS, type TfjsModel } from './tfjs-models.js';

export type CatalogueEntry =
  | { kind: 'tfjs'; name: string; spec: NetworkSpec; tfjs: TfjsModel }
  | { kind: 'seed'; name: string; spec: NetworkSpec; seed: ModelEntry };

/** The pipeline's view of a seed network's registry entry. */
export function seedNetworkSpec(entry: ModelEntry): NetworkSpec {
  const [, , height, width] = entry.input.shape;
  const { colorOrder, mean, scale } = entry.input;
  const byContent = (prefix: string): string | undefined => entry.outputs.find((o) => o.content.startsWith(prefix))?.name;
  const combined = entry.outputs.length === 1 ? entry.outputs[0]!.name : undefined;
  const heatmaps = entry.outputs.find((o) => o.name === 'heatmaps')?.name ?? byContent('heatmaps') ?? combined;
  const outputs: NetworkSpec['outputs'] = { heatmaps };
  if (entry.decoder !== 'heatmap') {
    outputs.pafs = byContent('part affinity') ?? combined;
    if (entry.decoder === 'pose3d') outputs.features = byContent('3D');
  }
  const heatmapShape = entry.outputs.find((o) => o.name === heatmaps)?.shape;
  return {
    name: entry.name,
    inputName: entry.input.name,
    input: { width, height, colorOrder, mean, scale },
    layout: 'NCHW',
    inputType: 'float32',
    decoder: entry.decoder,
    outputs,
    keypoints: entry.keypoints,
    stride: heatmapShape === undefined ? undefined : Math.round(height / heatmapShape[2]!),
  };
}

/** The TFJS models, then the seed networks. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  ...TFJS_MODELS.map((tfjs): CatalogueEntry => ({ kind: 'tfjs', name: tfjs.spec.name, spec: tfjs.spec, tfjs })),
  ...MODELS.map((seed): CatalogueEntry => ({ kind: 'seed', name: seed.name, spec: seedNetworkSpec(seed), seed })),
];

export function catalogueNames(): string[] {
  return CATALOGUE.map((e) => e.name);
}

export function catalogueEntry(name: string): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.name === name);
  if (entry === undefined) throw new InputError(`unknown model '${name}'; models: ${catalogueNames().join(', ')}`);
  return entry;
}
