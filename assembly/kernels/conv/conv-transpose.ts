// ConvTranspose over output planes [begin, end) of N * Cout, in two steps per plane:
//   1. GEMM: for every kernel tap t, cols[t] = sum over the group's input channels of
//      w[ic][oc][t] * x[ic] (whole H x W planes), on the convolutions' micro-kernel: four taps by
//      eight pixels per tile, from weights packed as [oc][tap group][icl][4 taps], the micro-kernel's
//      A panels (see packConvTransposeWeights).
//   2. col2im: each tap plane added into the output at its offset: input (iy, ix) lands on
//      (iy * sh - pt + ky * dh, ix * sw - pl + kx * dw). Stride 1 adds whole rows as vectors.
// Scratch: cols, ceil(kh * kw / 4) * 4 planes of H x W floats, then the last pixels' columns
// zero-padded to NR (K * NR floats, K the group's input channels) and the tile's MR * NR floats.
import { packColumns } from './block';
import { MR, NR, tile } from './micro-kernel';

export function convTranspose2d(
  x: usize, w: usize, bias: usize, y: usize, scratch: usize,
  Cin: i32, H: i32, W: i32, Cout: i32, OH: i32, OW: i32, groups: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  begin: i32, end: i32,
): void {
  const pixels = H * W;
  const inPerGroup = Cin / groups;
  const outPerGroup = Cout / groups;
  const tapGroups = (kh * kw + 3) >> 2;
  const cols = scratch;
  const tail = cols + (<usize>(tapGroups * MR) * <usize>pixels << 2);
  const tmp = tail + (<usize>(inPerGroup * NR) << 2);
  for (let p = begin; p < end; p++) {
    const n = p / Cout;
    const oc = p % Cout;
    const xg = x + (<usize>(n * Cin + (oc / outPerGroup) * inPerGroup) * <usize>pixels << 2);
    const wo = w + (<usize>(oc * tapGroups * inPerGroup) << 4);
    tapProducts(xg, wo, cols, inPerGroup, pixels, tapGroups, tail, tmp);
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
 * Pixel blocks are the outer loop so that a block's K inputs stay in cache across tap groups; the
 * last block, narrower than NR, is read from a zero-padded copy (tiles read NR columns).
 */
function tapProducts(x: usize, w: usize, cols: usize, K: i32, pixels: i32, tapGroups: i32, tail: usize, tmp: usize): void {
  const plane = <usize>pixels << 2;
  for (let px = 0; px < pixels; px += NR) {
    const count = min(NR, pixels - px);
    let b = x + (<usize>px << 2);
    let bStride = plane;
    if (count < NR) {
      packColumns(tail, b, plane, K, count);
      b = tail;
      bStride = <usize>NR << 2;
    }
    for (let tg = 0; tg < tapGroups; tg++) {
      tile(w + (<usize>(tg * K) << 4), b, bStride, K, 0, 0, cols + <usize>(tg * MR) * plane + (<usize>px << 2), plane, MR, count, tmp);
    }
  }
}
