// The one way graph IR is written: every reader that translates a file (TFJS, OpenVINO IR,
// Caffe), the seed networks' builder and the stand-in networks add their inputs, nodes,
// initializers and outputs here. It keeps which value and node names are taken, so the names
// it makes up never collide with the ones it was given.
import { emptyGraph, emptyModel, type Attr, type Dim, type Graph, type Model, type Node } from './graph.js';
import type { DType, Tensor } from './tensor.js';

export class GraphEmitter {
  readonly graph: Graph;
  private readonly values = new Set<string>();
  private readonly nodeNames = new Set<string>();
  /** Names kept for values named later (graph outputs): no made-up name takes them. */
  private readonly reserved: Set<string>;
  private tempCount = 0;

  constructor(name: string, reserved: readonly string[] = []) {
    this.graph = emptyGraph(name);
    this.reserved = new Set(reserved);
  }

  hasValue(name: string): boolean {
    return this.values.has(name);
  }

  hasNode(name: string): boolean {
    return this.nodeNames.has(name);
  }

  input(name: string, dtype: DType, shape?: Dim[]): string {
    this.graph.inputs.push(shape === undefined ? { name, dtype } : { name, dtype, shape });
    this.values.add(name);
    return name;
  }

  /** Marks a value as a graph output. */
  output(name: string, dtype: DType = 'float32', shape?: Dim[]): void {
    this.graph.outputs.push(shape === undefined ? { name, dtype } : { name, dtype, shape });
  }

  node(op: string, name: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}, domain = ''): Node {
    return this.push({ name, op, domain, inputs, outputs, attrs });
  }

  /** Appends a node built by the caller (one checked before it is added). */
  push(node: Node): Node {
    this.graph.nodes.push(node);
    this.nodeNames.add(node.name);
    for (const output of node.outputs) this.values.add(output);
    return node;
  }

  /** `t` as an initializer under exactly `name`. */
  initializer(name: string, t: Tensor): string {
    this.graph.initializers.set(name, t);
    this.values.add(name);
    return name;
  }

  /** `t` as an initializer under a fresh name derived from `base`. */
  constant(base: string, t: Tensor): string {
    return this.initializer(this.temp(base), t);
  }

  /** A fresh value name derived from a layer's, for the values a reader adds between a file's own. */
  temp(base: string): string {
    return `${base}/wasmpose_${this.tempCount++}`;
  }

  /** `base` if no value has (or is reserved) that name yet, else base_1, base_2, ... */
  uniqueName(base: string): string {
    const taken = (n: string): boolean => this.values.has(n) || this.reserved.has(n);
    if (!taken(base)) return base;
    for (let i = 1; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
  }

  /** Frees a reserved name for the value that is to take it. */
  release(name: string): void {
    if (!this.reserved.delete(name)) throw new Error(`internal: output name '${name}' was not reserved`);
  }

  /** `base` if no node has that name yet, else base_1, base_2, ...; the name is taken. */
  uniqueNodeName(base: string): string {
    let name = base;
    for (let i = 1; this.nodeNames.has(name); i++) name = `${base}_${i}`;
    this.nodeNames.add(name);
    return name;
  }

  /** Drops the initializers that no node reads and no output is (constants read only while building). */
  dropUnreadInitializers(): void {
    const read = new Set([...this.graph.nodes.flatMap((n) => n.inputs), ...this.graph.outputs.map((o) => o.name)]);
    for (const name of [...this.graph.initializers.keys()]) if (!read.has(name)) this.graph.initializers.delete(name);
  }

  model(opset: number): Model {
    return emptyModel(this.graph, opset);
  }
}
