// Depthwise convolution (groups == input channels, `mult` output channels per input channel):
// each output plane is its input plane convolved with one small kernel. Direct SIMD over four
// output columns at a time. The input plane is first copied into scratch with its zero padding
// (and enough extra columns for the last vector), so the inner loops have no bounds checks; a 3x3
// kernel (any dilation) at stride 1 or 2 has its nine weights held in registers.
import { madd } from '../simd';
import { activateRows } from './activation';

/**
 * Work units [begin, end) of batch x channels: one input plane and its `mult` output planes.
 * w: the ONNX weights [channels * mult, 1, kh, kw]; bias: channels * mult floats, or 0; params:
 * two floats per output channel for the activation `act`. scratch: the padded plane,
 * max(pt + h, (oh - 1) * sh + (kh - 1) * dh + 1) x max(pl + wid, (ceil4(ow) - 1) * sw + (kw - 1) * dw + 1) floats.
 */
export function convDepthwise(
  x: usize, w: usize, bias: usize, params: usize, y: usize, scratch: usize,
  channels: i32, h: i32, wid: i32, mult: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  act: i32, begin: i32, end: i32,
): void {
  const owRounded = (ow + 3) & ~3;
  const wp = max(pl + wid, (owRounded - 1) * sw + (kw - 1) * dw + 1);
  const hp = max(pt + h, (oh - 1) * sh + (kh - 1) * dh + 1);
  const outPixels = oh * ow;
  for (let u = begin; u < end; u++) {
    padPlane(scratch, x + (<usize>u * <usize>(h * wid) << 2), h, wid, hp, wp, pt, pl);
    const image = u / channels;
    const c = u % channels;
    for (let m = 0; m < mult; m++) {
      const co = c * mult + m;
      const yPlane = y + (<usize>((image * channels * mult + co) * outPixels) << 2);
      const taps = w + (<usize>(co * kh * kw) << 2);
      const b = bias == 0 ? <f32>0 : load<f32>(bias + (<usize>co << 2));
      if (kh == 3 && kw == 3 && sh == 1 && sw == 1) plane3x3s1(scratch, wp, taps, b, yPlane, oh, ow, dh, dw);
      else if (kh == 3 && kw == 3 && sh == 2 && sw == 2) plane3x3s2(scratch, wp, taps, b, yPlane, oh, ow, dh, dw);
      else planeGeneric(scratch, wp, taps, b, yPlane, oh, ow, kh, kw, sh, sw, dh, dw);
      activateRows(yPlane, 1, outPixels, 0, act, params, co);
    }
  }
}

function padPlane(dst: usize, src: usize, h: i32, wid: i32, hp: i32, wp: i32, pt: i32, pl: i32): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < hp; r++) {
    const out = dst + (<usize>(r * wp) << 2);
    const iy = r - pt;
    if (iy < 0 || iy >= h) {
      let i = 0;
      for (; i + 4 <= wp; i += 4) v128.store(out + (<usize>i << 2), zero);
      for (; i < wp; i++) store<f32>(out + (<usize>i << 2), 0);
      continue;
    }
    for (let i = 0; i < pl; i++) store<f32>(out + (<usize>i << 2), 0);
    const row = src + (<usize>(iy * wid) << 2);
    const at = out + (<usize>pl << 2);
    let i = 0;
    for (; i + 4 <= wid; i += 4) v128.store(at + (<usize>i << 2), v128.load(row + (<usize>i << 2)));
    for (; i < wid; i++) store<f32>(at + (<usize>i << 2), load<f32>(row + (<usize>i << 2)));
    for (let j = pl + wid; j < wp; j++) store<f32>(out + (<usize>j << 2), 0);
  }
}

/** Stores four outputs at column ox of a row `ow` wide: a whole vector, or the lanes that fit. */
@inline function storeColumns(row: usize, ox: i32, ow: i32, v: v128): void {
  const at = row + (<usize>ox << 2);
  if (ox + 4 <= ow) {
    v128.store(at, v);
    return;
  }
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (ox + 1 < ow) store<f32>(at, f32x4.extract_lane(v, 1), 4);
  if (ox + 2 < ow) store<f32>(at, f32x4.extract_lane(v, 2), 8);
}

/** Every other float from src: src[0], src[2], src[4], src[6]. */
@inline function loadEven(src: usize): v128 {
  return v128.shuffle<f32>(v128.load(src), v128.load(src, 16), 0, 2, 4, 6);
}

