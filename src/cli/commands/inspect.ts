// `wasmpose inspect <model>`: what a model file holds, without running it: its format, inputs
// and outputs with shapes (after the engine's shape inference at the given input shapes), the
// ops the engine would run, the parameter count and the compute (GFLOPs, 2 per multiply-add,
// counted by analyzeModel). A topology alone is enough (an .xml without its .bin, a .prototxt
// without its .caffemodel): shapes and counts need no weight values.
import { analyzeModel } from '../../nn/analysis.js';
import { loadModel, type ModelFormat } from '../../nn/formats/load-file.js';
import { prepareGraph } from '../../nn/passes/prepare-graph.js';
import { parseArgs, parseInputShapes, UsageError } from '../args.js';

export const inspectUsage = 'wasmpose inspect <model.onnx|model.xml|model.prototxt|model.json> [--weights <file>] [--input-shape <name>=<d,d,...>] [--json]';

export interface ValueSummary {
  name: string;
  dtype: string;
  shape: number[];
}

/** What `inspect --json` prints. */
export interface InspectResult {
  model: string;
  format: ModelFormat;
  /** False for a topology read without its weights file. */
  hasWeights: boolean;
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  /** Nodes per op type, as the engine runs the graph (constant subgraphs folded away). */
  ops: Record<string, number>;
  params: number;
  macs: number;
  /** 2 x multiply-adds / 1e9 at the input shapes above. */
  gflops: number;
}

const FORMAT_NAMES: Record<ModelFormat, string> = { onnx: 'ONNX', openvino: 'OpenVINO IR', caffe: 'Caffe', tfjs: 'TensorFlow.js graph model' };

export function inspectModel(path: string, options: { weights?: string; inputShapes?: Record<string, number[]> } = {}): InspectResult {
  const loaded = loadModel(path, options);
  const { model } = loaded;
  const typed = prepareGraph(model, options.inputShapes);
  const analysis = analyzeModel(model, options.inputShapes);
  const summary = (name: string): ValueSummary => {
    const t = typed.types.get(name)!;
    return { name, dtype: t.dtype, shape: [...t.shape] };
  };
  return {
    model: path,
    format: loaded.format,
    hasWeights: loaded.hasWeights,
    inputs: typed.inputs.map((i) => summary(i.name)),
    outputs: typed.outputs.map(summary),
    ops: Object.fromEntries(Object.entries(analysis.ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    params: analysis.params,
    macs: analysis.macs,
    gflops: Math.round(analysis.gflops * 1e6) / 1e6,
  };
}

export async function inspectCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { weights: { kind: 'string' }, 'input-shape': { kind: 'list' }, json: { kind: 'boolean' } });
  const [modelPath, extra] = args.positionals;
  if (modelPath === undefined || extra !== undefined) throw new UsageError(`usage: ${inspectUsage}`);
  const result = inspectModel(modelPath, { weights: args.strings.get('weights'), inputShapes: parseInputShapes(args) });
  if (args.booleans.has('json')) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const value = (v: ValueSummary) => `${v.name} [${v.shape.join(', ')}] ${v.dtype}`;
  console.log([
    `${modelPath}: ${FORMAT_NAMES[result.format]}${result.hasWeights ? '' : ' (topology only: no weights file)'}`,
    `inputs:  ${result.inputs.map(value).join('; ')}`,
    `outputs: ${result.outputs.map(value).join('; ')}`,
    `params:  ${(result.params / 1e6).toFixed(3)} M (${result.params})`,
    `compute: ${result.gflops.toFixed(3)} GFLOPs (${(result.macs / 1e9).toFixed(3)} G multiply-adds) at these input shapes`,
    `ops:     ${Object.entries(result.ops).map(([op, n]) => `${op} ${n}`).join(', ')}`,
  ].join('\n'));
  return 0;
}
