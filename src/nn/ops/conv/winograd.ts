// Winograd minimal filtering F(4x4, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2015), for 3x3 convolutions at stride 1 with groups == 1.
//
// A 4x4 block of outputs ("tile") of a 3x3 convolution reads a 6x6 patch d of the input. With the
// matrices below (interpolation points 0, 1, -1, 2, -2 and the point at infinity), for every
// input channel c and output channel o:
//     Y_tile = A^T [ sum over c of (G g[o][c] G^T) .* (B^T d_c B) ] A
// where .* is the element-wise product of 6x6 matrices. The 36 element-wise products summed over
// the input channels are 36 independent matrix products (one per position xi of the 6x6):
//     M_xi[o][tile] = sum over c of U_xi[o][c] * V_xi[c][tile],  U = G g G^T,  V = B^T d B
// which cost 36 multiply-adds per tile and channel pair where the direct convolution costs
// 16 x 9 = 144: 4x fewer. The price is arithmetic error: the transforms have entries up to 8 (A)
// and 5 (B), and the error grows with them (see test/winograd.test.ts for measured numbers).
//
// Dilation: with dilation d, the outputs whose row and column have the same remainders mod d form
// an ordinary stride-1 3x3 convolution of the input rows and columns with those remainders (a
// dilated tap k reads d * k further on), so each such "phase" is tiled the same way with its
// outputs and patch values d apart. Tiles are ordered by tile row before phase, so that the
// tile rows of all phases that share a band of 4 d output rows are neighbours: a work unit of
// whole bands writes whole output rows, and a thread's contiguous share of the units is a band of
// the image, as with no dilation.
//
// This file holds the matrices, the weight transform and its packing for the kernel
// (assembly/kernels/conv/conv-winograd.ts), and winogradConvReference: the whole algorithm in
// plain TypeScript, for reading and for testing against the direct convolution.
import type { DeferredPacking } from '../types.js';
import type { ConvGeometry } from './geometry.js';
import { MR } from './pack.js';

/** Input transform B^T (6x6). */
export const BT: readonly (readonly number[])[] = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];

/** Weight transform G (6x3). */
export const G: readonly (readonly number[])[] = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/** Output transform A^T (4x6). */
export const AT: readonly (readonly number[])[] = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
];

/** Output tile size m and patch size m + r - 1 of F(4x4, 3x3). */
export const TILE = 4;
export const PATCH = 6;

/** left * x * right^T. */
function sandwich(left: readonly (readonly number[])[], x: readonly (readonly number[])[], right: readonly (readonly number[])[]): number[][] {
  const inner = left.map((row) => x[0]!.map((_, j) => row.reduce((s, l, k) => s + l * x[k]![j]!, 0)));
  return inner.map((row) => right.map((r) => row.reduce((s, v, k) => s + v * r[k]!, 0)));
}

/** U = G g G^T of one 3x3 kernel (row-major 9 values): 6x6. */
export function transformKernel(g: ArrayLike<number>): number[][] {
  const kernel = [0, 1, 2].map((r) => [g[3 * r]!, g[3 * r + 1]!, g[3 * r + 2]!]);
  return sandwich(G, kernel, G);
}

/** V = B^T d B of one 6x6 patch. */
export function transformPatch(d: readonly (readonly number[])[]): number[][] {
  return sandwich(BT, d, BT);
}

/** Y = A^T m A of one 6x6 product: the 4x4 outputs. */
export function transformOutput(m: readonly (readonly number[])[]): number[][] {
  return sandwich(AT, m, AT);
}

const SIXTH = 1 / 6;
const TWELFTH = 1 / 12;
const TWENTY_FOURTH = 1 / 24;

/**
 * G (a, b, c)^T, the 6 values written to out[at], out[at + step], ... out[at + 5 step]: a row of
 * G g with (a, b, c) a column of g, or a row of (G g) G^T with (a, b, c) a row of G g. The same
 * products summed in the same order as the dense product with G, in float64, only the terms
 * with a zero entry of G left out, so the packed weights are the same floats; load time
 * transforms every kernel of the network, and this runs in a fraction of the dense loops' time.
 */
