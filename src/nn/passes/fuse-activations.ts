// Fuses an activation into the Conv that feeds it, when the Conv's output has no other reader:
// the Conv node takes the activation's output name and records the activation in attributes
// (src/nn/ops/conv/activation.ts), and its kernel applies it in the epilogue while the results
// are still in registers or cache. Parameters must be known at load: Clip's bounds (attributes
// before opset 11, constant inputs from 11) and PRelu's slope (one value, or one per channel).
import { attrFloat, type Node } from '../graph.js';
import { activationAttrs, FUSABLE_ACTIVATIONS, type ActivationName, type FusedActivation } from '../ops/conv/activation.js';
import { toFloat32 } from '../tensor.js';
import { producers, useCounts, type TypedGraph } from './typed-graph.js';

const FLOAT_MAX = 3.4028234663852886e38;

export function fuseActivations(graph: TypedGraph): void {
  const uses = useCounts(graph);
  const byOutput = producers(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const node of graph.nodes) {
    if ((node.domain !== '' && node.domain !== 'ai.onnx') || !(FUSABLE_ACTIVATIONS as readonly string[]).includes(node.op)) continue;
    const conv = byOutput.get(node.inputs[0] ?? '');
    if (conv === undefined || conv.op !== 'Conv' || (conv.domain !== '' && conv.domain !== 'ai.onnx') || replaced.has(conv)) continue;
    if (conv.attrs.activation !== undefined || uses.get(conv.outputs[0]!) !== 1) continue;
    const shape = graph.types.get(conv.outputs[0]!)?.shape;
    if (shape === undefined || shape.length !== 4) continue;
    const activation = activationOf(graph, node, shape[1]!);
    if (activation === undefined) continue;
    replaced.set(conv, { ...conv, outputs: [node.outputs[0]!], attrs: { ...conv.attrs, ...activationAttrs(activation) } });
    removed.add(node);
  }
  // Nodes are shared with the caller's model: replace them, never edit them in place.
  graph.nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
}

/** The activation `node` computes with its parameters, or undefined when they are not known at load. */
function activationOf(graph: TypedGraph, node: Node, channels: number): FusedActivation | undefined {
  const name = node.op as ActivationName;
  const constant = (i: number): Float32Array | undefined => {
    const input = node.inputs[i];
    const t = input === undefined || input === '' ? undefined : graph.constants.get(input);
    return t === undefined ? undefined : toFloat32(t);
  };
  switch (name) {
    case 'Relu':
    case 'Sigmoid':
    case 'HardSwish':
      return { name, params: [] };
    case 'LeakyRelu':
      return { name, params: [attrFloat(node, 'alpha', 0.01)] };
    case 'Elu':
      return { name, params: [attrFloat(node, 'alpha', 1)] };
    case 'HardSigmoid':
      return { name, params: [attrFloat(node, 'alpha', 0.2), attrFloat(node, 'beta', 0.5)] };
    case 'Clip': {
      if (graph.opset < 11) return { name, params: [attrFloat(node, 'min', -FLOAT_MAX), attrFloat(node, 'max', FLOAT_MAX)] };
      const bound = (i: number, fallback: number): number | undefined => {
        if (node.inputs[i] === undefined || node.inputs[i] === '') return fallback;
        const v = constant(i);
        return v === undefined || v.length !== 1 ? undefined : v[0]!;
      };
      const [min, max] = [bound(1, -FLOAT_MAX), bound(2, FLOAT_MAX)];
      return min === undefined || max === undefined ? undefined : { name, params: [min, max] };
    }
    case 'PRelu': {
      const t = graph.constants.get(node.inputs[1] ?? '');
      if (t === undefined || t.shape.length > 4) return undefined;
      // The slope must broadcast against N x C x H x W as one value or one per channel.
      const aligned = [...new Array<number>(4 - t.shape.length).fill(1), ...t.shape];
      if (aligned[0] !== 1 || aligned[2] !== 1 || aligned[3] !== 1 || (aligned[1] !== 1 && aligned[1] !== channels)) return undefined;
      return { name, params: Array.from(toFloat32(t)) };
    }
  }
}
