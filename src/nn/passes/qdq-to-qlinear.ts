// ONNX QDQ graphs onto the integer kernels. A QDQ model (what ONNX Runtime's quantizer and
// `wasmpose quantize` write) keeps float ops and marks quantization with QuantizeLinear /
// DequantizeLinear pairs around them. Six rewrites, each exact:
//
// 1. DequantizeLinear(x_q) and DequantizeLinear(w_q) [and DequantizeLinear(b_q, int32)] -> Conv
//    [-> Relu or Clip] -> QuantizeLinear  becomes one QLinearConv(x_q, ..., w_q, ..., b_q) with the
//    activation as integer bounds (quantization is monotonic: Q(relu(v)) = max(Q(v), y_zero) and
//    Q(clip(v, a, b)) = clip(Q(v), Q(a), Q(b))). The integer convolution computes exactly the sum
//    the float one approximates: sum s_x (x - z_x) s_w w = s_x s_w sum (x - z_x) w. A float bias
//    (not a dequantized int32 one) is left alone, as ONNX Runtime leaves it: rounding it to the
//    int32 grid would change the result.
//    DequantizeLinear(a_q) and DequantizeLinear(b_q) (per tensor, or per column of a matrix b) ->
//    MatMul -> QuantizeLinear becomes one QLinearMatMul, exact for the same reason.
// 2. A QLinearConv's output -> DequantizeLinear -> one float op of one input applied element by
//    element (LOOKUP_OPS) -> QuantizeLinear, all per tensor: the chain maps each of the 256
//    integers the convolution can output to one integer, so it becomes a table on the QLinearConv
//    (attribute `lookup`, applied after its requantization), computed once here by the reference
//    implementations of the three ops: the same integers as running them.
// 3. MaxPool and Concat between DequantizeLinear and QuantizeLinear that all share one scale and
//    zero point run on the integers: they only pick and move values, and dequantization is
//    monotonic (max of DQ = DQ of max) with Q(DQ(q)) = q.
// 4. QuantizeLinear(DequantizeLinear(q)) with the same scale and zero point is q itself
//    (|q - z| * s / s rounds back to q), so readers of the second read the first: chains of
//    QLinearConv pass integers with no dequantize and quantize between them.
// 5. What is left of 2's pattern, DequantizeLinear (per tensor, of int8 or uint8) -> a LOOKUP_OPS
//    op whose float result goes on as float (to an Add, say), becomes the DequantizeLinear with a
//    table of the 256 floats (attribute `lookup`), computed by the two ops' reference
//    implementations: one pass over the tensor where there were two, the second an exponential.
// 6. DequantizeLinear(a_q) + DequantizeLinear(b_q) (per tensor, int8/uint8 zero points given) ->
//    Add -> QuantizeLinear (a residual connection) becomes one QLinearAdd, whose reference is those
//    three ops' and whose kernel does their float32 arithmetic in one pass over the integers.
//
// The pass runs on the model's graph before constant folding (which would turn DequantizeLinear
// of constant weights into float weights and lose the integers), and returns a new graph: the
// caller's model is never edited.
import { attr, attrFloat, attrInt, type Graph, type Node, type OpsetImport } from '../graph.js';
import { quantRange } from '../ops/quant/common.js';
import { runReference } from '../reference.js';
import { liveNodes } from './typed-graph.js';
import { activationAttrs, type FusedActivation } from '../ops/conv/activation.js';
import { fromNumbers, toFloat32, toNumbers, type DType, type Tensor } from '../tensor.js';

const isStandard = (n: Node): boolean => n.domain === '' || n.domain === 'ai.onnx';

/** The rewritten graph, or the same graph when nothing matched. */
export function qdqToQLinear(graph: Graph, opsets: OpsetImport[]): Graph {
  const fused = fuseDequantizeLookups(skipRequantizePairs(fuseQuantizedAdds(integerMoves(fuseLookups(fuseQuantizedMatMuls(fuseQuantizedConvs(graph)), opsets)))), opsets);
  // Without the nodes nothing reads any more (the DequantizeLinear of weights a QLinearConv now
  // reads as integers), so constant folding does not dequantize them for nothing.
  return fused === graph ? graph : { ...fused, nodes: liveNodes(fused.nodes, fused.outputs.map((o) => o.name)) };
}

