// Quantized convolution of any kernel, stride, padding, dilation and groups without im2col (1x1 at
// stride 1 without padding is qconvPointwise4x8c2Dot16). A work unit is a band of output rows. Its
// input rows (the band plus the kernel's reach) are copied once into scratch (phase-planes.ts),
// per pair of channels (c, c + 1) as i16 pairs minus the zero point, zero-padded, and split into
// sh x sw phase planes
// (padded row r, column p go to phase (r % sh, p % sw) at (r / sh, p / sw)), each Wp = OW +
// (kw - 1) * dw / sw wide. Output position q = row * Wp + col then reads tap (ky, kx) at one shift
// from q in one phase plane: NR outputs of a tap are NR consecutive pairs, which the 4x8 tile of
// qconv-pointwise-4x8c2-dot16.ts loads as they lie (an im2col gathered them one by one: 9-13
// GFLOP/s on 3x3 layers, against 86 now). Columns col >= OW are computed and dropped:
// (kw - 1) * dw / sw of every Wp, 3.5% on human-pose-estimation-0001's 57-wide maps.
//
// Layouts:
//   x, y     int32 values NCHW
//   w        per group, per panel of MR output channels, for each tap (ky, kx) then each channel
//            pair, a row of MR (c even, c odd) i16 pairs, zero point subtracted (packed at load)
//   bias     int32 per channel, multiplier f32 per channel: per group, padded to whole panels
//   scratch  per channel pair, sh * sw phase planes of phaseRows = bandRows + (kh - 1) * dh / sh
//            rows of Wp pairs, then NR pairs; then kh * kw int32 tap offsets, then MR x NR int32
import { MR, NR } from '../conv/micro-kernel';
import { fillPhasePlanes } from './phase-planes';
import { tile } from './qconv-pointwise-4x8c2-dot16';

/**
 * Work units [begin, end) of batch x groups x ceil(OH / bandRows) x ceil(panels / panelsPerUnit)
 * (panels: ceil(CoutG / MR); small maps split their output channels too).
 * y = saturate(round((sum + bias) * multiplier) + yZero), clamped to [lo, hi]; with `sums`
 * (ConvInteger) y holds the int32 sums.
 */
export function qconvDirect4x8c2Dot16(
  x: usize, w: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  groups: i32, Cin: i32, H: i32, W: i32, CoutG: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  pt: i32, pl: i32, dh: i32, dw: i32, xZero: i32, yZero: i32, lo: i32, hi: i32, bandRows: i32, panelsPerUnit: i32, sums: i32, begin: i32, end: i32,
): void {
  const pairs = (Cin + 1) >> 1;
  const taps = kh * kw;
  const Wp = OW + (kw - 1) * dw / sw;
  const phaseRows = bandRows + (kh - 1) * dh / sh;
  const phaseBytes = <usize>(phaseRows * Wp) << 2;
  const planeBytes = phaseBytes * <usize>(sh * sw) + (<usize>NR << 2);
  const shifts = scratch + <usize>pairs * planeBytes;
  const tmp = shifts + (<usize>taps << 2);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const phase = (ky * dh % sh) * sw + kx * dw % sw;
      store<i32>(shifts + (<usize>(ky * kw + kx) << 2), <i32>(<usize>phase * phaseBytes) + ((ky * dh / sh * Wp + kx * dw / sw) << 2));
    }
  }
  const bands = (OH + bandRows - 1) / bandRows;
  const mPanels = (CoutG + MR - 1) / MR;
  const inPlaneBytes = <usize>(H * W) << 2;
  const outPlaneBytes = <usize>(OH * OW) << 2;
  const splits = (mPanels + panelsPerUnit - 1) / panelsPerUnit;
  for (let unit = begin; unit < end; unit++) {
    const u = unit / splits;
    const split = unit % splits;
    const image = u / (groups * bands);
    const g = (u / bands) % groups;
    const oy0 = (u % bands) * bandRows;
    const rows = min(bandRows, OH - oy0);
    const xGroup = x + <usize>(image * groups + g) * <usize>Cin * inPlaneBytes;
    const rowsIn = (rows - 1) * sh + (kh - 1) * dh + 1;
    // Padded row r, column p (input row oy0 * sh - pt + r, column p - pl) to phase (r % sh, p % sw).
    fillPhasePlanes(xGroup, scratch, planeBytes, phaseBytes, Cin, H, W, Wp, rowsIn, oy0 * sh - pt, -pl, sh, sw, 1, 1, xZero);
    // Output positions [0, last) of the band, row-major in rows of Wp.
    const last = (rows - 1) * Wp + OW;
    const channel0 = g * CoutG;
    const yBand = y + <usize>(image * groups * CoutG + channel0) * outPlaneBytes + (<usize>(oy0 * OW) << 2);
    for (let mp = split * panelsPerUnit; mp < min(mPanels, (split + 1) * panelsPerUnit); mp++) {
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
        tile(panel, scratch + (<usize>q << 2), pairs, bias + at, multiplier + at, yAt, outPlaneBytes, channels, inRow ? NR : 0, yZero, lo, hi, tmp, sums != 0, false, taps, shifts, planeBytes);
        if (!inRow) scatter(tmp, yPanel, outPlaneBytes, channels, q, min(last, q + NR), Wp, OW);
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
