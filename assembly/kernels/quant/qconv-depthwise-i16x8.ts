// Quantized depthwise convolution (groups == input channels, `mult` output channels per input
// channel): each output sums its channel's taps of (input - zero point) x (weight - zero point) in
// int32, then the requantization. The channel's plane is first copied into scratch as pairs of
// i16 (input minus zero point: -255..255 fits), each pair the two values that two adjacent taps of
// one output read, laid out so that one vector load at output column ox gives four consecutive
// outputs' pair: `i32x4.dot_i16x8_s` by the splatted weight pair makes their two multiply-adds,
// with no shuffle per tap (interleaving two taps' vectors for each pair cost as much as the
// products). The odd tap out of a row or column pairs with weight 0.
// - Stride 1: taps (ky, kx) and (ky + 1, kx). Padded row r, column p of the plane holds (padded
//   row r, row r + dh) at column p; a 3x3 kernel is 2 x 3 pairs.
// - Other strides: taps (ky, kx) and (ky, kx + 1). Element q of a padded row's phase f holds
//   columns sw * q + f and sw * q + f + dw, read by output q's pairs with kx * dw % sw == f. At
//   stride 2 and dilation 1 that is the padded row itself (columns 2q, 2q + 1).
//
// The rows' sums go to the output plane, then one pass requantizes the plane in place: with the
// epilogue's constants also held in registers through the product loop, V8 spilled and reloaded
// them on every step (measured 20-30% slower).
//
// Scratch: the splatted weight pairs, their byte offsets from an output's first pair (int32,
// rounded up to 16 bytes), 4 int32 for the plane's last partial vector, ceil8(OW) int32 sums for
// rows whose last vector would pass the plane's end, W int32 zero points (rounded up to 16 bytes),
// two i16 row buffers of TW values, then the plane: PH rows of sw phases of PW pairs (PW from
// planeWidth; the plan in src/nn/ops/quant/qlinear-conv.ts sizes scratch with the same
// arithmetic).
import { requantizeHigh, requantizeLow, requantizeOffset, requantizeSum4 } from './requantize';

/**
 * Work units [begin, end) of batch x input channels. w: int32 per tap, zero point subtracted,
 * [Cout, kh, kw]; bias int32 and multiplier f32 per output channel.
 */
