// Batched 2-D transpose, src [batch, rows, cols] -> dst [batch, cols, rows]: the fast path of
// Transpose for NCHW <-> NHWC (rows = C, cols = H*W or the reverse) and any permutation that
// reduces to swapping two groups of dimensions. Work unit u in [begin, end) is a band of up to
// 4 destination rows (source columns) of one batch, moved in 4x4 tiles of SIMD shuffles.

export function transpose2d(dst: usize, src: usize, batch: i32, rows: i32, cols: i32, begin: i32, end: i32): void {
  const bands = (cols + 3) >> 2;
  const plane = <usize>rows * <usize>cols;
  const srcRow = <usize>cols << 2;
  const dstRow = <usize>rows << 2;
  for (let u = begin; u < end; u++) {
    const b = u / bands;
    const c0 = (u % bands) << 2;
    const s = src + ((<usize>b * plane) << 2);
    const d = dst + ((<usize>b * plane) << 2);
    let r = 0;
    if (c0 + 4 <= cols) {
      for (; r + 4 <= rows; r += 4) {
        const p = s + <usize>r * srcRow + (<usize>c0 << 2);
        const a0 = v128.load(p);
        const a1 = v128.load(p + srcRow);
        const a2 = v128.load(p + 2 * srcRow);
        const a3 = v128.load(p + 3 * srcRow);
        const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(a0, a1, 2, 6, 3, 7);
        const t2 = i32x4.shuffle(a2, a3, 0, 4, 1, 5);
        const t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
        const q = d + <usize>c0 * dstRow + (<usize>r << 2);
        v128.store(q, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
        v128.store(q + dstRow, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
        v128.store(q + 2 * dstRow, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
        v128.store(q + 3 * dstRow, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
      }
    }
    // The rows (and, in the last band, the columns) a whole tile does not cover.
    const c1 = min(c0 + 4, cols);
    for (let c = c0; c < c1; c++) {
      const q = d + <usize>c * dstRow;
      for (let rr = r; rr < rows; rr++) store<u32>(q + (<usize>rr << 2), load<u32>(s + <usize>rr * srcRow + (<usize>c << 2)));
    }
  }
}
