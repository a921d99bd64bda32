// The epilogue every quantized kernel shares: int32 sums to output integers as ONNX's QLinearConv
// and QLinearMatMul define them (and ONNX Runtime computes them): (sum + bias) as float, times the
// float multiplier x_scale * w_scale / y_scale, rounded half to even, plus the output zero point,
// saturated to the output type's range, which the caller may narrow further to a fused
// activation's bounds (Relu: [y_zero, max]).
//
// In few instructions (quantize4): the product is clamped while still float, to [lo - zero,
// hi - zero] (exact: rounding is monotonic and the bounds are integers), then rounded half to even
// by adding 1.5 * 2^23: for |v| <= 2^22 the sum lies in [2^23, 2^24], where the floats are the
// integers, so the addition itself rounds v half to even (the magic number is even) and leaves
// the integer in the low mantissa bits, read by subtracting the magic number's bits, the zero
// point in the same subtraction. No saturating int32 conversion (a sequence of instructions on
// x86 without AVX-512), and no wrap where one saturated and the zero point was added. Needs a
// finite multiplier (NaN has no order; plans pass theirs through epilogueMultipliers in
// src/nn/ops/quant/common.ts, the same outputs) and |lo - zero|, |hi - zero| <= 2^22.

const ROUNDER: f32 = 12582912.0;
const ROUNDER_BITS: i32 = 0x4b400000;

/** requantizeSum4's offset: the rounder's bits plus the output zero point. */
@inline export function requantizeOffset(zero: i32): v128 {
  return i32x4.splat(ROUNDER_BITS - zero);
}

/** requantizeSum4's lower bound, lo - zero as float. */
@inline export function requantizeLow(lo: i32, zero: i32): v128 {
  return f32x4.splat(<f32>(lo - zero));
}

/** requantizeSum4's upper bound, hi - zero as float. */
@inline export function requantizeHigh(hi: i32, zero: i32): v128 {
  return f32x4.splat(<f32>(hi - zero));
}

/** Four lanes of sums, bias included, requantized: as float, times the multiplier, then quantize4. */
@inline export function requantizeSum4(sum: v128, multiplier: v128, offset: v128, low: v128, high: v128): v128 {
  return quantize4(f32x4.mul(f32x4.convert_i32x4_s(sum), multiplier), offset, low, high);
}

/** Four floats (not NaN) to integers: clamped to [low, high], rounded half to even, plus the zero point. */
@inline export function quantize4(v: v128, offset: v128, low: v128, high: v128): v128 {
  return i32x4.sub(f32x4.add(f32x4.pmax(low, f32x4.pmin(high, v)), f32x4.splat(ROUNDER)), offset);
}

/** Four floats that may be NaN: NaN quantizes to the zero point (it becomes 0 first, as pmin/pmax have no order for it). */
@inline export function quantizeOrZero4(v: v128, offset: v128, low: v128, high: v128): v128 {
  return quantize4(v128.and(v, f32x4.eq(v, v)), offset, low, high);
}

/** Scalar twin of quantizeOrZero4 for the kernels' tails: lo/hi the integer bounds, zero the zero point. */
@inline export function quantizeOrZero(v: f32, zero: i32, lo: i32, hi: i32): i32 {
  const r = nearest(v);
  return (r != r ? 0 : <i32>min(max(r, <f32>(lo - zero)), <f32>(hi - zero))) + zero;
}
