// Softmax and LogSoftmax along one axis of a tensor viewed as [outer, n, inner]: each (outer,
// inner) column of n values (inner apart) is normalised with the max subtracted first, so exp
// never overflows. Columns are the parallel range; four neighbouring columns of one outer slice
// go through the vector lanes together (for inner = 1, a row's n values do instead).
import { exp4, lane0 } from './math';

/** Columns [begin, end) of outer * inner. `log` selects LogSoftmax. */
export function softmax(x: usize, y: usize, n: i32, inner: i32, log: bool, begin: i32, end: i32): void {
  if (inner == 1) {
    for (let row = begin; row < end; row++) {
      const p = (<usize>row * <usize>n) << 2;
      softmaxRow(x + p, y + p, n, log);
    }
    return;
  }
  const stride = <usize>inner << 2;
  let column = begin;
  while (column < end) {
    const outer = column / inner;
    const j = column - outer * inner;
    const p = ((<usize>outer * <usize>n * <usize>inner) + <usize>j) << 2;
    if (j + 4 <= inner && column + 4 <= end) {
      softmaxColumns4(x + p, y + p, n, stride, log);
      column += 4;
    } else {
      softmaxColumn(x + p, y + p, n, stride, log);
      column++;
    }
  }
}

function softmaxRow(x: usize, y: usize, n: i32, log: bool): void {
  let mv = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) mv = f32x4.max(mv, v128.load(x + (<usize>i << 2)));
  let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  for (; i < n; i++) m = max(m, load<f32>(x + (<usize>i << 2)));
  const ms = f32x4.splat(m);
  let sv = f32x4.splat(0);
  let sum: f32 = 0;
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = <usize>i << 2;
    const e = exp4(f32x4.sub(v128.load(x + p), ms));
    sv = f32x4.add(sv, e);
    if (!log) v128.store(y + p, e);
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    const e = lane0(exp4(f32x4.splat(load<f32>(x + p) - m)));
    sum += e;
    if (!log) store<f32>(y + p, e);
  }
  sum += (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
  if (log) {
    // log softmax = x - max - ln(sum of e^(x - max))
    const shift = f32x4.splat(m + Mathf.log(sum));
    i = 0;
    for (; i + 4 <= n; i += 4) {
      const p = <usize>i << 2;
      v128.store(y + p, f32x4.sub(v128.load(x + p), shift));
    }
    for (; i < n; i++) {
      const p = <usize>i << 2;
      store<f32>(y + p, load<f32>(x + p) - f32x4.extract_lane(shift, 0));
    }
  } else {
    const scale = f32x4.splat(<f32>1 / sum);
    i = 0;
    for (; i + 4 <= n; i += 4) {
      const p = <usize>i << 2;
      v128.store(y + p, f32x4.mul(v128.load(y + p), scale));
    }
    for (; i < n; i++) {
      const p = <usize>i << 2;
      store<f32>(y + p, load<f32>(y + p) * f32x4.extract_lane(scale, 0));
    }
  }
}

/** Four neighbouring columns (adjacent floats) of n values each, `stride` bytes between values. */
function softmaxColumns4(x: usize, y: usize, n: i32, stride: usize, log: bool): void {
  let m = f32x4.splat(-Infinity);
  for (let i = 0; i < n; i++) m = f32x4.max(m, v128.load(x + <usize>i * stride));
  let sum = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const p = <usize>i * stride;
    const e = exp4(f32x4.sub(v128.load(x + p), m));
    sum = f32x4.add(sum, e);
    if (!log) v128.store(y + p, e);
  }
  if (log) {
    const shift = f32x4.add(m, f32x4(
      Mathf.log(f32x4.extract_lane(sum, 0)), Mathf.log(f32x4.extract_lane(sum, 1)),
      Mathf.log(f32x4.extract_lane(sum, 2)), Mathf.log(f32x4.extract_lane(sum, 3)),
    ));
    for (let i = 0; i < n; i++) {
      const p = <usize>i * stride;
      v128.store(y + p, f32x4.sub(v128.load(x + p), shift));
    }
  } else {
    const scale = f32x4.div(f32x4.splat(1), sum);
    for (let i = 0; i < n; i++) {
      const p = <usize>i * stride;
      v128.store(y + p, f32x4.mul(v128.load(y + p), scale));
    }
  }
}

function softmaxColumn(x: usize, y: usize, n: i32, stride: usize, log: bool): void {
  let m: f32 = -Infinity;
  for (let i = 0; i < n; i++) m = max(m, load<f32>(x + <usize>i * stride));
  let sum: f32 = 0;
  for (let i = 0; i < n; i++) {
    const p = <usize>i * stride;
    const e = lane0(exp4(f32x4.splat(load<f32>(x + p) - m)));
    sum += e;
    if (!log) store<f32>(y + p, e);
  }
  const shift = m + Mathf.log(sum);
  const scale: f32 = <f32>1 / sum;
  for (let i = 0; i < n; i++) {
    const p = <usize>i * stride;
    store<f32>(y + p, log ? load<f32>(x + p) - shift : load<f32>(y + p) * scale);
  }
}
