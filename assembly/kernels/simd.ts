// Shared SIMD helpers. `madd` is a*b+c: two rounded operations in the strict build, one fused
// multiply-add in the relaxed-SIMD build (chosen at compile time, so no branch at run time).

@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  // c + a*b rather than a*b + c: the same rounding, and V8 keeps long chains in registers.
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Scalar twin of `madd`, for loop tails. */
@inline export function maddScalar(a: f32, b: f32, c: f32): f32 {
  return a * b + c;
}
