// Winograd F(4x4, 3x3) convolution (Lavin & Gray 2015; interpolation points 0, 1, -1, 2, -2 and
// infinity) for 3x3 kernels at stride 1, groups 1, any dilation. Each 4x4 block of outputs (a
// tile) comes from a 6x6 input patch d: Y = A^T [ sum over ci of (G g G^T) .* (B^T d B) ] A. The
// element-wise products summed over input channels are 36 independent matrix products
//   M_xi[co][tile] = sum over ci of U_xi[co][ci] * V_xi[ci][tile]     (xi = 0..35)
// with U = G g G^T transformed and packed at plan time (src/nn/ops/conv/winograd.ts) and V = B^T d B
// computed here, per work unit of `block` tiles, into scratch. They run on the convolution
// micro-kernel; the output transform A^T m A is fused with bias and activation. The plain
// TypeScript reference of the same algorithm is winogradConvReference in src/nn/ops/conv/winograd.ts.
//
// Dilation d: the outputs whose row and column have the same remainders mod d (a "phase") form an
// ordinary stride-1 3x3 convolution over the input rows and columns of those remainders, so a tile
// is 4x4 outputs d apart and its patch 6x6 inputs d apart. Tiles are numbered image, tile row,
// phase, tile column (a tile row of every phase covers one band of 4 d output rows, so a run of
// units is a band of the image); the tile grid of every phase is ceil(ceil(OH / dh) / 4) x
// ceil(ceil(OW / dw) / 4), outputs of edge tiles past the output are computed and dropped.
//
// Vectors run across four horizontally adjacent tiles (lane = tile), so both transforms are plain
// f32x4 arithmetic; the input of a run of tiles is first copied with its zero padding into a strip
// of 6 rows, which needs no bounds checks afterwards.
import { activate4 } from './activation';
import { MR, NR, tile } from './micro-kernel';

@inline function stripWidth(tiles: i32): i32 {
  return 4 * ((tiles + 3) & ~3) + 4;
}

/**
 * Work units [begin, end) of batch x ceil(tilesPerImage / block): `block` consecutive tiles of one
 * image. u: the transformed weights, ceil(Cout / MR) panels, each 36 matrices of Cin x MR (see
 * packWinogradWeights). bias: ceil(Cout / MR) * MR floats, or 0. params: two floats per output
 * channel for the activation `act`. scratch: winogradScratchFloats(Cin, block) floats
 * (src/nn/ops/conv/winograd.ts).
 */
