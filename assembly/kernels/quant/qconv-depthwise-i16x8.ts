// Quantized depthwise convolution (groups == input channels, `mult` output channels per input
// channel): each output sums its channel's taps of (input - zero point) x (weight - zero point) in
// int32, then the shared requantization. The channel's plane is first copied into scratch as i16
// (input minus zero point: -255..255 fits), zero-padded, and split by column into `sw` phases, so
// that at any stride eight outputs of a row read eight consecutive values for each tap. Taps go
// in pairs: the two taps' vectors interleaved (two shuffles) and `i32x4.dot_i16x8_s` by the pair of
// weights give eight outputs' two multiply-adds each in two instructions (the plain i32x4 version
// multiplied four at a time, and one at a time past stride 1: 1-5 GFLOP/s).
//
// Scratch: ceil(kh * kw / 2) splatted weight pairs (i16 tap 2t, tap 2t + 1), their tap offsets
// (int32 pairs, rounded up to 16 bytes), 8 int32 for a row's last partial vector, then the plane:
// PH rows of sw phases of PWs i16 (PH, PWs as planeGeometry computes them; the plan sizes scratch
// with the same arithmetic).
import { requantize4 } from './requantize';

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
  const zero = i32x4.splat(yZero);
  const low = i32x4.splat(lo);
  const high = i32x4.splat(hi);
  const taps = kh * kw;
  const tapPairs = (taps + 1) >> 1;
  const weights = scratch;
  const offsets = weights + (<usize>tapPairs << 4);
  const tail = offsets + (<usize>(tapPairs * 8 + 15) & ~15);
  const plane = tail + 32;
  const PH = max(pt + H, (OH - 1) * sh + (kh - 1) * dh + 1);
  // Phase length: every input column, and every read of the last vector of eight outputs.
  const PWs = max((pl + W + sw - 1) / sw, (OW + 7 & ~7) + (kw - 1) * dw / sw);
  const rowBytes = <usize>(sw * PWs) << 1;
  // Tap (ky, kx): byte offset from an output's row in the plane to the value it multiplies (a
  // missing last odd tap repeats the one before, with weight 0).
  for (let t = 0; t < 2 * tapPairs; t++) {
    const ky = min(t, taps - 1) / kw;
    const column = (min(t, taps - 1) % kw) * dw;
    store<i32>(offsets + (<usize>t << 2), ky * dh * <i32>rowBytes + (((column % sw) * PWs + column / sw) << 1));
  }
  for (let u = begin; u < end; u++) {
    const image = u / C;
    const c = u % C;
    fillPlane(x + (<usize>(u * H * W) << 2), plane, H, W, PH, PWs, sw, pt, pl, xZero);
    for (let j = 0; j < mult; j++) {
      const co = c * mult + j;
      for (let t = 0; t < tapPairs; t++) {
        const even = load<i32>(w + (<usize>(co * taps + 2 * t) << 2));
        const odd = 2 * t + 1 < taps ? load<i32>(w + (<usize>(co * taps + 2 * t + 1) << 2)) : 0;
        v128.store(weights + (<usize>t << 4), i32x4.splat((even & 0xffff) | (odd << 16)));
      }
      const bias4 = i32x4.splat(load<i32>(bias + (<usize>co << 2)));
      const mult4 = f32x4.splat(load<f32>(multiplier + (<usize>co << 2)));
      const out = y + (<usize>((image * C * mult + co) * OH * OW) << 2);
      for (let oy = 0; oy < OH; oy++) {
        const yRow = out + (<usize>(oy * OW) << 2);
        const rowAt = plane + <usize>(oy * sh) * rowBytes;
        if (taps == 9) row3x3(rowAt, offsets, weights, yRow, OW, tail, bias4, mult4, zero, low, high);
        else rowAnyKernel(rowAt, offsets, weights, tapPairs, yRow, OW, tail, bias4, mult4, zero, low, high);
      }
    }
  }
}

/** Pairs of taps (v0, v1) of eight outputs times their weight pair: the low four outputs' sums. */
@inline function dotLow(v0: v128, v1: v128, pair: v128): v128 {
  return i32x4.dot_i16x8_s(v128.shuffle<i16>(v0, v1, 0, 8, 1, 9, 2, 10, 3, 11), pair);
}

/** The high four outputs' sums. */
@inline function dotHigh(v0: v128, v1: v128, pair: v128): v128 {
  return i32x4.dot_i16x8_s(v128.shuffle<i16>(v0, v1, 4, 12, 5, 13, 6, 14, 7, 15), pair);
}

/** Eight outputs' sums requantized and stored at column ox of the row (the last ones through tail). */
@inline function storeEight(sumLow: v128, sumHigh: v128, yRow: usize, ox: i32, OW: i32, tail: usize, bias4: v128, mult4: v128, zero: v128, low: v128, high: v128): void {
  const target = ox + 8 <= OW ? yRow + (<usize>ox << 2) : tail;
  v128.store(target, requantize4(sumLow, bias4, mult4, zero, low, high));
  v128.store(target, requantize4(sumHigh, bias4, mult4, zero, low, high), 16);
  if (target == tail) memory.copy(yRow + (<usize>ox << 2), tail, <usize>(OW - ox) << 2);
}

