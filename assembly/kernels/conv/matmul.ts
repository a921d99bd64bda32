// Matrix products for MatMul and Gemm on the convolution micro-kernel: Y = alpha * A B over a
// batch of matrices. Each work unit packs MR rows of A (times alpha) into scratch, then sweeps
// B's columns NR at a time, reading B's rows in place when they are contiguous and packing them
// (zero-padded) when they are strided or a last panel is narrower than NR.
import { MR, NR, tile } from './micro-kernel';

/**
 * Work units [begin, end) of batches x ceil(m / MR). offsets: int32 pairs per batch, the element
 * offsets of that batch's A and B matrices. A[i][kk] is a[aOff + i * aRow + kk * aCol], B[kk][j]
 * is b[bOff + kk * bRow + j * bCol]; Y is batches x m x n, row-major. scratch: k * (MR + NR) +
 * MR * NR floats.
 */
export function matmul(
  a: usize, b: usize, y: usize, offsets: usize, scratch: usize,
  m: i32, n: i32, k: i32, aRow: i32, aCol: i32, bRow: i32, bCol: i32, alpha: f32,
  begin: i32, end: i32,
): void {
  const mPanels = (m + MR - 1) / MR;
  const panelA = scratch;
  const panelB = scratch + (<usize>(k * MR) << 2);
  const tmp = panelB + (<usize>(k * NR) << 2);
  const yStride = <usize>n << 2;
  const bRowBytes = <usize>bRow << 2;
  for (let u = begin; u < end; u++) {
    const batch = u / mPanels;
    const m0 = (u % mPanels) * MR;
    const rows = min(MR, m - m0);
    const aBase = a + (<usize>load<i32>(offsets + (<usize>batch << 3)) << 2);
    const bBase = b + (<usize>load<i32>(offsets + (<usize>batch << 3), 4) << 2);
    for (let kk = 0; kk < k; kk++) {
      const out = panelA + (<usize>(kk * MR) << 2);
      for (let r = 0; r < MR; r++) {
        const v = r < rows ? alpha * load<f32>(aBase + (<usize>((m0 + r) * aRow + kk * aCol) << 2)) : <f32>0;
        store<f32>(out + (<usize>r << 2), v);
      }
    }
    const yRows = y + (<usize>((batch * m + m0) * n) << 2);
    for (let n0 = 0; n0 < n; n0 += NR) {
      const cols = min(NR, n - n0);
      let panel = bBase + (<usize>(n0 * bCol) << 2);
      let stride = bRowBytes;
      if (bCol != 1 || cols < NR) {
        for (let kk = 0; kk < k; kk++) {
          const out = panelB + (<usize>(kk * NR) << 2);
          const row = panel + <usize>kk * bRowBytes;
          for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), j < cols ? load<f32>(row + (<usize>(j * bCol) << 2)) : <f32>0);
        }
        panel = panelB;
        stride = <usize>NR << 2;
      }
      tile(panelA, panel, stride, k, 0, 0, yRows + (<usize>n0 << 2), yStride, rows, cols, tmp);
    }
  }
}

/** Y[i][j] += beta * C[i * cRow + j * cCol] for rows [begin, end) of an m x n Y (Gemm's C, broadcast by zero strides). */
export function addScaled(y: usize, c: usize, beta: f32, n: i32, cRow: i32, cCol: i32, begin: i32, end: i32): void {
  for (let i = begin; i < end; i++) {
    const row = y + (<usize>(i * n) << 2);
    for (let j = 0; j < n; j++) {
      const at = row + (<usize>j << 2);
      store<f32>(at, load<f32>(at) + beta * load<f32>(c + (<usize>(i * cRow + j * cCol) << 2)));
    }
  }
}
