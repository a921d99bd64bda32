// BatchNormalization at inference over channel planes [begin, end) of x (N*C planes of `size`
// floats): y = x * a + b per channel, with a = scale / sqrt(var + epsilon), b = bias - mean * a.
import { madd } from '../simd';

export function batchNorm(
  x: usize, scale: usize, bias: usize, mean: usize, variance: usize, epsilon: f32, y: usize,
  C: i32, size: i32, begin: i32, end: i32,
): void {
  for (let p = begin; p < end; p++) {
    const c = <usize>(p % C) << 2;
    const a = load<f32>(scale + c) / sqrt<f32>(load<f32>(variance + c) + epsilon);
    const b = load<f32>(bias + c) - load<f32>(mean + c) * a;
    affinePlane(x, y, p, size, a, b);
  }
}

/** y = x * a + b over plane p of `size` floats. */
export function affinePlane(x: usize, y: usize, p: i32, size: i32, a: f32, b: f32): void {
  const offset = <usize>p * <usize>size << 2;
  const xp = x + offset;
  const yp = y + offset;
  const av = f32x4.splat(a);
  const bv = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = <usize>i << 2;
    v128.store(yp + at, madd(v128.load(xp + at), av, bv));
  }
  for (; i < size; i++) {
    const at = <usize>i << 2;
    store<f32>(yp + at, load<f32>(xp + at) * a + b);
  }
}
