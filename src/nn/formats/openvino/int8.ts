// OpenVINO's INT8 forms (what an FP16-INT8 IR holds) as ONNX QDQ, so they reach the integer
// kernels through the same rewrite as ONNX QDQ graphs (passes/qdq-to-qlinear.ts). Three forms:
//
// 1. FakeQuantize on activations with levels 256, per-tensor ranges, input range = output range
//    [lo, hi], and 0 on its grid: QuantizeLinear(x, s, z) -> DequantizeLinear(q, s, z) with
//    s = (hi - lo) / 255, z = -lo / s (uint8). OpenVINO computes lo + s round((clip(x) - lo) / s),
//    ONNX (round(x / s) + z - z) s with q saturated to [0, 255]: the same 256 values, the same
//    clamps (q = 0 is lo, q = 255 is hi), the same rounding, so the two agree except
//    - where they round different float32 quotients, (x - lo) / s against x / s: inputs within
//      float32 rounding of a rounding boundary may land one step apart;
//    - at exact ties x / s = k + 1/2, where round-half-to-even of x / s and of x / s + z differ
//      when z is odd (one step);
//    - by the rounding of the stored range: z must be an integer to within (levels - 1) u, u the
//      unit roundoff of the type the IR stores lo and hi in (2^-24 for f32, 2^-11 for f16), which
//      is how far rounding lo and hi moves -lo / s from the integer a quantizer chose. The grid
//      then differs from OpenVINO's by at most that fraction of a step.
//    Other levels do not map: int8 and uint8 saturate to 256 values, so a 255-level grid would
//    clamp one step later than OpenVINO on one side. Nor do per-channel ranges (the QDQ rewrite
//    takes one activation scale) or in/out ranges that differ (a requantization).
// 2. FakeQuantize on constant weights (any levels up to 256, ranges per tensor or per output
//    channel): the integer level k of each weight is computed at load exactly as the float
//    decomposition computes it (float32 Sub, Div, Mul, round half to even), and the output grid
//    out_lo + k (out_hi - out_lo) / (levels - 1) is (k - z) s with z integral as above; the
//    weights are stored as int8 k - z (zero point 0), else as uint8 k with zero point z.
// 3. Compressed weights, Const(i8/u8) -> Convert(f32) -> [Subtract(zero point)] -> Multiply(scale):
//    DequantizeLinear(q, scale, zero) exactly (the same subtraction and product in float32).
//
// The convolutions read forms 2 and 3 as DequantizeLinear of their integer weights (per output
// channel, axis 0); any other reader reads the dequantized floats. IR adds a convolution's bias as
// a float Add; where the convolution's output is requantized (Conv [-> Relu|Clip] ->
// QuantizeLinear), the bias becomes int32 on the grid s_x s_w[c] (as the quantizer of
// src/quantize writes it, and as the QDQ rewrite needs to fuse), moving each output by at most
// s_x s_w[c] / 2 before requantization.
import { attr, attrInt, type Graph, type Node } from '../../graph.js';
import type { GraphEmitter } from '../../graph-emitter.js';
import { roundHalfEven } from '../../ops/quant/common.js';
import { fromNumbers, sizeOf, toFloat32, toNumbers, type DType, type Tensor } from '../../tensor.js';

/** Integer weights with their scale and zero point (each broadcast against `q`, numpy rules; the zero point in q's type). */
export interface QuantizedConstant {
  q: Tensor;
  scale: Tensor;
  zero: Tensor;
}

/** The unit roundoff of the type a range was stored in (the reader computes in float32 at best). */
export function unitRoundoff(stored: DType): number {
  return stored === 'float16' ? 2 ** -11 : 2 ** -24;
}

/**
 * Element index of a tensor of `shape` -> index into a parameter of `pShape` broadcast against it
 * (numpy rules); undefined when it does not broadcast.
 */