function plane3x3s1(src: usize, wp: i32, taps: usize, bias: f32, y: usize, oh: i32, ow: i32, dh: i32, dw: i32): void {
  const w0 = v128.load32_splat(taps, 0), w1 = v128.load32_splat(taps, 4), w2 = v128.load32_splat(taps, 8);
  const w3 = v128.load32_splat(taps, 12), w4 = v128.load32_splat(taps, 16), w5 = v128.load32_splat(taps, 20);
  const w6 = v128.load32_splat(taps, 24), w7 = v128.load32_splat(taps, 28), w8 = v128.load32_splat(taps, 32);
  const b = f32x4.splat(bias);
  const tap1 = <usize>dw << 2;
  const tap2 = <usize>dw << 3;
  const rowStep = <usize>(dh * wp) << 2;
  for (let oy = 0; oy < oh; oy++) {
    const r0 = src + (<usize>(oy * wp) << 2);
    const r1 = r0 + rowStep;
    const r2 = r1 + rowStep;
    const out = y + (<usize>(oy * ow) << 2);
    for (let ox = 0; ox < ow; ox += 4) {
      const p = <usize>ox << 2;
      let acc = madd(v128.load(r0 + p), w0, b);
      acc = madd(v128.load(r0 + p + tap1), w1, acc);
      acc = madd(v128.load(r0 + p + tap2), w2, acc);
      acc = madd(v128.load(r1 + p), w3, acc);
      acc = madd(v128.load(r1 + p + tap1), w4, acc);
      acc = madd(v128.load(r1 + p + tap2), w5, acc);
      acc = madd(v128.load(r2 + p), w6, acc);
      acc = madd(v128.load(r2 + p + tap1), w7, acc);
      acc = madd(v128.load(r2 + p + tap2), w8, acc);
      storeColumns(out, ox, ow, acc);
    }
  }
}

function plane3x3s2(src: usize, wp: i32, taps: usize, bias: f32, y: usize, oh: i32, ow: i32, dh: i32, dw: i32): void {
  const w0 = v128.load32_splat(taps, 0), w1 = v128.load32_splat(taps, 4), w2 = v128.load32_splat(taps, 8);
  const w3 = v128.load32_splat(taps, 12), w4 = v128.load32_splat(taps, 16), w5 = v128.load32_splat(taps, 20);
  const w6 = v128.load32_splat(taps, 24), w7 = v128.load32_splat(taps, 28), w8 = v128.load32_splat(taps, 32);
  const b = f32x4.splat(bias);
  const tap1 = <usize>dw << 2;
  const tap2 = <usize>dw << 3;
  const rowStep = <usize>(dh * wp) << 2;
  for (let oy = 0; oy < oh; oy++) {
    const r0 = src + (<usize>(2 * oy * wp) << 2);
    const r1 = r0 + rowStep;
    const r2 = r1 + rowStep;
    const out = y + (<usize>(oy * ow) << 2);
    for (let ox = 0; ox < ow; ox += 4) {
      const p = <usize>ox << 3;
      let acc = madd(loadEven(r0 + p), w0, b);
      acc = madd(loadEven(r0 + p + tap1), w1, acc);
      acc = madd(loadEven(r0 + p + tap2), w2, acc);
      acc = madd(loadEven(r1 + p), w3, acc);
      acc = madd(loadEven(r1 + p + tap1), w4, acc);
      acc = madd(loadEven(r1 + p + tap2), w5, acc);
      acc = madd(loadEven(r2 + p), w6, acc);
      acc = madd(loadEven(r2 + p + tap1), w7, acc);
      acc = madd(loadEven(r2 + p + tap2), w8, acc);
      storeColumns(out, ox, ow, acc);
    }
  }
}

function planeGeneric(src: usize, wp: i32, taps: usize, bias: f32, y: usize, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32): void {
  const b = f32x4.splat(bias);
  const step = <usize>sw << 2;
  for (let oy = 0; oy < oh; oy++) {
    const out = y + (<usize>(oy * ow) << 2);
    for (let ox = 0; ox < ow; ox += 4) {
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
          acc = madd(v, v128.load32_splat(taps + (<usize>(ky * kw + kx) << 2)), acc);
        }
      }
      storeColumns(out, ox, ow, acc);
    }
  }
}
