// Post-training static quantization, the graph side: a float model and the calibrated range of
// each activation in, a QDQ model out (the ONNX form ONNX Runtime's quantizer writes, which ONNX
// Runtime and wasmpose both run; wasmpose's session rewrites it onto its integer kernels,
// src/nn/passes/qdq-to-qlinear.ts).
//
// What is quantized: every Conv whose weights are a float initializer, except the output heads
// (a Conv from which no other Conv is reached: MoveNet's heatmap, centre, regression and offset
// layers, OpenPose's last heatmap and PAF stages). Their outputs are the network's answer: sigmoid
// logits and sub-pixel offsets whose error, at 256 levels, moves keypoints and turns confidence
// ranks; they are a few percent of the work (QuantizeOptions.heads: 'int8' quantizes them too).
//   weights   int8, per output channel, symmetric: scale = max |w| / 127, zero point 0
//   bias      int32 at scale x_scale * w_scale (zero point 0), as QLinearConv wants it; where
//             calibration recorded the input's channel means, corrected for the rounded weights:
//             b - sum (w_q - w) * mean(x), so that the output's mean stays the float one (the
//             rounding of BN-folded weights otherwise shifts whole channels, and MobileNet's
//             Relu6 blocks carry the shift on; bias correction, Nagel et al. 2019)
//   input     uint8, asymmetric, from its calibrated range (widened to hold 0, so that zero
//             padding is exact): QuantizeLinear -> DequantizeLinear in front of the Conv
//   output    the same, after the Conv's Relu or Clip when it has one (quantizing after the
//             activation spends the 256 levels on the values that survive it)
// A value that is both a Conv's output and another's input gets one pair: the integer kernels then
// pass integers from one convolution to the next.
import { InputError } from '../nn/errors.js';
import { attr, onnxOpset, type Graph, type Model, type Node } from '../nn/graph.js';
import { roundHalfEven } from '../nn/ops/quant/common.js';
import { foldBatchNorm } from '../nn/passes/fold-batchnorm.js';
import { prepareGraph } from '../nn/passes/prepare-graph.js';
import { fromNumbers, toFloat32, type Tensor } from '../nn/tensor.js';

/** The calibrated range of one activation. */
export interface ValueRange {
  min: number;
  max: number;
  /** The mean of each channel (axis 1) over the calibration runs, where recorded. */
  channelMeans?: Float32Array;
}

/** A Conv to quantize: its input value, and the value after its activation where the output is quantized. */
export interface QuantizedConv {
  conv: Node;
  input: string;
  output: string;
}

const isStandard = (n: Node): boolean => n.domain === '' || n.domain === 'ai.onnx';

export interface QuantizeOptions {
  /** The output heads (Convs from which no other Conv is reached): 'float' (default) or 'int8'. */
  heads?: 'float' | 'int8';
}

/** The Convs from which no other Conv is reached: the layers that write the network's outputs. */
export function outputHeads(graph: Graph): Set<Node> {
  const readers = readersOf(graph);
  const reachesConv = new Map<Node, boolean>();
  // Nodes are in topological order: each node's readers are decided before it.
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i]!;
    reachesConv.set(n, n.outputs.some((o) => (readers.get(o) ?? []).some((r) => r.op === 'Conv' || reachesConv.get(r) === true)));
  }
  return new Set(graph.nodes.filter((n) => n.op === 'Conv' && reachesConv.get(n) === false));
}

function readersOf(graph: Graph): Map<string, Node[]> {
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes) for (const i of n.inputs) if (i !== '') readers.set(i, [...(readers.get(i) ?? []), n]);
  return readers;
}

