// QLinearConv and ConvInteger: 2-D convolution on quantized (uint8/int8) inputs and weights with
// int32 sums of (x - x_zero) * (w - w_zero[channel]). ConvInteger outputs the sums; QLinearConv
// adds its int32 bias and requantizes: y = saturate(round_half_even(float(sum + bias) *
// multiplier) + y_zero), multiplier = x_scale * w_scale[channel] / y_scale in float32 (the
// arithmetic ONNX Runtime uses, so integer outputs match it exactly). A Relu or Clip fused by the
// QDQ pass (passes/qdq-to-qlinear.ts) narrows the output range: quantization is monotonic, so
// Q(relu(v)) = max(Q(v), y_zero) exactly.
//
// WASM paths (assembly/kernels/quant/): depthwise (groups == C_in, qconvDepthwiseI16x8); 1x1 at
// stride 1 without padding on the 4x8 int16-pair dot-product GEMM (qconvPointwise4x8c2Dot16);
// 3x3 at stride 1 by Winograd F(4x4, 3x3) or F(2x2, 3x3) in integers on the same tile
// (qconvWinogradF4x3Dot16, qconvWinogradF2x3Dot16, as sums allow); everything
// else on the same tile without im2col (qconvDirect4x8c2Dot16). Weights are packed at load with
// their zero points subtracted. ConvInteger keeps the direct kernel's int32 sums.
import { ShapeError } from '../../errors.js';
import { fromNumbers, shapeString, toNumbers, type DType, type Tensor } from '../../tensor.js';
import type { KernelPlan, OpDef, ValueType } from '../types.js';
import { fusedActivation } from '../conv/activation.js';
import { convGeometry, convMacs, directConvSums, type ConvGeometry } from '../conv/geometry.js';
import { MR, NR } from '../conv/pack.js';
import { epilogueMultipliers, lookupValues, nodeWhere, quantize, quantParams, quantRange, scalarParams } from './common.js';

/** Target bytes of one im2col block (k pairs x block pixels x 4 bytes). */
const QUANT_BLOCK_BYTES = 128 * 1024;

/** Sums of (x - xZero) * (w - wZeros[co]) over each output's taps, padding contributing nothing. */
export function integerConvSums(g: ConvGeometry, x: ArrayLike<number>, w: ArrayLike<number>, xZero: number, wZeros: readonly number[]): Int32Array {
  return Int32Array.from(directConvSums(g, x, w, xZero, wZeros));
}

function checkQuantizedInputs(where: string, x: ValueType, w: ValueType): void {
  for (const [what, t] of [['input', x], ['weights', w]] as const) {
    if (t.dtype !== 'uint8' && t.dtype !== 'int8') throw new ShapeError(`${where}: ${what} must be uint8 or int8, got ${t.dtype}`);
  }
}

/** What the requantizing epilogue needs per output channel, and the output's integer bounds. */
interface Requantization {
  multipliers: Float32Array;
  yZero: number;
  lo: number;
  hi: number;
  dtype: DType;
}

function requantization(where: string, node: Parameters<OpDef['inferTypes']>[0]['node'], g: ConvGeometry, inputs: (Tensor | undefined)[]): Requantization {
  const [, xScale, xZero, w, wScale, wZero, yScale, yZero] = inputs;
  const x = scalarParams(where, 'x', xScale!, xZero);
  const y = scalarParams(where, 'y', yScale!, yZero);
  const wp = quantParams(where, w!.shape, wScale!, wZero, 0);
  const multipliers = new Float32Array(g.cout);
  for (let co = 0; co < g.cout; co++) multipliers[co] = Math.fround(Math.fround(x.scale * wp.scales[wp.count === 1 ? 0 : co]!) / y.scale);
  const dtype = yZero?.dtype ?? 'uint8';
  let [lo, hi] = quantRange(dtype, where);
  const activation = fusedActivation(node);
  if (activation?.name === 'Relu') lo = Math.max(lo, y.zero);
  else if (activation?.name === 'Clip') {
    lo = Math.max(lo, quantize(Math.fround(activation.params[0]! / y.scale), y.zero, lo, hi));
    hi = Math.min(hi, quantize(Math.fround(activation.params[1]! / y.scale), y.zero, lo, hi));
  } else if (activation !== undefined) throw new ShapeError(`${where}: only Relu and Clip fuse into a quantized convolution, not ${activation.name}`);
  return { multipliers, yZero: y.zero, lo, hi, dtype };
}

