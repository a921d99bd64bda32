// Depthwise convolution (groups == input channels, `mult` output channels per input channel):
// each output plane is its input plane convolved with one small kernel. Direct SIMD over four
// output columns at a time. The input plane is first copied into scratch with its zero padding
// (and enough extra columns for the last vector), so the inner loops have no bounds checks.
//
// A 3x3 kernel at stride 1 or 2 has its nine weights held in registers. At stride 2 (dilation 1,
// rows of at least SPLIT_MIN_WIDTH outputs) the padded plane is stored de-interleaved, even
// columns then odd columns, so output column ox reads even[ox], odd[ox] and even[ox + 1]: plain
// vector loads, where reading every other float of the plane costs two loads and a shuffle per
// tap. On narrower rows the de-interleaving pass costs more than the shuffles it saves.
import { ACT_CLIP, ACT_RELU, activateRows } from './activation';

/** Narrowest output row for the de-interleaved stride-2 path (measured; see the header). */
export const SPLIT_MIN_WIDTH: i32 = 12;

/**
 * Work units [begin, end) of batch x C: one input plane and its `mult` output planes.
 * w: the ONNX weights [C * mult, 1, kh, kw]; bias: C * mult floats, or 0; params:
 * two floats per output channel for the activation `act`. scratch: depthwiseScratchFloats floats
 * (src/nn/ops/conv/conv.ts): the padded plane, hp x wp floats, with hp = max(pt + H,
 * (OH - 1) * sh + (kh - 1) * dh + 1) and wp = max(pl + W, (ceil4(OW) - 1) * sw + (kw - 1) * dw + 1)
 * (or at stride 2 its two halves of hp x ceil(wp / 2), after a row buffer of ceil8(wp) + 8).
 */
export function convDepthwise(
  x: usize, w: usize, bias: usize, params: usize, y: usize, scratch: usize,
  C: i32, H: i32, W: i32, mult: i32, OH: i32, OW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  act: i32, begin: i32, end: i32,
): void {
  const owRounded = (OW + 3) & ~3;
  const wp = max(pl + W, (owRounded - 1) * sw + (kw - 1) * dw + 1);
  const hp = max(pt + H, (OH - 1) * sh + (kh - 1) * dh + 1);
  const outPixels = OH * OW;
  const split = kh == 3 && kw == 3 && sh == 2 && sw == 2 && dh == 1 && dw == 1 && OW >= SPLIT_MIN_WIDTH;
  const half = (wp + 1) >> 1;
  const rowBuffer = scratch;
  const even = scratch + (<usize>(((wp + 7) & ~7) + 8) << 2);
  const odd = even + (<usize>(hp * half) << 2);
  for (let u = begin; u < end; u++) {
    const plane = x + (<usize>u * <usize>(H * W) << 2);
    if (split) padPlaneSplit(even, odd, half, rowBuffer, plane, H, W, hp, wp, pt, pl);
    else padPlane(scratch, plane, H, W, hp, wp, pt, pl);
    const image = u / C;
    const c = u % C;
    for (let m = 0; m < mult; m++) {
      const co = c * mult + m;
      const yPlane = y + (<usize>((image * C * mult + co) * outPixels) << 2);
      const taps = w + (<usize>(co * kh * kw) << 2);
      const b = bias == 0 ? <f32>0 : load<f32>(bias + (<usize>co << 2));
      // Relu and Clip are a clamp applied as the kernels store; other activations a pass over the
      // plane while it is still in cache.
      const clamps = act == ACT_RELU || act == ACT_CLIP;
      const pp = params + (<usize>co << 3);
      const lo = clamps ? v128.load32_splat(pp) : f32x4.splat(-Infinity);
      const hi = clamps ? v128.load32_splat(pp, 4) : f32x4.splat(Infinity);
      if (kh == 3 && kw == 3 && sh == 1 && sw == 1) plane3x3s1(scratch, wp, taps, b, lo, hi, yPlane, OH, OW, dh, dw);
      else if (split) plane3x3s2(even, odd, half, taps, b, lo, hi, yPlane, OH, OW);
      else if (kh == 3 && kw == 3 && sh == 2 && sw == 2) plane3x3s2Shuffled(scratch, wp, taps, b, lo, hi, yPlane, OH, OW, dh, dw);
      else planeGeneric(scratch, wp, taps, b, lo, hi, yPlane, OH, OW, kh, kw, sh, sw, dh, dw);
      if (!clamps) activateRows(yPlane, 1, outPixels, 0, act, params, co);
    }
  }
}

