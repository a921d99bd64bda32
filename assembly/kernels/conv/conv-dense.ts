// Dense convolution (NCHW, any kernel, stride, padding, dilation, groups) as a matrix product per
// group: out[co][p] = sum over k = (ci, ky, kx) of weights[co][k] * im2col[k][p]. The im2col matrix is
// never built whole: each work unit gathers the columns of one block of output pixels into this
// thread's scratch (k rows of `block` floats) and multiplies it with the weights packed at plan
// time (src/nn/ops/conv/pack.ts). Zero padding is written while gathering, so the micro-kernel has
// no bounds checks.
import { MR, NR } from './micro-kernel';
import { multiplyBlock } from './block';

/**
 * Work units [begin, end) of batch x groups x ceil(OH * OW / block): one pixel block of one group
 * of one image. w: packed weights, per group ceil(CoutG / MR) panels of (Cin * kh * kw) x MR.
 * bias: packed likewise, ceil(CoutG / MR) * MR floats per group, or 0. params: two floats per
 * output channel for the activation `act`. scratch: k * block + MR * NR floats.
 */
export function convDense(
  x: usize, w: usize, bias: usize, params: usize, y: usize, scratch: usize,
  groups: i32, Cin: i32, H: i32, W: i32, CoutG: i32, OH: i32, OW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  block: i32, act: i32, begin: i32, end: i32,
): void {
  const k = Cin * kh * kw;
  const pixels = OH * OW;
  const blocksPerImage = (pixels + block - 1) / block;
  const mPanels = (CoutG + MR - 1) / MR;
  const bRows = scratch;
  const tmp = scratch + (<usize>(k * block) << 2);
  for (let u = begin; u < end; u++) {
    const image = u / (groups * blocksPerImage);
    const g = (u / blocksPerImage) % groups;
    const p0 = (u % blocksPerImage) * block;
    const count = min(block, pixels - p0);
    const xGroup = x + (<usize>((image * groups + g) * Cin) * <usize>(H * W) << 2);
    gatherColumns(bRows, xGroup, H, W, OW, kh, kw, sh, sw, pt, pl, dh, dw, Cin, p0, count, block);
    const channel0 = g * CoutG;
    const yBlock = y + (<usize>(image * groups * CoutG + channel0) * <usize>pixels << 2) + (<usize>p0 << 2);
    multiplyBlock(
      w + <usize>(g * mPanels) * (<usize>(k * MR) << 2), bRows, <usize>block << 2, k, count,
      bias == 0 ? <usize>0 : bias + (<usize>(g * mPanels * MR) << 2),
      yBlock, <usize>pixels << 2, CoutG, tmp, act, params, channel0,
    );
  }
}

/**
 * im2col of output pixels [p0, p0 + count) into k rows of `block` floats: row (ci, ky, kx) holds,
 * for each pixel, the input value its kernel tap reads, or 0 in the padding. Columns up to the next
 * multiple of NR are zeroed (the last tile reads them). Walks each output row's run of pixels at
 * once, so the bounds are worked out per run, not per value.
 */
function gatherColumns(
  dst: usize, x: usize, H: i32, W: i32, OW: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32, Cin: i32, p0: i32, count: i32, block: i32,
): void {
  const padded = min(block, (count + NR - 1) / NR * NR);
  let row = dst;
  for (let ci = 0; ci < Cin; ci++) {
    const plane = x + (<usize>(ci * H * W) << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        let j = 0;
        let p = p0;
        while (j < count) {
          const oy = p / OW;
          const ox = p - oy * OW;
          const run = min(OW - ox, count - j);
          const out = row + (<usize>j << 2);
          const iy = oy * sh - pt + ky * dh;
          if (iy < 0 || iy >= H) {
            zero(out, run);
          } else {
            // Input column of pixel t of the run: ix0 + t * sw; valid for t in [lo, hi).
            const ix0 = ox * sw - pl + kx * dw;
            const lo = ix0 >= 0 ? 0 : min(run, (-ix0 + sw - 1) / sw);
            const hi = ix0 >= W ? 0 : max(lo, min(run, (W - ix0 + sw - 1) / sw));
            zero(out, lo);
            const src = plane + (<usize>(iy * W + ix0) << 2);
            if (sw == 1) copy(out + (<usize>lo << 2), src + (<usize>lo << 2), hi - lo);
            else if (sw == 2) copyEven(out, src, lo, hi, W - ix0);
            else for (let t = lo; t < hi; t++) store<f32>(out + (<usize>t << 2), load<f32>(src + (<usize>(t * sw) << 2)));
            zero(out + (<usize>hi << 2), run - hi);
          }
          j += run;
          p += run;
        }
        zero(row + (<usize>count << 2), padded - count);
        row += <usize>block << 2;
      }
    }
  }
}

@inline function zero(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

@inline function copy(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/**
 * dst[t] = src[2 t] for t in [lo, hi): four at a time from two loads and a shuffle while the
 * second load (src[2 t .. 2 t + 7]) stays inside the row, whose `rowLeft` floats start at src.
 */
@inline function copyEven(dst: usize, src: usize, lo: i32, hi: i32, rowLeft: i32): void {
  let t = lo;
  for (; t + 4 <= hi && 2 * t + 8 <= rowLeft; t += 4) {
    const at = src + (<usize>t << 3);
    v128.store(dst + (<usize>t << 2), v128.shuffle<f32>(v128.load(at), v128.load(at, 16), 0, 2, 4, 6));
  }
  for (; t < hi; t++) store<f32>(dst + (<usize>t << 2), load<f32>(src + (<usize>t << 3)));
}
