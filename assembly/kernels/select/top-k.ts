// TopK over the middle axis of an [outer, axisLength, inner] f32 tensor. For each row o in
// [begin, end) (o = outer index * inner + inner index) the k best elements are kept sorted in
// the output itself by insertion: an element moves ahead of kept ones it beats strictly, so
// equal values keep their original order (lower index first); a NaN sorts after every number.
// O(axisLength * k) per row at worst, which suits the small k of detection heads.

@inline function beats(v: f32, kept: f32, largest: i32): bool {
  if (isNaN(v)) return false;
  if (isNaN(kept)) return true;
  return largest ? v > kept : v < kept;
}

export function topKF32(x: usize, values: usize, indices: usize, axisLength: i32, inner: i32, k: i32, largest: i32, begin: i32, end: i32): void {
  const step = <usize>inner << 2;
  for (let o = begin; o < end; o++) {
    const outerIndex = o / inner;
    const innerIndex = o - outerIndex * inner;
    const base = (<usize>outerIndex * <usize>axisLength * <usize>inner + <usize>innerIndex) << 2;
    const outBase = (<usize>outerIndex * <usize>k * <usize>inner + <usize>innerIndex) << 2;
    const outStep = step;
    let kept = 0;
    for (let j = 0; j < axisLength; j++) {
      const v = load<f32>(x + base + <usize>j * step);
      // Position this element takes: after every kept element it does not beat.
      let at = kept;
      while (at > 0 && beats(v, load<f32>(values + outBase + <usize>(at - 1) * outStep), largest)) at--;
      if (at >= k) continue;
      const last = kept < k ? kept : k - 1;
      for (let m = last; m > at; m--) {
        const from = outBase + <usize>(m - 1) * outStep;
        const to = outBase + <usize>m * outStep;
        store<f32>(values + to, load<f32>(values + from));
        store<i32>(indices + to, load<i32>(indices + from));
      }
      store<f32>(values + outBase + <usize>at * outStep, v);
      store<i32>(indices + outBase + <usize>at * outStep, j);
      if (kept < k) kept++;
    }
  }
}
