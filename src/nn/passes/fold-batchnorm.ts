// Folds per-channel affine layers into the convolution before them, when that convolution's
// weights (and bias) and the layer's parameters are constants and nothing else reads the
// convolution's output:
//   BatchNormalization  y = (x - mean) * scale / sqrt(var + eps) + B
//   Mul by a constant   y = x * s   (s a scalar or one value per channel)
//   Add of a constant   y = x + a   (likewise)
// Each becomes new weights W' = W * s[co] and bias b' = b * s[co] + t[co]: one node less and no
// pass over the activations. A Conv that already carries a fused activation is left alone.
import type { Node } from '../graph.js';
import { attrFloat, attrInt } from '../graph.js';
import { tensor, toFloat32, type Tensor } from '../tensor.js';
import { producers, useCounts, type TypedGraph } from './typed-graph.js';

/** A per-output-channel affine map y = x * scale[c] + shift[c]. */
interface ChannelAffine {
  scale: Float32Array;
  shift: Float32Array;
}

export function foldBatchNorm(graph: TypedGraph): void {
  for (let changed = true; changed;) {
    changed = false;
    const uses = useCounts(graph);
    const byOutput = producers(graph);
    for (const node of graph.nodes) {
      if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
      // Mul and Add are commutative: the conv output may be either operand.
      const positions = node.op === 'Mul' || node.op === 'Add' ? [0, 1] : [0];
      const position = positions.find((i) => isFoldableConv(graph, byOutput.get(node.inputs[i] ?? ''), uses));
      if (position === undefined) continue;
      const source = byOutput.get(node.inputs[position]!)!;
      const channels = graph.types.get(source.outputs[0]!)!.shape[1]!;
      const affine = affineOf(graph, node, position, channels);
      if (affine === undefined) continue;
      foldInto(graph, source, node, affine);
      changed = true;
      break;
    }
  }
}

function isFoldableConv(graph: TypedGraph, conv: Node | undefined, uses: Map<string, number>): boolean {
  if (conv === undefined || conv.op !== 'Conv' || (conv.domain !== '' && conv.domain !== 'ai.onnx')) return false;
  if (conv.attrs.activation !== undefined) return false;
  if (uses.get(conv.outputs[0]!) !== 1) return false;
  const shape = graph.types.get(conv.outputs[0]!)?.shape;
  if (shape === undefined || shape.length !== 4) return false;
  const bias = conv.inputs[2];
  return graph.constants.has(conv.inputs[1]!) && (bias === undefined || bias === '' || graph.constants.has(bias));
}

/** The per-channel affine map `node` applies to the conv output (its input `position`), or undefined if it is not one. */
function affineOf(graph: TypedGraph, node: Node, position: number, channels: number): ChannelAffine | undefined {
  const constant = (i: number): Float32Array | undefined => {
    const name = node.inputs[i];
    const t = name === undefined || name === '' ? undefined : graph.constants.get(name);
    return t === undefined ? undefined : toFloat32(t);
  };
  if (node.op === 'BatchNormalization') {
    if (position !== 0 || node.outputs.slice(1).some((o) => o !== '') || attrInt(node, 'training_mode', 0) !== 0) return undefined;
    const [scale, bias, mean, variance] = [constant(1), constant(2), constant(3), constant(4)];
    if (!scale || !bias || !mean || !variance || [scale, bias, mean, variance].some((v) => v.length !== channels)) return undefined;
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    const affine = { scale: new Float32Array(channels), shift: new Float32Array(channels) };
    for (let c = 0; c < channels; c++) {
      const s = scale[c]! / Math.sqrt(variance[c]! + epsilon);
      affine.scale[c] = s;
      affine.shift[c] = bias[c]! - mean[c]! * s;
    }
    return affine;
  }
  if (node.op !== 'Mul' && node.op !== 'Add') return undefined;
  const operandName = node.inputs[1 - position]!;
  const operand = graph.constants.get(operandName);
  if (operand === undefined) return undefined;
  const values = perChannel(operand, channels);
  if (values === undefined) return undefined;
  return node.op === 'Mul'
    ? { scale: values, shift: new Float32Array(channels) }
    : { scale: new Float32Array(channels).fill(1), shift: values };
}

/**
 * One value per channel from a constant that broadcasts against an N x C x H x W tensor without
 * changing its shape: a scalar, or C along the channel axis and 1 elsewhere ([C, 1, 1], [1, C, 1, 1]).
 */
function perChannel(t: Tensor, channels: number): Float32Array | undefined {
  if (t.shape.length > 4) return undefined;
  const aligned = [...new Array<number>(4 - t.shape.length).fill(1), ...t.shape];
  if (aligned[0] !== 1 || aligned[2] !== 1 || aligned[3] !== 1 || (aligned[1] !== 1 && aligned[1] !== channels)) return undefined;
  const data = toFloat32(t);
  return data.length === channels ? Float32Array.from(data) : new Float32Array(channels).fill(data[0]!);
}

function foldInto(graph: TypedGraph, conv: Node, affine: Node, map: ChannelAffine): void {
  const weights = graph.constants.get(conv.inputs[1]!)!;
  const channels = map.scale.length;
  // slice, not Float32Array.from: a memcpy rather than an element-by-element walk over every weight.
  const w = toFloat32(weights).slice();
  const perChannelWeights = w.length / channels;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < perChannelWeights; i++) w[c * perChannelWeights + i]! *= map.scale[c]!;
  }
  const biasName = conv.inputs[2];
  const oldBias = biasName === undefined || biasName === '' ? new Float32Array(channels) : toFloat32(graph.constants.get(biasName)!);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) b[c] = oldBias[c]! * map.scale[c]! + map.shift[c]!;

  const add = (base: string, t: Tensor): string => {
    let name = base;
    for (let i = 1; graph.types.has(name); i++) name = `${base}_${i}`;
    graph.constants.set(name, t);
    graph.types.set(name, { dtype: t.dtype, shape: [...t.shape] });
    return name;
  };
  const folded: Node = {
    ...conv,
    inputs: [conv.inputs[0]!, add(`${conv.name}/folded_W`, tensor('float32', weights.shape, w)), add(`${conv.name}/folded_B`, tensor('float32', [channels], b))],
    outputs: [affine.outputs[0]!],
  };
  // Nodes are shared with the caller's model: replace them, never edit them in place.
  graph.nodes = graph.nodes.filter((n) => n !== affine).map((n) => (n === conv ? folded : n));
}
