// ArgMax / ArgMin over the middle axis of an [outer, axisLength, inner] f32 tensor. Output
// element o in [begin, end) (o = outer index * inner + inner index) gets the i32 index of the
// extreme along the axis: the first one, or the last with selectLast. A NaN never replaces
// the current best (comparisons with NaN are false).

export function argExtremeF32(x: usize, y: usize, axisLength: i32, inner: i32, wantMax: i32, selectLast: i32, begin: i32, end: i32): void {
  const step = <usize>inner << 2;
  for (let o = begin; o < end; o++) {
    const outerIndex = o / inner;
    const innerIndex = o - outerIndex * inner;
    let p = x + ((<usize>outerIndex * <usize>axisLength * <usize>inner + <usize>innerIndex) << 2);
    let best = load<f32>(p);
    let bestIndex = 0;
    for (let j = 1; j < axisLength; j++) {
      p += step;
      const v = load<f32>(p);
      const better = wantMax ? v > best : v < best;
      if (better || (selectLast && v == best)) {
        best = v;
        bestIndex = j;
      }
    }
    store<i32>(y + (<usize>o << 2), bestIndex);
  }
}