/**
 * acc + x * w. The accumulator is the first operand, so that in the WebAssembly a chain of these
 * evaluates each product just before its add (with a*b+c a nested chain computes all its loads
 * and products first and V8 spills them). Bit-identical either way: addition commutes exactly.
 */
@inline function mac(acc: v128, x: v128, w: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, w, acc);
  return f32x4.add(acc, f32x4.mul(x, w));
}

/** Row r of the padded plane (wp floats: pl zeros, the input row iy = r - pt, zeros), or all zeros. */
@inline function padRow(out: usize, src: usize, r: i32, H: i32, W: i32, wp: i32, pt: i32, pl: i32): void {
  const zero = f32x4.splat(0);
  const iy = r - pt;
  if (iy < 0 || iy >= H) {
    let i = 0;
    for (; i + 4 <= wp; i += 4) v128.store(out + (<usize>i << 2), zero);
    for (; i < wp; i++) store<f32>(out + (<usize>i << 2), 0);
    return;
  }
  for (let i = 0; i < pl; i++) store<f32>(out + (<usize>i << 2), 0);
  const row = src + (<usize>(iy * W) << 2);
  const at = out + (<usize>pl << 2);
  let i = 0;
  for (; i + 4 <= W; i += 4) v128.store(at + (<usize>i << 2), v128.load(row + (<usize>i << 2)));
  for (; i < W; i++) store<f32>(at + (<usize>i << 2), load<f32>(row + (<usize>i << 2)));
  for (let j = pl + W; j < wp; j++) store<f32>(out + (<usize>j << 2), 0);
}

function padPlane(dst: usize, src: usize, H: i32, W: i32, hp: i32, wp: i32, pt: i32, pl: i32): void {
  for (let r = 0; r < hp; r++) padRow(dst + (<usize>(r * wp) << 2), src, r, H, W, wp, pt, pl);
}

/**
 * The padded plane de-interleaved: row r of `even` holds the padded row's columns 0, 2, 4, ...
 * and row r of `odd` its columns 1, 3, 5, ..., `half` floats each. Each padded row is built in
 * `rowBuffer` (zeroed past wp, so the vector loop may read a few columns beyond it).
 */
