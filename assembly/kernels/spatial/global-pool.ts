// GlobalAveragePool and GlobalMaxPool over channel planes [begin, end) of `size` floats each:
// one output per plane.
import { LOWEST } from './pool-rows';

export function globalAveragePool(x: usize, y: usize, size: i32, begin: i32, end: i32): void {
  for (let p = begin; p < end; p++) {
    const xp = x + (<usize>p * <usize>size << 2);
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let i = 0;
    for (; i + 8 <= size; i += 8) {
      const at = xp + (<usize>i << 2);
      s0 = f32x4.add(s0, v128.load(at));
      s1 = f32x4.add(s1, v128.load(at, 16));
    }
    const s = f32x4.add(s0, s1);
    let sum = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
    for (; i < size; i++) sum += load<f32>(xp + (<usize>i << 2));
    store<f32>(y + (<usize>p << 2), sum / <f32>size);
  }
}

export function globalMaxPool(x: usize, y: usize, size: i32, begin: i32, end: i32): void {
  for (let p = begin; p < end; p++) {
    const xp = x + (<usize>p * <usize>size << 2);
    let m = f32x4.splat(LOWEST);
    let i = 0;
    for (; i + 4 <= size; i += 4) m = f32x4.max(m, v128.load(xp + (<usize>i << 2)));
    let best = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    for (; i < size; i++) best = max(best, load<f32>(xp + (<usize>i << 2)));
    store<f32>(y + (<usize>p << 2), best);
  }
}