interface Consumers {
  byOutput: Map<string, Node>;
  readers: Map<string, Node[]>;
  graphOutputs: Set<string>;
}

function consumers(graph: Graph): Consumers {
  const byOutput = new Map<string, Node>();
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o !== '') byOutput.set(o, n);
    for (const i of n.inputs) if (i !== '') readers.set(i, [...(readers.get(i) ?? []), n]);
  }
  return { byOutput, readers, graphOutputs: new Set(graph.outputs.map((o) => o.name)) };
}

/** A per-tensor (or, with `perAxis`, per-channel on that axis) dequantization whose parameters are initializers. */
interface Dequantized {
  node: Node;
  value: string;
  scale: string;
  zero: string;
  scales: Float32Array;
}

function dequantizedInput(graph: Graph, c: Consumers, name: string, perAxis: number | false): Dequantized | undefined {
  const node = c.byOutput.get(name);
  if (node === undefined || node.op !== 'DequantizeLinear' || !isStandard(node)) return undefined;
  const [value, scale, zero = ''] = node.inputs as [string, string, string?];
  const scaleTensor = graph.initializers.get(scale);
  if (scaleTensor === undefined || (zero !== '' && !graph.initializers.has(zero))) return undefined;
  const scales = Float32Array.from(toFloat32(scaleTensor));
  if (scales.length !== 1) {
    const axis = attrInt(node, 'axis', 1);
    if (perAxis === false || axis !== perAxis) return undefined;
  }
  return { node, value, scale, zero, scales };
}

/** The graph with nodes replaced and removed; the same graph when nothing was replaced. */
function rewritten(graph: Graph, replaced: Map<Node, Node>, removed: Set<Node>): Graph {
  if (replaced.size === 0) return graph;
  return { ...graph, nodes: graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n) };
}

/**
 * Whether two zero-point inputs are the same: both absent (uint8 0), or both given and equal (a
 * given uint8 0 beside an absent one is taken as different: rare, and never wrong to leave).
 */
function sameZeroPoint(graph: Graph, a: string, b: string): boolean {
  return a === '' && b === '' ? true : a !== '' && b !== '' && sameValues(graph, a, b);
}

/** The only reader of `name`, when it has one and is not a graph output. */
function soleReader(c: Consumers, name: string): Node | undefined {
  const readers = c.readers.get(name) ?? [];
  return readers.length === 1 && !c.graphOutputs.has(name) ? readers[0] : undefined;
}

/** The per-tensor QuantizeLinear that alone reads `value`, with its scale and zero point. */
function quantizedOutput(graph: Graph, c: Consumers, value: string): { q: Node; yScale: string; yZero: string } | undefined {
  const q = soleReader(c, value);
  if (q === undefined || q.op !== 'QuantizeLinear' || !isStandard(q)) return undefined;
  const [, yScale, yZero = ''] = q.inputs as [string, string, string?];
  const yScaleTensor = graph.initializers.get(yScale);
  if (yScaleTensor === undefined || yScaleTensor.data.length !== 1 || (yZero !== '' && graph.initializers.get(yZero)?.data.length !== 1)) return undefined;
  return isQuantType(graph.initializers.get(yZero)) ? { q, yScale, yZero } : undefined;
}

function isQuantType(t: Tensor | undefined): boolean {
  return t === undefined || t.dtype === 'uint8' || t.dtype === 'int8';
}

