// QLinearAdd: a QDQ graph's residual connection in one pass (passes/qdq-to-qlinear.ts fuses
// DequantizeLinear of two int8/uint8 tensors of one shape -> Add -> QuantizeLinear into it), with
// the three ops' float32 arithmetic, so the same integers: ((a - za) sa + (b - zb) sb) / sy,
// rounded half to even, plus zy, saturated to [lo, hi]; NaN (infinite scales) to the zero point.

import { quantizeOrZero, quantizeOrZero4, requantizeHigh, requantizeLow, requantizeOffset } from './requantize';

/** Elements [begin, end) of int32-held a and b to y; |lo - yZero|, |hi - yZero| <= 2^22. */
export function qlinearAdd(
  a: usize, b: usize, y: usize, aScale: f32, aZero: i32, bScale: f32, bZero: i32, yScale: f32, yZero: i32, lo: i32, hi: i32, begin: i32, end: i32,
): void {
  const sa = f32x4.splat(aScale);
  const za = i32x4.splat(aZero);
  const sb = f32x4.splat(bScale);
  const zb = i32x4.splat(bZero);
  const sy = f32x4.splat(yScale);
  const offset = requantizeOffset(yZero);
  const low = requantizeLow(lo, yZero);
  const high = requantizeHigh(hi, yZero);
  let i = begin;
  for (; i + 4 <= end; i += 4) {
    const at = <usize>i << 2;
    const va = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(v128.load(a + at), za)), sa);
    const vb = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(v128.load(b + at), zb)), sb);
    // Division, not a multiply by 1 / sy: QuantizeLinear divides.
    const q = f32x4.div(f32x4.add(va, vb), sy);
    v128.store(y + at, quantizeOrZero4(q, offset, low, high));
  }
  for (; i < end; i++) {
    const at = <usize>i << 2;
    const v = (<f32>(load<i32>(a + at) - aZero) * aScale + <f32>(load<i32>(b + at) - bZero) * bScale) / yScale;
    store<i32>(y + at, quantizeOrZero(v, yZero, lo, hi));
  }
}
