// Quantized 3x3 convolution (stride 1, groups 1, any dilation) by Winograd F(m x m, 3x3) in exact
// integer arithmetic, m = 4 (qconvWinogradF4x3Dot16) or m = 2 (qconvWinogradF2x3Dot16), one source.
// A tile of m x m outputs comes from an (m + 2) x (m + 2) input patch d (input minus its zero point):
//   s Y = A'^T [ sum over ci of U .* (B^T d B) ] A',   U = G' g G'^T
// where G' is G with each row scaled to integers and A' is A with those scales divided out of its
// columns and the least common multiple multiplied back in, so that every matrix holds integers and
// s is that multiple squared. The transformed operands fit i16 (they are dot16 operands):
//   F(2x2): B^T, A^T in {0, +-1}; G' = 2G (rows [2 0 0] [1 1 1] [1 -1 1] [0 0 2]); s = 4.
//           |V| <= 4 x 255, |U| <= 9 x 255.
//   F(4x4): B^T rows up to 4 and -5 (|row| <= 10), G' rows [1 0 0] [-1 -1 -1] [-1 1 -1] [1 2 4]
//           [1 -2 4] [0 0 1] (G's rows times 4, 6, 6, 24, 24, 1), A'^T = A^T diag(6, 4, 4, 1, 1, 24),
//           s = 576 = 9 x 64. |V| <= 100 x 255 = 25500, |U| <= 49 x 255 = 12495.
// Every sum of products is taken modulo 2^32 (i32 adds, dot16 pair sums, shifts by constants), a
// ring, so intermediate wrap-around is harmless: s Y mod 2^32 comes out exact. Y follows because s's
// odd factor is invertible modulo 2^32 (9 x 0x38E38E39 = 1) and its power of two is undone by an
// arithmetic shift, exact while |Y| < 2^31 / 64 (F(4x4)) or 2^31 / 4 (F(2x2)). The plan checks that
// bound from the actual weights (sum of |w - zero| times the largest |x - zero|) and otherwise
// takes F(2x2), then the direct kernel. F(4x4) does 36 products per 16 outputs where F(2x2) does 16
// per 4 and the direct kernel 144: the float path's F(4x4, 3x3), now in integers.
//
// The products summed over channels are P = (m + 2)^2 matrix products
//   M_p[co][tile] = sum over ci of U_p[co][ci] V_p[ci][tile]
// on the 4x8 int16-pair tile of qconv-pointwise-4x8c2-dot16.ts.
//
// Dilation d: outputs whose row and column have the remainders (a, b) mod d form an ordinary 3x3
// convolution over the input rows a - pt + d r and columns b - pl + d c (an output phase); each
// phase is tiled on its own. A work unit is a band of tile rows of one row phase a, in every
// column phase b, so that each panel of weights it streams serves all their tiles; units are
// ordered band before row phase, so a thread's contiguous share of them is a band of the image
// (src/nn/threads/worker-source.ts says why that matters). Each phase's input (its rows and
// columns, zero-padded) is copied into scratch per pair of channels (c, c + 1) as i16 pairs
// minus the zero point, split into m x m phase planes of TW = tiles per row + 1
// columns, so patch element (dy, dx) of tile q = tileRow * TW + tileColumn lies at one shift from
// q: eight tiles' elements are eight consecutive pairs, and both transforms run on vectors of tiles.
//
// Scratch: per channel pair, m x m phase planes of (bandTileRows + 1) x TW pairs, then NR pairs; P
// int32 shifts; V: per block of NR tiles (dw x ceil(bandTileRows x TW / NR) blocks), P x pairs rows
// of NR pairs; M: per block, P x MR x NR int32; then P v128 for the input transform, MR x NR int32
// for the tile, m x m x NR int32 of
// outputs (F(2x2): per output, NR tiles; F(4x4): per tile, its 16), and per block m x m x NR int32
// output offsets.
import { MR, NR } from '../conv/micro-kernel';
import { tile } from './qconv-pointwise-4x8c2-dot16';
import { fillPhasePlanes } from './phase-planes';
import { requantizeHigh, requantizeLow, requantizeOffset, requantizeSum4 } from './requantize';

