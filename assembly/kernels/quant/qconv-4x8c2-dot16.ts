// Quantized convolution, any kernel size, stride, padding, dilation and groups: the integer twin
// of convDense. Per block of output pixels, im2col gathers the input with its zero point
// subtracted as 16-bit pairs (k, k+1) in tiles of NR pixels; a 4x8 tile of sums (MR = 4 output
// channels, NR = 8 pixels) accumulates in eight i32x4 with `i32x4.dot_i16x8_s`: each instruction
// does 8 multiply-adds (two taps for four pixels of one channel), against 4 for an f32x4
// multiply-add. Inputs and weights minus their zero points fit 16 bits (uint8 - zero: -255..255),
// so every product and pair sum is exact in int32.
//
// The relaxed build runs this same code: relaxed SIMD's i8 dot (`i32x4.relaxed_dot_i8x16_i7x16_add_s`)
// is deterministic only for a second operand of 7 bits (0..127), which neither uint8 activations
// nor int8 weights are; splitting them into 7-bit halves costs the 2x it would gain.
//
// Layouts:
//   x, y     int32 values (the engine holds integer tensors as int32), NCHW
//   w        per group, per panel of MR output channels, kPairs rows of MR (k even, k odd) i16
//            pairs, zero point subtracted, zero past the last channel and k (packed at load)
//   bias     int32 per channel, multiplier f32 per channel: per group, padded to whole panels
//   scratch  ceil(block / NR) tiles of kPairs x NR pairs (4 bytes each), then MR x NR int32, then
//            2 x block int32 (each pixel's first input row and column)
import { MR, NR } from '../conv/micro-kernel';
import { requantize4 } from './requantize';

/**
 * Work units [begin, end) of batch x groups x ceil(OH * OW / block); block a multiple of NR.
 * y = saturate(round((sum + bias) * multiplier) + yZero), clamped to [lo, hi].
 */