/** The Convs quantizeModel quantizes, with the values whose ranges calibration must record. */
export function quantizableConvs(graph: Graph, options: QuantizeOptions = {}): QuantizedConv[] {
  const readers = readersOf(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const heads = options.heads === 'int8' ? new Set<Node>() : outputHeads(graph);
  const found: QuantizedConv[] = [];
  for (const conv of graph.nodes) {
    if (conv.op !== 'Conv' || !isStandard(conv) || heads.has(conv)) continue;
    const w = graph.initializers.get(conv.inputs[1] ?? '');
    const b = conv.inputs[2] ? graph.initializers.get(conv.inputs[2]) : undefined;
    if (w === undefined || w.dtype !== 'float32' || w.shape.length !== 4) continue;
    if (conv.inputs[2] && (b === undefined || b.dtype !== 'float32')) continue;
    let output = conv.outputs[0]!;
    const next = readers.get(output) ?? [];
    if (next.length === 1 && !outputs.has(output) && isStandard(next[0]!) && (next[0]!.op === 'Relu' || isConstantClip(graph, next[0]!))) output = next[0]!.outputs[0]!;
    found.push({ conv, input: conv.inputs[0]!, output });
  }
  return found;
}

function isConstantClip(graph: Graph, node: Node): boolean {
  if (node.op !== 'Clip') return false;
  return [1, 2].every((i) => node.inputs[i] === undefined || node.inputs[i] === '' || graph.initializers.has(node.inputs[i]!));
}

/** The values calibration records: the input and output of every Conv quantizeModel may quantize (heads included). */
export function calibrationValues(graph: Graph): string[] {
  return [...new Set(quantizableConvs(graph, { heads: 'int8' }).flatMap((q) => [q.input, q.output]))];
}

/**
 * The float model quantization starts from: constants folded and BatchNormalization (and constant
 * per-channel Mul/Add) folded into the Conv before it, so that a Conv's Relu follows it directly
 * and quantization ranges are taken where the integer kernel writes: after the normalization and
 * the activation, not on the raw convolution's wider pre-normalization values. Calibrate and
 * quantize this model. `inputShapes` as Session.create takes them (for inputs of free dimensions).
 */
export function foldForQuantization(model: Model, inputShapes: Record<string, readonly number[]> = {}): Model {
  const typed = prepareGraph(model, inputShapes);
  foldBatchNorm(typed);
  const read = new Set(typed.nodes.flatMap((n) => n.inputs));
  const initializers = new Map([...typed.constants].filter(([name]) => read.has(name) || typed.outputs.includes(name)));
  const inputs = model.graph.inputs.filter((i) => !initializers.has(i.name) && typed.inputs.some((t) => t.name === i.name));
  const graph: Graph = { ...model.graph, nodes: typed.nodes, inputs, initializers, valueInfo: [] };
  return { ...model, graph };
}

/** uint8 asymmetric parameters for a range (widened to hold 0). */
export function activationParams(range: ValueRange): { scale: number; zero: number } {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  const scale = hi > lo ? Math.fround((hi - lo) / 255) : 1;
  const zero = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale, zero };
}

/**
 * The shift rounding the weights gives each output channel on an input of the given channel
 * means: sum over the channel's weights of (w_q * scale - w) * mean(input channel). Padding's
 * zeros are taken at the mean too (the correction is for the bulk of the plane).
 */
function biasCorrection(w: Tensor, q: Tensor, scales: Float32Array, means: Float32Array, conv: Node): Float64Array | undefined {
  const [outChannels, groupChannels, kh, kw] = w.shape as [number, number, number, number];
  const group = conv.attrs['group']?.kind === 'int' ? conv.attrs['group'].value : 1;
  if (means.length !== groupChannels * group) return undefined;
  const float = toFloat32(w);
  const perGroup = outChannels / group;
  const taps = kh * kw;
  const shift = new Float64Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const firstInput = Math.floor(o / perGroup) * groupChannels;
    let sum = 0;
    for (let i = 0; i < groupChannels; i++) {
      let error = 0;
      for (let t = (o * groupChannels + i) * taps, end = t + taps; t < end; t++) error += Number(q.data[t]) * scales[o]! - float[t]!;
      sum += error * means[firstInput + i]!;
    }
    shift[o] = sum;
  }
  return shift;
}