/**
 * Work units [begin, end) of batch x ceil(ceil(ceil(OH / dh) / 4) / bandTileRows) x dh.
 * u: per panel of MR output channels, 36 matrices (p) of pairs rows of MR (ci even, ci odd) i16
 * pairs (packed at load); bias int32 and multiplier f32 per channel, padded to whole panels.
 */
export function qconvWinogradF4x3Dot16(
  x: usize, u: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  Cin: i32, H: i32, W: i32, Cout: i32, OH: i32, OW: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  xZero: i32, yZero: i32, lo: i32, hi: i32, bandTileRows: i32, begin: i32, end: i32,
): void {
  winograd(4, x, u, bias, multiplier, y, scratch, Cin, H, W, Cout, OH, OW, pt, pl, dh, dw, xZero, yZero, lo, hi, bandTileRows, begin, end);
}

/** As qconvWinogradF4x3Dot16 with 2x2 tiles: 16 matrices, units over ceil(ceil(OH / dh) / 2) tile rows. */
export function qconvWinogradF2x3Dot16(
  x: usize, u: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  Cin: i32, H: i32, W: i32, Cout: i32, OH: i32, OW: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  xZero: i32, yZero: i32, lo: i32, hi: i32, bandTileRows: i32, begin: i32, end: i32,
): void {
  winograd(2, x, u, bias, multiplier, y, scratch, Cin, H, W, Cout, OH, OW, pt, pl, dh, dw, xZero, yZero, lo, hi, bandTileRows, begin, end);
}

