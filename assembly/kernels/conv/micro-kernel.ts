// The register-blocked micro-kernel every dense convolution, 1x1 convolution and matrix product
// runs: an MR x NR tile of outputs (MR = 4 output channels or rows, NR = 8 pixels or columns)
// accumulated in 8 f32x4 locals, which the JIT keeps in vector registers. Per step of k it
// loads 8 values of B (two vectors), broadcasts 4 values of the packed A panel, and does
// 8 multiply-adds. Generated shape, written out because AssemblyScript has no arrays of locals.
// 4x8 measured fastest here: ~45 GFLOP/s on a 512->512 1x1 convolution against ~27 for 6x8
// (V8 gives WebAssembly sixteen vector registers; 12 accumulators leave too few for the operands).
import { madd } from '../simd';

export const MR: i32 = 4;
export const NR: i32 = 8;

/**
 * y[m][n] = bias[m] + sum over k of a[k][m] * b[k][n], for m < rows and n < cols, then
 * clamped to [lo[m], hi[m]] when `bounds` is not 0.
 * a: packed panel, k rows of MR floats. b: k rows of (at least) NR floats, bStride bytes apart.
 * bias: MR floats, or 0 for none. bounds: MR (lo, hi) pairs, or 0 for none: Relu and Clip, the
 * common activations, applied while the sums are still in registers. y: rows yStride bytes apart.
 * tmp: MR x NR floats of scratch for a partial tile, whose lanes past rows/cols are computed and
 * dropped.
 */
@inline export function tile(a: usize, b: usize, bStride: usize, k: i32, bias: usize, bounds: usize, y: usize, yStride: usize, rows: i32, cols: i32, tmp: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let i = 0; i < k; i++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a, 0);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(a, 4);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(a, 8);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(a, 12);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    a += 16;
    b += bStride;
  }
  if (bias != 0) {
    const bias0 = v128.load32_splat(bias, 0);
    c00 = f32x4.add(c00, bias0);
    c01 = f32x4.add(c01, bias0);
    const bias1 = v128.load32_splat(bias, 4);
    c10 = f32x4.add(c10, bias1);
    c11 = f32x4.add(c11, bias1);
    const bias2 = v128.load32_splat(bias, 8);
    c20 = f32x4.add(c20, bias2);
    c21 = f32x4.add(c21, bias2);
    const bias3 = v128.load32_splat(bias, 12);
    c30 = f32x4.add(c30, bias3);
    c31 = f32x4.add(c31, bias3);
  }
  if (bounds != 0) {
    // pmax/pmin with the value first, as activate4 does (assembly/kernels/conv/activation.ts).
    const lo0 = v128.load32_splat(bounds, 0);
    const hi0 = v128.load32_splat(bounds, 4);
    c00 = f32x4.pmin(f32x4.pmax(c00, lo0), hi0);
    c01 = f32x4.pmin(f32x4.pmax(c01, lo0), hi0);
    const lo1 = v128.load32_splat(bounds, 8);
    const hi1 = v128.load32_splat(bounds, 12);
    c10 = f32x4.pmin(f32x4.pmax(c10, lo1), hi1);
    c11 = f32x4.pmin(f32x4.pmax(c11, lo1), hi1);
    const lo2 = v128.load32_splat(bounds, 16);
    const hi2 = v128.load32_splat(bounds, 20);
    c20 = f32x4.pmin(f32x4.pmax(c20, lo2), hi2);
    c21 = f32x4.pmin(f32x4.pmax(c21, lo2), hi2);
    const lo3 = v128.load32_splat(bounds, 24);
    const hi3 = v128.load32_splat(bounds, 28);
    c30 = f32x4.pmin(f32x4.pmax(c30, lo3), hi3);
    c31 = f32x4.pmin(f32x4.pmax(c31, lo3), hi3);
  }
  const full = rows == MR && cols == NR;
  const out = full ? y : tmp;
  const stride = full ? yStride : <usize>(NR << 2);
  v128.store(out + 0, c00);
  v128.store(out + 0, c01, 16);
  v128.store(out + 1 * stride, c10);
  v128.store(out + 1 * stride, c11, 16);
  v128.store(out + 2 * stride, c20);
  v128.store(out + 2 * stride, c21, 16);
  v128.store(out + 3 * stride, c30);
  v128.store(out + 3 * stride, c31, 16);
  if (full) return;
  for (let m = 0; m < rows; m++) {
    for (let n = 0; n < cols; n++) store<f32>(y + <usize>m * yStride + (<usize>n << 2), load<f32>(tmp + (<usize>(m * NR + n) << 2)));
  }
}
