// The epilogue every quantized kernel shares: int32 sums to output integers as ONNX's QLinearConv
// and QLinearMatMul define them (and ONNX Runtime computes them): (sum + bias) as float, times the
// float multiplier x_scale * w_scale / y_scale, rounded half to even, plus the output zero point,
// saturated to the output type's range, which the caller may narrow further to a fused
// activation's bounds (Relu: [y_zero, max]).

/** Four lanes of sums requantized: lo/hi are the integer bounds, zero the output zero point. */
@inline export function requantize4(sum: v128, bias: v128, multiplier: v128, zero: v128, lo: v128, hi: v128): v128 {
  const scaled = f32x4.nearest(f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(sum, bias)), multiplier));
  return i32x4.min_s(i32x4.max_s(i32x4.add(i32x4.trunc_sat_f32x4_s(scaled), zero), lo), hi);
}

/** Scalar twin of requantize4, for the kernels' scalar paths. */
@inline export function requantize(sum: i32, bias: i32, multiplier: f32, zero: i32, lo: i32, hi: i32): i32 {
  const q = <i32>nearest(<f32>(sum + bias) * multiplier) + zero;
  return min(max(q, lo), hi);
}

/**
 * 1.5 * 2^23: adding it to a float of magnitude below 2^22 rounds it to an integer, half to even,
 * left in the low mantissa bits (the float's bits minus this one's bits are that integer).
 */
export const ROUNDING_MAGIC: f32 = 12582912;

/**
 * requantize4 in six instructions for sums that already include their bias: the scaled sum clamped
 * in float to [lo - zero, hi - zero] (integer bounds, so clamping before rounding gives what
 * rounding then clamping gives, and keeps the value inside the magic number's range), rounded by
 * ROUNDING_MAGIC, which also converts it (no `nearest` and saturating truncation, several
 * instructions each on x86). Arguments: loLessZero, hiLessZero as f32x4 splats, and magicLessZero
 * the splat of ROUNDING_MAGIC's bits minus the output zero point.
 */
@inline export function requantizeMagic4(sum: v128, multiplier: v128, magicLessZero: v128, loLessZero: v128, hiLessZero: v128): v128 {
  const scaled = f32x4.mul(f32x4.convert_i32x4_s(sum), multiplier);
  const clamped = f32x4.pmin(f32x4.pmax(scaled, loLessZero), hiLessZero);
  return i32x4.sub(f32x4.add(clamped, f32x4.splat(ROUNDING_MAGIC)), magicLessZero);
}