function broadcastIndex(shape: readonly number[], pShape: readonly number[]): ((i: number) => number) | undefined {
  if (pShape.length > shape.length) return undefined;
  const offset = shape.length - pShape.length;
  for (let a = 0; a < pShape.length; a++) if (pShape[a] !== 1 && pShape[a] !== shape[a + offset]) return undefined;
  if (sizeOf(pShape) === 1) return () => 0;
  const pStrides = new Array<number>(pShape.length);
  for (let a = pShape.length - 1, stride = 1; a >= 0; a--) {
    pStrides[a] = stride;
    stride *= pShape[a]!;
  }
  return (i) => {
    let rest = i;
    let index = 0;
    for (let a = shape.length - 1; a >= offset; a--) {
      const coordinate = rest % shape[a]!;
      rest = Math.floor(rest / shape[a]!);
      if (pShape[a - offset] !== 1) index += coordinate * pStrides[a - offset]!;
    }
    return index;
  };
}

/** The grid lo + k (hi - lo) / (levels - 1), k = 0 .. levels - 1, as (k - zero) scale; undefined when zero is not an integer (see the header). */
function gridOf(lo: number, hi: number, levels: number, u: number): { scale: number; zero: number } | undefined {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) return undefined;
  const step = (hi - lo) / (levels - 1);
  const z = -lo / step;
  const zero = Math.round(z);
  const scale = Math.fround(step);
  if (Math.abs(z - zero) > (levels - 1) * u || !(scale > 0) || !Number.isFinite(scale)) return undefined;
  return { scale, zero };
}

/** Form 1 (see the header): the uint8 scale and zero point of an activation FakeQuantize, or undefined. */
export function activationQuantization(levels: number, ranges: readonly Tensor[], u: number): { scale: number; zero: number } | undefined {
  if (levels !== 256 || ranges.length !== 4 || ranges.some((t) => t.data.length !== 1)) return undefined;
  const [inLo, inHi, outLo, outHi] = ranges.map((t) => toFloat32(t)[0]!) as [number, number, number, number];
  if (inLo !== outLo || inHi !== outHi) return undefined;
  const grid = gridOf(inLo, inHi, levels, u);
  return grid === undefined || grid.zero < 0 || grid.zero > 255 ? undefined : grid;
}

/** Form 2 (see the header): a FakeQuantize of constant weights as integers, or undefined. */
export function quantizeConstant(x: Tensor, ranges: readonly Tensor[], levels: number, u: number): QuantizedConstant | undefined {
  if (levels > 256 || ranges.length !== 4) return undefined;
  const [, , outLo, outHi] = ranges as [Tensor, Tensor, Tensor, Tensor];
  if (outLo.shape.length !== outHi.shape.length || outLo.shape.some((d, i) => d !== outHi.shape[i])) return undefined;
  const indices = ranges.map((r) => broadcastIndex(x.shape, r.shape));
  if (indices.some((f) => f === undefined)) return undefined;
  const [inLoAt, inHiAt, outAt] = indices as [(i: number) => number, (i: number) => number, (i: number) => number];
  const [inLoV, inHiV, outLoV, outHiV] = ranges.map(toFloat32) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const grids = Array.from(outLoV, (lo, i) => gridOf(lo, outHiV[i]!, levels, u));
  if (grids.some((g) => g === undefined)) return undefined;
  const scales = grids.map((g) => g!.scale);
  const zeros = grids.map((g) => g!.zero);
  // The level of each weight, as the float decomposition (float32 ops) computes it.
  const xs = toFloat32(x);
  const k = new Int32Array(xs.length);
  const top = Math.fround(levels - 1);
  for (let i = 0; i < xs.length; i++) {
    const lo = inLoV[inLoAt(i)]!;
    const hi = inHiV[inHiAt(i)]!;
    if (!(hi > lo)) return undefined;
    const clipped = Math.min(Math.max(xs[i]!, lo), hi);
    const unit = Math.fround(Math.fround(clipped - lo) / Math.fround(hi - lo));
    k[i] = roundHalfEven(Math.fround(unit * top));
  }
  const centred = Int32Array.from(k, (v, i) => v - zeros[outAt(i)]!);
  if (centred.every((v) => v >= -128 && v <= 127)) {
    return { q: { dtype: 'int8', shape: [...x.shape], data: Int8Array.from(centred) }, scale: fromNumbers('float32', outLo.shape, scales), zero: fromNumbers('int8', outLo.shape, zeros.map(() => 0)) };
  }
  if (zeros.every((z) => z >= 0 && z <= 255)) {
    return { q: { dtype: 'uint8', shape: [...x.shape], data: Uint8Array.from(k) }, scale: fromNumbers('float32', outLo.shape, scales), zero: fromNumbers('uint8', outLo.shape, zeros) };
  }
  return undefined;
}

