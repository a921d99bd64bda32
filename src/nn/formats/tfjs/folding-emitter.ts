// The graph emitter the TF mapping writes through: it keeps every value's type and folds a node
// whose inputs are all constants into a constant on the spot (weights transposed to OIHW, shape
// arithmetic). The TF mapping needs this as it goes: its layout decisions depend on ranks, SAME
// padding on static sizes, and Reshape/Resize/Slice on constant shape inputs.
import type { Attr, Model, Node } from '../../graph.js';
import { GraphEmitter } from '../../graph-emitter.js';
import { opFor } from '../../ops/registry.js';
import type { ValueType } from '../../ops/types.js';
import { fromNumbers, type DType, type Tensor } from '../../tensor.js';
import { validateNode } from '../../validate.js';

export class FoldingEmitter extends GraphEmitter {
  private readonly types = new Map<string, ValueType>();

  /** `outputNames` are reserved for the graph outputs: no other value takes them. */
  constructor(
    readonly opset: number,
    outputNames: readonly string[] = [],
  ) {
    super('tfjs', outputNames);
  }

  /** Gives `source` a reserved output name (an Identity node, or a constant when it folds). */
  nameOutput(source: string, name: string): string {
    this.release(name);
    return this.add('Identity', [source], {}, name, [name])[0]!;
  }

  typeOf(name: string): ValueType {
    const t = this.types.get(name);
    if (t === undefined) throw new Error(`internal: value '${name}' has no type`);
    return t;
  }

  constantOf(name: string): Tensor | undefined {
    return this.graph.initializers.get(name);
  }

  addInput(name: string, dtype: DType, shape: number[]): string {
    this.types.set(name, { dtype, shape });
    return this.input(name, dtype, shape);
  }

  addConstant(base: string, value: Tensor): string {
    return this.defineConstant(this.uniqueName(base), value);
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
    const inputConstants = inputs.map((n) => (n === '' ? undefined : this.constantOf(n)));
    if (inputs.every((n, i) => n === '' || inputConstants[i] !== undefined)) {
      const values = def.reference({ node, opset: this.opset, inputs: inputConstants });
      outputNames.forEach((name, i) => this.defineConstant(name, values[i]!));
      return outputNames;
    }
    const types = def.inferTypes({ node, opset: this.opset, inputs: inputs.map((n) => (n === '' ? undefined : this.typeOf(n))), constants: inputConstants });
    outputNames.forEach((name, i) => this.types.set(name, types[i]!));
    this.push(node);
    return outputNames;
  }

  /** The model with the given outputs, keeping only the constants its nodes read. */
  finish(outputs: string[]): Model {
    for (const name of outputs) this.output(name, this.typeOf(name).dtype, [...this.typeOf(name).shape]);
    this.dropUnreadInitializers();
    return this.model(this.opset);
  }

  private defineConstant(name: string, value: Tensor): string {
    this.types.set(name, { dtype: value.dtype, shape: [...value.shape] });
    return this.initializer(name, value);
  }
}
