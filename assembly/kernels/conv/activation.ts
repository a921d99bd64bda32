// The activation a Conv (or Gemm) epilogue applies after the bias, fused there by the graph pass
// src/nn/passes/fuse-activations.ts. Codes match ACTIVATION_CODES in src/nn/ops/conv/activation.ts.
// Every activation takes two parameters per output channel (p0, p1), packed at plan time, so a
// per-channel PRelu slope needs no special case.
//
// Bounds use pmax/pmin (x < lo ? lo : x), one x86 instruction each, where max/min must also order
// -0 below +0 and propagate NaN from either side, which costs V8 eight instructions. With the
// value first, pmax/pmin still pass a NaN value through; only the sign of a zero result may differ.

import { exp4 } from '../elementwise/math';

export const ACT_NONE: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_CLIP: i32 = 2; // min(max(x, p0), p1)
export const ACT_LEAKY_RELU: i32 = 3; // x < 0 ? p0 * x : x (LeakyRelu alpha, or the PRelu slope)
export const ACT_ELU: i32 = 4; // x < 0 ? p0 * (exp(x) - 1) : x
export const ACT_SIGMOID: i32 = 5; // 1 / (1 + exp(-x))
export const ACT_HARD_SIGMOID: i32 = 6; // max(0, min(1, p0 * x + p1))
export const ACT_HARD_SWISH: i32 = 7; // x * max(0, min(1, x / 6 + 1 / 2))

/** The activation `code` on four values, with the channel's parameters p0 and p1 splatted. */
@inline export function activate4(v: v128, code: i32, p0: v128, p1: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (code) {
    case ACT_RELU: return f32x4.pmax(v, zero);
    case ACT_CLIP: return f32x4.pmin(f32x4.pmax(v, p0), p1);
    case ACT_LEAKY_RELU: return v128.bitselect(f32x4.mul(v, p0), v, f32x4.lt(v, zero));
    case ACT_ELU: return v128.bitselect(f32x4.mul(p0, f32x4.sub(exp4(v), one)), v, f32x4.lt(v, zero));
    case ACT_SIGMOID: return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(v))));
    case ACT_HARD_SIGMOID: return f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(v, p0), p1), zero), one);
    case ACT_HARD_SWISH: {
      const gate = f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(v, f32x4.splat(1.0 / 6.0)), f32x4.splat(0.5)), zero), one);
      return f32x4.mul(v, gate);
    }
    default: return v;
  }
}

/** One row of `cols` floats at `row`, in place, with the channel's p0 and p1. */
@inline function activateRow(row: usize, cols: i32, code: i32, p0: v128, p1: v128): void {
  let i = 0;
  for (; i + 4 <= cols; i += 4) {
    const at = row + (<usize>i << 2);
    v128.store(at, activate4(v128.load(at), code, p0, p1));
  }
  for (; i < cols; i++) {
    const at = row + (<usize>i << 2);
    store<f32>(at, f32x4.extract_lane(activate4(f32x4.splat(load<f32>(at)), code, p0, p1), 0));
  }
}

@inline function rowsOf(code: i32, y: usize, rows: i32, cols: i32, rowStride: usize, params: usize, channel: i32): void {
  for (let r = 0; r < rows; r++) {
    const pp = params + (<usize>(channel + r) << 3);
    activateRow(y + <usize>r * rowStride, cols, code, v128.load32_splat(pp), v128.load32_splat(pp, 4));
  }
}

/**
 * Applies the activation in place to `rows` rows of `cols` floats starting at y (rows `rowStride`
 * bytes apart); row r uses the parameters of channel `channel + r` from `params` (two floats each).
 * Switches once per call: each case is a copy of the loop with the code a constant, so the
 * activation's own switch folds away (inside the loop it would cost a branch per vector).
 */
export function activateRows(y: usize, rows: i32, cols: i32, rowStride: usize, code: i32, params: usize, channel: i32): void {
  switch (code) {
    case ACT_NONE: return;
    case ACT_RELU: rowsOf(ACT_RELU, y, rows, cols, rowStride, params, channel); return;
    case ACT_CLIP: rowsOf(ACT_CLIP, y, rows, cols, rowStride, params, channel); return;
    case ACT_LEAKY_RELU: rowsOf(ACT_LEAKY_RELU, y, rows, cols, rowStride, params, channel); return;
    case ACT_ELU: rowsOf(ACT_ELU, y, rows, cols, rowStride, params, channel); return;
    case ACT_SIGMOID: rowsOf(ACT_SIGMOID, y, rows, cols, rowStride, params, channel); return;
    case ACT_HARD_SIGMOID: rowsOf(ACT_HARD_SIGMOID, y, rows, cols, rowStride, params, channel); return;
    default: rowsOf(ACT_HARD_SWISH, y, rows, cols, rowStride, params, channel);
  }
}