/** Form 3's start: an int8 or uint8 constant, scale 1 and zero point 0 (what a Convert to float gives). */
export function integerConstant(t: Tensor): QuantizedConstant | undefined {
  if (t.dtype !== 'int8' && t.dtype !== 'uint8') return undefined;
  return { q: t, scale: fromNumbers('float32', [], [1]), zero: fromNumbers(t.dtype, [], [0]) };
}

const isUnscaled = (c: QuantizedConstant): boolean => toNumbers(c.scale).every((s) => s === 1) && toNumbers(c.zero).every((z) => z === 0);

/** Form 3: `c - zero` (a Subtract of integer zero points in q's range), or undefined. */
export function withZeroPoint(c: QuantizedConstant, zero: Tensor): QuantizedConstant | undefined {
  if (!isUnscaled(c) || broadcastIndex(c.q.shape, zero.shape) === undefined) return undefined;
  const values = toNumbers(zero);
  const [lo, hi] = c.q.dtype === 'int8' ? [-128, 127] : [0, 255];
  if (values.some((z) => !Number.isInteger(z) || z < lo || z > hi)) return undefined;
  return { ...c, zero: fromNumbers(c.q.dtype, zero.shape, values) };
}

/** Form 3: `c * scale` (a Multiply by positive float scales), or undefined. */
export function withScale(c: QuantizedConstant, scale: Tensor): QuantizedConstant | undefined {
  if (toNumbers(c.scale).some((s) => s !== 1) || broadcastIndex(c.q.shape, scale.shape) === undefined) return undefined;
  const values = toFloat32(scale);
  if (values.some((s) => !(s > 0) || !Number.isFinite(s))) return undefined;
  return { ...c, scale: { dtype: 'float32', shape: [...scale.shape], data: Float32Array.from(values) } };
}

/** The float values, (q - zero) * scale in float32, as DequantizeLinear computes them. */
export function dequantize(c: QuantizedConstant): Tensor {
  const scaleAt = broadcastIndex(c.q.shape, c.scale.shape)!;
  const zeroAt = broadcastIndex(c.q.shape, c.zero.shape)!;
  const q = toNumbers(c.q);
  const s = toFloat32(c.scale);
  const z = toNumbers(c.zero);
  return { dtype: 'float32', shape: [...c.q.shape], data: Float32Array.from(q, (v, i) => (v - z[zeroAt(i)]!) * s[scaleAt(i)]!) };
}

/**
 * A convolution's weights as DequantizeLinear (axis 0) of the integers reshaped to `shape` (ONNX's
 * [O, I/G, k...]); the output channel spans the first `leading` axes of the IR weights (1 for
 * Convolution, 2 for GroupConvolution's [G, O/G, I/G, k...]). Undefined when the scale or zero
 * point varies within an output channel.
 */
export function emitDequantizedWeights(emit: GraphEmitter, name: string, c: QuantizedConstant, shape: readonly number[], leading: number): string | undefined {
  const channels = sizeOf(c.q.shape.slice(0, leading));
  const inner = sizeOf(c.q.shape.slice(leading));
  if (channels !== shape[0] || sizeOf(shape) !== sizeOf(c.q.shape)) return undefined;
  const perChannel = (t: Tensor): number[] | undefined => {
    const aligned = [...new Array<number>(c.q.shape.length - t.shape.length).fill(1), ...t.shape];
    if (aligned.slice(leading).some((d) => d !== 1)) return undefined;
    const at = broadcastIndex(c.q.shape, t.shape)!;
    const values = toNumbers(t);
    return Array.from({ length: channels }, (_, ch) => values[at(ch * inner)]!);
  };
  const scales = perChannel(c.scale);
  const zeros = perChannel(c.zero);
  if (scales === undefined || zeros === undefined) return undefined;
  const q = emit.constant(`${name}/weights_quantized`, { dtype: c.q.dtype, shape: [...shape], data: c.q.data });
  const s = emit.constant(`${name}/weights_scale`, fromNumbers('float32', [channels], scales));
  const z = emit.constant(`${name}/weights_zero`, fromNumbers(c.q.dtype, [channels], zeros));
  const out = emit.temp(name);
  emit.node('DequantizeLinear', `${name}/dequantize_weights`, [q, s, z], [out], { axis: attr.int(0) });
  return out;
}

