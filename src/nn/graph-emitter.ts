// Writes graph IR for the readers that translate a file layer by layer (OpenVINO IR, Caffe):
// nodes appended in the order they are emitted, fresh value names derived from a layer's name,
// and constants stored as initializers under such names.
import type { Attr, Graph } from './graph.js';
import type { Tensor } from './tensor.js';

export class GraphEmitter {
  private count = 0;
  constructor(readonly graph: Graph) {}

  node(op: string, name: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): void {
    this.graph.nodes.push({ name, op, domain: '', inputs, outputs, attrs });
  }

  /** A fresh value name derived from a layer's. */
  temp(base: string): string {
    return `${base}/wasmpose_${this.count++}`;
  }

  /** `t` as an initializer under a fresh name derived from `base`. */
  constant(base: string, t: Tensor): string {
    const name = this.temp(base);
    this.graph.initializers.set(name, t);
    return name;
  }
}