function fuseQuantizedConvs(graph: Graph): Graph {
  const c = consumers(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const conv of graph.nodes) {
    if (conv.op !== 'Conv' || !isStandard(conv) || conv.attrs['activation'] !== undefined) continue;
    const x = dequantizedInput(graph, c, conv.inputs[0] ?? '', false);
    const w = dequantizedInput(graph, c, conv.inputs[1] ?? '', 0);
    if (x === undefined || w === undefined) continue;
    const weights = graph.initializers.get(w.value);
    if (weights === undefined || (weights.dtype !== 'int8' && weights.dtype !== 'uint8')) continue;
    if (!isQuantType(graph.initializers.get(x.zero)) || !isQuantType(graph.initializers.get(w.zero))) continue;
    if (w.scales.length !== 1 && w.scales.length !== weights.shape[0]) continue;
    let bias = '';
    const biasName = conv.inputs[2] ?? '';
    if (biasName !== '') {
      const b = dequantizedInput(graph, c, biasName, 0);
      const bq = b === undefined ? undefined : graph.initializers.get(b.value);
      if (b === undefined || bq === undefined || bq.dtype !== 'int32' || !biasScaleMatches(b, x.scales[0]!, w.scales)) continue;
      if (b.zero !== '' && toNumbers(graph.initializers.get(b.zero)!).some((z) => z !== 0)) continue;
      bias = b.value;
    }
    let last = conv;
    let activation: FusedActivation | undefined;
    const next = soleReader(c, conv.outputs[0]!);
    if (next !== undefined && isStandard(next)) {
      activation = next.op === 'Relu' ? { name: 'Relu', params: [] } : next.op === 'Clip' ? clipBounds(graph, next) : undefined;
      if (activation !== undefined) last = next;
    }
    const out = quantizedOutput(graph, c, last.outputs[0]!);
    if (out === undefined) continue;
    const { q, yScale, yZero } = out;
    const attrs = { ...conv.attrs, ...(activation === undefined ? {} : activationAttrs(activation)) };
    replaced.set(conv, {
      name: conv.name, op: 'QLinearConv', domain: '', attrs,
      inputs: [x.value, x.scale, x.zero, w.value, w.scale, w.zero, yScale, yZero, ...(bias === '' ? [] : [bias])],
      outputs: [q.outputs[0]!],
    });
    if (last !== conv) removed.add(last);
    removed.add(q);
  }
  return rewritten(graph, replaced, removed);
}

function fuseQuantizedMatMuls(graph: Graph): Graph {
  const c = consumers(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const matmul of graph.nodes) {
    if (matmul.op !== 'MatMul' || !isStandard(matmul)) continue;
    const a = dequantizedInput(graph, c, matmul.inputs[0] ?? '', false);
    // Per-column scales of a matrix b: axis 1 (or -1).
    const b = dequantizedInput(graph, c, matmul.inputs[1] ?? '', 1) ?? dequantizedInput(graph, c, matmul.inputs[1] ?? '', -1);
    if (a === undefined || b === undefined) continue;
    const bq = graph.initializers.get(b.value);
    if (bq !== undefined && b.scales.length !== 1 && bq.shape.length !== 2) continue;
    if (!isQuantType(graph.initializers.get(a.zero)) || !isQuantType(graph.initializers.get(b.zero))) continue;
    const out = quantizedOutput(graph, c, matmul.outputs[0]!);
    if (out === undefined) continue;
    const { q, yScale, yZero } = out;
    replaced.set(matmul, {
      name: matmul.name, op: 'QLinearMatMul', domain: '', attrs: {},
      inputs: [a.value, a.scale, a.zero, b.value, b.scale, b.zero, yScale, yZero],
      outputs: [q.outputs[0]!],
    });
    removed.add(q);
  }
  return rewritten(graph, replaced, removed);
}

/**
 * What the chain `nodes` (one input, the first node's first; one output, the last node's first)
 * gives for every value of the integer type `dtype`, from the least up, by the ops' reference
 * implementations.
 */
function referenceTable(graph: Graph, opsets: OpsetImport[], nodes: Node[], dtype: DType, outType: DType, where: string): Tensor {
  const [lo, hi] = quantRange(dtype, where);
  const input = nodes[0]!.inputs[0]!;
  const output = nodes[nodes.length - 1]!.outputs[0]!;
  const constants = new Set(nodes.flatMap((n) => n.inputs).filter((n) => graph.initializers.has(n)));
  const chain: Graph = {
    name: 'lookup', nodes, valueInfo: [],
    inputs: [{ name: input, dtype, shape: [hi - lo + 1] }],
    outputs: [{ name: output, dtype: outType, shape: [hi - lo + 1] }],
    initializers: new Map([...constants].map((n) => [n, graph.initializers.get(n)!])),
  };
  const model = { graph: chain, opsets, irVersion: 8, producerName: '', producerVersion: '', metadata: {} };
  return runReference(model, { [input]: fromNumbers(dtype, [hi - lo + 1], Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)) })[output]!;
}

