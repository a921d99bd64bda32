// Unary float32 ops over a range of elements: the activations and the simple math ops. Codes match
// UNARY_CODES in src/nn/ops/elementwise/unary-plan.ts; p0 and p1 are the op's parameters (alpha,
// beta, gamma, or Clip's bounds). The entry point switches once per call into a loop specialised
// for the op. Bounds (Relu, Clip, the hard activations) use pmax/pmin with the value first: a NaN
// value still passes through, and each is one x86 instruction where max/min cost V8 eight (see
// assembly/kernels/conv/activation.ts).
import { erf4, exp4, lane0, log4 } from './math';

export const UNARY_RELU: i32 = 0;
export const UNARY_LEAKY_RELU: i32 = 1; // x < 0 ? p0 x : x
export const UNARY_ELU: i32 = 2; // x < 0 ? p0 (e^x - 1) : x
export const UNARY_SELU: i32 = 3; // p1 (x <= 0 ? p0 (e^x - 1) : x)
export const UNARY_SIGMOID: i32 = 4;
export const UNARY_TANH: i32 = 5;
export const UNARY_SOFTPLUS: i32 = 6;
export const UNARY_CLIP: i32 = 7; // min(max(x, p0), p1)
export const UNARY_HARD_SIGMOID: i32 = 8; // max(0, min(1, p0 x + p1))
export const UNARY_HARD_SWISH: i32 = 9;
export const UNARY_EXP: i32 = 10;
export const UNARY_SQRT: i32 = 11;
export const UNARY_NEG: i32 = 12;
export const UNARY_ABS: i32 = 13;
export const UNARY_ERF: i32 = 14;
export const UNARY_FLOOR: i32 = 15;
export const UNARY_CEIL: i32 = 16;
export const UNARY_ROUND: i32 = 17; // half to even
export const UNARY_RECIPROCAL: i32 = 18;

@inline function apply4(op: i32, x: v128, p0: v128, p1: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (op) {
    case UNARY_RELU: return f32x4.pmax(x, zero);
    case UNARY_LEAKY_RELU: return v128.bitselect(f32x4.mul(x, p0), x, f32x4.lt(x, zero));
    case UNARY_ELU: return v128.bitselect(f32x4.mul(p0, f32x4.sub(exp4(x), one)), x, f32x4.lt(x, zero));
    case UNARY_SELU: return f32x4.mul(p1, v128.bitselect(f32x4.mul(p0, f32x4.sub(exp4(x), one)), x, f32x4.le(x, zero)));
    case UNARY_SIGMOID: return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
    case UNARY_TANH: {
      // tanh|x| = (1 - e^-2|x|) / (1 + e^-2|x|), which cannot overflow; the sign is put back.
      const t = exp4(f32x4.mul(f32x4.abs(x), f32x4.splat(-2)));
      const magnitude = f32x4.div(f32x4.sub(one, t), f32x4.add(one, t));
      return v128.or(magnitude, v128.and(x, i32x4.splat(<i32>0x80000000)));
    }
    case UNARY_SOFTPLUS:
      // ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): the log's argument stays in (1, 2].
      return f32x4.add(f32x4.pmax(x, zero), log4(f32x4.add(one, exp4(f32x4.neg(f32x4.abs(x))))));
    case UNARY_CLIP: return f32x4.pmin(f32x4.pmax(x, p0), p1);
    case UNARY_HARD_SIGMOID: return f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(x, p0), p1), zero), one);
    case UNARY_HARD_SWISH: {
      const gate = f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(x, f32x4.splat(1.0 / 6.0)), f32x4.splat(0.5)), zero), one);
      return f32x4.mul(x, gate);
    }
    case UNARY_EXP: return exp4(x);
    case UNARY_SQRT: return f32x4.sqrt(x);
    case UNARY_NEG: return f32x4.neg(x);
    case UNARY_ABS: return f32x4.abs(x);
    case UNARY_ERF: return erf4(x);
    case UNARY_FLOOR: return f32x4.floor(x);
    case UNARY_CEIL: return f32x4.ceil(x);
    case UNARY_ROUND: return f32x4.nearest(x);
    default: return f32x4.div(one, x);
  }
}