function weightZeros(where: string, w: Tensor, wScale: Tensor, wZero: Tensor | undefined): number[] {
  return quantParams(where, w.shape, wScale, wZero, 0).zeros;
}

export const qlinearConv: OpDef = {
  type: 'QLinearConv',
  inferTypes: ({ node, inputs }) => {
    const [x, , , w, , , , yZero, b] = inputs;
    const where = nodeWhere(node);
    if (x === undefined || w === undefined) throw new ShapeError(`${where} needs an input and weights`);
    checkQuantizedInputs(where, x, w);
    const g = convGeometry(node, x.shape, w.shape);
    if (b !== undefined && (b.shape.length !== 1 || b.shape[0] !== g.cout || b.dtype !== 'int32')) throw new ShapeError(`${where}: bias must be int32 [${g.cout}], got ${b.dtype} ${shapeString(b.shape)}`);
    return [{ dtype: yZero?.dtype ?? 'uint8', shape: [g.batch, g.cout, g.oh, g.ow] }];
  },
  reference: ({ node, inputs }) => {
    const where = nodeWhere(node);
    const [x, , xZero, w, wScale, wZero, , , b] = inputs;
    const g = convGeometry(node, x!.shape, w!.shape);
    const r = requantization(where, node, g, inputs);
    const sums = integerConvSums(g, toNumbers(x!), toNumbers(w!), xZero === undefined ? 0 : toNumbers(xZero)[0]!, weightZeros(where, w!, wScale!, wZero));
    const bias = b === undefined ? undefined : toNumbers(b);
    const perImage = g.cout * g.oh * g.ow;
    const table = lookupValues(where, node, r.dtype, r.dtype);
    const [least] = quantRange(r.dtype, where);
    const q = Array.from(sums, (sum, i) => {
      const co = Math.floor((i % perImage) / (g.oh * g.ow));
      const v = quantize(Math.fround(Math.fround(sum + (bias?.[co] ?? 0)) * r.multipliers[co]!), r.yZero, r.lo, r.hi);
      return table === undefined ? v : table[v - least]!;
    });
    return [fromNumbers(r.dtype, [g.batch, g.cout, g.oh, g.ow], q)];
  },
  plan: ({ node, inputs, constants }) => {
    // Everything but the input must be known at load: weights pack, scales fold into multipliers.
    if (constants.slice(1).some((c, i) => c === undefined && inputs[i + 1] !== undefined)) return undefined;
    const where = nodeWhere(node);
    const g = convGeometry(node, inputs[0]!.shape, inputs[3]!.shape);
    const r = requantization(where, node, g, constants.map((c, i) => (i === 0 ? undefined : c)));
    const xZero = constants[2] === undefined ? 0 : toNumbers(constants[2])[0]!;
    // int8 or uint8 (inferTypes checked): the typed array itself, not a copy as numbers.
    const w = constants[3]!.data as ArrayLike<number>;
    const wZeros = weightZeros(where, constants[3]!, constants[4]!, constants[5]);
    const bias = constants[8] === undefined ? new Array<number>(g.cout).fill(0) : toNumbers(constants[8]);
    const multipliers = epilogueMultipliers(r.multipliers, r.yZero, r.lo, r.hi);
    if (multipliers === undefined) return undefined;
    const plan = planQuantizedConv(g, w, wZeros, bias, { ...r, multipliers }, xZero, inputs[0]!.dtype);
    const table = lookupValues(where, node, r.dtype, r.dtype);
    if (table === undefined) return plan;
    const outputs = g.batch * g.cout * g.oh * g.ow;
    return {
      ...plan,
      calls: [...plan.calls, { fn: 'lookupI32', args: [{ output: 0 }, { packed: plan.packed!.length }, { output: 0 }, -quantRange(r.dtype, where)[0]], parallel: outputs }],
      packed: [...plan.packed!, Int32Array.from(table)],
    };
  },
};

/**
 * Weights for the int16-pair tile (qconvPointwise4x8c2Dot16, qconvDirect4x8c2Dot16, qmatmul4x8c2Dot16): per group, panels of
 * MR output channels, kPairs rows of MR (k even, k odd) i16 pairs (zero past the last channel and
 * k); bias and multipliers padded to whole panels. weight(channel, kk) has its zero point subtracted.
 */
