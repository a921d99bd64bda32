// Quantized 3x3 convolution (stride 1, groups 1, any dilation) by Winograd F(2x2, 3x3) in exact
// integer arithmetic. A tile of 2x2 outputs comes from a 4x4 input patch d:
//   4 Y = A^T [ sum over ci of U .* (B^T d B) ] A,   U = (2G) g (2G)^T
// B^T and A^T hold only 0 and +-1, and 2G only integers, so with the weights scaled by 4 every step
// is an integer sum and Y is exact: an arithmetic shift by 2 undoes the scale. V = B^T d B of input
// minus its zero point fits i16 (4 x 255), U fits i16 (9 x 255), and the plan checks that no sum
// can leave int32 (sum over channels of max |U| x max |V| x 9; it falls back to the direct kernel
// otherwise). The 16 element-wise products summed over channels are 16 matrix products
//   M_p[co][tile] = sum over ci of U_p[co][ci] V_p[ci][tile]   (p = 0..15)
// on the 4x8 int16-pair tile of qconv-pointwise-4x8c2-dot16.ts: 16 x 4 multiply-adds per 2x2
// outputs where the direct kernel does 36, at the same rate. (F(4x4, 3x3), the float path's, needs
// transform coefficients up to 5 and 8: its V and U leave 16 bits.)
//
// Dilation d: outputs whose row and column have the remainders (a, b) mod d form an ordinary 3x3
// convolution over the input rows a - pt + d m and columns b - pl + d n (an output phase); each
// phase is tiled on its own. A work unit is a band of tile rows of one phase. Its input (rows and
// columns of the phase, zero-padded) is copied into scratch per pair of channels (c, c + 1) as i16
// pairs minus the zero point, split into 2 x 2 parity planes of TW = tiles per row + 1 columns, so
// patch element (dy, dx) of tile q = tileRow * TW + tileColumn lies at one shift from q: eight tiles'
// elements are eight consecutive pairs, and both transforms run on vectors of tiles.
//
// Scratch: per channel pair, 4 parity planes of (bandTileRows + 1) x TW pairs, then NR pairs; 16
// int32 shifts; V: per block of NR tiles, 16 x pairs rows of NR pairs; M: per block, 16 x MR x NR
// int32; then 16 v128 for the input transform, MR x NR int32 for the tile, 4 x NR int32 of outputs,
// and per block 4 x NR int32 output offsets.
import { MR, NR } from '../conv/micro-kernel';
import { tile } from './qconv-pointwise-4x8c2-dot16';
import { fillPhasePlanes } from './phase-planes';
import { requantize4 } from './requantize';

/**
 * Work units [begin, end) of batch x dh x dw x ceil(ceil(ceil(OH / dh) / 2) / bandTileRows).
 * u: per panel of MR output channels, 16 matrices (p) of pairs rows of MR (ci even, ci odd) i16
 * pairs (packed at load); bias int32 and multiplier f32 per channel, padded to whole panels.
 */