/** Float ops of one input, element by element, that a lookup table replaces between DequantizeLinear and QuantizeLinear. */
const LOOKUP_OPS = new Set(['Elu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'HardSigmoid', 'HardSwish', 'Selu', 'Softplus', 'Exp', 'Abs', 'Neg', 'Relu']);

function fuseLookups(graph: Graph, opsets: OpsetImport[]): Graph {
  const c = consumers(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const conv of graph.nodes) {
    if (conv.op !== 'QLinearConv' || !isStandard(conv) || conv.attrs['lookup'] !== undefined) continue;
    const dq = soleReader(c, conv.outputs[0]!);
    if (dq === undefined || dequantizedInput(graph, c, dq.outputs[0]!, false) === undefined) continue;
    const unary = soleReader(c, dq.outputs[0]!);
    if (unary === undefined || !isStandard(unary) || !LOOKUP_OPS.has(unary.op) || unary.inputs.length !== 1) continue;
    const out = quantizedOutput(graph, c, unary.outputs[0]!);
    const convType = graph.initializers.get(conv.inputs[7] ?? '')?.dtype ?? 'uint8';
    if (out === undefined || (graph.initializers.get(out.yZero)?.dtype ?? 'uint8') !== convType) continue;
    const table = toNumbers(referenceTable(graph, opsets, [dq, unary, out.q], convType, convType, `QLinearConv '${conv.name}'`));
    replaced.set(conv, { ...conv, attrs: { ...conv.attrs, lookup: attr.ints(table) }, outputs: [out.q.outputs[0]!] });
    removed.add(dq).add(unary).add(out.q);
  }
  return rewritten(graph, replaced, removed);
}

function fuseDequantizeLookups(graph: Graph, opsets: OpsetImport[]): Graph {
  const c = consumers(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const dq of graph.nodes) {
    // The zero point's type is the input's: without one the input may be int32, beyond a table.
    const zero = graph.initializers.get(dq.inputs[2] ?? '');
    if (zero === undefined || (zero.dtype !== 'uint8' && zero.dtype !== 'int8') || dq.attrs['lookup'] !== undefined) continue;
    // Only values a node computed are sure to lie in the type's range (a graph input held as int32
    // could read past the table).
    if (!c.byOutput.has(dq.inputs[0]!) || dequantizedInput(graph, c, dq.outputs[0]!, false) === undefined) continue;
    const unary = soleReader(c, dq.outputs[0]!);
    if (unary === undefined || !isStandard(unary) || !LOOKUP_OPS.has(unary.op) || unary.inputs.length !== 1) continue;
    const table = toFloat32(referenceTable(graph, opsets, [dq, unary], zero.dtype, 'float32', `DequantizeLinear '${dq.name}'`));
    replaced.set(dq, { ...dq, attrs: { ...dq.attrs, lookup: attr.floats(Array.from(table)) }, outputs: [unary.outputs[0]!] });
    removed.add(unary);
  }
  return rewritten(graph, replaced, removed);
}

function fuseQuantizedAdds(graph: Graph): Graph {
  const c = consumers(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const add of graph.nodes) {
    if (add.op !== 'Add' || !isStandard(add) || add.inputs.length !== 2 || Object.keys(add.attrs).length !== 0) continue;
    // Zero points given, of int8 or uint8: without one the integers could be int32, beyond float32's exact range.
    const [a, b] = add.inputs.map((name) => dequantizedInput(graph, c, name, false));
    const integer = (d: Dequantized | undefined): d is Dequantized => d !== undefined && d.zero !== '' && isQuantType(graph.initializers.get(d.zero));
    if (!integer(a) || !integer(b)) continue;
    const out = quantizedOutput(graph, c, add.outputs[0]!);
    if (out === undefined) continue;
    replaced.set(add, {
      name: add.name, op: 'QLinearAdd', domain: '', attrs: {},
      inputs: [a.value, a.scale, a.zero, b.value, b.scale, b.zero, out.yScale, out.yZero],
      outputs: [out.q.outputs[0]!],
    });
    removed.add(out.q);
  }
  return rewritten(graph, replaced, removed);
}

/** Ops that only pick or move values, and which of their inputs carry the values. */
const INTEGER_MOVES: Record<string, (n: Node) => number[]> = { MaxPool: () => [0], Concat: (n) => n.inputs.map((_, i) => i) };

function integerMoves(graph: Graph): Graph {
  const c = consumers(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const node of graph.nodes) {
    const dataInputs = Object.hasOwn(INTEGER_MOVES, node.op) && isStandard(node) ? INTEGER_MOVES[node.op]!(node) : undefined;
    if (dataInputs === undefined || node.outputs.length !== 1) continue;
    const out = quantizedOutput(graph, c, node.outputs[0]!);
    if (out === undefined) continue;
    const sources = dataInputs.map((i) => {
      const dq = dequantizedInput(graph, c, node.inputs[i] ?? '', false);
      if (dq === undefined || !sameValues(graph, dq.scale, out.yScale)) return undefined;
      return sameZeroPoint(graph, dq.zero, out.yZero) ? dq.value : undefined;
    });
    if (sources.some((s) => s === undefined)) continue;
    const inputs = [...node.inputs];
    dataInputs.forEach((i, k) => (inputs[i] = sources[k]!));
    replaced.set(node, { ...node, inputs, outputs: [out.q.outputs[0]!] });
    removed.add(out.q);
  }
  return rewritten(graph, replaced, removed);
}

const FLOAT_MAX = 3.4028234663852886e38;

/** A Clip's bounds when they are attributes (before opset 11) or initializers; undefined otherwise. */
function clipBounds(graph: Graph, clip: Node): FusedActivation | undefined {
  const bound = (i: number, attr: string, fallback: number): number | undefined => {
    const name = clip.inputs[i];
    if (name === undefined || name === '') return attrFloat(clip, attr, fallback);
    const t = graph.initializers.get(name);
    return t === undefined || t.data.length !== 1 ? undefined : toFloat32(t)[0]!;
  };
  const lo = bound(1, 'min', -FLOAT_MAX);
  const hi = bound(2, 'max', FLOAT_MAX);
  return lo === undefined || hi === undefined ? undefined : { name: 'Clip', params: [lo, hi] };
}

/** Whether the bias scales equal x_scale * w_scale (as the quantizer writes them), to float32 rounding. */
function biasScaleMatches(b: Dequantized, xScale: number, wScales: Float32Array): boolean {
  if (b.scales.length !== wScales.length && b.scales.length !== 1) return false;
  return Array.from(b.scales).every((s, i) => {
    const expected = Math.fround(xScale * wScales[wScales.length === 1 ? 0 : i]!);
    return Math.abs(s - expected) <= 1e-6 * Math.abs(expected);
  });
}

function sameValues(graph: Graph, a: string, b: string): boolean {
  if (a === b) return true;
  const ta = a === '' ? undefined : graph.initializers.get(a);
  const tb = b === '' ? undefined : graph.initializers.get(b);
  if (ta === undefined || tb === undefined) return false;
  if (ta.dtype !== tb.dtype || ta.data.length !== tb.data.length) return false;
  const va = toNumbers(ta);
  const vb = toNumbers(tb);
  return va.every((v, i) => v === vb[i]);
}

function skipRequantizePairs(graph: Graph): Graph {
  const c = consumers(graph);
  const renamed = new Map<string, string>();
  for (const q of graph.nodes) {
    if (q.op !== 'QuantizeLinear' || !isStandard(q) || c.graphOutputs.has(q.outputs[0]!)) continue;
    const dq = c.byOutput.get(q.inputs[0] ?? '');
    if (dq === undefined || dq.op !== 'DequantizeLinear' || !isStandard(dq)) continue;
    const [value, scale, zero = ''] = dq.inputs as [string, string, string?];
    const [, qScale, qZero = ''] = q.inputs as [string, string, string?];
    const scaleTensor = graph.initializers.get(scale);
    if (scaleTensor === undefined || scaleTensor.data.length !== 1 || !sameValues(graph, scale, qScale)) continue;
    if (!sameZeroPoint(graph, zero, qZero)) continue;
    renamed.set(q.outputs[0]!, renamed.get(value) ?? value);
  }
  if (renamed.size === 0) return graph;
  const nodes = graph.nodes.map((n) => (n.inputs.some((i) => renamed.has(i)) ? { ...n, inputs: n.inputs.map((i) => renamed.get(i) ?? i) } : n));
  return { ...graph, nodes };
}