export function packPairPanels(
  groups: number, channelsPerGroup: number, k: number, weight: (channel: number, kk: number) => number,
  bias: readonly number[], multipliers: Float32Array,
): { panels: Int32Array; biasPadded: Int32Array; multPadded: Float32Array } {
  const kPairs = Math.ceil(k / 2);
  const mPanels = Math.ceil(channelsPerGroup / MR);
  const panels = new Int32Array(groups * mPanels * kPairs * MR);
  const biasPadded = new Int32Array(groups * mPanels * MR);
  const multPadded = new Float32Array(groups * mPanels * MR);
  for (let group = 0; group < groups; group++) {
    for (let c = 0; c < channelsPerGroup; c++) {
      const co = group * channelsPerGroup + c;
      const panel = group * mPanels + Math.floor(c / MR);
      const m = c % MR;
      biasPadded[panel * MR + m] = bias[co]!;
      multPadded[panel * MR + m] = multipliers[co]!;
      for (let i = 0; i < kPairs; i++) {
        const even = weight(co, 2 * i);
        const odd = 2 * i + 1 < k ? weight(co, 2 * i + 1) : 0;
        panels[(panel * kPairs + i) * MR + m] = (even & 0xffff) | (odd << 16);
      }
    }
  }
  return { panels, biasPadded, multPadded };
}