export function qconvWinogradF2x3Dot16(
  x: usize, u: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  Cin: i32, H: i32, W: i32, Cout: i32, OH: i32, OW: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  xZero: i32, yZero: i32, lo: i32, hi: i32, bandTileRows: i32, begin: i32, end: i32,
): void {
  const pairs = (Cin + 1) >> 1;
  const TW = ((OW + dw - 1) / dw + 1) / 2 + 1;
  const phaseBytes = <usize>((bandTileRows + 1) * TW) << 2;
  const planeBytes = phaseBytes * 4 + (<usize>NR << 2);
  const blocksMax = (bandTileRows * TW + NR - 1) / NR;
  const shifts = scratch + <usize>pairs * planeBytes;
  const vBlockBytes = <usize>(16 * pairs * NR) << 2;
  const vBuffer = shifts + 64;
  const mBlockBytes = <usize>(16 * MR * NR) << 2;
  const mBuffer = vBuffer + vBlockBytes * <usize>blocksMax;
  const transformTmp = mBuffer + mBlockBytes * <usize>blocksMax;
  const tileTmp = transformTmp + 256;
  const outTmp = tileTmp + (<usize>(MR * NR) << 2);
  const targetBuffer = outTmp + (<usize>(4 * NR) << 2);
  for (let dy = 0; dy < 4; dy++) {
    for (let dx = 0; dx < 4; dx++) {
      store<i32>(shifts + (<usize>(dy * 4 + dx) << 2), <i32>(<usize>((dy & 1) * 2 + (dx & 1)) * phaseBytes) + (((dy >> 1) * TW + (dx >> 1)) << 2));
    }
  }
  const tilesHMax = ((OH + dh - 1) / dh + 1) / 2;
  const bands = (tilesHMax + bandTileRows - 1) / bandTileRows;
  const mPanels = (Cout + MR - 1) / MR;
  const inPlaneBytes = <usize>(H * W) << 2;
  for (let unit = begin; unit < end; unit++) {
    const image = unit / (dh * dw * bands);
    const a = (unit / (dw * bands)) % dh;
    const b = (unit / bands) % dw;
    const band = unit % bands;
    // The phase's outputs and tiles.
    const OHs = (OH - a + dh - 1) / dh;
    const OWs = (OW - b + dw - 1) / dw;
    const tilesH = (OHs + 1) >> 1;
    const tilesW = (OWs + 1) >> 1;
    const tr0 = band * bandTileRows;
    if (OWs <= 0 || tr0 >= tilesH) continue;
    const rows = min(bandTileRows, tilesH - tr0);
    const last = (rows - 1) * TW + tilesW;
    const blocks = (last + NR - 1) / NR;
    fillPhasePlanes(x + <usize>image * <usize>Cin * inPlaneBytes, scratch, planeBytes, phaseBytes, Cin, H, W, TW, 2 * rows + 2, a - pt + dh * 2 * tr0, b - pl, 2, 2, dh, dw, xZero);
    for (let k = 0; k < blocks; k++) transformInput(scratch, planeBytes, shifts, vBuffer + <usize>k * vBlockBytes, pairs, k * NR, transformTmp);
    outputTargets(targetBuffer, blocks * NR, last, TW, tilesW, tr0, OHs, OWs, a, b, dh, dw, OW);
    const yImage = y + <usize>image * <usize>Cout * (<usize>(OH * OW) << 2);
    for (let mp = 0; mp < mPanels; mp++) {
      for (let p = 0; p < 16; p++) {
        const panel = u + <usize>(mp * 16 + p) * (<usize>pairs << 4);
        for (let k = 0; k < blocks; k++) {
          tile(panel, vBuffer + <usize>k * vBlockBytes + <usize>p * (<usize>(pairs * NR) << 2), pairs, 0, 0,
            mBuffer + <usize>k * mBlockBytes + (<usize>(p * MR * NR) << 2), <usize>NR << 2, MR, NR, 0, 0, 0, tileTmp, true);
        }
      }
      for (let m = 0; m < min(MR, Cout - mp * MR); m++) {
        const co = mp * MR + m;
        const bias4 = i32x4.splat(load<i32>(bias + (<usize>co << 2)));
        const mult4 = f32x4.splat(load<f32>(multiplier + (<usize>co << 2)));
        const yPlane = yImage + <usize>co * (<usize>(OH * OW) << 2);
        for (let k = 0; k < blocks; k++) {
          const mRow = mBuffer + <usize>k * mBlockBytes + (<usize>(m * NR) << 2);
          for (let half = 0; half < 2; half++) transformOutput(mRow + (<usize>half << 4), outTmp + (<usize>half << 4), bias4, mult4, yZero, lo, hi);
          const targets = targetBuffer + (<usize>(k * 4 * NR) << 2);
          for (let j = 0; j < 4 * NR; j++) {
            const target = load<i32>(targets + (<usize>j << 2));
            if (target >= 0) store<i32>(yPlane + <usize>target, load<i32>(outTmp + (<usize>j << 2)));
          }
        }
      }
    }
  }
}

/**
 * V = B^T d B for the NR tiles from q0, every channel pair, both halves of four tiles: 16 rows of
 * V_p per pair, p = 4 * row + column, each NR pairs. The pairs' two i16 lanes are two channels,
 * transformed alike by i16x8 adds.
 */
