// QuantizeLinear and DequantizeLinear with one scale and zero point (per tensor), as ONNX defines
// them: q = saturate(round_half_even(x / scale) + zero) to [lo, hi], and x = (q - zero) * scale.
// Per-axis scales run on the host (their reference).
import { quantizeOrZero, quantizeOrZero4, requantizeHigh, requantizeLow, requantizeOffset } from './requantize';

/** Elements [begin, end): float x to integers (int32 storage) y; |lo - zero|, |hi - zero| <= 2^22. */
export function quantizeLinear(x: usize, y: usize, scale: f32, zero: i32, lo: i32, hi: i32, begin: i32, end: i32): void {
  let i = begin;
  const s = f32x4.splat(scale);
  // Clamped while still float (quantizeOrZero4): a huge quotient saturated to int32 would wrap when
  // the zero point is added. NaN quantizes to the zero point.
  const offset = requantizeOffset(zero);
  const low = requantizeLow(lo, zero);
  const high = requantizeHigh(hi, zero);
  for (; i + 4 <= end; i += 4) {
    const at = <usize>i << 2;
    // Division, not a multiply by 1 / scale: the reciprocal rounds, and ONNX divides.
    const q = f32x4.div(v128.load(x + at), s);
    v128.store(y + at, quantizeOrZero4(q, offset, low, high));
  }
  for (; i < end; i++) {
    const at = <usize>i << 2;
    store<i32>(y + at, quantizeOrZero(load<f32>(x + at) / scale, zero, lo, hi));
  }
}

/** Elements [begin, end): integers (int32 storage) x to float y. */
export function dequantizeLinear(x: usize, y: usize, scale: f32, zero: i32, begin: i32, end: i32): void {
  let i = begin;
  const s = f32x4.splat(scale);
  const z = i32x4.splat(zero);
  for (; i + 4 <= end; i += 4) {
    const at = <usize>i << 2;
    v128.store(y + at, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(v128.load(x + at), z)), s));
  }
  for (; i < end; i++) {
    const at = <usize>i << 2;
    store<f32>(y + at, <f32>(load<i32>(x + at) - zero) * scale);
  }
}