export function convWinograd(
  x: usize, u: usize, bias: usize, params: usize, y: usize, scratch: usize,
  Cin: i32, H: i32, W: i32, Cout: i32, OH: i32, OW: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  tilesH: i32, tilesW: i32, block: i32, act: i32, begin: i32, end: i32,
): void {
  const tilesPerImage = dh * dw * tilesH * tilesW;
  const unitsPerImage = (tilesPerImage + block - 1) / block;
  // V and M rows: the micro-kernel's whole columns, and room for a last group of four tiles read whole.
  const rowFloats = (block + NR - 1) / NR * NR + 4;
  const vBytes = <usize>(36 * Cin * rowFloats) << 2;
  const v = scratch;
  const m = v + vBytes;
  const strip = m + (<usize>(36 * MR * rowFloats) << 2);
  const work = strip + (<usize>(6 * stripWidth(block)) << 2);
  const outs = work + (36 * 4 << 2);
  const tmp = outs + (16 * 4 << 2);
  const panels = (Cout + MR - 1) / MR;
  const panelBytes = <usize>(36 * Cin * MR) << 2;
  const rowBytes = <usize>rowFloats << 2;
  for (let unit = begin; unit < end; unit++) {
    const image = unit / unitsPerImage;
    const first = (unit % unitsPerImage) * block;
    const count = min(block, tilesPerImage - first);
    const columns = (count + NR - 1) / NR * NR;
    const xImage = x + (<usize>(image * Cin) * <usize>(H * W) << 2);
    const yImage = y + (<usize>(image * Cout) * <usize>(OH * OW) << 2);

    // V = B^T d B for every input channel and tile of the unit.
    let t = first;
    while (t < first + count) {
      findRun(t, first + count, tilesW, dh, dw);
      const tiles = runTiles;
      for (let ci = 0; ci < Cin; ci++) {
        const plane = xImage + (<usize>(ci * H * W) << 2);
        fillStrip(strip, plane, H, W, runOy0 - pt, runOx0 - pl, dh, dw, tiles);
        const vRow = v + <usize>ci * rowBytes + (<usize>(t - first) << 2);
        for (let k = 0; k < tiles; k += 4) inputTransform(strip, stripWidth(tiles), k, work, vRow + (<usize>k << 2), <usize>Cin * rowBytes);
      }
      t += tiles;
    }
    // Columns past the last tile up to the micro-kernel's width: zero, so they stay finite.
    for (let row = 0; row < 36 * Cin; row++) {
      for (let c = count; c < columns; c++) store<f32>(v + <usize>row * rowBytes + (<usize>c << 2), 0);
    }

    // Per panel of MR output channels: the 36 products, then the output transform of those channels.
    for (let p = 0; p < panels; p++) {
      const uPanel = u + <usize>p * panelBytes;
      for (let xi = 0; xi < 36; xi++) {
        const a = uPanel + (<usize>(xi * Cin * MR) << 2);
        const b = v + <usize>(xi * Cin) * rowBytes;
        const mXi = m + <usize>(xi * MR) * rowBytes;
        for (let n0 = 0; n0 < columns; n0 += NR) tile(a, b + (<usize>n0 << 2), rowBytes, Cin, 0, 0, mXi + (<usize>n0 << 2), rowBytes, MR, NR, tmp);
      }
      const rows = min(MR, Cout - p * MR);
      for (let r = 0; r < rows; r++) {
        const co = p * MR + r;
        const b = f32x4.splat(bias == 0 ? <f32>0 : load<f32>(bias + (<usize>co << 2)));
        const p0 = v128.load32_splat(params + (<usize>co << 3));
        const p1 = v128.load32_splat(params + (<usize>co << 3), 4);
        const yPlane = yImage + (<usize>(co * OH * OW) << 2);
        t = first;
        while (t < first + count) {
          findRun(t, first + count, tilesW, dh, dw);
          const tiles = runTiles;
          const oy0 = runOy0;
          const ox0 = runOx0;
          const mRow = m + <usize>r * rowBytes + (<usize>(t - first) << 2);
          for (let k = 0; k < tiles; k += 4) {
            outputTransform(mRow + (<usize>k << 2), <usize>MR * rowBytes, work, outs, b, act, p0, p1);
            storeOutputs(outs, yPlane, OH, OW, oy0, ox0 + 4 * k * dw, dh, dw, min(4, tiles - k));
          }
          t += tiles;
        }
      }
    }
  }
}

// The run of tiles starting at tile t: consecutive tiles of one tile row of one phase, up to the
// row's end or `stop`. Wasm globals (one set per instance, so per thread) rather than an object:
// the kernels never allocate.
let runTiles: i32 = 0;
let runOy0: i32 = 0;
let runOx0: i32 = 0;

@inline function findRun(t: i32, stop: i32, tilesW: i32, dh: i32, dw: i32): void {
  const perBand = dh * dw * tilesW;
  const tr = t / perBand;
  const rest = t - tr * perBand;
  const phase = rest / tilesW;
  const tc = rest - phase * tilesW;
  const py = phase / dw;
  const px = phase - py * dw;
  runTiles = min(tilesW - tc, stop - t);
  runOy0 = py + 4 * tr * dh;
  runOx0 = px + 4 * tc * dw;
}

/**
 * Copies the 6 input rows of a run of `tiles` tiles into the strip, zero outside the input: strip
 * row r, column c holds x[iy0 + r * dh][ix0 + c * dw], for c < 4 * tiles + 2, and zero up to the
 * strip's width.
 */
