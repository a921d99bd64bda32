// Builds an engine graph node by node while keeping every value's type, and folding a node
// whose inputs are all constants into a constant on the spot (weights transposed to OIHW,
// shape arithmetic). The TF mapping needs this as it goes: its layout decisions depend on
// ranks, SAME padding on static sizes, and Reshape/Resize/Slice on constant shape inputs.
import { emptyGraph, type Attr, type Graph, type Node } from '../../graph.js';
import { opFor } from '../../ops/registry.js';
import type { ValueType } from '../../ops/types.js';
import { fromNumbers, type DType, type Tensor } from '../../tensor.js';
import { validateNode } from '../../validate.js';

export class GraphBuilder {
  readonly graph: Graph = emptyGraph('tfjs');
  private readonly types = new Map<string, ValueType>();
  private readonly constants = new Map<string, Tensor>();

  /** Names kept for the graph outputs: no other value takes them. */
  private readonly reserved: Set<string>;

  constructor(
    readonly opset: number,
    outputNames: readonly string[] = [],
  ) {
    this.reserved = new Set(outputNames);
  }

  /** `base` if no value has (or is reserved) that name yet, else base_1, base_2, ... */
  uniqueName(base: string): string {
    const taken = (n: string): boolean => this.types.has(n) || this.reserved.has(n);
    if (!taken(base)) return base;
    for (let i = 1; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
  }

  /** Gives `source` a reserved output name (an Identity node, or a constant when it folds). */
  nameOutput(source: string, name: string): string {
    if (!this.reserved.delete(name)) throw new Error(`internal: output name '${name}' was not reserved`);
    return this.add('Identity', [source], {}, name, [name])[0]!;
  }

  typeOf(name: string): ValueType {
    const t = this.types.get(name);
    if (t === undefined) throw new Error(`internal: value '${name}' has no type`);
    return t;
  }

  constantOf(name: string): Tensor | undefined {
    return this.constants.get(name);
  }

  addInput(name: string, dtype: DType, shape: number[]): string {
    this.graph.inputs.push({ name, dtype, shape });
    this.types.set(name, { dtype, shape });
    return name;
  }

  addConstant(base: string, value: Tensor): string {
    const name = this.uniqueName(base);
    this.constants.set(name, value);
    this.types.set(name, { dtype: value.dtype, shape: [...value.shape] });
    return name;
  }

  /** An int64 constant: the form ONNX wants for axes, shapes, pads, starts and ends. */
  int64s(base: string, values: readonly number[], shape: number[] = [values.length]): string {
    return this.addConstant(base, fromNumbers('int64', shape, values));
  }

  /**
   * Adds one node (or folds it). `outputs` are the wanted value names (made unique) or a
   * count of outputs to name after `base`. Returns the output value names.
   */
  add(op: string, inputs: string[], attrs: Record<string, Attr>, base: string, outputs: number | string[] = 1): string[] {
    const outputNames = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => this.uniqueName(i === 0 ? base : `${base}:${i}`)) : outputs.map((n) => this.uniqueName(n));
    const node: Node = { name: this.uniqueNodeName(base), op, domain: '', inputs, outputs: outputNames, attrs };
    validateNode(node);
    const def = opFor(node);
    const inputConstants = inputs.map((n) => (n === '' ? undefined : this.constants.get(n)));
    if (inputs.every((n, i) => n === '' || inputConstants[i] !== undefined)) {
      const values = def.reference({ node, opset: this.opset, inputs: inputConstants });
      outputNames.forEach((name, i) => {
        const v = values[i]!;
        this.constants.set(name, v);
        this.types.set(name, { dtype: v.dtype, shape: [...v.shape] });
      });
      return outputNames;
    }
    const types = def.inferTypes({ node, opset: this.opset, inputs: inputs.map((n) => (n === '' ? undefined : this.typeOf(n))), constants: inputConstants });
    outputNames.forEach((name, i) => this.types.set(name, types[i]!));
    this.graph.nodes.push(node);
    return outputNames;
  }

  /** The graph with the given outputs, keeping only the constants its nodes read. */
  finish(outputs: string[]): Graph {
    const read = new Set([...this.graph.nodes.flatMap((n) => n.inputs), ...outputs]);
    for (const [name, value] of this.constants) if (read.has(name)) this.graph.initializers.set(name, value);
    this.graph.outputs = outputs.map((name) => ({ name, dtype: this.typeOf(name).dtype, shape: [...this.typeOf(name).shape] }));
    return this.graph;
  }

  private readonly nodeNames = new Set<string>();
  private uniqueNodeName(base: string): string {
    let name = base;
    for (let i = 1; this.nodeNames.has(name); i++) name = `${base}_${i}`;
    this.nodeNames.add(name);
    return name;
  }
}