/** One output row, any kernel: the tap pairs' offsets and weights read from scratch. */
function rowAnyKernel(rowAt: usize, offsets: usize, weights: usize, tapPairs: i32, yRow: usize, OW: i32, tail: usize, bias4: v128, mult4: v128, zero: v128, low: v128, high: v128): void {
  for (let ox = 0; ox < OW; ox += 8) {
    let sumLow = i32x4.splat(0);
    let sumHigh = i32x4.splat(0);
    const at = rowAt + (<usize>ox << 1);
    for (let t = 0; t < tapPairs; t++) {
      const v0 = v128.load(at + <usize>load<i32>(offsets + (<usize>t << 3)));
      const v1 = v128.load(at + <usize>load<i32>(offsets + (<usize>t << 3), 4));
      const pair = v128.load(weights + (<usize>t << 4));
      sumLow = i32x4.add(sumLow, dotLow(v0, v1, pair));
      sumHigh = i32x4.add(sumHigh, dotHigh(v0, v1, pair));
    }
    storeEight(sumLow, sumHigh, yRow, ox, OW, tail, bias4, mult4, zero, low, high);
  }
}

/** One output row of a 3x3 kernel: offsets and the five weight pairs held in locals, taps unrolled. */
function row3x3(rowAt: usize, offsets: usize, weights: usize, yRow: usize, OW: i32, tail: usize, bias4: v128, mult4: v128, zero: v128, low: v128, high: v128): void {
  const o0 = <usize>load<i32>(offsets, 0);
  const o1 = <usize>load<i32>(offsets, 4);
  const o2 = <usize>load<i32>(offsets, 8);
  const o3 = <usize>load<i32>(offsets, 12);
  const o4 = <usize>load<i32>(offsets, 16);
  const o5 = <usize>load<i32>(offsets, 20);
  const o6 = <usize>load<i32>(offsets, 24);
  const o7 = <usize>load<i32>(offsets, 28);
  const o8 = <usize>load<i32>(offsets, 32);
  const p0 = v128.load(weights, 0);
  const p1 = v128.load(weights, 16);
  const p2 = v128.load(weights, 32);
  const p3 = v128.load(weights, 48);
  const p4 = v128.load(weights, 64);
  for (let ox = 0; ox < OW; ox += 8) {
    const at = rowAt + (<usize>ox << 1);
    const v0 = v128.load(at + o0);
    const v1 = v128.load(at + o1);
    const v2 = v128.load(at + o2);
    const v3 = v128.load(at + o3);
    let sumLow = i32x4.add(dotLow(v0, v1, p0), dotLow(v2, v3, p1));
    let sumHigh = i32x4.add(dotHigh(v0, v1, p0), dotHigh(v2, v3, p1));
    const v4 = v128.load(at + o4);
    const v5 = v128.load(at + o5);
    const v6 = v128.load(at + o6);
    const v7 = v128.load(at + o7);
    sumLow = i32x4.add(sumLow, i32x4.add(dotLow(v4, v5, p2), dotLow(v6, v7, p3)));
    sumHigh = i32x4.add(sumHigh, i32x4.add(dotHigh(v4, v5, p2), dotHigh(v6, v7, p3)));
    // The ninth tap pairs with itself, its partner's weight 0.
    const v8 = v128.load(at + o8);
    sumLow = i32x4.add(sumLow, dotLow(v8, v8, p4));
    sumHigh = i32x4.add(sumHigh, dotHigh(v8, v8, p4));
    storeEight(sumLow, sumHigh, yRow, ox, OW, tail, bias4, mult4, zero, low, high);
  }
}

/**
 * The padded plane: padded row r, column p (input row r - pt, column p - pl) at phase p % sw,
 * index p / sw, as i16 input minus its zero point; zero outside the input.
 */
function fillPlane(x: usize, plane: usize, H: i32, W: i32, PH: i32, PWs: i32, sw: i32, pt: i32, pl: i32, xZero: i32): void {
  const rowBytes = <usize>(sw * PWs) << 1;
  memory.fill(plane, 0, <usize>PH * rowBytes);
  const zero = i32x4.splat(xZero);
  for (let iy = 0; iy < H; iy++) {
    const source = x + (<usize>(iy * W) << 2);
    const row = plane + <usize>(iy + pt) * rowBytes;
    let ix = 0;
    if (sw == 1) {
      for (; ix + 8 <= W; ix += 8) {
        const v = i16x8.narrow_i32x4_s(i32x4.sub(v128.load(source + (<usize>ix << 2)), zero), i32x4.sub(v128.load(source + (<usize>ix << 2), 16), zero));
        v128.store(row + (<usize>(pl + ix) << 1), v);
      }
    } else if (sw == 2) {
      // Eight even and eight odd columns of 16, each to its phase.
      const evenAt = row + (<usize>(((pl & 1) * PWs) + (pl >> 1)) << 1);
      const oddAt = row + (<usize>((((pl + 1) & 1) * PWs) + ((pl + 1) >> 1)) << 1);
      for (; ix + 16 <= W; ix += 16) {
        const at = source + (<usize>ix << 2);
        const a = i16x8.narrow_i32x4_s(i32x4.sub(v128.load(at), zero), i32x4.sub(v128.load(at, 16), zero));
        const b = i16x8.narrow_i32x4_s(i32x4.sub(v128.load(at, 32), zero), i32x4.sub(v128.load(at, 48), zero));
        v128.store(evenAt + (<usize>ix), v128.shuffle<i16>(a, b, 0, 2, 4, 6, 8, 10, 12, 14));
        v128.store(oddAt + (<usize>ix), v128.shuffle<i16>(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
      }
    }
    for (; ix < W; ix++) {
      const p = pl + ix;
      store<i16>(row + (<usize>((p % sw) * PWs + p / sw) << 1), <i16>(load<i32>(source + (<usize>ix << 2)) - xZero));
    }
  }
}