function padPlaneSplit(even: usize, odd: usize, half: i32, rowBuffer: usize, src: usize, H: i32, W: i32, hp: i32, wp: i32, pt: i32, pl: i32): void {
  const padded = (wp + 7) & ~7;
  for (let i = wp; i < padded + 8; i++) store<f32>(rowBuffer + (<usize>i << 2), 0);
  for (let r = 0; r < hp; r++) {
    padRow(rowBuffer, src, r, H, W, wp, pt, pl);
    const e = even + (<usize>(r * half) << 2);
    const o = odd + (<usize>(r * half) << 2);
    let j = 0;
    for (; j + 4 <= half; j += 4) {
      const a = v128.load(rowBuffer + (<usize>j << 3));
      const b = v128.load(rowBuffer + (<usize>j << 3), 16);
      v128.store(e + (<usize>j << 2), v128.shuffle<f32>(a, b, 0, 2, 4, 6));
      v128.store(o + (<usize>j << 2), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
    }
    for (; j < half; j++) {
      store<f32>(e + (<usize>j << 2), load<f32>(rowBuffer + (<usize>j << 3)));
      store<f32>(o + (<usize>j << 2), load<f32>(rowBuffer + (<usize>j << 3), 4));
    }
  }
}

/**
 * Stores four outputs at column ox of a row `OW` wide, clamped to [lo, hi] (Relu and Clip; -inf
 * and +inf for the rest): a whole vector, or the lanes that fit.
 */
@inline function storeColumns(row: usize, ox: i32, OW: i32, sums: v128, lo: v128, hi: v128): void {
  const v = f32x4.pmin(f32x4.pmax(sums, lo), hi);
  const at = row + (<usize>ox << 2);
  if (ox + 4 <= OW) {
    v128.store(at, v);
    return;
  }
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (ox + 1 < OW) store<f32>(at, f32x4.extract_lane(v, 1), 4);
  if (ox + 2 < OW) store<f32>(at, f32x4.extract_lane(v, 2), 8);
}

/** Every other float from src: src[0], src[2], src[4], src[6]. */
@inline function loadEven(src: usize): v128 {
  return v128.shuffle<f32>(v128.load(src), v128.load(src, 16), 0, 2, 4, 6);
}

/**
 * 3x3, stride 1, any dilation: output row oy reads padded rows oy, oy + dh, oy + 2 dh (rows of wp
 * floats). One row of four columns per step: V8 keeps the nine weights, the bias and the one
 * accumulator in registers; larger blocks (two rows, eight columns) measured slower, their extra
 * live vectors spilled.
 */
function plane3x3s1(src: usize, wp: i32, taps: usize, bias: f32, lo: v128, hi: v128, y: usize, OH: i32, OW: i32, dh: i32, dw: i32): void {
  const w0 = v128.load32_splat(taps, 0), w1 = v128.load32_splat(taps, 4), w2 = v128.load32_splat(taps, 8);
  const w3 = v128.load32_splat(taps, 12), w4 = v128.load32_splat(taps, 16), w5 = v128.load32_splat(taps, 20);
  const w6 = v128.load32_splat(taps, 24), w7 = v128.load32_splat(taps, 28), w8 = v128.load32_splat(taps, 32);
  const b = f32x4.splat(bias);
  const tap1 = <usize>dw << 2;
  const tap2 = <usize>dw << 3;
  const rowStep = <usize>(dh * wp) << 2;
  for (let oy = 0; oy < OH; oy++) {
    const r0 = src + (<usize>(oy * wp) << 2);
    const r1 = r0 + rowStep;
    const r2 = r1 + rowStep;
    const out = y + (<usize>(oy * OW) << 2);
    if (dw == 1) {
      // Taps one float apart: constant load offsets, no address arithmetic per tap.
      for (let ox = 0; ox < OW; ox += 4) {
        const p = <usize>ox << 2;
        let acc = mac(b, v128.load(r0 + p), w0);
        acc = mac(acc, v128.load(r0 + p, 4), w1);
        acc = mac(acc, v128.load(r0 + p, 8), w2);
        acc = mac(acc, v128.load(r1 + p), w3);
        acc = mac(acc, v128.load(r1 + p, 4), w4);
        acc = mac(acc, v128.load(r1 + p, 8), w5);
        acc = mac(acc, v128.load(r2 + p), w6);
        acc = mac(acc, v128.load(r2 + p, 4), w7);
        acc = mac(acc, v128.load(r2 + p, 8), w8);
        storeColumns(out, ox, OW, acc, lo, hi);
      }
      continue;
    }
    for (let ox = 0; ox < OW; ox += 4) {
      const p = <usize>ox << 2;
      let acc = mac(b, v128.load(r0 + p), w0);
      acc = mac(acc, v128.load(r0 + p + tap1), w1);
      acc = mac(acc, v128.load(r0 + p + tap2), w2);
      acc = mac(acc, v128.load(r1 + p), w3);
      acc = mac(acc, v128.load(r1 + p + tap1), w4);
      acc = mac(acc, v128.load(r1 + p + tap2), w5);
      acc = mac(acc, v128.load(r2 + p), w6);
      acc = mac(acc, v128.load(r2 + p + tap1), w7);
      acc = mac(acc, v128.load(r2 + p + tap2), w8);
      storeColumns(out, ox, OW, acc, lo, hi);
    }
  }
}

/**
 * 3x3, stride 2, dilation 1, on the de-interleaved plane (rows `half` floats): output (oy, ox)
 * reads padded rows 2 oy .. 2 oy + 2 at columns 2 ox .. 2 ox + 2, i.e. even[ox], odd[ox] and
 * even[ox + 1] of each row: three plain vector loads per kernel row.
 */
function plane3x3s2(even: usize, odd: usize, half: i32, taps: usize, bias: f32, lo: v128, hi: v128, y: usize, OH: i32, OW: i32): void {
  const w0 = v128.load32_splat(taps, 0), w1 = v128.load32_splat(taps, 4), w2 = v128.load32_splat(taps, 8);
  const w3 = v128.load32_splat(taps, 12), w4 = v128.load32_splat(taps, 16), w5 = v128.load32_splat(taps, 20);
  const w6 = v128.load32_splat(taps, 24), w7 = v128.load32_splat(taps, 28), w8 = v128.load32_splat(taps, 32);
  const b = f32x4.splat(bias);
  const rowBytes = <usize>half << 2;
  for (let oy = 0; oy < OH; oy++) {
    const e0 = even + <usize>(2 * oy) * rowBytes;
    const o0 = odd + <usize>(2 * oy) * rowBytes;
    const out = y + (<usize>(oy * OW) << 2);
    for (let ox = 0; ox < OW; ox += 4) {
      const p = <usize>ox << 2;
      const e = e0 + p;
      const o = o0 + p;
      let acc = mac(b, v128.load(e), w0);
      acc = mac(acc, v128.load(o), w1);
      acc = mac(acc, v128.load(e, 4), w2);
      acc = mac(acc, v128.load(e + rowBytes), w3);
      acc = mac(acc, v128.load(o + rowBytes), w4);
      acc = mac(acc, v128.load(e + rowBytes, 4), w5);
      acc = mac(acc, v128.load(e + 2 * rowBytes), w6);
      acc = mac(acc, v128.load(o + 2 * rowBytes), w7);
      acc = mac(acc, v128.load(e + 2 * rowBytes, 4), w8);
      storeColumns(out, ox, OW, acc, lo, hi);
    }
  }
}

/** 3x3, stride 2, any dilation, on the padded plane: every other float by two loads and a shuffle. */
function plane3x3s2Shuffled(src: usize, wp: i32, taps: usize, bias: f32, lo: v128, hi: v128, y: usize, OH: i32, OW: i32, dh: i32, dw: i32): void {
  const w0 = v128.load32_splat(taps, 0), w1 = v128.load32_splat(taps, 4), w2 = v128.load32_splat(taps, 8);
  const w3 = v128.load32_splat(taps, 12), w4 = v128.load32_splat(taps, 16), w5 = v128.load32_splat(taps, 20);
  const w6 = v128.load32_splat(taps, 24), w7 = v128.load32_splat(taps, 28), w8 = v128.load32_splat(taps, 32);
  const b = f32x4.splat(bias);
  const tap1 = <usize>dw << 2;
  const tap2 = <usize>dw << 3;
  const rowStep = <usize>(dh * wp) << 2;
  for (let oy = 0; oy < OH; oy++) {
    const r0 = src + (<usize>(2 * oy * wp) << 2);
    const r1 = r0 + rowStep;
    const r2 = r1 + rowStep;
    const out = y + (<usize>(oy * OW) << 2);
    for (let ox = 0; ox < OW; ox += 4) {
      const p = <usize>ox << 3;
      let acc = mac(b, loadEven(r0 + p), w0);
      acc = mac(acc, loadEven(r0 + p + tap1), w1);
      acc = mac(acc, loadEven(r0 + p + tap2), w2);
      acc = mac(acc, loadEven(r1 + p), w3);
      acc = mac(acc, loadEven(r1 + p + tap1), w4);
      acc = mac(acc, loadEven(r1 + p + tap2), w5);
      acc = mac(acc, loadEven(r2 + p), w6);
      acc = mac(acc, loadEven(r2 + p + tap1), w7);
      acc = mac(acc, loadEven(r2 + p + tap2), w8);
      storeColumns(out, ox, OW, acc, lo, hi);
    }
  }
}

function planeGeneric(src: usize, wp: i32, taps: usize, bias: f32, lo: v128, hi: v128, y: usize, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32): void {
  const b = f32x4.splat(bias);
  const step = <usize>sw << 2;
  for (let oy = 0; oy < OH; oy++) {
    const out = y + (<usize>(oy * OW) << 2);
    for (let ox = 0; ox < OW; ox += 4) {
      let acc = b;
      for (let ky = 0; ky < kh; ky++) {
        const row = src + (<usize>((oy * sh + ky * dh) * wp + ox * sw) << 2);
        for (let kx = 0; kx < kw; kx++) {
          const at = row + (<usize>(kx * dw) << 2);
          let v: v128;
          if (sw == 1) v = v128.load(at);
          else if (sw == 2) v = loadEven(at);
          else {
            v = f32x4.splat(load<f32>(at));
            v = f32x4.replace_lane(v, 1, load<f32>(at + step));
            v = f32x4.replace_lane(v, 2, load<f32>(at + 2 * step));
            v = f32x4.replace_lane(v, 3, load<f32>(at + 3 * step));
          }
          acc = mac(acc, v, v128.load32_splat(taps + (<usize>(ky * kw + kx) << 2)));
        }
      }
      storeColumns(out, ox, OW, acc, lo, hi);
    }
  }
}
