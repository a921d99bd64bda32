// Post-training static quantization, the graph side: a float model and the calibrated range of
// each activation in, a QDQ model out (the ONNX form ONNX Runtime's quantizer writes, which ONNX
// Runtime and wasmpose both run; wasmpose's session rewrites it onto its integer kernels,
// src/nn/passes/qdq-to-qlinear.ts).
//
// What is quantized: every Conv whose weights are a float initializer.
//   weights   int8, per output channel, symmetric: scale = max |w| / 127, zero point 0
//   bias      int32 at scale x_scale * w_scale (zero point 0), as QLinearConv wants it
//   input     uint8, asymmetric, from its calibrated range (widened to hold 0, so that zero
//             padding is exact): QuantizeLinear -> DequantizeLinear in front of the Conv
//   output    the same, after the Conv's Relu or Clip when it has one (quantizing after the
//             activation spends the 256 levels on the values that survive it)
// A value that is both a Conv's output and another's input gets one pair: the integer kernels then
// pass integers from one convolution to the next.
import { InputError } from '../nn/errors.js';
import { attr, onnxOpset, type Graph, type Model, type Node } from '../nn/graph.js';
import { roundHalfEven } from '../nn/ops/quant/common.js';
import { fromNumbers, toFloat32, type Tensor } from '../nn/tensor.js';

/** The calibrated range of one activation. */
export interface ValueRange {
  min: number;
  max: number;
}

/** A Conv to quantize: its input value, and the value after its activation where the output is quantized. */
export interface QuantizedConv {
  conv: Node;
  input: string;
  output: string;
}

const isStandard = (n: Node): boolean => n.domain === '' || n.domain === 'ai.onnx';

/** The Convs quantizeModel quantizes, with the values whose ranges calibration must record. */
export function quantizableConvs(graph: Graph): QuantizedConv[] {
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes) for (const i of n.inputs) if (i !== '') readers.set(i, [...(readers.get(i) ?? []), n]);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const found: QuantizedConv[] = [];
  for (const conv of graph.nodes) {
    if (conv.op !== 'Conv' || !isStandard(conv)) continue;
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

/** The values calibration records: every quantized Conv's input and output. */
export function calibrationValues(graph: Graph): string[] {
  return [...new Set(quantizableConvs(graph).flatMap((q) => [q.input, q.output]))];
}

/** uint8 asymmetric parameters for a range (widened to hold 0). */
export function activationParams(range: ValueRange): { scale: number; zero: number } {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  const scale = hi > lo ? Math.fround((hi - lo) / 255) : 1;
  const zero = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale, zero };
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
export function quantizeModel(model: Model, ranges: ReadonlyMap<string, ValueRange>): Model {
  const opset = onnxOpset(model);
  if (opset < 13) throw new InputError(`quantization writes per-channel DequantizeLinear, which needs opset 13 or later; the model is opset ${opset}`);
  const graph = model.graph;
  const convs = quantizableConvs(graph);
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
    const biasName = conv.inputs[2];
    if (biasName) {
      const b = toFloat32(initializers.get(biasName)!);
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
