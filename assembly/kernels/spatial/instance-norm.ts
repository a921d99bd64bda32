// InstanceNormalization over channel planes [begin, end) of x (N*C planes of `size` floats):
// each plane normalized by its own mean and (biased) variance, then scaled and shifted per
// channel. Two passes (mean, then squared deviations) keep the variance accurate.
import { affinePlane } from './batch-norm';

@inline function horizontalSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

export function instanceNorm(x: usize, scale: usize, bias: usize, epsilon: f32, y: usize, C: i32, size: i32, begin: i32, end: i32): void {
  for (let p = begin; p < end; p++) {
    const xp = x + (<usize>p * <usize>size << 2);
    let sums = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= size; i += 4) sums = f32x4.add(sums, v128.load(xp + (<usize>i << 2)));
    let sum = horizontalSum(sums);
    for (; i < size; i++) sum += load<f32>(xp + (<usize>i << 2));
    const mean = sum / <f32>size;
    const means = f32x4.splat(mean);
    let squares = f32x4.splat(0);
    i = 0;
    for (; i + 4 <= size; i += 4) {
      const d = f32x4.sub(v128.load(xp + (<usize>i << 2)), means);
      squares = f32x4.add(squares, f32x4.mul(d, d));
    }
    let squared = horizontalSum(squares);
    for (; i < size; i++) {
      const d = load<f32>(xp + (<usize>i << 2)) - mean;
      squared += d * d;
    }
    const c = <usize>(p % C) << 2;
    const a = load<f32>(scale + c) / sqrt<f32>(squared / <f32>size + epsilon);
    affinePlane(x, y, p, size, a, load<f32>(bias + c) - mean * a);
  }
}