function planQuantizedConv(g: ConvGeometry, w: ArrayLike<number>, wZeros: readonly number[], bias: readonly number[], r: Requantization, xZero: number, xDtype: DType): KernelPlan {
  const zeroOf = (co: number): number => (wZeros.length === 1 ? wZeros[0]! : wZeros[co]!);
  const macs = convMacs(g);
  const epilogue = [r.yZero, r.lo, r.hi] as const;
  if (g.groups === g.cin) {
    const taps = g.kh * g.kw;
    const packedW = Int32Array.from(w, (v, i) => v - zeroOf(Math.floor(i / taps)));
    // Scratch as qconvDepthwiseI16x8 lays it out: weight pairs (of rows at stride 1, of columns otherwise), their
    // offsets, a tail vector, a row's sums, a row of zero points, two row buffers, the plane of pairs in strideW
    // phases (pairsW: the last vector's reads, every input column).
    const vertical = g.strideW === 1;
    const pairs = vertical ? Math.ceil(g.kh / 2) * g.kw : g.kh * Math.ceil(g.kw / 2);
    const ceil8 = (n: number): number => Math.ceil(n / 8) * 8;
    const paddedH = Math.max(g.padTop + g.h, (g.oh - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1);
    const shift = vertical ? (g.kw - 1) * g.dilationW : Math.floor((((g.kw - 1) & ~1) * g.dilationW) / g.strideW);
    const pairsW = ceil8(Math.max(ceil8(g.ow) + shift, Math.ceil((g.padLeft + g.w) / g.strideW)));
    const rowW = ceil8(g.strideW * pairsW + g.dilationW);
    return {
      calls: [{
        fn: 'qconvDepthwiseI16x8',
        args: [{ input: 0 }, { packed: 0 }, { packed: 1 }, { packed: 2 }, { output: 0 }, 'scratch',
          g.cin, g.h, g.w, g.cout / g.cin, g.oh, g.ow, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, xZero, ...epilogue],
        parallel: g.batch * g.cin,
        macs,
      }],
      packed: [packedW, Int32Array.from(bias), r.multipliers],
      scratchBytes: pairs * 16 + Math.ceil(pairs / 4) * 16 + 16 + ceil8(g.ow) * 4 + Math.ceil(g.w / 4) * 16 + rowW * 4 + paddedH * g.strideW * pairsW * 4,
    };
  }
  const cinG = g.cin / g.groups;
  const coutG = g.cout / g.groups;
  if (winogradApplies(g)) {
    const plan = planWinogradConv(g, w, zeroOf, bias, r, xZero, xDtype, macs);
    if (plan !== undefined) return plan;
  }
  const pointwise = g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0 && g.padBottom === 0 && g.padRight === 0;
  if (!pointwise) return planDirectConv(g, w, zeroOf, bias, r, xZero, macs);
  const kPairs = Math.ceil(cinG / 2);
  const { panels, biasPadded, multPadded } = packPairPanels(g.groups, coutG, cinG, (co, c) => w[co * cinG + c]! - zeroOf(co), bias, r.multipliers);
  const pixels = g.oh * g.ow;
  // Blocks that fit the cache, and small enough for MIN_UNITS units from the map alone (down to 4
  // tiles) rather than a channel split, which repeats the input's gather: human-pose-estimation-0001's
  // 1x1 layers on 32x57 maps run 5-18% faster so.
  const cacheBlock = Math.min(Math.ceil(pixels / NR) * NR, Math.max(NR, Math.floor(QUANT_BLOCK_BYTES / (kPairs * 4 * NR)) * NR));
  const block = Math.min(cacheBlock, Math.max(4 * NR, Math.ceil(pixels / Math.ceil(MIN_UNITS / (g.batch * g.groups)) / NR) * NR));
  const units = g.batch * g.groups * Math.ceil(pixels / block);
  const { panelsPerUnit, splits } = channelSplit(units, coutG);
  return {
    calls: [{
      fn: 'qconvPointwise4x8c2Dot16',
      args: [{ input: 0 }, { packed: 0 }, { packed: 1 }, { packed: 2 }, { output: 0 }, 'scratch', g.groups, cinG, coutG, pixels, xZero, ...epilogue, block, panelsPerUnit],
      parallel: units * splits,
      macs,
    }],
    packed: [panels, biasPadded, multPadded],
    scratchBytes: kPairs * block * 4 + MR * NR * 4,
  };
}

/** Work units a call should offer, so that two threads (or more) can share it evenly. */
const MIN_UNITS = 16;

/**
 * Output-channel panels per work unit: all of them when the map alone gives MIN_UNITS units,
 * otherwise split so that it does (the input gather is then repeated per split, a small cost
 * beside the products of a small map's many channels).
 */
function channelSplit(units: number, channelsPerGroup: number): { panelsPerUnit: number; splits: number } {
  const panels = Math.ceil(channelsPerGroup / MR);
  const panelsPerUnit = units >= MIN_UNITS ? panels : Math.max(1, Math.ceil(panels / Math.ceil(MIN_UNITS / units)));
  return { panelsPerUnit, splits: Math.ceil(panels / panelsPerUnit) };
}

/**
 * Every convolution but the depthwise and the plain 1x1 ones: the direct kernel
 * (qconvDirect4x8c2Dot16) on bands of output rows. Its weights: per panel, the rows of tap 0's
 * channel pairs, then tap 1's, ...; an odd channel count pads each tap with a zero channel. Bands:
 * about 16 per image (work for every thread), and at least 4 tiles of outputs each. Scratch as the
 * kernel lays it out: per channel pair, strideH x strideW phase planes of the band's padded input.
 */
function planDirectConv(g: ConvGeometry, w: ArrayLike<number>, zeroOf: (co: number) => number, bias: readonly number[], r: Requantization, xZero: number, macs: number, sums = false): KernelPlan {
  const cinG = g.cin / g.groups;
  const coutG = g.cout / g.groups;
  const taps = g.kh * g.kw;
  const pairs = Math.ceil(cinG / 2);
  const { panels, biasPadded, multPadded } = packPairPanels(g.groups, coutG, taps * 2 * pairs, (co, kk) => {
    const tap = Math.floor(kk / (2 * pairs));
    const c = kk % (2 * pairs);
    return c < cinG ? w[(co * cinG + c) * taps + tap]! - zeroOf(co) : 0;
  }, bias, r.multipliers);
  const bandRows = Math.min(g.oh, Math.max(Math.ceil(g.oh / 16), Math.ceil((4 * NR) / g.ow)));
  const phaseWidth = g.ow + Math.floor(((g.kw - 1) * g.dilationW) / g.strideW);
  const phaseRows = bandRows + Math.floor(((g.kh - 1) * g.dilationH) / g.strideH);
  const planeBytes = (g.strideH * g.strideW * phaseRows * phaseWidth + NR) * 4;
  const units = g.batch * g.groups * Math.ceil(g.oh / bandRows);
  const { panelsPerUnit, splits } = channelSplit(units, coutG);
  return {
    calls: [{
      fn: 'qconvDirect4x8c2Dot16',
      args: [{ input: 0 }, { packed: 0 }, { packed: 1 }, { packed: 2 }, { output: 0 }, 'scratch',
        g.groups, cinG, g.h, g.w, coutG, g.oh, g.ow, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, xZero, r.yZero, r.lo, r.hi, bandRows, panelsPerUnit, sums ? 1 : 0],
      parallel: units * splits,
      macs,
    }],
    packed: [panels, biasPadded, multPadded],
    scratchBytes: pairs * planeBytes + taps * 4 + MR * NR * 4,
  };
}

/** Winograd pays for its transforms from this many input and output channels (as the float path). */
const WINOGRAD_MIN_CHANNELS = 16;

function winogradApplies(g: ConvGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.strideH === 1 && g.strideW === 1 && g.groups === 1 && g.cin >= WINOGRAD_MIN_CHANNELS && g.cout >= WINOGRAD_MIN_CHANNELS;
}

/**
 * The integer Winograd kernels, largest tile first (qconv-winograd-dot16.ts): F(m x m, 3x3) with G'
 * (G's rows scaled to integers) and the largest |Y| (a sum over the taps before bias) whose scaled
 * s Y stays inside int32: s = 576 = 9 x 2^6 for F(4x4), 4 for F(2x2).
 */
const WINOGRAD_VARIANTS = [
  { fn: 'qconvWinogradF4x3Dot16', m: 4, gPrime: [[1, 0, 0], [-1, -1, -1], [-1, 1, -1], [1, 2, 4], [1, -2, 4], [0, 0, 1]], maxY: 2 ** 25 - 1 },
  { fn: 'qconvWinogradF2x3Dot16', m: 2, gPrime: [[2, 0, 0], [1, 1, 1], [1, -1, 1], [0, 0, 2]], maxY: 2 ** 29 - 1 },
] as const;

/**
 * G' g G'^T for the 3x3 kernel g = w[at..at + 9) - zero (row-major), written row-major to u; gG
 * (alpha x 3) is scratch. Runs for every pair of channels of every 3x3 layer at load: no allocation.
 */
function winogradWeights(gPrime: readonly (readonly number[])[], w: ArrayLike<number>, at: number, zero: number, gG: Int32Array, u: Int32Array): void {
  const alpha = gPrime.length;
  for (let r = 0; r < alpha; r++) {
    const row = gPrime[r]!;
    for (let col = 0; col < 3; col++) gG[r * 3 + col] = row[0]! * (w[at + col]! - zero) + row[1]! * (w[at + 3 + col]! - zero) + row[2]! * (w[at + 6 + col]! - zero);
  }
  for (let r = 0; r < alpha; r++) {
    for (let k = 0; k < alpha; k++) {
      const row = gPrime[k]!;
      u[r * alpha + k] = row[0]! * gG[r * 3]! + row[1]! * gG[r * 3 + 1]! + row[2]! * gG[r * 3 + 2]!;
    }
  }
}

/**
 * 3x3, stride 1, groups 1: Winograd in integers, F(4x4) or F(2x2), the first whose bound on |Y|
 * holds for any input: per output channel, the sum of |w - zero| over its taps times the largest
 * |x - zero|. Undefined when neither does (the direct kernel runs it). Units: bands of tile rows
 * of a row phase, every column phase in each; about 16 per image.
 */
function planWinogradConv(g: ConvGeometry, w: ArrayLike<number>, zeroOf: (co: number) => number, bias: readonly number[], r: Requantization, xZero: number, xDtype: DType, macs: number): KernelPlan | undefined {
  const [xLo, xHi] = quantRange(xDtype, 'QLinearConv');
  const maxX = Math.max(xZero - xLo, xHi - xZero);
  let maxY = 0;
  for (let co = 0; co < g.cout; co++) {
    let sum = 0;
    for (let k = co * g.cin * 9; k < (co + 1) * g.cin * 9; k++) sum += Math.abs(w[k]! - zeroOf(co));
    maxY = Math.max(maxY, sum * maxX);
  }
  const variant = WINOGRAD_VARIANTS.find((v) => maxY <= v.maxY);
  if (variant === undefined) return undefined;
  const { m, gPrime } = variant;
  const P = gPrime.length ** 2;
  const pairs = Math.ceil(g.cin / 2);
  const mPanels = Math.ceil(g.cout / MR);
  const panels = new Int32Array(mPanels * P * pairs * MR);
  const even = new Int32Array(P);
  const odd = new Int32Array(P);
  const gG = new Int32Array(gPrime.length * 3);
  for (let co = 0; co < g.cout; co++) {
    const panel = Math.floor(co / MR);
    for (let i = 0; i < pairs; i++) {
      winogradWeights(gPrime, w, (co * g.cin + 2 * i) * 9, zeroOf(co), gG, even);
      if (2 * i + 1 < g.cin) winogradWeights(gPrime, w, (co * g.cin + 2 * i + 1) * 9, zeroOf(co), gG, odd);
      else odd.fill(0);
      for (let p = 0; p < P; p++) panels[((panel * P + p) * pairs + i) * MR + (co % MR)] = (even[p]! & 0xffff) | (odd[p]! << 16);
    }
  }
  const tilesH = Math.ceil(Math.ceil(g.oh / g.dilationH) / m);
  const bandTileRows = Math.max(1, Math.min(tilesH, Math.ceil((g.dilationH * tilesH) / 16)));
  const TW = Math.ceil(Math.ceil(g.ow / g.dilationW) / m) + 1;
  const blocks = g.dilationW * Math.ceil((bandTileRows * TW) / NR);
  const planeBytes = (m * m * (bandTileRows + 1) * TW + NR) * 4;
  const biasPadded = new Int32Array(mPanels * MR);
  biasPadded.set(bias);
  const multPadded = new Float32Array(mPanels * MR);
  multPadded.set(r.multipliers);
  return {
    calls: [{
      fn: variant.fn,
      args: [{ input: 0 }, { packed: 0 }, { packed: 1 }, { packed: 2 }, { output: 0 }, 'scratch',
        g.cin, g.h, g.w, g.cout, g.oh, g.ow, g.padTop, g.padLeft, g.dilationH, g.dilationW, xZero, r.yZero, r.lo, r.hi, bandTileRows],
      parallel: g.batch * g.dilationH * Math.ceil(tilesH / bandTileRows),
      macs,
    }],
    packed: [panels, biasPadded, multPadded],
    scratchBytes: pairs * planeBytes + P * 4 + blocks * P * pairs * NR * 4 + blocks * P * MR * NR * 4 + P * 16 + MR * NR * 4 + (blocks + 1) * m * m * NR * 4,
  };
}

export const convInteger: OpDef = {
  type: 'ConvInteger',
  inferTypes: ({ node, inputs }) => {
    const [x, w] = inputs;
    checkQuantizedInputs(nodeWhere(node), x!, w!);
    const g = convGeometry(node, x!.shape, w!.shape);
    return [{ dtype: 'int32', shape: [g.batch, g.cout, g.oh, g.ow] }];
  },
  reference: ({ node, inputs }) => {
    const [x, w, xZero, wZero] = inputs;
    const g = convGeometry(node, x!.shape, w!.shape);
    const zeros = wZero === undefined ? [0] : toNumbers(wZero);
    if (zeros.length !== 1 && zeros.length !== g.cout) throw new ShapeError(`${nodeWhere(node)}: ${zeros.length} weight zero points for ${g.cout} output channels`);
    const sums = integerConvSums(g, toNumbers(x!), toNumbers(w!), xZero === undefined ? 0 : toNumbers(xZero)[0]!, zeros);
    return [fromNumbers('int32', [g.batch, g.cout, g.oh, g.ow], sums)];
  },
  plan: ({ node, inputs, constants }) => {
    // Weights and zero points known at load: every geometry on the direct kernel, its sums kept.
    if (constants.slice(1).some((c, i) => c === undefined && inputs[i + 1] !== undefined)) return undefined;
    const g = convGeometry(node, inputs[0]!.shape, inputs[1]!.shape);
    const zeros = constants[3] === undefined ? [0] : toNumbers(constants[3]);
    if (zeros.length !== 1 && zeros.length !== g.cout) return undefined;
    const xZero = constants[2] === undefined ? 0 : toNumbers(constants[2])[0]!;
    const sumsOnly: Requantization = { multipliers: new Float32Array(g.cout), yZero: 0, lo: 0, hi: 0, dtype: 'int32' };
    const macs = convMacs(g);
    return planDirectConv(g, constants[1]!.data as ArrayLike<number>, (co) => zeros[zeros.length === 1 ? 0 : co]!, new Array<number>(g.cout).fill(0), sumsOnly, xZero, macs, true);
  },
};
