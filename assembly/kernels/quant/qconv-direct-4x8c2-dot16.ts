// Quantized convolution at stride 1 with a kernel larger than 1x1, without im2col: the twin of
// qconvGemm4x8c2Dot16 for the 3x3 layers that dominate the quantized networks. A work unit is a
// band of output rows. Its input rows (the band plus the kernel's reach) are copied once into
// scratch as a zero-padded plane per pair of channels, each position one (c, c + 1) i16 pair minus
// the zero point, Wp = OW + (kw - 1) * dw positions a row. Output position q = row * Wp + col
// then reads tap (ky, kx) at plane position q + ky * dh * Wp + kx * dw: one shift per tap, so NR
// outputs of a tap are NR consecutive pairs, which the 4x8 tile loads as they lie (im2col gathered
// them one by one, at 9-13 GFLOP/s on 3x3 layers). Columns col >= OW are computed and dropped:
// (kw - 1) * dw of every Wp, 3.5% on human-pose-estimation-0001's 57-wide maps.
//
// Layouts:
//   x, y     int32 values NCHW
//   w        per group, per panel of MR output channels, for each tap (ky, kx) then each channel
//            pair, a row of MR (c even, c odd) i16 pairs, zero point subtracted (packed at load)
//   bias     int32 per channel, multiplier f32 per channel: per group, padded to whole panels
//   scratch  pairs planes of (bandRows + (kh - 1) * dh) * Wp + NR pairs, then kh * kw int32 tap
//            offsets, then MR x NR int32
import { MR, NR } from '../conv/micro-kernel';
import { tile } from './qconv-4x8c2-dot16';

/**
 * Work units [begin, end) of batch x groups x ceil(OH / bandRows).
 * y = saturate(round((sum + bias) * multiplier) + yZero), clamped to [lo, hi].
 */
export function qconvDirect4x8c2Dot16(
  x: usize, w: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  groups: i32, Cin: i32, H: i32, W: i32, CoutG: i32, OH: i32, OW: i32, kh: i32, kw: i32,
  pt: i32, pl: i32, dh: i32, dw: i32, xZero: i32, yZero: i32, lo: i32, hi: i32, bandRows: i32, begin: i32, end: i32,
): void {
  const pairs = (Cin + 1) >> 1;
  const taps = kh * kw;
  const Wp = OW + (kw - 1) * dw;
  const planeRows = bandRows + (kh - 1) * dh;
  const planeBytes = <usize>(planeRows * Wp + NR) << 2;
  const shifts = scratch + <usize>pairs * planeBytes;
  const tmp = shifts + (<usize>taps << 2);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) store<i32>(shifts + (<usize>(ky * kw + kx) << 2), (ky * dh * Wp + kx * dw) << 2);
  }
  const bands = (OH + bandRows - 1) / bandRows;
  const mPanels = (CoutG + MR - 1) / MR;
  const inPlaneBytes = <usize>(H * W) << 2;
  const outPlaneBytes = <usize>(OH * OW) << 2;
  for (let u = begin; u < end; u++) {
    const image = u / (groups * bands);
    const g = (u / bands) % groups;
    const oy0 = (u % bands) * bandRows;
    const rows = min(bandRows, OH - oy0);
    fillBand(x + <usize>(image * groups + g) * <usize>Cin * inPlaneBytes, scratch, planeBytes, Cin, H, W, Wp, rows + (kh - 1) * dh, oy0 - pt, pl, xZero);
    // Output positions [0, last) of the band, row-major in rows of Wp.
    const last = (rows - 1) * Wp + OW;
    const channel0 = g * CoutG;
    const yBand = y + <usize>(image * groups * CoutG + channel0) * outPlaneBytes + (<usize>(oy0 * OW) << 2);
    for (let mp = 0; mp < mPanels; mp++) {
      const panel = w + <usize>(g * mPanels + mp) * (<usize>(taps * pairs) << 4);
      const at = <usize>((g * mPanels + mp) * MR) << 2;
      const channels = min(MR, CoutG - mp * MR);
      const yPanel = yBand + <usize>(mp * MR) * outPlaneBytes;
      for (let q = 0; q < last; q += NR) {
        const row = q / Wp;
        const col = q - row * Wp;
        const yAt = yPanel + (<usize>(row * OW + col) << 2);
        // A tile inside one output row is stored in place; one crossing a row's end goes through tmp.
        const inRow = col + NR <= OW;
        tile(panel, scratch + (<usize>q << 2), pairs, bias + at, multiplier + at, yAt, outPlaneBytes, channels, inRow ? NR : 0, yZero, lo, hi, tmp, false, false, taps, shifts, planeBytes);
        if (!inRow) scatter(tmp, yPanel, outPlaneBytes, channels, q, min(last, q + NR), Wp, OW);
      }
    }
  }
}

/**
 * The band's padded input planes: plane i, position r * Wp + c holds the pair (channel 2i, channel
 * 2i + 1) of input row iy0 + r, column c - pl, minus the zero point; 0 outside the input, for a
 * missing odd channel, and in the NR positions past the last row (read only for dropped columns).
 */
function fillBand(x: usize, out: usize, planeBytes: usize, C: i32, H: i32, W: i32, Wp: i32, planeRows: i32, iy0: i32, pl: i32, xZero: i32): void {
  const zero = i32x4.splat(xZero);
  const rowBytes = <usize>(H * W) << 2;
  const c0 = max(0, pl);
  const c1 = min(Wp, pl + W);
  const vectorEnd = c0 + ((c1 - c0) & ~3);
  for (let i = 0; i < (C + 1) >> 1; i++) {
    const plane = out + <usize>i * planeBytes;
    const hasOdd = 2 * i + 1 < C;
    memory.fill(plane, 0, planeBytes);
    for (let r = 0; r < planeRows; r++) {
      const iy = iy0 + r;
      if (<u32>iy >= <u32>H) continue;
      const even = x + <usize>(2 * i) * rowBytes + (<usize>(iy * W - pl) << 2);
      const odd = even + rowBytes;
      const target = plane + (<usize>(r * Wp) << 2);
      let c = c0;
      for (; c < vectorEnd; c += 4) {
        const a = i32x4.sub(v128.load(even + (<usize>c << 2)), zero);
        const b = hasOdd ? i32x4.sub(v128.load(odd + (<usize>c << 2)), zero) : i32x4.splat(0);
        v128.store(target + (<usize>c << 2), v128.shuffle<i16>(i16x8.narrow_i32x4_s(a, b), i16x8.splat(0), 0, 4, 1, 5, 2, 6, 3, 7));
      }
      for (; c < c1; c++) {
        store<i16>(target + (<usize>c << 2), <i16>(load<i32>(even + (<usize>c << 2)) - xZero));
        store<i16>(target + (<usize>c << 2), <i16>(hasOdd ? load<i32>(odd + (<usize>c << 2)) - xZero : 0), 2);
      }
    }
  }
}

/** Positions [q0, q1) of a tile left in tmp (MR rows of NR) to their outputs, columns past OW dropped. */
function scatter(tmp: usize, y: usize, channelBytes: usize, channels: i32, q0: i32, q1: i32, Wp: i32, OW: i32): void {
  for (let q = q0; q < q1; q++) {
    const row = q / Wp;
    const col = q - row * Wp;
    if (col >= OW) continue;
    const at = y + (<usize>(row * OW + col) << 2);
    for (let m = 0; m < channels; m++) store<i32>(at + <usize>m * channelBytes, load<i32>(tmp + (<usize>(m * NR + q - q0) << 2)));
  }
}
