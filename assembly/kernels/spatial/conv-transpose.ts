// ConvTranspose over output planes [begin, end) of N * Cout, in two steps per plane:
//   1. GEMM: for every kernel tap t, cols[t] = sum over the group's input channels of
//      w[ic][oc][t] * x[ic] (whole H x W planes), four taps by eight pixels per step from
//      weights packed as [oc][tap group][icl][4 taps] (see packConvTransposeWeights).
//   2. col2im: each tap plane added into the output at its offset: input (iy, ix) lands on
//      (iy * sh - pt + ky * dh, ix * sw - pl + kx * dw). Stride 1 adds whole rows as vectors.
// cols is scratch of ceil(kh * kw / 4) * 4 planes of H x W floats.
import { madd } from '../simd';

export function convTranspose2d(
  x: usize, w: usize, bias: usize, y: usize, cols: usize,
  Cin: i32, H: i32, W: i32, Cout: i32, OH: i32, OW: i32, group: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  begin: i32, end: i32,
): void {
  const pixels = H * W;
  const inPerGroup = Cin / group;
  const outPerGroup = Cout / group;
  const tapGroups = (kh * kw + 3) >> 2;
  for (let p = begin; p < end; p++) {
    const n = p / Cout;
    const oc = p % Cout;
    const xg = x + (<usize>(n * Cin + (oc / outPerGroup) * inPerGroup) * <usize>pixels << 2);
    const wo = w + (<usize>(oc * tapGroups * inPerGroup) << 4);
    tapProducts(xg, wo, cols, inPerGroup, pixels, tapGroups);
    const out = y + (<usize>p * <usize>(OH * OW) << 2);
    fillPlane(out, bias == 0 ? 0 : load<f32>(bias + (<usize>oc << 2)), OH * OW);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const plane = cols + (<usize>(ky * kw + kx) * <usize>pixels << 2);
        const shiftX = kx * dw - pl;
        const ixBegin = max(0, ceilDiv(-shiftX, sw));
        const ixEnd = min(W, ceilDiv(OW - shiftX, sw));
        if (ixBegin >= ixEnd) continue;
        for (let iy = 0; iy < H; iy++) {
          const oy = iy * sh - pt + ky * dh;
          if (oy < 0 || oy >= OH) continue;
          const src = plane + (<usize>(iy * W) << 2);
          const dst = out + (<usize>(oy * OW) << 2);
          if (sw == 1) {
            addRow(dst + (<usize>(ixBegin + shiftX) << 2), src + (<usize>ixBegin << 2), ixEnd - ixBegin);
          } else {
            for (let ix = ixBegin; ix < ixEnd; ix++) {
              const at = dst + (<usize>(ix * sw + shiftX) << 2);
              store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>ix << 2)));
            }
          }
        }
      }
    }
  }
}

/** ceil(a / b) for b > 0 and any sign of a. */
@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

function fillPlane(dst: usize, value: f32, count: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), value);
}

function addRow(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const at = <usize>i << 2;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
  }
  for (; i < count; i++) {
    const at = <usize>i << 2;
    store<f32>(dst + at, load<f32>(dst + at) + load<f32>(src + at));
  }
}

/**
 * cols[t][px] = sum over k < K of w[t / 4][k][t % 4] * x[k][px] for all taps t (w: tap groups of
 * K rows of 4 floats, x: K planes of `pixels` floats, cols: a plane of `pixels` floats per tap).
 * Pixel blocks are the outer loop so that a block's K inputs stay in cache across tap groups.
 */
function tapProducts(x: usize, w: usize, cols: usize, K: i32, pixels: i32, tapGroups: i32): void {
  const plane = <usize>pixels << 2;
  let px = 0;
  for (; px + 8 <= pixels; px += 8) {
    for (let tg = 0; tg < tapGroups; tg++) tapBlock8(x, w + (<usize>(tg * K) << 4), cols + (<usize>(tg * 4) * plane), K, plane, px);
  }
  for (; px + 4 <= pixels; px += 4) {
    for (let tg = 0; tg < tapGroups; tg++) tapBlock4(x, w + (<usize>(tg * K) << 4), cols + (<usize>(tg * 4) * plane), K, plane, px);
  }
  for (; px < pixels; px++) {
    for (let tg = 0; tg < tapGroups; tg++) tapBlock1(x, w + (<usize>(tg * K) << 4), cols + (<usize>(tg * 4) * plane), K, plane, px);
  }
}

/** Four taps by eight pixels from px on: 8 accumulators, 2 loads and 4 splats per 8 multiply-adds. */
@inline function tapBlock8(x: usize, w: usize, cols: usize, K: i32, plane: usize, px: i32): void {
  let a0 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let b2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let b3 = f32x4.splat(0);
  let xk = x + (<usize>px << 2);
  let wk = w;
  for (let k = 0; k < K; k++) {
    const v0 = v128.load(xk);
    const v1 = v128.load(xk, 16);
    const w0 = v128.load32_splat(wk, 0);
    a0 = madd(w0, v0, a0);
    b0 = madd(w0, v1, b0);
    const w1 = v128.load32_splat(wk, 4);
    a1 = madd(w1, v0, a1);
    b1 = madd(w1, v1, b1);
    const w2 = v128.load32_splat(wk, 8);
    a2 = madd(w2, v0, a2);
    b2 = madd(w2, v1, b2);
    const w3 = v128.load32_splat(wk, 12);
    a3 = madd(w3, v0, a3);
    b3 = madd(w3, v1, b3);
    xk += plane;
    wk += 16;
  }
  const at = cols + (<usize>px << 2);
  v128.store(at, a0);
  v128.store(at, b0, 16);
  v128.store(at + plane, a1);
  v128.store(at + plane, b1, 16);
  v128.store(at + 2 * plane, a2);
  v128.store(at + 2 * plane, b2, 16);
  v128.store(at + 3 * plane, a3);
  v128.store(at + 3 * plane, b3, 16);
}

/** Four taps by four pixels from px on. */
@inline function tapBlock4(x: usize, w: usize, cols: usize, K: i32, plane: usize, px: i32): void {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let xk = x + (<usize>px << 2);
  let wk = w;
  for (let k = 0; k < K; k++) {
    const v = v128.load(xk);
    a0 = madd(v128.load32_splat(wk, 0), v, a0);
    a1 = madd(v128.load32_splat(wk, 4), v, a1);
    a2 = madd(v128.load32_splat(wk, 8), v, a2);
    a3 = madd(v128.load32_splat(wk, 12), v, a3);
    xk += plane;
    wk += 16;
  }
  const at = cols + (<usize>px << 2);
  v128.store(at, a0);
  v128.store(at + plane, a1);
  v128.store(at + 2 * plane, a2);
  v128.store(at + 3 * plane, a3);
}

/** Four taps of pixel px: the four weights of step k are one vector. */
@inline function tapBlock1(x: usize, w: usize, cols: usize, K: i32, plane: usize, px: i32): void {
  let acc = f32x4.splat(0);
  let xk = x + (<usize>px << 2);
  let wk = w;
  for (let k = 0; k < K; k++) {
    acc = madd(v128.load(wk), v128.load32_splat(xk), acc);
    xk += plane;
    wk += 16;
  }
  const at = cols + (<usize>px << 2);
  store<f32>(at, f32x4.extract_lane(acc, 0));
  store<f32>(at + plane, f32x4.extract_lane(acc, 1));
  store<f32>(at + 2 * plane, f32x4.extract_lane(acc, 2));
  store<f32>(at + 3 * plane, f32x4.extract_lane(acc, 3));
}