/**
 * The float bias of each Conv whose input and weights are dequantized and whose output is
 * requantized (Conv [-> Relu|Clip] -> QuantizeLinear, each the other's only reader) as int32
 * DequantizeLinear on the grid s_x s_w[c] (see the header). Edits the reader's own graph.
 */
export function quantizeConvBiases(emit: GraphEmitter): void {
  const graph = emit.graph;
  const producer = new Map<string, Node>();
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  }
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const soleReader = (value: string): Node | undefined => {
    const r = readers.get(value) ?? [];
    return r.length === 1 && !outputs.has(value) ? r[0] : undefined;
  };
  const scalesOf = (value: string, perChannel: boolean): Float32Array | undefined => {
    const dq = producer.get(value);
    if (dq?.op !== 'DequantizeLinear' || dq.inputs.length < 2) return undefined;
    const scale = graph.initializers.get(dq.inputs[1]!);
    if (scale === undefined || (scale.data.length !== 1 && (!perChannel || attrInt(dq, 'axis', 1) !== 0))) return undefined;
    return toFloat32(scale);
  };
  const biasDequantizers = new Map<Node, Node>();
  for (const conv of graph.nodes) {
    if (conv.op !== 'Conv' || conv.inputs.length !== 3) continue;
    const bias = graph.initializers.get(conv.inputs[2]!);
    const xScale = scalesOf(conv.inputs[0]!, false);
    const wScales = scalesOf(conv.inputs[1]!, true);
    if (bias === undefined || bias.dtype !== 'float32' || xScale === undefined || wScales === undefined) continue;
    let next = soleReader(conv.outputs[0]!);
    if (next?.op === 'Relu' || next?.op === 'Clip') next = soleReader(next.outputs[0]!);
    if (next?.op !== 'QuantizeLinear') continue;
    const b = toFloat32(bias);
    const scales = Float32Array.from(b, (_, c) => Math.fround(xScale[0]! * wScales[wScales.length === 1 ? 0 : c]!));
    const q = Array.from(b, (v, c) => roundHalfEven(v / scales[c]!));
    if (q.some((v) => !Number.isFinite(v) || Math.abs(v) >= 2 ** 31)) continue;
    const name = emit.uniqueNodeName(`${conv.name}/dequantize_bias`);
    const out = emit.temp(conv.name);
    const inputs = [emit.constant(`${conv.name}/bias_quantized`, fromNumbers('int32', [b.length], q)), emit.constant(`${conv.name}/bias_scale`, { dtype: 'float32', shape: [b.length], data: scales })];
    biasDequantizers.set(conv, { name, op: 'DequantizeLinear', domain: '', inputs, outputs: [out], attrs: { axis: attr.int(0) } });
    conv.inputs[2] = out;
  }
  if (biasDequantizers.size === 0) return;
  const nodes = graph.nodes.flatMap((n) => {
    const dq = biasDequantizers.get(n);
    return dq === undefined ? [n] : [dq, n];
  });
  graph.nodes.length = 0;
  for (const n of nodes) graph.nodes.push(n);
}

/** Drops the nodes nothing reads (decompression subgraphs whose convolution reads the integers instead). */
export function removeUnreadNodes(graph: Graph): void {
  const read = new Set(graph.outputs.map((o) => o.name));
  const kept: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i]!;
    if (!n.outputs.some((o) => read.has(o))) continue;
    kept.push(n);
    for (const input of n.inputs) read.add(input);
  }
  graph.nodes.length = 0;
  for (let i = kept.length - 1; i >= 0; i--) graph.nodes.push(kept[i]!);
}
