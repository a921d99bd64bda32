// Quantized 1x1 convolution (stride 1, no padding, any groups): the integer twin of the float
// pointwise GEMM, and home of the 4x8 tile every quantized GEMM shares. Per block of output pixels
// the input, zero point subtracted, is gathered as 16-bit pairs of channels (c, c + 1) in tiles of
// NR pixels; a 4x8 tile of sums (MR = 4 output channels, NR = 8 pixels) accumulates in eight i32x4
// with `i32x4.dot_i16x8_s`: each instruction does 8 multiply-adds (two channels for four pixels
// of one output channel), against 4 for an f32x4 multiply-add. Inputs and weights minus their
// zero points fit 16 bits (uint8 - zero: -255..255), so every product and pair sum is exact in
// int32. Every other convolution runs on the same tile in qconv-direct-4x8c2-dot16.ts.
//
// The relaxed build runs this same code: relaxed SIMD's i8 dot (`i32x4.relaxed_dot_i8x16_i7x16_add_s`)
// is deterministic only for a second operand of 7 bits (0..127), which neither uint8 activations
// nor int8 weights are; splitting them into 7-bit halves costs the 2x it would gain.
//
// Layouts:
//   x, y     int32 values (the engine holds integer tensors as int32), NCHW
//   w        per group, per panel of MR output channels, kPairs rows of MR (c even, c odd) i16
//            pairs, zero point subtracted, zero past the last channel (packed at load)
//   bias     int32 per channel, multiplier f32 per channel: per group, padded to whole panels
//   scratch  ceil(block / NR) tiles of kPairs x NR pairs (4 bytes each), then MR x NR int32
import { MR, NR } from '../conv/micro-kernel';
import { requantizeHigh, requantizeLow, requantizeOffset, requantizeSum4 } from './requantize';

/**
 * Work units [begin, end) of batch x groups x ceil(pixels / block) x ceil(panels / panelsPerUnit)
 * (panels: ceil(CoutG / MR); small maps split their output channels too, so that every thread has
 * work); block a multiple of NR.
 * y = saturate(round((sum + bias) * multiplier) + yZero), clamped to [lo, hi].
 */
export function qconvPointwise4x8c2Dot16(
  x: usize, w: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  groups: i32, Cin: i32, CoutG: i32, pixels: i32, xZero: i32, yZero: i32, lo: i32, hi: i32, block: i32, panelsPerUnit: i32, begin: i32, end: i32,
): void {
  const kPairs = (Cin + 1) >> 1;
  const blocksPerImage = (pixels + block - 1) / block;
  const mPanels = (CoutG + MR - 1) / MR;
  const splits = (mPanels + panelsPerUnit - 1) / panelsPerUnit;
  const tileBytes = <usize>(kPairs * NR) << 2;
  const tmp = scratch + tileBytes * <usize>(block / NR);
  const rowBytes = <usize>pixels << 2;
  for (let unit = begin; unit < end; unit++) {
    const u = unit / splits;
    const split = unit % splits;
    const image = u / (groups * blocksPerImage);
    const g = (u / blocksPerImage) % groups;
    const p0 = (u % blocksPerImage) * block;
    const count = min(block, pixels - p0);
    gatherPointwise(x + <usize>(image * groups + g) * <usize>Cin * rowBytes + (<usize>p0 << 2), scratch, tileBytes, count, Cin, rowBytes, xZero);
    const channel0 = g * CoutG;
    const yBlock = y + <usize>(image * groups * CoutG + channel0) * rowBytes + (<usize>p0 << 2);
    for (let mp = split * panelsPerUnit; mp < min(mPanels, (split + 1) * panelsPerUnit); mp++) {
      const panel = w + <usize>(g * mPanels + mp) * (<usize>kPairs << 4);
      const at = <usize>((g * mPanels + mp) * MR) << 2;
      const rows = min(MR, CoutG - mp * MR);
      for (let t = 0; t * NR < count; t++) {
        tile(panel, scratch + <usize>t * tileBytes, kPairs, bias + at, multiplier + at, yBlock + <usize>(mp * MR) * rowBytes + (<usize>(t * NR) << 2), rowBytes, rows, min(NR, count - t * NR), yZero, lo, hi, tmp);
      }
    }
  }
}

/**
 * Channel rows c and c + 1 are the pair rows. NR pixels of each row narrowed to i16 (the values
 * fit: 8-bit integers), zero point subtracted, and interleaved per pixel by two shuffles.
 */
