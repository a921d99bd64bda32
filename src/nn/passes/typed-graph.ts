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
  for (;;) {
    const uses = useCounts(g);
    const live = g.nodes.filter((n) => n.outputs.some((o) => o !== '' && (uses.get(o) ?? 0) > 0));
    if (live.length === g.nodes.length) return;
    g.nodes = live;
  }
}
