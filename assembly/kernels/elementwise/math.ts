// Vector math on four float32 lanes, shared by the elementwise kernels (not kernels themselves).
// exp and log follow Cephes' expf/logf as vectorised in sse_mathfun: range reduction to a small
// interval, then a short polynomial. Both are accurate to about 2e-7 relative on their ranges.

const LOG2E: f32 = 1.44269504088896341;
// ln 2 split in two so n * LN2_HI is exact for the |n| <= 128 the reduction produces.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
/** Above this, e^x overflows float32. */
const EXP_OVERFLOW: f32 = 88.72283;
/** Below this, e^x is under the smallest normal float32 and is returned as (nearly) zero. */
const EXP_UNDERFLOW: f32 = -87.33654;

/** e^x on four lanes: x = n ln2 + r with |r| <= ln2 / 2, e^r from a degree-6 polynomial, times 2^n. */
@inline export function exp4(x: v128): v128 {
  // pmax/pmin: one instruction each, and a NaN x passes through (max/min cost V8 eight).
  const clamped = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_UNDERFLOW)), f32x4.splat(EXP_OVERFLOW));
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(LOG2E)));
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^n built from exponent bits, in two halves so both ends of n in [-126, 128] stay normal.
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const scale1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const scale2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  const result = f32x4.mul(f32x4.mul(p, scale1), scale2);
  // Past the overflow bound the answer is +inf, as float32 exp gives; NaN stays NaN.
  const big = f32x4.gt(x, f32x4.splat(EXP_OVERFLOW));
  return v128.bitselect(f32x4.splat(Infinity), v128.bitselect(x, result, f32x4.ne(x, x)), big);
}

/** ln x on four lanes for positive normal x: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m from a polynomial in m - 1. */
@inline export function log4(x: v128): v128 {
  const bits = x;
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126)));
  // The mantissa with exponent 2^-1: m in [0.5, 1).
  let m = v128.or(v128.and(bits, i32x4.splat(<i32>0x807fffff)), f32x4.splat(0.5));
  const one = f32x4.splat(1);
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = f32x4.sub(e, v128.and(one, small));
  m = f32x4.add(f32x4.sub(m, one), v128.and(m, small));
  const z = f32x4.mul(m, m);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  return f32x4.add(f32x4.add(m, y), f32x4.mul(e, f32x4.splat(LN2_HI)));
}

/**
 * erf on four lanes through erfc (Numerical Recipes' erfcc, fractional error below 1.2e-7):
 * erfc(z) = t exp(-z^2 + P(t)) with t = 1 / (1 + z/2) for z = |x|; erf(x) = sign(x) (1 - erfc(|x|)).
 */
@inline export function erf4(x: v128): v128 {
  const z = f32x4.abs(x);
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(z, f32x4.splat(0.5))));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  const erfc = f32x4.mul(t, exp4(f32x4.sub(p, f32x4.mul(z, z))));
  const magnitude = f32x4.sub(f32x4.splat(1), erfc);
  // Copy x's sign bit onto |erf|.
  return v128.or(magnitude, v128.and(x, i32x4.splat(<i32>0x80000000)));
}

/** One value through a four-lane function: loop tails reuse the vector code. */
@inline export function lane0(v: v128): f32 {
  return f32x4.extract_lane(v, 0);
}