// Inlined into both entry points, so that m is a constant in each.
@inline function winograd(
  m: i32, x: usize, u: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  Cin: i32, H: i32, W: i32, Cout: i32, OH: i32, OW: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  xZero: i32, yZero: i32, lo: i32, hi: i32, bandTileRows: i32, begin: i32, end: i32,
): void {
  const alpha = m + 2;
  const P = alpha * alpha;
  const outputs = m * m;
  const pairs = (Cin + 1) >> 1;
  const TW = ((OW + dw - 1) / dw + m - 1) / m + 1;
  const phaseBytes = <usize>((bandTileRows + 1) * TW) << 2;
  const planeBytes = phaseBytes * <usize>outputs + (<usize>NR << 2);
  // A unit's blocks: those of every column phase of its band (dw of them), so that each panel of
  // weights it streams serves them all.
  const blocksMax = dw * ((bandTileRows * TW + NR - 1) / NR);
  const shifts = scratch + <usize>pairs * planeBytes;
  const vBlockBytes = <usize>(P * pairs * NR) << 2;
  const vBuffer = shifts + (<usize>P << 2);
  const mBlockBytes = <usize>(P * MR * NR) << 2;
  const mBuffer = vBuffer + vBlockBytes * <usize>blocksMax;
  const transformTmp = mBuffer + mBlockBytes * <usize>blocksMax;
  const tileTmp = transformTmp + (<usize>P << 4);
  const outTmp = tileTmp + (<usize>(MR * NR) << 2);
  const targetBuffer = outTmp + (<usize>(outputs * NR) << 2);
  for (let dy = 0; dy < alpha; dy++) {
    for (let dx = 0; dx < alpha; dx++) {
      store<i32>(shifts + (<usize>(dy * alpha + dx) << 2), <i32>(<usize>((dy % m) * m + dx % m) * phaseBytes) + (((dy / m) * TW + dx / m) << 2));
    }
  }
  const tilesHMax = ((OH + dh - 1) / dh + m - 1) / m;
  const bands = (tilesHMax + bandTileRows - 1) / bandTileRows;
  const mPanels = (Cout + MR - 1) / MR;
  const offset = requantizeOffset(yZero);
  const low = requantizeLow(lo, yZero);
  const high = requantizeHigh(hi, yZero);
  const inPlaneBytes = <usize>(H * W) << 2;
  for (let unit = begin; unit < end; unit++) {
    const image = unit / (dh * bands);
    const band = (unit / dh) % bands;
    const a = unit % dh;
    // The row phase's outputs and tiles.
    const OHs = (OH - a + dh - 1) / dh;
    const tilesH = (OHs + m - 1) / m;
    const tr0 = band * bandTileRows;
    if (tr0 >= tilesH) continue;
    const rows = min(bandTileRows, tilesH - tr0);
    // Each column phase b: its input into the planes, at once transformed into its blocks of V.
    let blocks = 0;
    for (let b = 0; b < dw; b++) {
      const OWs = (OW - b + dw - 1) / dw;
      if (OWs <= 0) continue;
      const tilesW = (OWs + m - 1) / m;
      const last = (rows - 1) * TW + tilesW;
      const phaseBlocks = (last + NR - 1) / NR;
      fillPhasePlanes(x + <usize>image * <usize>Cin * inPlaneBytes, scratch, planeBytes, phaseBytes, Cin, H, W, TW, m * rows + 2, a - pt + dh * m * tr0, b - pl, m, m, dh, dw, xZero);
      for (let k = 0; k < phaseBlocks; k++) {
        const v = vBuffer + <usize>(blocks + k) * vBlockBytes;
        if (m == 2) transformInput2x3(scratch, planeBytes, shifts, v, pairs, k * NR, transformTmp);
        else transformInput4x3(scratch, planeBytes, shifts, v, pairs, k * NR, transformTmp);
      }
      outputTargets(m, targetBuffer + (<usize>(blocks * outputs * NR) << 2), phaseBlocks * NR, last, TW, tilesW, tr0, OHs, OWs, a, b, dh, dw, OW);
      blocks += phaseBlocks;
    }
    const yImage = y + <usize>image * <usize>Cout * (<usize>(OH * OW) << 2);
    for (let mp = 0; mp < mPanels; mp++) {
      for (let p = 0; p < P; p++) {
        const panel = u + <usize>(mp * P + p) * (<usize>pairs << 4);
        for (let k = 0; k < blocks; k++) {
          tile(panel, vBuffer + <usize>k * vBlockBytes + <usize>p * (<usize>(pairs * NR) << 2), pairs, 0, 0,
            mBuffer + <usize>k * mBlockBytes + (<usize>(p * MR * NR) << 2), <usize>NR << 2, MR, NR, 0, 0, 0, tileTmp, true);
        }
      }
      for (let r = 0; r < min(MR, Cout - mp * MR); r++) {
        const co = mp * MR + r;
        const bias4 = i32x4.splat(load<i32>(bias + (<usize>co << 2)));
        const mult4 = f32x4.splat(load<f32>(multiplier + (<usize>co << 2)));
        const yPlane = yImage + <usize>co * (<usize>(OH * OW) << 2);
        for (let k = 0; k < blocks; k++) {
          const mRow = mBuffer + <usize>k * mBlockBytes + (<usize>(r * NR) << 2);
          const targets = targetBuffer + (<usize>(k * outputs * NR) << 2);
          if (m == 2) {
            for (let half = 0; half < 2; half++) transformOutput2x3(mRow + (<usize>half << 4), outTmp + (<usize>half << 4), bias4, mult4, offset, low, high);
            for (let j = 0; j < outputs * NR; j++) {
              const target = load<i32>(targets + (<usize>j << 2));
              if (target >= 0) store<i32>(yPlane + <usize>target, load<i32>(outTmp + (<usize>j << 2)));
            }
          } else {
            for (let half = 0; half < 2; half++) transformOutput4x3(mRow + (<usize>half << 4), outTmp + (<usize>half << 8), bias4, mult4, offset, low, high);
            storeTiles4x4(outTmp, targets, yPlane, dw);
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
function transformInput2x3(planes: usize, planeBytes: usize, shifts: usize, v: usize, pairs: i32, q0: i32, tmp: usize): void {
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
 * V = B^T d B of F(4x4, 3x3), laid out as transformInput2x3's with 36 rows (p = 6 * row + column).
 * B^T's rows: [4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0]
 * [0 4 0 -5 0 1]; i16 arithmetic wraps, and the results fit i16, so they are exact.
 */
function transformInput4x3(planes: usize, planeBytes: usize, shifts: usize, v: usize, pairs: i32, q0: i32, tmp: usize): void {
  const rowBytes = <usize>(pairs * NR) << 2;
  // A shift is a row's part plus a column's (shift(dy, dx) = shift(dy, 0) + shift(0, dx)): the rows'
  // parts held in locals, not loaded per tap.
  const row1 = <usize>load<i32>(shifts, 6 << 2);
  const row2 = <usize>load<i32>(shifts, 12 << 2);
  const row3 = <usize>load<i32>(shifts, 18 << 2);
  const row4 = <usize>load<i32>(shifts, 24 << 2);
  const row5 = <usize>load<i32>(shifts, 30 << 2);
  for (let i = 0; i < pairs; i++) {
    const base = planes + <usize>i * planeBytes + (<usize>q0 << 2);
    for (let half: usize = 0; half < 32; half += 16) {
      for (let c = 0; c < 6; c++) {
        const column = base + half + <usize>load<i32>(shifts + (<usize>c << 2));
        b4x3(v128.load(column), v128.load(column + row1), v128.load(column + row2), v128.load(column + row3),
          v128.load(column + row4), v128.load(column + row5), tmp + (<usize>c << 4), 6 << 4);
      }
      for (let r = 0; r < 6; r++) {
        const row = tmp + (<usize>(6 * r) << 4);
        b4x3(v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48), v128.load(row, 64), v128.load(row, 80),
          v + <usize>(6 * r * pairs + i) * (<usize>NR << 2) + half, rowBytes);
      }
    }
  }
}

/** The six rows of B^T [d0 .. d5] of F(4x4, 3x3), to out + j * stride. */
@inline function b4x3(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, out: usize, stride: usize): void {
  const s12 = i16x8.add(d1, d2);
  const d12 = i16x8.sub(d1, d2);
  const s34 = i16x8.add(d3, d4);
  const d43 = i16x8.sub(d4, d3);
  const d42 = i16x8.sub(d4, d2);
  const d31 = i16x8.shl(i16x8.sub(d3, d1), 1);
  // 4 d0 - 5 d2 + d4 = 4 (d0 - d2) + (d4 - d2); 4 d1 - 5 d3 + d5 = 4 (d1 - d3) + (d5 - d3).
  v128.store(out, i16x8.add(i16x8.shl(i16x8.sub(d0, d2), 2), d42));
  v128.store(out + stride, i16x8.sub(s34, i16x8.shl(s12, 2)));
  v128.store(out + 2 * stride, i16x8.add(d43, i16x8.shl(d12, 2)));
  v128.store(out + 3 * stride, i16x8.add(d42, d31));
  v128.store(out + 4 * stride, i16x8.sub(d42, d31));
  v128.store(out + 5 * stride, i16x8.add(i16x8.shl(i16x8.sub(d1, d3), 2), i16x8.sub(d5, d3)));
}

/**
 * Y = A^T M A / 4 for four tiles of one channel (M_p at m + p * MR * NR int32), requantized: the
 * 2x2 outputs (r, c) to out + (2r + c) * NR int32. A^T = [1 1 1 0; 0 1 -1 -1].
 */
@inline function transformOutput2x3(m: usize, out: usize, bias4: v128, mult4: v128, offset: v128, low: v128, high: v128): void {
  const stride = <usize>(MR * NR) << 2;
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
    const y0 = i32x4.add(i32x4.shr_s(i32x4.add(i32x4.add(t0, t1), t2), 2), bias4);
    const y1 = i32x4.add(i32x4.shr_s(i32x4.sub(i32x4.sub(t1, t2), t3), 2), bias4);
    v128.store(out + (<usize>(2 * r * NR) << 2), requantizeSum4(y0, mult4, offset, low, high));
    v128.store(out + (<usize>((2 * r + 1) * NR) << 2), requantizeSum4(y1, mult4, offset, low, high));
  }
}

/** 9^-1 modulo 2^32: 576 Y times it is 64 Y modulo 2^32. */
const INVERSE_OF_9: i32 = 0x38E38E39;

/**
 * Y = A'^T M A' / 576 for four tiles of one channel (M_p at m + p * MR * NR int32, p = 6 row +
 * column), requantized: tile t's 4x4 outputs, row-major, to out + 16 t int32.
 * A'^T = [6 4 4 1 1 0; 0 4 -4 2 -2 0; 0 4 4 4 4 0; 0 4 -4 8 -8 24].
 */
@inline function transformOutput4x3(m: usize, out: usize, bias4: v128, mult4: v128, offset: v128, low: v128, high: v128): void {
  const stride = <usize>(MR * NR) << 2;
  const inverse = i32x4.splat(INVERSE_OF_9);
  // The four rows of A'^T M overwrite M's rows 0..3 (p = c, 6 + c, 12 + c, 18 + c), read only here.
  for (let c = 0; c < 6; c++) {
    const at = m + <usize>c * stride;
    a4x3(v128.load(at), v128.load(at + 6 * stride), v128.load(at + 12 * stride), v128.load(at + 18 * stride),
      v128.load(at + 24 * stride), v128.load(at + 30 * stride), at, 6 * stride);
  }
  for (let r = 0; r < 4; r++) {
    const row = m + <usize>(6 * r) * stride;
    // A'^T's rows on this row of A'^T M, as a4x3 computes them, kept in registers.
    const m0 = v128.load(row);
    const m5 = v128.load(row + 5 * stride);
    const s12 = i32x4.shl(i32x4.add(v128.load(row + stride), v128.load(row + 2 * stride)), 2);
    const d12 = i32x4.shl(i32x4.sub(v128.load(row + stride), v128.load(row + 2 * stride)), 2);
    const s34 = i32x4.add(v128.load(row + 3 * stride), v128.load(row + 4 * stride));
    const d34 = i32x4.sub(v128.load(row + 3 * stride), v128.load(row + 4 * stride));
    const z0 = i32x4.add(i32x4.add(i32x4.add(i32x4.shl(m0, 2), i32x4.shl(m0, 1)), s12), s34);
    const z1 = i32x4.add(d12, i32x4.shl(d34, 1));
    const z2 = i32x4.add(s12, i32x4.shl(s34, 2));
    const z3 = i32x4.add(i32x4.add(d12, i32x4.shl(d34, 3)), i32x4.add(i32x4.shl(m5, 4), i32x4.shl(m5, 3)));
    const y0 = requantizeSum4(i32x4.add(i32x4.shr_s(i32x4.mul(z0, inverse), 6), bias4), mult4, offset, low, high);
    const y1 = requantizeSum4(i32x4.add(i32x4.shr_s(i32x4.mul(z1, inverse), 6), bias4), mult4, offset, low, high);
    const y2 = requantizeSum4(i32x4.add(i32x4.shr_s(i32x4.mul(z2, inverse), 6), bias4), mult4, offset, low, high);
    const y3 = requantizeSum4(i32x4.add(i32x4.shr_s(i32x4.mul(z3, inverse), 6), bias4), mult4, offset, low, high);
    // Lanes are tiles: transpose so that each tile's row of four outputs is one vector.
    const low01 = v128.shuffle<i32>(y0, y1, 0, 4, 1, 5);
    const low23 = v128.shuffle<i32>(y2, y3, 0, 4, 1, 5);
    const high01 = v128.shuffle<i32>(y0, y1, 2, 6, 3, 7);
    const high23 = v128.shuffle<i32>(y2, y3, 2, 6, 3, 7);
    const at = out + (<usize>r << 4);
    v128.store(at, v128.shuffle<i64>(low01, low23, 0, 2));
    v128.store(at, v128.shuffle<i64>(low01, low23, 1, 3), 64);
    v128.store(at, v128.shuffle<i64>(high01, high23, 0, 2), 128);
    v128.store(at, v128.shuffle<i64>(high01, high23, 1, 3), 192);
  }
}

/**
 * NR tiles' 4x4 outputs (tile t's row-major at values + 16 t int32) to their targets (see
 * outputTargets): a row of four whole outputs by one store (dw == 1) or four lane stores (dw
 * apart), the rest one by one.
 */
@inline function storeTiles4x4(values: usize, targets: usize, yPlane: usize, dw: i32): void {
  const step = <usize>dw << 2;
  for (let t = 0; t < NR; t++) {
    for (let r = 0; r < 4; r++) {
      const row = values + (<usize>(16 * t + 4 * r) << 2);
      const first = load<i32>(targets + (<usize>(4 * r * NR + t) << 2));
      if (first >= 0 && load<i32>(targets + (<usize>((4 * r + 3) * NR + t) << 2)) == first + 3 * dw * 4) {
        const at = yPlane + <usize>first;
        const v = v128.load(row);
        if (dw == 1) {
          v128.store(at, v);
        } else {
          v128.store32_lane(at, v, 0);
          v128.store32_lane(at + step, v, 1);
          v128.store32_lane(at + 2 * step, v, 2);
          v128.store32_lane(at + 3 * step, v, 3);
        }
        continue;
      }
      for (let c = 0; c < 4; c++) {
        const target = load<i32>(targets + (<usize>((4 * r + c) * NR + t) << 2));
        if (target >= 0) store<i32>(yPlane + <usize>target, load<i32>(row + (<usize>c << 2)));
      }
    }
  }
}

/** The four rows of A'^T [m0 .. m5] of F(4x4, 3x3), to out + j * stride. */
@inline function a4x3(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, out: usize, stride: usize): void {
  const s12 = i32x4.shl(i32x4.add(m1, m2), 2);
  const d12 = i32x4.shl(i32x4.sub(m1, m2), 2);
  const s34 = i32x4.add(m3, m4);
  const d34 = i32x4.sub(m3, m4);
  const m0x6 = i32x4.add(i32x4.shl(m0, 2), i32x4.shl(m0, 1));
  const m5x24 = i32x4.add(i32x4.shl(m5, 4), i32x4.shl(m5, 3));
  v128.store(out, i32x4.add(i32x4.add(m0x6, s12), s34));
  v128.store(out + stride, i32x4.add(d12, i32x4.shl(d34, 1)));
  v128.store(out + 2 * stride, i32x4.add(s12, i32x4.shl(s34, 2)));
  v128.store(out + 3 * stride, i32x4.add(i32x4.add(d12, i32x4.shl(d34, 3)), m5x24));
}

/**
 * Where each of the band's outputs goes: for tile q and output (r, c) of its m x m, the byte offset
 * in an output plane at targets + 4 ((q / NR) m^2 NR + (m r + c) NR + q % NR) (the layout of the
 * output transforms' out, NR tiles at a time), or -1 for what lies outside the phase (tiles past a
 * row, rows and columns past the output).
 */
function outputTargets(m: i32, targets: usize, tiles: i32, last: i32, TW: i32, tilesW: i32, tr0: i32, OHs: i32, OWs: i32, a: i32, b: i32, dh: i32, dw: i32, OW: i32): void {
  const outputs = m * m;
  for (let q = 0; q < tiles; q++) {
    const tr = q / TW;
    const tc = q - tr * TW;
    for (let j = 0; j < outputs; j++) {
      const oys = m * (tr0 + tr) + j / m;
      const oxs = m * tc + j % m;
      const inside = q < last && tc < tilesW && oys < OHs && oxs < OWs;
      store<i32>(targets + (<usize>((q / NR) * outputs * NR + j * NR + q % NR) << 2), inside ? ((a + dh * oys) * OW + b + dw * oxs) << 2 : -1);
    }
  }
}