export function qconvGemm4x8c2Dot16(
  x: usize, w: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  groups: i32, Cin: i32, H: i32, W: i32, CoutG: i32, OH: i32, OW: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  xZero: i32, yZero: i32, lo: i32, hi: i32, block: i32, begin: i32, end: i32,
): void {
  const pixels = OH * OW;
  const k = Cin * kh * kw;
  const kPairs = (k + 1) >> 1;
  const blocksPerImage = (pixels + block - 1) / block;
  const mPanels = (CoutG + MR - 1) / MR;
  const tileBytes = <usize>(kPairs * NR) << 2;
  const tmp = scratch + tileBytes * <usize>(block / NR);
  const planeBytes = <usize>(H * W) << 2;
  const rowBytes = <usize>pixels << 2;
  for (let u = begin; u < end; u++) {
    const image = u / (groups * blocksPerImage);
    const g = (u / blocksPerImage) % groups;
    const p0 = (u % blocksPerImage) * block;
    const count = min(block, pixels - p0);
    const xGroup = x + <usize>(image * groups + g) * <usize>Cin * planeBytes;
    if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0) gatherPointwise(xGroup + (<usize>p0 << 2), scratch, tileBytes, count, Cin, <usize>pixels << 2, xZero);
    else gather(xGroup, scratch, tmp + (<usize>(MR * NR) << 2), tileBytes, p0, count, k, kh, kw, H, W, OW, sh, sw, pt, pl, dh, dw, xZero);
    const channel0 = g * CoutG;
    const yBlock = y + <usize>(image * groups * CoutG + channel0) * rowBytes + (<usize>p0 << 2);
    for (let mp = 0; mp < mPanels; mp++) {
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
 * 1x1, stride 1, no padding: channel rows c and c + 1 are the pair rows. Four pixels of each row,
 * zero point subtracted, narrowed to i16 and interleaved per pixel by one shuffle.
 */
function gatherPointwise(x: usize, out: usize, tileBytes: usize, count: i32, C: i32, rowBytes: usize, xZero: i32): void {
  const zero = i32x4.splat(xZero);
  const pairs = (C + 1) >> 1;
  const full = count & ~3;
  for (let i = 0; i < pairs; i++) {
    const even = x + <usize>(2 * i) * rowBytes;
    const hasOdd = 2 * i + 1 < C;
    const odd = even + rowBytes;
    const row = <usize>i * (<usize>NR << 2);
    let n = 0;
    for (; n < full; n += 4) {
      const a = i32x4.sub(v128.load(even + (<usize>n << 2)), zero);
      const b = hasOdd ? i32x4.sub(v128.load(odd + (<usize>n << 2)), zero) : i32x4.splat(0);
      const interleaved = v128.shuffle<i16>(i16x8.narrow_i32x4_s(a, b), i16x8.splat(0), 0, 4, 1, 5, 2, 6, 3, 7);
      v128.store(out + <usize>(n / NR) * tileBytes + row + (<usize>(n % NR) << 2), interleaved);
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
 * im2col of pixels [p0, p0 + count) as (k, k + 1) pairs of input minus its zero point; padding
 * and lanes past count read 0. bases: scratch for each pixel's first input row and column.
 */
function gather(
  x: usize, out: usize, bases: usize, tileBytes: usize, p0: i32, count: i32, k: i32, kh: i32, kw: i32, H: i32, W: i32, OW: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32, xZero: i32,
): void {
  const taps = kh * kw;
  const kEven = (k + 1) & ~1;
  const columns = (count + NR - 1) / NR * NR;
  const cols = bases + (<usize>columns << 2);
  for (let n = 0; n < count; n++) {
    const p = p0 + n;
    const oy = p / OW;
    store<i32>(bases + (<usize>n << 2), oy * sh - pt);
    store<i32>(cols + (<usize>n << 2), (p - oy * OW) * sw - pl);
  }
  for (let kk = 0; kk < kEven; kk++) {
    const c = kk / taps;
    const ky = (kk % taps) / kw;
    const kx = kk % kw;
    const plane = x + (<usize>(c * H * W) << 2);
    const rowOffset = <usize>(kk >> 1) * (<usize>NR << 2) + (<usize>(kk & 1) << 1);
    const real = kk < k;
    for (let n = 0; n < columns; n++) {
      let v = 0;
      if (real && n < count) {
        const iy = load<i32>(bases + (<usize>n << 2)) + ky * dh;
        const ix = load<i32>(cols + (<usize>n << 2)) + kx * dw;
        if (<u32>iy < <u32>H && <u32>ix < <u32>W) v = load<i32>(plane + (<usize>(iy * W + ix) << 2)) - xZero;
      }
      store<i16>(out + <usize>(n / NR) * tileBytes + rowOffset + (<usize>(n % NR) << 2), <i16>v);
    }
  }
}

/**
 * One MR x NR tile: sums over kPairs pairs, requantized (or, with `sums`, left as int32 sums),
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
  let c00 = i32x4.splat(0);
  let c01 = i32x4.splat(0);
  let c10 = i32x4.splat(0);
  let c11 = i32x4.splat(0);
  let c20 = i32x4.splat(0);
  let c21 = i32x4.splat(0);
  let c30 = i32x4.splat(0);
  let c31 = i32x4.splat(0);
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
    const zero = i32x4.splat(yZero);
    const low = i32x4.splat(lo);
    const high = i32x4.splat(hi);
    const bias0 = v128.load32_splat(bias, 0);
    const mult0 = v128.load32_splat(multiplier, 0);
    c00 = requantize4(c00, bias0, mult0, zero, low, high);
    c01 = requantize4(c01, bias0, mult0, zero, low, high);
    const bias1 = v128.load32_splat(bias, 4);
    const mult1 = v128.load32_splat(multiplier, 4);
    c10 = requantize4(c10, bias1, mult1, zero, low, high);
    c11 = requantize4(c11, bias1, mult1, zero, low, high);
    const bias2 = v128.load32_splat(bias, 8);
    const mult2 = v128.load32_splat(multiplier, 8);
    c20 = requantize4(c20, bias2, mult2, zero, low, high);
    c21 = requantize4(c21, bias2, mult2, zero, low, high);
    const bias3 = v128.load32_splat(bias, 12);
    const mult3 = v128.load32_splat(multiplier, 12);
    c30 = requantize4(c30, bias3, mult3, zero, low, high);
    c31 = requantize4(c31, bias3, mult3, zero, low, high);
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
