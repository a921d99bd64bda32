// Identity and Dropout (inference mode) pass their input through: their readers read the input
// directly instead. One that produces a graph output stays, as a zero-copy alias.
import type { Graph } from '../graph.js';

const PASS_THROUGH = new Set(['Identity', 'Dropout']);

export function removeIdentities(graph: Graph): Graph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const rename = new Map<string, string>();
  const resolve = (name: string): string => rename.get(name) ?? name;
  const nodes = [];
  for (const node of graph.nodes) {
    const inputs = node.inputs.map(resolve);
    const maskUsed = node.op === 'Dropout' && node.outputs.length > 1 && node.outputs[1] !== '';
    if (PASS_THROUGH.has(node.op) && node.domain === '' && !maskUsed && !outputs.has(node.outputs[0]!)) {
      rename.set(node.outputs[0]!, inputs[0]!);
      continue;
    }
    nodes.push({ ...node, inputs });
  }
  return { ...graph, nodes };
}
