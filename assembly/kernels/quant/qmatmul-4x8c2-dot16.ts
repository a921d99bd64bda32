// Quantized matrix product Y = A B with B known at load (QLinearMatMul, MatMulInteger, QDQ MatMul),
// on the tile of the quantized convolution (qconv-pointwise-4x8c2-dot16.ts): B's columns are its output
// channels, packed at load as the convolution's weights are (MR columns a panel, (k, k + 1) i16
// pairs, zero points subtracted), so per-column scales and zero points become per-channel ones;
// A's rows are its pixels, gathered NR at a time as pairs with A's zero point subtracted. The
// tile's sums come out channel-major and are stored transposed into Y's row-major rows.
//
// Layouts:
//   a, y     int32 values, row-major: a is m x k, y is m x n
//   w        ceil(n / MR) panels of kPairs rows of MR i16 pairs (packed at load)
//   bias     int32 per column, multiplier f32 per column: padded to whole panels
//   scratch  kPairs x NR pairs (4 bytes each), then MR x NR int32
import { MR, NR } from '../conv/micro-kernel';
import { tile } from './qconv-pointwise-4x8c2-dot16';

/**
 * Work units [begin, end) of ceil(m / NR) blocks of NR rows of A. With `sums` (MatMulInteger)
 * y holds the int32 sums; otherwise y = saturate(round((sum + bias) * multiplier) + yZero),
 * clamped to [lo, hi].
 */
export function qmatmul4x8c2Dot16(
  a: usize, w: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  m: i32, n: i32, k: i32, aZero: i32, yZero: i32, lo: i32, hi: i32, sums: i32, begin: i32, end: i32,
): void {
  const kPairs = (k + 1) >> 1;
  const nPanels = (n + MR - 1) / MR;
  const tmp = scratch + (<usize>(kPairs * NR) << 2);
  const yStride = <usize>n << 2;
  for (let u = begin; u < end; u++) {
    const r0 = u * NR;
    const rows = min(NR, m - r0);
    gatherRows(a + (<usize>(r0 * k) << 2), scratch, rows, k, aZero);
    for (let mp = 0; mp < nPanels; mp++) {
      const panel = w + <usize>mp * (<usize>kPairs << 4);
      const at = <usize>(mp * MR) << 2;
      const out = y + (<usize>(r0 * n + mp * MR) << 2);
      const columns = min(MR, n - mp * MR);
      if (sums != 0) tile(panel, scratch, kPairs, bias + at, multiplier + at, out, yStride, columns, rows, yZero, lo, hi, tmp, true, true);
      else tile(panel, scratch, kPairs, bias + at, multiplier + at, out, yStride, columns, rows, yZero, lo, hi, tmp, false, true);
    }
  }
}

/**
 * Rows [0, rows) of A (row-major, k columns) as NR columns of (k, k + 1) i16 pairs minus the zero
 * point: pair i of row t at out + (i * NR + t) * 4. Rows past `rows` and the pair past an odd k read 0.
 */
function gatherRows(a: usize, out: usize, rows: i32, k: i32, aZero: i32): void {
  const zero = i32x4.splat(aZero);
  const kPairs = (k + 1) >> 1;
  const fullPairs = (k >> 3) << 2;
  const pairStride = <usize>NR << 2;
  for (let t = 0; t < NR; t++) {
    const row = a + (<usize>(t * k) << 2);
    const column = out + (<usize>t << 2);
    if (t >= rows) {
      for (let i = 0; i < kPairs; i++) store<i32>(column + <usize>i * pairStride, 0);
      continue;
    }
    let i = 0;
    // Four pairs (eight values) a step: narrowed to i16 they are the four pair words in order.
    for (; i < fullPairs; i += 4) {
      const lo = i32x4.sub(v128.load(row + (<usize>(2 * i) << 2)), zero);
      const hi = i32x4.sub(v128.load(row + (<usize>(2 * i) << 2), 16), zero);
      const words = i16x8.narrow_i32x4_s(lo, hi);
      const at = column + <usize>i * pairStride;
      v128.store32_lane(at, words, 0);
      v128.store32_lane(at + pairStride, words, 1);
      v128.store32_lane(at + 2 * pairStride, words, 2);
      v128.store32_lane(at + 3 * pairStride, words, 3);
    }
    for (; i < kPairs; i++) {
      const even = load<i32>(row + (<usize>(2 * i) << 2)) - aZero;
      const odd = 2 * i + 1 < k ? load<i32>(row + (<usize>(2 * i + 1) << 2)) - aZero : 0;
      store<i32>(column + <usize>i * pairStride, (even & 0xffff) | (odd << 16));
    }
  }
}