function transformInput(planes: usize, planeBytes: usize, shifts: usize, v: usize, pairs: i32, q0: i32, tmp: usize): void {
  const rowBytes = <usize>(pairs * NR) << 2;
  for (let i = 0; i < pairs; i++) {
    const base = planes + <usize>i * planeBytes + (<usize>q0 << 2);
    for (let half: usize = 0; half < 32; half += 16) {
      // Rows: T[0] = d0 - d2, T[1] = d1 + d2, T[2] = d2 - d1, T[3] = d1 - d3, for each column.
      for (let c = 0; c < 4; c++) {
        const d0 = v128.load(base + half + <usize>load<i32>(shifts + (<usize>c << 2)));
        const d1 = v128.load(base + half + <usize>load<i32>(shifts + (<usize>(4 + c) << 2)));
        const d2 = v128.load(base + half + <usize>load<i32>(shifts + (<usize>(8 + c) << 2)));
        const d3 = v128.load(base + half + <usize>load<i32>(shifts + (<usize>(12 + c) << 2)));
        v128.store(tmp + (<usize>c << 4), i16x8.sub(d0, d2));
        v128.store(tmp + (<usize>(4 + c) << 4), i16x8.add(d1, d2));
        v128.store(tmp + (<usize>(8 + c) << 4), i16x8.sub(d2, d1));
        v128.store(tmp + (<usize>(12 + c) << 4), i16x8.sub(d1, d3));
      }
      // Columns, the same combination.
      for (let r = 0; r < 4; r++) {
        const t0 = v128.load(tmp + (<usize>(4 * r) << 4));
        const t1 = v128.load(tmp + (<usize>(4 * r + 1) << 4));
        const t2 = v128.load(tmp + (<usize>(4 * r + 2) << 4));
        const t3 = v128.load(tmp + (<usize>(4 * r + 3) << 4));
        const at = v + <usize>(4 * r * pairs + i) * (<usize>NR << 2) + half;
        v128.store(at, i16x8.sub(t0, t2));
        v128.store(at + rowBytes, i16x8.add(t1, t2));
        v128.store(at + 2 * rowBytes, i16x8.sub(t2, t1));
        v128.store(at + 3 * rowBytes, i16x8.sub(t1, t3));
      }
    }
  }
}

/**
 * Y = A^T M A / 4 for four tiles of one channel (M_p at m + p * MR * NR int32), requantized: the
 * 2x2 outputs (r, c) to out + (2r + c) * NR int32. A^T = [1 1 1 0; 0 1 -1 -1].
 */
@inline function transformOutput(m: usize, out: usize, bias4: v128, mult4: v128, yZero: i32, lo: i32, hi: i32): void {
  const stride = <usize>(MR * NR) << 2;
  const zero = i32x4.splat(yZero);
  const low = i32x4.splat(lo);
  const high = i32x4.splat(hi);
  for (let c = 0; c < 4; c++) {
    const m0 = v128.load(m + <usize>c * stride);
    const m1 = v128.load(m + <usize>(4 + c) * stride);
    const m2 = v128.load(m + <usize>(8 + c) * stride);
    const m3 = v128.load(m + <usize>(12 + c) * stride);
    // The two rows of A^T M overwrite M's rows 0 and 1 (p = c and 4 + c), read only here.
    v128.store(m + <usize>c * stride, i32x4.add(i32x4.add(m0, m1), m2));
    v128.store(m + <usize>(4 + c) * stride, i32x4.sub(i32x4.sub(m1, m2), m3));
  }
  for (let r = 0; r < 2; r++) {
    const t0 = v128.load(m + <usize>(4 * r) * stride);
    const t1 = v128.load(m + <usize>(4 * r + 1) * stride);
    const t2 = v128.load(m + <usize>(4 * r + 2) * stride);
    const t3 = v128.load(m + <usize>(4 * r + 3) * stride);
    const y0 = i32x4.shr_s(i32x4.add(i32x4.add(t0, t1), t2), 2);
    const y1 = i32x4.shr_s(i32x4.sub(i32x4.sub(t1, t2), t3), 2);
    v128.store(out + (<usize>(2 * r * NR) << 2), requantize4(y0, bias4, mult4, zero, low, high));
    v128.store(out + (<usize>((2 * r + 1) * NR) << 2), requantize4(y1, bias4, mult4, zero, low, high));
  }
}

/**
 * Where each of the band's outputs goes: for tile q and output (r, c), the byte offset in an output
 * plane at targets + 4 (q * 4 + 2r + c) (the layout of transformOutput's out, NR tiles at a time),
 * or -1 for what lies outside the phase (tiles past a row, rows and columns past the output).
 */
function outputTargets(targets: usize, tiles: i32, last: i32, TW: i32, tilesW: i32, tr0: i32, OHs: i32, OWs: i32, a: i32, b: i32, dh: i32, dw: i32, OW: i32): void {
  for (let q = 0; q < tiles; q++) {
    const tr = q / TW;
    const tc = q - tr * TW;
    for (let j = 0; j < 4; j++) {
      const oys = 2 * (tr0 + tr) + (j >> 1);
      const oxs = 2 * tc + (j & 1);
      const inside = q < last && tc < tilesW && oys < OHs && oxs < OWs;
      store<i32>(targets + (<usize>((q / NR) * 4 * NR + j * NR + q % NR) << 2), inside ? ((a + dh * oys) * OW + b + dw * oxs) << 2 : -1);
    }
  }
}
