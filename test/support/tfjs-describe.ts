// What a tfjs model becomes on the engine: the TF ops it uses, and the engine ops they were
// mapped to after folding and optimization, each counted by where it runs: a WASM kernel, the
// host reference (small integer or bookkeeping ops), or a zero-copy alias (Reshape and kin).
import { onnxOpset } from '../../src/nn/graph.js';
import { opFor } from '../../src/nn/ops/registry.js';
import { optimize } from '../../src/nn/passes/optimize.js';
import { prepareGraph } from '../../src/nn/passes/prepare-graph.js';
import { removeDeadNodes } from '../../src/nn/passes/typed-graph.js';
import { readTfjsModel, tfjsOpCounts, type TfjsReadOptions } from '../../src/nn/formats/tfjs/reader.js';

export interface EngineOpUse {
  op: string;
  count: number;
  wasm: number;
  host: number;
  alias: number;
}

export interface TfjsModelDescription {
  tfOps: { op: string; count: number }[];
  engineOps: EngineOpUse[];
}

export function describeTfjsModel(modelJson: object | string, loadShard: (path: string) => Uint8Array, options: TfjsReadOptions = {}): TfjsModelDescription {
  const tfOps = [...tfjsOpCounts(modelJson)].map(([op, count]) => ({ op, count })).sort((a, b) => a.op.localeCompare(b.op));
  const model = readTfjsModel(modelJson, loadShard, options);
  const opset = onnxOpset(model);
  const graph = prepareGraph(model);
  optimize(graph);
  removeDeadNodes(graph);
  const uses = new Map<string, EngineOpUse>();
  for (const node of graph.nodes) {
    const op = opFor(node);
    const use = uses.get(node.op) ?? { op: node.op, count: 0, wasm: 0, host: 0, alias: 0 };
    use.count++;
    if (op.aliasesInput) {
      use.alias++;
    } else {
      const inputs = node.inputs.map((n) => (n === '' ? undefined : graph.types.get(n)));
      const constants = node.inputs.map((n) => (n === '' ? undefined : graph.constants.get(n)));
      const outputs = node.outputs.map((n) => graph.types.get(n)!);
      if (op.plan?.({ node, opset, inputs, constants, outputs }) !== undefined) use.wasm++;
      else use.host++;
    }
    uses.set(node.op, use);
  }
  return { tfOps, engineOps: [...uses.values()].sort((a, b) => a.op.localeCompare(b.op)) };
}

/** The description as a plain-text table. */
export function formatTfjsDescription(name: string, d: TfjsModelDescription): string {
  const lines = [`${name}`, `  TF ops: ${d.tfOps.map((o) => `${o.op} x${o.count}`).join(', ')}`, '  engine op            count  wasm  host  alias'];
  for (const u of d.engineOps) lines.push(`  ${u.op.padEnd(20)} ${String(u.count).padStart(5)} ${String(u.wasm).padStart(5)} ${String(u.host).padStart(5)} ${String(u.alias).padStart(6)}`);
  return lines.join('\n');
}