export function qconvDepthwiseI16x8(
  x: usize, w: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  C: i32, H: i32, W: i32, mult: i32, OH: i32, OW: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  xZero: i32, yZero: i32, lo: i32, hi: i32, begin: i32, end: i32,
): void {
  const offset = requantizeOffset(yZero);
  const low = requantizeLow(lo, yZero);
  const high = requantizeHigh(hi, yZero);
  // Stride 1: pairs of vertically adjacent taps (rows ky, ky + 1 of column kx); other strides
  // pairs of horizontally adjacent ones (columns kx, kx + 1 of row ky).
  const vertical = sw == 1;
  const pairRows = vertical ? (kh + 1) >> 1 : kh;
  const pairColumns = vertical ? kw : (kw + 1) >> 1;
  const pairs = pairRows * pairColumns;
  const weights = scratch;
  const offsets = weights + (<usize>pairs << 4);
  const tail = offsets + (<usize>(pairs * 4 + 15) & ~15);
  const sums = tail + 16;
  const inputZeros = sums + (<usize>(OW + 7 & ~7) << 2);
  const rows = inputZeros + (<usize>(W + 3 & ~3) << 2);
  const PH = max(pt + H, (OH - 1) * sh + (kh - 1) * dh + 1);
  const PW = planeWidth(W, OW, kw, sw, pl, dw);
  const TW = sw * PW + dw + 7 & ~7;
  const plane = rows + (<usize>TW << 2);
  const phaseBytes = <usize>PW << 2;
  const rowBytes = <usize>sw * phaseBytes;
  // Each pair's byte offset from output (oy, ox)'s pair in phase 0 of padded row oy * sh (the
  // first pair's is 0).
  for (let t = 0; t < pairs; t++) {
    const ky = vertical ? 2 * (t / pairColumns) : t / pairColumns;
    const column = (vertical ? t % pairColumns : 2 * (t % pairColumns)) * dw;
    store<i32>(offsets + (<usize>t << 2), <i32>(<usize>(ky * dh) * rowBytes + <usize>(column % sw) * phaseBytes) + (column / sw << 2));
  }
  // Rows outside the input, columns outside it in the row buffers, and the phases no pair reads
  // stay zero for the whole call.
  memory.fill(rows, 0, (<usize>TW << 2) + <usize>PH * rowBytes);
  for (let i = 0; i < W; i++) store<i32>(inputZeros + (<usize>i << 2), xZero);
  for (let u = begin; u < end; u++) {
    const image = u / C;
    const c = u % C;
    const channel = x + (<usize>(u * H * W) << 2);
    if (vertical) fillRowPairs(channel, plane, inputZeros, H, W, PH, PW, pt, pl, dh, xZero);
    else fillPlane(channel, plane, rows, TW, H, W, PW, kw, sw, pt, pl, dw, xZero);
    for (let j = 0; j < mult; j++) {
      const co = c * mult + j;
      for (let t = 0; t < pairs; t++) {
        const ky = vertical ? 2 * (t / pairColumns) : t / pairColumns;
        const kx = vertical ? t % pairColumns : 2 * (t % pairColumns);
        const tap = w + (<usize>((co * kh + ky) * kw + kx) << 2);
        const second = vertical ? (ky + 1 < kh ? load<i32>(tap + (<usize>kw << 2)) : 0) : kx + 1 < kw ? load<i32>(tap, 4) : 0;
        v128.store(weights + (<usize>t << 4), i32x4.splat((load<i32>(tap) & 0xffff) | (second << 16)));
      }
      const bias4 = i32x4.splat(load<i32>(bias + (<usize>co << 2)));
      const mult4 = f32x4.splat(load<f32>(multiplier + (<usize>co << 2)));
      const out = y + (<usize>((image * C * mult + co) * OH * OW) << 2);
      // Each row's sums straight into the output plane where the whole vectors fit (the extra
      // lanes land in rows written after), the others' through scratch; then the plane
      // requantized in place, one long loop.
      for (let oy = 0; oy < OH; oy++) {
        const yRow = out + (<usize>(oy * OW) << 2);
        const fits = oy * OW + (pairs == 6 ? OW + 3 & ~3 : OW + 7 & ~7) <= OH * OW;
        const rowAt = plane + <usize>(oy * sh) * rowBytes;
        if (pairs == 6) sumsSixPairs(rowAt, offsets, weights, fits ? yRow : sums, OW, bias4);
        else sumsAnyKernel(rowAt, offsets, weights, pairs, fits ? yRow : sums, OW, bias4);
        if (!fits) memory.copy(yRow, sums, <usize>OW << 2);
      }
      requantizeInPlace(out, OH * OW, tail, mult4, offset, low, high);
    }
  }
}

/**
 * Pairs per phase of a plane row: every read of the last vector of eight outputs (the farthest
 * pair's shift past it), and every input column.
 */
@inline function planeWidth(W: i32, OW: i32, kw: i32, sw: i32, pl: i32, dw: i32): i32 {
  const shift = sw == 1 ? (kw - 1) * dw : ((kw - 1) & ~1) * dw / sw;
  return max((OW + 7 & ~7) + shift, (pl + W + sw - 1) / sw) + 7 & ~7;
}

/** `count` sums at y requantized in place, four at a time (the last ones through tail, not read past the end). */
function requantizeInPlace(y: usize, count: i32, tail: usize, mult4: v128, offset: v128, low: v128, high: v128): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(y + (<usize>i << 2), requantizeSum4(v128.load(y + (<usize>i << 2)), mult4, offset, low, high));
  if (i == count) return;
  const rest = <usize>(count - i) << 2;
  memory.copy(tail, y + (<usize>i << 2), rest);
  v128.store(tail, requantizeSum4(v128.load(tail), mult4, offset, low, high));
  memory.copy(y + (<usize>i << 2), tail, rest);
}