function fillStrip(strip: usize, plane: usize, H: i32, W: i32, iy0: i32, ix0: i32, dh: i32, dw: i32, tiles: i32): void {
  const width = stripWidth(tiles);
  const used = 4 * tiles + 2;
  // Columns c with 0 <= ix0 + c * dw < W: [lo, hi).
  const lo = ix0 >= 0 ? 0 : min(used, (-ix0 + dw - 1) / dw);
  const hi = ix0 >= W ? lo : max(lo, min(used, (W - ix0 + dw - 1) / dw));
  for (let r = 0; r < 6; r++) {
    const out = strip + (<usize>(r * width) << 2);
    const iy = iy0 + r * dh;
    if (iy < 0 || iy >= H) {
      zero(out, width);
      continue;
    }
    zero(out, lo);
    const src = plane + (<usize>(iy * W + ix0) << 2);
    if (dw == 1) {
      let c = lo;
      for (; c + 4 <= hi; c += 4) v128.store(out + (<usize>c << 2), v128.load(src + (<usize>c << 2)));
      for (; c < hi; c++) store<f32>(out + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
    } else {
      for (let c = lo; c < hi; c++) store<f32>(out + (<usize>c << 2), load<f32>(src + (<usize>(c * dw) << 2)));
    }
    zero(out + (<usize>hi << 2), width - hi);
  }
}

@inline function zero(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * B^T d B for four tiles at once (lane l = tile k + l of the strip), written to V: value xi of
 * the four tiles goes to vRow + xi * xiStride. work: 36 vectors of scratch.
 *   B^T = [ 4  0 -5  0  1  0 ]
 *         [ 0 -4 -4  1  1  0 ]
 *         [ 0  4 -4 -1  1  0 ]
 *         [ 0 -2 -1  2  1  0 ]
 *         [ 0  2 -1 -2  1  0 ]
 *         [ 0  4  0 -5  0  1 ]
 */
function inputTransform(strip: usize, width: i32, k: i32, work: usize, vRow: usize, xiStride: usize): void {
  // Rows: w[r][.] = B^T d[r][.] (d's row r as a vector of six columns).
  for (let r = 0; r < 6; r++) {
    const at = strip + (<usize>(r * width + 4 * k) << 2);
    // Floats 4l + j of the row, for lanes l: a 4x4 transpose of the first 16, and columns 4 and 5
    // are columns 0 and 1 of the next tile.
    const r0 = v128.load(at);
    const r1 = v128.load(at, 16);
    const r2 = v128.load(at, 32);
    const r3 = v128.load(at, 48);
    const r4 = v128.load(at, 64);
    const lo01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
    const lo23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
    const hi01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
    const hi23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
    const d0 = v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5);
    const d1 = v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7);
    const d2 = v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5);
    const d3 = v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7);
    const next = v128.shuffle<f32>(r3, r4, 0, 4, 1, 5);
    const d4 = v128.shuffle<f32>(d0, next, 1, 2, 4, 5);
    const d5 = v128.shuffle<f32>(d1, next, 1, 2, 6, 7);
    transform6(d0, d1, d2, d3, d4, d5, work + (<usize>(r * 6) << 4), 16);
  }
  // Columns: V[.][c] = B^T w[.][c].
  for (let c = 0; c < 6; c++) {
    const col = work + (<usize>c << 4);
    transform6(
      v128.load(col), v128.load(col, 96), v128.load(col, 192), v128.load(col, 288), v128.load(col, 384), v128.load(col, 480),
      vRow + <usize>c * xiStride, xiStride * 6,
    );
  }
}