/** int8 symmetric per-channel weights: [Cout, ...] floats to int8 and one scale per output channel. */
export function quantizeWeights(w: Tensor): { q: Tensor; scales: Float32Array } {
  const data = toFloat32(w);
  const channels = w.shape[0]!;
  const per = data.length / channels;
  const scales = new Float32Array(channels);
  const q = new Array<number>(data.length);
  for (let c = 0; c < channels; c++) {
    let peak = 0;
    for (let i = 0; i < per; i++) peak = Math.max(peak, Math.abs(data[c * per + i]!));
    // A channel of zeros keeps scale 1 (any scale represents it; 0 would divide by zero).
    const scale = peak > 0 ? Math.fround(peak / 127) : 1;
    scales[c] = scale;
    for (let i = 0; i < per; i++) q[c * per + i] = Math.max(-127, Math.min(127, roundHalfEven(Math.fround(data[c * per + i]! / scale))));
  }
  return { q: fromNumbers('int8', w.shape, q), scales };
}

/**
 * The QDQ model: `ranges` holds the calibrated range of every value calibrationValues lists. The
 * model's opset must be 13 or later (per-channel DequantizeLinear).
 */
export function quantizeModel(model: Model, ranges: ReadonlyMap<string, ValueRange>, options: QuantizeOptions = {}): Model {
  const opset = onnxOpset(model);
  if (opset < 13) throw new InputError(`quantization writes per-channel DequantizeLinear, which needs opset 13 or later; the model is opset ${opset}`);
  const graph = model.graph;
  const convs = quantizableConvs(graph, options);
  if (convs.length === 0) throw new InputError('the model has no Conv with float weights to quantize');
  const initializers = new Map(graph.initializers);
  const added: Node[] = [];
  /** Value name -> its dequantized copy, one Q/DQ pair per value. */
  const dequantized = new Map<string, string>();
  const fresh = (base: string): string => {
    let name = base;
    for (let i = 1; initializers.has(name) || graph.nodes.some((n) => n.outputs.includes(name)) || added.some((n) => n.outputs.includes(name)); i++) name = `${base}_${i}`;
    return name;
  };
  const qdq = (value: string, rangeOf = value, dequantizedName?: string): string => {
    const known = dequantized.get(value);
    if (known !== undefined) return known;
    const range = ranges.get(rangeOf);
    if (range === undefined) throw new InputError(`no calibrated range for '${value}'`);
    const { scale, zero } = activationParams(range);
    const scaleName = fresh(`${value}_scale`);
    initializers.set(scaleName, fromNumbers('float32', [], [scale]));
    const zeroName = fresh(`${value}_zero_point`);
    initializers.set(zeroName, fromNumbers('uint8', [], [zero]));
    const q = fresh(`${value}_quantized`);
    const dq = dequantizedName ?? fresh(`${value}_dequantized`);
    added.push(
      { name: fresh(`${value}_QuantizeLinear`), op: 'QuantizeLinear', domain: '', inputs: [value, scaleName, zeroName], outputs: [q], attrs: {} },
      { name: fresh(`${value}_DequantizeLinear`), op: 'DequantizeLinear', domain: '', inputs: [q, scaleName, zeroName], outputs: [dq], attrs: {} },
    );
    dequantized.set(value, dq);
    return dq;
  };

  // Inputs first, so that every Conv's input scale is known for its bias.
  const rewritten = new Map<Node, Node>();
  for (const { conv, input } of convs) {
    const x = qdq(input);
    const xScale = activationParams(ranges.get(input)!).scale;
    const w = initializers.get(conv.inputs[1]!)!;
    const { q, scales } = quantizeWeights(w);
    const wq = fresh(`${conv.inputs[1]}_quantized`);
    const ws = fresh(`${conv.inputs[1]}_scale`);
    const wz = fresh(`${conv.inputs[1]}_zero_point`);
    initializers.set(wq, q);
    initializers.set(ws, { dtype: 'float32', shape: [scales.length], data: scales });
    initializers.set(wz, fromNumbers('int8', [scales.length], new Array<number>(scales.length).fill(0)));
    const wdq = fresh(`${conv.inputs[1]}_dequantized`);
    const axis = { axis: attr.int(0) };
    added.push({ name: fresh(`${conv.name}_weights_DequantizeLinear`), op: 'DequantizeLinear', domain: '', inputs: [wq, ws, wz], outputs: [wdq], attrs: axis });
    const inputs = [x, wdq];
    const means = ranges.get(input)!.channelMeans;
    const correction = means === undefined ? undefined : biasCorrection(w, q, scales, means, conv);
    const biasName = conv.inputs[2] || (correction !== undefined ? fresh(`${conv.name}_bias`) : undefined);
    if (biasName) {
      const b = Float32Array.from(conv.inputs[2] ? toFloat32(initializers.get(biasName)!) : new Float32Array(scales.length));
      if (correction !== undefined) for (let o = 0; o < b.length; o++) b[o] = Math.fround(b[o]! - correction[o]!);
      const bScales = Float32Array.from(scales, (s) => Math.fround(xScale * s));
      const bq = fresh(`${biasName}_quantized`);
      const bs = fresh(`${biasName}_scale`);
      initializers.set(bq, fromNumbers('int32', [b.length], Array.from(b, (v, i) => Math.max(-2147483648, Math.min(2147483647, roundHalfEven(v / bScales[i]!))))));
      initializers.set(bs, { dtype: 'float32', shape: [b.length], data: bScales });
      const bdq = fresh(`${biasName}_dequantized`);
      added.push({ name: fresh(`${conv.name}_bias_DequantizeLinear`), op: 'DequantizeLinear', domain: '', inputs: [bq, bs], outputs: [bdq], attrs: axis });
      inputs.push(bdq);
    }
    rewritten.set(conv, { ...conv, inputs });
  }
  // Outputs: readers of a quantized output read its dequantized copy. A graph output keeps its
  // name on the dequantized copy; its producer's float value is renamed.
  const outputs = new Map<string, string>();
  const renamedOutputs = new Map<string, string>();
  for (const { output } of convs) {
    if (graph.outputs.some((o) => o.name === output)) {
      const float = fresh(`${output}_float`);
      renamedOutputs.set(output, float);
      qdq(float, output, output);
    } else {
      outputs.set(output, qdq(output));
    }
  }
  const consumersOf = (n: Node): Node => {
    let base = rewritten.get(n) ?? n;
    if (base.outputs.some((o) => renamedOutputs.has(o))) base = { ...base, outputs: base.outputs.map((o) => renamedOutputs.get(o) ?? o) };
    if (!base.inputs.some((i) => outputs.has(i))) return base;
    return { ...base, inputs: base.inputs.map((i) => outputs.get(i) ?? i) };
  };
  const nodes = graph.nodes.map(consumersOf);
  // Each added node goes right after the producer of the value it reads (graph inputs and
  // initializers: at the front), in the order added: a DequantizeLinear after its QuantizeLinear.
  const producerIndex = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => producerIndex.set(o, i)));
  const pending = new Map<number, Node[]>();
  const placedAt = new Map<string, number>();
  for (const n of added) {
    const source = n.inputs[0]!;
    const at = producerIndex.get(source) ?? placedAt.get(source) ?? -1;
    for (const o of n.outputs) placedAt.set(o, at);
    pending.set(at, [...(pending.get(at) ?? []), n]);
  }
  const ordered: Node[] = [...(pending.get(-1) ?? [])];
  nodes.forEach((n, i) => ordered.push(n, ...(pending.get(i) ?? [])));
  // The float weights and biases the quantized ones replace are read by nothing now: drop them.
  const read = new Set(ordered.flatMap((n) => n.inputs));
  for (const name of [...initializers.keys()]) if (!read.has(name) && !graph.outputs.some((o) => o.name === name)) initializers.delete(name);
  const qdqGraph: Graph = { ...graph, nodes: ordered, initializers };
  return { ...model, graph: qdqGraph, producerName: 'wasmpose quantize' };
}
