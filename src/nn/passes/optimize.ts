// Graph optimizations on the typed graph, in order. Each pass is a module of its own.
import type { TypedGraph } from './typed-graph.js';

export function optimize(graph: TypedGraph): void {
  void graph;
}