/** The six vectors B^T (d0..d5), stored `stride` bytes apart from `out`. */
@inline function transform6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, out: usize, stride: usize): void {
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const two = f32x4.splat(2);
  const a12 = f32x4.sub(d4, f32x4.mul(four, d2));
  const b12 = f32x4.sub(d3, f32x4.mul(four, d1));
  const a34 = f32x4.sub(d4, d2);
  const b34 = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(out, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(out + stride, f32x4.add(a12, b12));
  v128.store(out + 2 * stride, f32x4.sub(a12, b12));
  v128.store(out + 3 * stride, f32x4.add(a34, b34));
  v128.store(out + 4 * stride, f32x4.sub(a34, b34));
  v128.store(out + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/**
 * A^T m A for four tiles (lane = tile) of one output channel, m's value xi at mRow + xi * xiStride,
 * plus the bias, then the activation: outs[i][j] (16 vectors) is output row i, column j.
 *   A^T = [ 1  1  1  1  1  0 ]
 *         [ 0  1 -1  2 -2  0 ]
 *         [ 0  1  1  4  4  0 ]
 *         [ 0  1 -1  8 -8  1 ]
 */
function outputTransform(mRow: usize, xiStride: usize, work: usize, outs: usize, bias: v128, act: i32, p0: v128, p1: v128): void {
  // Rows: s[r][.] = A^T m[r][.]; 6 x 4 vectors.
  for (let r = 0; r < 6; r++) {
    const at = mRow + <usize>(r * 6) * xiStride;
    transform4(
      v128.load(at), v128.load(at + xiStride), v128.load(at + 2 * xiStride),
      v128.load(at + 3 * xiStride), v128.load(at + 4 * xiStride), v128.load(at + 5 * xiStride),
      work + (<usize>(r * 4) << 4), 16,
    );
  }
  // Columns: out[.][j] = A^T s[.][j].
  for (let j = 0; j < 4; j++) {
    const col = work + (<usize>j << 4);
    transform4(v128.load(col), v128.load(col, 64), v128.load(col, 128), v128.load(col, 192), v128.load(col, 256), v128.load(col, 320), outs + (<usize>j << 4), 64);
  }
  for (let i = 0; i < 16; i++) {
    const at = outs + (<usize>i << 4);
    v128.store(at, activate4(f32x4.add(v128.load(at), bias), act, p0, p1));
  }
}

/** The four vectors A^T (m0..m5), stored `stride` bytes apart from `out`. */
@inline function transform4(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, out: usize, stride: usize): void {
  const sum12 = f32x4.add(m1, m2);
  const sum34 = f32x4.add(m3, m4);
  const dif12 = f32x4.sub(m1, m2);
  const dif34 = f32x4.sub(m3, m4);
  v128.store(out, f32x4.add(f32x4.add(m0, sum12), sum34));
  v128.store(out + stride, f32x4.add(dif12, f32x4.mul(f32x4.splat(2), dif34)));
  v128.store(out + 2 * stride, f32x4.add(sum12, f32x4.mul(f32x4.splat(4), sum34)));
  v128.store(out + 3 * stride, f32x4.add(f32x4.add(dif12, f32x4.mul(f32x4.splat(8), dif34)), m5));
}

/**
 * Writes the outputs of `tiles` (<= 4) tiles of a run: outs[i][j] lane l is output row
 * oy0 + i * dh, column ox0 + (4 l + j) * dw; outputs past the plane are dropped.
 */
function storeOutputs(outs: usize, yPlane: usize, OH: i32, OW: i32, oy0: i32, ox0: i32, dh: i32, dw: i32, tiles: i32): void {
  const whole = dw == 1 && tiles == 4 && ox0 + 16 <= OW;
  for (let i = 0; i < 4; i++) {
    const oy = oy0 + i * dh;
    if (oy >= OH) break;
    const row = yPlane + (<usize>(oy * OW) << 2);
    const at = outs + (<usize>(i * 4) << 4);
    if (whole) {
      // Transpose: lane l of columns j = 0..3 becomes the 4 contiguous outputs of tile l.
      const c0 = v128.load(at);
      const c1 = v128.load(at, 16);
      const c2 = v128.load(at, 32);
      const c3 = v128.load(at, 48);
      const lo01 = v128.shuffle<f32>(c0, c1, 0, 4, 1, 5);
      const lo23 = v128.shuffle<f32>(c2, c3, 0, 4, 1, 5);
      const hi01 = v128.shuffle<f32>(c0, c1, 2, 6, 3, 7);
      const hi23 = v128.shuffle<f32>(c2, c3, 2, 6, 3, 7);
      const out = row + (<usize>ox0 << 2);
      v128.store(out, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));
      v128.store(out, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7), 16);
      v128.store(out, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5), 32);
      v128.store(out, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7), 48);
      continue;
    }
    for (let l = 0; l < tiles; l++) {
      for (let j = 0; j < 4; j++) {
        const ox = ox0 + (4 * l + j) * dw;
        if (ox >= OW) break;
        store<f32>(row + (<usize>ox << 2), load<f32>(at + (<usize>(j * 4 + l) << 2)));
      }
    }
  }
}
