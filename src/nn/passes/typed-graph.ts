// The graph as the passes and the executor see it: every value has a static type, and every
// value known before the run is a constant.
import type { Node } from '../graph.js';
import type { Tensor } from '../tensor.js';
import type { ValueType } from '../ops/types.js';

export interface TypedGraph {
  nodes: Node[];
  /** Run-time inputs with concrete shapes, in the model's order. */
  inputs: { name: string; type: ValueType }[];
  outputs: string[];
  types: Map<string, ValueType>;
  constants: Map<string, Tensor>;
  opset: number;
}

/** How many nodes read each value (graph outputs count as one more reader). */
export function useCounts(g: TypedGraph): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i !== '') uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of g.outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
  return uses;
}

/** The node that produces each value. */
export function producers(g: TypedGraph): Map<string, Node> {
  const byOutput = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o !== '') byOutput.set(o, n);
  return byOutput;
}

/** Drops nodes none of whose outputs are used, repeatedly. */
export function removeDeadNodes(g: TypedGraph): void {
  const live = liveNodes(g.nodes, g.outputs);
  if (live.length !== g.nodes.length) g.nodes = live;
}

/** The nodes whose outputs another live node or a graph output reads, repeatedly: dead chains go whole. */
export function liveNodes(nodes: readonly Node[], outputs: readonly string[]): Node[] {
  let live = [...nodes];
  for (;;) {
    const read = new Set(outputs);
    for (const n of live) for (const i of n.inputs) if (i !== '') read.add(i);
    const next = live.filter((n) => n.outputs.some((o) => o !== '' && read.has(o)));
    if (next.length === live.length) return live;
    live = next;
  }
}