/** One output row's sums (bias included), any kernel: the pairs' offsets and weights read from scratch. */
function sumsAnyKernel(rowAt: usize, offsets: usize, weights: usize, pairs: i32, sums: usize, OW: i32, bias4: v128): void {
  for (let ox = 0; ox < OW; ox += 8) {
    let sumLow = bias4;
    let sumHigh = bias4;
    const at = rowAt + (<usize>ox << 2);
    for (let t = 0; t < pairs; t++) {
      const pairAt = at + <usize>load<i32>(offsets + (<usize>t << 2));
      const pair = v128.load(weights + (<usize>t << 4));
      sumLow = i32x4.add(sumLow, i32x4.dot_i16x8_s(v128.load(pairAt), pair));
      sumHigh = i32x4.add(sumHigh, i32x4.dot_i16x8_s(v128.load(pairAt, 16), pair));
    }
    v128.store(sums + (<usize>ox << 2), sumLow);
    v128.store(sums + (<usize>ox << 2), sumHigh, 16);
  }
}

/**
 * One output row's sums of six pairs (a 3x3 kernel), four outputs a step (eight spilled): the
 * pairs' offsets and weights held in locals.
 */
function sumsSixPairs(rowAt: usize, offsets: usize, weights: usize, sums: usize, OW: i32, bias4: v128): void {
  const o1 = <usize>load<i32>(offsets, 4);
  const o2 = <usize>load<i32>(offsets, 8);
  const o3 = <usize>load<i32>(offsets, 12);
  const o4 = <usize>load<i32>(offsets, 16);
  const o5 = <usize>load<i32>(offsets, 20);
  const p0 = v128.load(weights, 0);
  const p1 = v128.load(weights, 16);
  const p2 = v128.load(weights, 32);
  const p3 = v128.load(weights, 48);
  const p4 = v128.load(weights, 64);
  const p5 = v128.load(weights, 80);
  const end = sums + (<usize>OW << 2);
  let at = rowAt;
  for (let out = sums; out < end; out += 16) {
    let sum = i32x4.add(bias4, i32x4.dot_i16x8_s(v128.load(at), p0));
    sum = i32x4.add(sum, i32x4.dot_i16x8_s(v128.load(at + o1), p1));
    sum = i32x4.add(sum, i32x4.dot_i16x8_s(v128.load(at + o2), p2));
    sum = i32x4.add(sum, i32x4.dot_i16x8_s(v128.load(at + o3), p3));
    sum = i32x4.add(sum, i32x4.dot_i16x8_s(v128.load(at + o4), p4));
    sum = i32x4.add(sum, i32x4.dot_i16x8_s(v128.load(at + o5), p5));
    v128.store(out, sum);
    at += 16;
  }
}

/**
 * Stride 1: padded row r of the plane holds, for each padded column, the pair (padded row r, padded
 * row r + dh) as i16 input minus its zero point. Rows outside the input read `zeros` (W values
 * equal to the zero point); pairs of two such rows, and the columns outside the input, stay zero.
 * Each input row is narrowed twice, as the pair's top and as its bottom: cheaper than narrowing
 * it once into a buffer and interleaving the buffered rows.
 */
