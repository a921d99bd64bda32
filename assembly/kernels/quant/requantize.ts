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