function gatherPointwise(x: usize, out: usize, tileBytes: usize, count: i32, C: i32, rowBytes: usize, xZero: i32): void {
  const zero = i16x8.splat(<i16>xZero);
  const pairs = (C + 1) >> 1;
  const full = count / NR * NR;
  for (let i = 0; i < pairs; i++) {
    const even = x + <usize>(2 * i) * rowBytes;
    const hasOdd = 2 * i + 1 < C;
    const odd = even + rowBytes;
    const row = <usize>i * (<usize>NR << 2);
    let at = out + row;
    let n = 0;
    for (; n < full; n += NR) {
      const p = <usize>n << 2;
      const a = i16x8.sub(i16x8.narrow_i32x4_s(v128.load(even + p), v128.load(even + p, 16)), zero);
      const b = hasOdd ? i16x8.sub(i16x8.narrow_i32x4_s(v128.load(odd + p), v128.load(odd + p, 16)), zero) : i16x8.splat(0);
      v128.store(at, v128.shuffle<i16>(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(at, v128.shuffle<i16>(a, b, 4, 12, 5, 13, 6, 14, 7, 15), 16);
      at += tileBytes;
    }
    const end = (count + NR - 1) / NR * NR;
    for (; n < end; n++) {
      const at = out + <usize>(n / NR) * tileBytes + row + (<usize>(n % NR) << 2);
      const inside = n < count;
      store<i16>(at, <i16>(inside ? load<i32>(even + (<usize>n << 2)) - xZero : 0));
      store<i16>(at, <i16>(inside && hasOdd ? load<i32>(odd + (<usize>n << 2)) - xZero : 0), 2);
    }
  }
}

/**
 * One MR x NR tile: sums over kPairs pairs, requantized (requantizeSum4: a finite multiplier, and
 * |lo - yZero|, |hi - yZero| <= 2^22) or, with `sums`, left as int32 sums,
 * stored for rows x cols, element (m, n) at y + m * yStride + 4n, or with `transposed` at
 * y + n * yStride + 4m (the matrix product's row-major output); partial tiles through tmp (cols 0:
 * the tile is left in tmp, MR rows of NR, for the caller to scatter).
 * The B rows: kPairs rows bStride apart from b, or, with `taps` > 1 (the direct convolution), kPairs
 * such rows per tap, starting at b + the tap's byte offset in `shifts` (taps int32); A's rows follow
 * one another in that order.
 */
@inline export function tile(
  a: usize, b: usize, kPairs: i32, bias: usize, multiplier: usize, y: usize, yStride: usize, rows: i32, cols: i32,
  yZero: i32, lo: i32, hi: i32, tmp: usize, sums: bool = false, transposed: bool = false,
  taps: i32 = 1, shifts: usize = 0, bStride: usize = <usize>NR << 2,
): void {
  // Requantized sums start from their bias (int32 addition: the same sum in any order).
  let c00 = sums ? i32x4.splat(0) : v128.load32_splat(bias, 0);
  let c01 = c00;
  let c10 = sums ? i32x4.splat(0) : v128.load32_splat(bias, 4);
  let c11 = c10;
  let c20 = sums ? i32x4.splat(0) : v128.load32_splat(bias, 8);
  let c21 = c20;
  let c30 = sums ? i32x4.splat(0) : v128.load32_splat(bias, 12);
  let c31 = c30;
  for (let tap = 0; tap < taps; tap++) {
    let bRow = taps > 1 ? b + <usize>load<i32>(shifts + (<usize>tap << 2)) : b;
    for (let i = 0; i < kPairs; i++) {
      const b0 = v128.load(bRow);
      const b1 = v128.load(bRow, 16);
      const a0 = v128.load32_splat(a, 0);
      c00 = i32x4.add(c00, i32x4.dot_i16x8_s(b0, a0));
      c01 = i32x4.add(c01, i32x4.dot_i16x8_s(b1, a0));
      const a1 = v128.load32_splat(a, 4);
      c10 = i32x4.add(c10, i32x4.dot_i16x8_s(b0, a1));
      c11 = i32x4.add(c11, i32x4.dot_i16x8_s(b1, a1));
      const a2 = v128.load32_splat(a, 8);
      c20 = i32x4.add(c20, i32x4.dot_i16x8_s(b0, a2));
      c21 = i32x4.add(c21, i32x4.dot_i16x8_s(b1, a2));
      const a3 = v128.load32_splat(a, 12);
      c30 = i32x4.add(c30, i32x4.dot_i16x8_s(b0, a3));
      c31 = i32x4.add(c31, i32x4.dot_i16x8_s(b1, a3));
      a += 16;
      bRow += bStride;
    }
  }
  if (!sums) {
    const offset = requantizeOffset(yZero);
    const low = requantizeLow(lo, yZero);
    const high = requantizeHigh(hi, yZero);
    const mult0 = v128.load32_splat(multiplier, 0);
    c00 = requantizeSum4(c00, mult0, offset, low, high);
    c01 = requantizeSum4(c01, mult0, offset, low, high);
    const mult1 = v128.load32_splat(multiplier, 4);
    c10 = requantizeSum4(c10, mult1, offset, low, high);
    c11 = requantizeSum4(c11, mult1, offset, low, high);
    const mult2 = v128.load32_splat(multiplier, 8);
    c20 = requantizeSum4(c20, mult2, offset, low, high);
    c21 = requantizeSum4(c21, mult2, offset, low, high);
    const mult3 = v128.load32_splat(multiplier, 12);
    c30 = requantizeSum4(c30, mult3, offset, low, high);
    c31 = requantizeSum4(c31, mult3, offset, low, high);
  }
  const full = !transposed && rows == MR && cols == NR;
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
    for (let n = 0; n < cols; n++) {
      const at = transposed ? y + <usize>n * yStride + (<usize>m << 2) : y + <usize>m * yStride + (<usize>n << 2);
      store<i32>(at, load<i32>(tmp + (<usize>(m * NR + n) << 2)));
    }
  }
}