function fillRowPairs(x: usize, plane: usize, zeros: usize, H: i32, W: i32, PH: i32, PW: i32, pt: i32, pl: i32, dh: i32, xZero: i32): void {
  const rowBytes = <usize>PW << 2;
  const zero = i16x8.splat(<i16>xZero);
  for (let r = max(0, pt - dh); r < min(PH, pt + H); r++) {
    const iy = r - pt;
    const top = iy >= 0 ? x + (<usize>(iy * W) << 2) : zeros;
    const bottom = iy + dh < H ? x + (<usize>((iy + dh) * W) << 2) : zeros;
    const target = plane + <usize>r * rowBytes + (<usize>pl << 2);
    let ix = 0;
    for (; ix + 8 <= W; ix += 8) {
      const at = <usize>ix << 2;
      const a = i16x8.sub(i16x8.narrow_i32x4_s(v128.load(top + at), v128.load(top + at, 16)), zero);
      const b = i16x8.sub(i16x8.narrow_i32x4_s(v128.load(bottom + at), v128.load(bottom + at, 16)), zero);
      v128.store(target + at, v128.shuffle<i16>(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(target + at, v128.shuffle<i16>(a, b, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    }
    for (; ix < W; ix++) {
      const at = <usize>ix << 2;
      store<i32>(target + at, ((load<i32>(top + at) - xZero) & 0xffff) | ((load<i32>(bottom + at) - xZero) << 16));
    }
  }
}

/**
 * The channel's input rows into the plane (padded row pt + iy): each first as i16 input minus its
 * zero point into a row buffer at column pl (zeros around it), then as pairs: phase f, element q
 * = (row[sw * q + f], row[sw * q + f + dw]) for the phases some pair reads. Two row buffers, the
 * pairs of a row made while the next row is narrowed: pair loads straddle the narrowing's stores,
 * which cannot be forwarded and stall until written back. At stride 2 and dilation 1 the pairs
 * are the row itself, narrowed straight into the plane.
 */
function fillPlane(x: usize, plane: usize, rows: usize, TW: i32, H: i32, W: i32, PW: i32, kw: i32, sw: i32, pt: i32, pl: i32, dw: i32, xZero: i32): void {
  const rowBytes = <usize>(sw * PW) << 2;
  const direct = sw == 2 && dw == 1;
  for (let iy = 0; iy <= H; iy++) {
    const buffer = rows + (<usize>((iy & 1) * TW) << 1);
    if (iy < H) narrowRow(x + (<usize>(iy * W) << 2), (direct ? plane + <usize>(iy + pt) * rowBytes : buffer) + (<usize>pl << 1), W, xZero);
    if (iy > 0 && !direct) pairRow(rows + (<usize>((iy - 1 & 1) * TW) << 1), plane + <usize>(iy - 1 + pt) * rowBytes, PW, kw, sw, dw);
  }
}

/** W values of int32 input minus the zero point, as i16 (quantized values fit: narrowing first is exact). */
@inline function narrowRow(source: usize, target: usize, W: i32, xZero: i32): void {
  const zero = i16x8.splat(<i16>xZero);
  let ix = 0;
  for (; ix + 8 <= W; ix += 8) {
    const at = source + (<usize>ix << 2);
    v128.store(target + (<usize>ix << 1), i16x8.sub(i16x8.narrow_i32x4_s(v128.load(at), v128.load(at, 16)), zero));
  }
  for (; ix < W; ix++) store<i16>(target + (<usize>ix << 1), <i16>(load<i32>(source + (<usize>ix << 2)) - xZero));
}

/** A padded row's pairs, from its row buffer into the plane row. */
function pairRow(row: usize, planeRow: usize, PW: i32, kw: i32, sw: i32, dw: i32): void {
  const phaseBytes = <usize>PW << 2;
  for (let kx = 0; kx < kw; kx += 2) {
    const f = kx * dw % sw;
    // Several pairs can share a phase: fill it once.
    let first = true;
    for (let k = 0; k < kx; k += 2) if (k * dw % sw == f) first = false;
    if (!first) continue;
    const phase = planeRow + <usize>f * phaseBytes;
    for (let q = 0; q < PW; q++) {
      const at = row + (<usize>(sw * q + f) << 1);
      store<i32>(phase + (<usize>q << 2), <i32>load<u16>(at) | (<i32>load<i16>(at + (<usize>dw << 1)) << 16));
    }
  }
}