function applyG(a: number, b: number, c: number, out: Float64Array, at: number, step: number): void {
  out[at] = 0.25 * a;
  out[at + step] = -SIXTH * a + -SIXTH * b + -SIXTH * c;
  out[at + 2 * step] = -SIXTH * a + SIXTH * b + -SIXTH * c;
  out[at + 3 * step] = TWENTY_FOURTH * a + TWELFTH * b + SIXTH * c;
  out[at + 4 * step] = TWENTY_FOURTH * a + -TWELFTH * b + SIXTH * c;
  out[at + 5 * step] = c;
}

/** U = G g G^T of the 3x3 kernel at `g[offset..offset+9)` into `u` (36 values, row-major), by way of gg = G g (6x3). */
function transformKernelInto(g: Float32Array, offset: number, gg: Float64Array, u: Float64Array): void {
  for (let j = 0; j < 3; j++) applyG(g[offset + j]!, g[offset + 3 + j]!, g[offset + 6 + j]!, gg, j, 3);
  for (let i = 0; i < 6; i++) applyG(gg[i * 3]!, gg[i * 3 + 1]!, gg[i * 3 + 2]!, u, i * 6, 1);
}

/**
 * The weights [cout, cin, 3, 3] transformed and packed for convWinograd: ceil(cout / MR) panels of
 * MR output channels; each panel holds the 36 matrices U_xi (xi = 6 * row + column) of its
 * channels, cin x MR floats each (for input channel c, the MR channels' values), zero rows
 * filling the last panel. Deferred: the session packs them straight into its memory, since they
 * are 4x the size of the 3x3 weights, with the WASM kernel of the same name
 * (assembly/kernels/conv/winograd-weights.ts; a large network has millions of 3x3 kernels, and
 * load time is mostly this transform); writeWinogradWeights is its plain reference.
 */
export function packWinogradWeights(weights: Float32Array, cout: number, cin: number): DeferredPacking {
  return {
    length: Math.ceil(cout / MR) * PATCH * PATCH * cin * MR,
    write: (out) => writeWinogradWeights(weights, cout, cin, out),
    kernel: { fn: 'packWinogradWeights', source: weights, args: [cout, cin], extent: Math.ceil(cout / MR) },
  };
}

/** packWinogradWeights into `out` (zero-filled: the padding lanes are left as they are). */
function writeWinogradWeights(weights: Float32Array, cout: number, cin: number, out: Float32Array): void {
  const gg = new Float64Array(18);
  const u = new Float64Array(PATCH * PATCH);
  for (let o = 0; o < cout; o++) {
    const panel = Math.floor(o / MR);
    const lane = o % MR;
    for (let c = 0; c < cin; c++) {
      transformKernelInto(weights, (o * cin + c) * 9, gg, u);
      for (let xi = 0; xi < PATCH * PATCH; xi++) {
        out[((panel * PATCH * PATCH + xi) * cin + c) * MR + lane] = u[xi]!;
      }
    }
  }
}

/** Target bytes of V (36 x cin x block floats), the transformed input of one work unit: it is
 * re-read once per panel of MR output channels, so it should stay in L2. */
export const WINOGRAD_BLOCK_BYTES = 384 * 1024;

/**
 * Tiles per work unit, within WINOGRAD_BLOCK_BYTES and small enough that an image gives at least
 * four units (so two threads get equal shares): whole bands (the tile rows of every phase over 4 d
 * output rows, `bandTiles` tiles) where one fits, so that two threads never write the same cache
 * line of an output row (tiles are 16 bytes wide, lines 64: units ending mid-row made every output
 * channel's lines at the seam bounce between cores); otherwise a multiple of the micro-kernel's NR.
 */
export function winogradBlock(cin: number, tilesPerImage: number, bandTiles: number, nr: number): number {
  const byBudget = Math.max(nr, Math.floor(WINOGRAD_BLOCK_BYTES / (PATCH * PATCH * cin * 4 * nr)) * nr);
  const byShare = Math.max(nr, Math.ceil(tilesPerImage / 4 / nr) * nr);
  const bands = Math.min(Math.floor(byBudget / bandTiles), Math.floor(tilesPerImage / 4 / bandTiles));
  return bands >= 1 ? bands * bandTiles : Math.min(byBudget, byShare);
}