@inline function loop(op: i32, x: usize, y: usize, p0: f32, p1: f32, n: i32): void {
  const v0 = f32x4.splat(p0);
  const v1 = f32x4.splat(p1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = <usize>i << 2;
    v128.store(y + p, apply4(op, v128.load(x + p), v0, v1));
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, lane0(apply4(op, f32x4.splat(load<f32>(x + p)), v0, v1)));
  }
}

// One function per op, each with the op code a constant inside it, so the optimiser folds the
// op's switch away and every loop is straight-line vector code (dispatching through a shared
// loop with the code in a local would leave a branch per vector).
function reluLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_RELU, x, y, p0, p1, n); }
function leakyReluLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_LEAKY_RELU, x, y, p0, p1, n); }
function eluLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_ELU, x, y, p0, p1, n); }
function seluLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_SELU, x, y, p0, p1, n); }
function sigmoidLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_SIGMOID, x, y, p0, p1, n); }
function tanhLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_TANH, x, y, p0, p1, n); }
function softplusLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_SOFTPLUS, x, y, p0, p1, n); }
function clipLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_CLIP, x, y, p0, p1, n); }
function hardSigmoidLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_HARD_SIGMOID, x, y, p0, p1, n); }
function hardSwishLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_HARD_SWISH, x, y, p0, p1, n); }
function expLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_EXP, x, y, p0, p1, n); }
function sqrtLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_SQRT, x, y, p0, p1, n); }
function negLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_NEG, x, y, p0, p1, n); }
function absLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_ABS, x, y, p0, p1, n); }
function erfLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_ERF, x, y, p0, p1, n); }
function floorLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_FLOOR, x, y, p0, p1, n); }
function ceilLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_CEIL, x, y, p0, p1, n); }
function roundLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_ROUND, x, y, p0, p1, n); }
function reciprocalLoop(x: usize, y: usize, p0: f32, p1: f32, n: i32): void { loop(UNARY_RECIPROCAL, x, y, p0, p1, n); }

/** Elements [begin, end) of y = op(x). */
export function unary(op: i32, x: usize, y: usize, p0: f32, p1: f32, begin: i32, end: i32): void {
  const offset = <usize>begin << 2;
  const n = end - begin;
  x += offset;
  y += offset;
  switch (op) {
    case UNARY_RELU: reluLoop(x, y, p0, p1, n); break;
    case UNARY_LEAKY_RELU: leakyReluLoop(x, y, p0, p1, n); break;
    case UNARY_ELU: eluLoop(x, y, p0, p1, n); break;
    case UNARY_SELU: seluLoop(x, y, p0, p1, n); break;
    case UNARY_SIGMOID: sigmoidLoop(x, y, p0, p1, n); break;
    case UNARY_TANH: tanhLoop(x, y, p0, p1, n); break;
    case UNARY_SOFTPLUS: softplusLoop(x, y, p0, p1, n); break;
    case UNARY_CLIP: clipLoop(x, y, p0, p1, n); break;
    case UNARY_HARD_SIGMOID: hardSigmoidLoop(x, y, p0, p1, n); break;
    case UNARY_HARD_SWISH: hardSwishLoop(x, y, p0, p1, n); break;
    case UNARY_EXP: expLoop(x, y, p0, p1, n); break;
    case UNARY_SQRT: sqrtLoop(x, y, p0, p1, n); break;
    case UNARY_NEG: negLoop(x, y, p0, p1, n); break;
    case UNARY_ABS: absLoop(x, y, p0, p1, n); break;
    case UNARY_ERF: erfLoop(x, y, p0, p1, n); break;
    case UNARY_FLOOR: floorLoop(x, y, p0, p1, n); break;
    case UNARY_CEIL: ceilLoop(x, y, p0, p1, n); break;
    case UNARY_ROUND: roundLoop(x, y, p0, p1, n); break;
    default: reciprocalLoop(x, y, p0, p1, n);
  }
}