/** Per-thread scratch floats of convWinograd (its layout: V, M, strip, transform temporaries). */
export function winogradScratchFloats(cin: number, block: number, nr: number): number {
  const rowFloats = Math.ceil(block / nr) * nr + 4;
  const stripWidth = 4 * Math.ceil(block / 4) * 4 + 4;
  return PATCH * PATCH * (cin + MR) * rowFloats + 6 * stripWidth + 36 * 4 + 16 * 4 + MR * nr;
}

/** The tile grid of every phase, ceil(ceil(oh / dh) / 4) x ceil(ceil(ow / dw) / 4), and the tiles of one band (a tile row of every phase). */
export function winogradTiles(g: ConvGeometry): { tilesH: number; tilesW: number; perBand: number; perImage: number } {
  const tilesH = Math.ceil(Math.ceil(g.oh / g.dilationH) / TILE);
  const tilesW = Math.ceil(Math.ceil(g.ow / g.dilationW) / TILE);
  const perBand = g.dilationH * g.dilationW * tilesW;
  return { tilesH, tilesW, perBand, perImage: tilesH * perBand };
}

/**
 * The convolution by Winograd F(4x4, 3x3), in float64, for a 3x3 stride-1 geometry with groups 1:
 * x [batch, cin, h, w], weights [cout, cin, 3, 3], bias [cout] or undefined. Returns y
 * [batch, cout, oh, ow] before any activation. Tile by tile, exactly as the kernel orders it.
 */
export function winogradConvReference(g: ConvGeometry, x: Float32Array, weights: Float32Array, bias: Float32Array | undefined): Float64Array {
  const u = Array.from({ length: g.cout * g.cin }, (_, i) => transformKernel(weights.subarray(9 * i, 9 * i + 9)));
  const y = new Float64Array(g.batch * g.cout * g.oh * g.ow);
  const { tilesH, tilesW } = winogradTiles(g);
  const input = (n: number, c: number, iy: number, ix: number): number =>
    iy < 0 || iy >= g.h || ix < 0 || ix >= g.w ? 0 : x[((n * g.cin + c) * g.h + iy) * g.w + ix]!;
  for (let n = 0; n < g.batch; n++) {
    for (let tr = 0; tr < tilesH; tr++) {
      for (let py = 0; py < g.dilationH; py++) {
        for (let px = 0; px < g.dilationW; px++) {
          for (let tc = 0; tc < tilesW; tc++) {
            // The tile's first output, and its patch's first input, of this phase.
            const oy0 = py + TILE * tr * g.dilationH;
            const ox0 = px + TILE * tc * g.dilationW;
            const v = Array.from({ length: g.cin }, (_, c) => {
              const d = Array.from({ length: PATCH }, (_, r) =>
                Array.from({ length: PATCH }, (_, s) => input(n, c, oy0 - g.padTop + r * g.dilationH, ox0 - g.padLeft + s * g.dilationW)),
              );
              return transformPatch(d);
            });
            for (let o = 0; o < g.cout; o++) {
              const m = Array.from({ length: PATCH }, (_, a) =>
                Array.from({ length: PATCH }, (_, b) => v.reduce((s, vc, c) => s + u[o * g.cin + c]![a]![b]! * vc[a]![b]!, 0)),
              );
              const out = transformOutput(m);
              for (let i = 0; i < TILE; i++) {
                for (let j = 0; j < TILE; j++) {
                  const oy = oy0 + i * g.dilationH;
                  const ox = ox0 + j * g.dilationW;
                  if (oy < g.oh && ox < g.ow) y[((n * g.cout + o) * g.oh + oy) * g.ow + ox] = out[i]![j]! + (bias?.[o] ?? 0);
                }
              }
            }
          }
        }
      }
    }
  }
  return y;
}
