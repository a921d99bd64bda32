// ReduceSum, ReduceMean and ReduceMax along one run of axes: the input viewed as [outer, n, inner]
// reduces to [outer, inner]. Codes match REDUCE_CODES in src/nn/ops/elementwise/reduce.ts. Output
// columns are the parallel range; for inner = 1 each reduces a contiguous row with two vector
// accumulators, otherwise four neighbouring columns go through the lanes together.

export const REDUCE_SUM: i32 = 0;
export const REDUCE_MEAN: i32 = 1;
export const REDUCE_MAX: i32 = 2;

@inline function combine4(op: i32, acc: v128, v: v128): v128 {
  return op == REDUCE_MAX ? f32x4.max(acc, v) : f32x4.add(acc, v);
}

@inline function combine1(op: i32, acc: f32, v: f32): f32 {
  return op == REDUCE_MAX ? max<f32>(acc, v) : acc + v;
}

@inline function start(op: i32): f32 {
  return op == REDUCE_MAX ? -Infinity : 0;
}

/** Output columns [begin, end) of outer * inner; `scale` multiplies the result of REDUCE_MEAN (1 / n). */
export function reduceAxis(op: i32, x: usize, y: usize, n: i32, inner: i32, scale: f32, begin: i32, end: i32): void {
  if (op == REDUCE_MAX) reduceColumns(REDUCE_MAX, x, y, n, inner, scale, begin, end);
  else if (op == REDUCE_MEAN) reduceColumns(REDUCE_MEAN, x, y, n, inner, scale, begin, end);
  else reduceColumns(REDUCE_SUM, x, y, n, inner, scale, begin, end);
}

@inline function finish(op: i32, v: f32, scale: f32): f32 {
  return op == REDUCE_MEAN ? v * scale : v;
}

@inline function reduceColumns(op: i32, x: usize, y: usize, n: i32, inner: i32, scale: f32, begin: i32, end: i32): void {
  if (inner == 1) {
    for (let row = begin; row < end; row++) {
      const src = x + ((<usize>row * <usize>n) << 2);
      let a0 = f32x4.splat(start(op));
      let a1 = a0;
      let i = 0;
      for (; i + 8 <= n; i += 8) {
        const p = src + (<usize>i << 2);
        a0 = combine4(op, a0, v128.load(p));
        a1 = combine4(op, a1, v128.load(p, 16));
      }
      for (; i + 4 <= n; i += 4) a0 = combine4(op, a0, v128.load(src + (<usize>i << 2)));
      const a = combine4(op, a0, a1);
      let r = combine1(op, combine1(op, f32x4.extract_lane(a, 0), f32x4.extract_lane(a, 1)), combine1(op, f32x4.extract_lane(a, 2), f32x4.extract_lane(a, 3)));
      for (; i < n; i++) r = combine1(op, r, load<f32>(src + (<usize>i << 2)));
      store<f32>(y + (<usize>row << 2), finish(op, r, scale));
    }
    return;
  }
  const stride = <usize>inner << 2;
  let column = begin;
  while (column < end) {
    const outer = column / inner;
    const j = column - outer * inner;
    const src = x + (((<usize>outer * <usize>n * <usize>inner) + <usize>j) << 2);
    const dst = y + (<usize>column << 2);
    if (j + 4 <= inner && column + 4 <= end) {
      let acc = f32x4.splat(start(op));
      for (let i = 0; i < n; i++) acc = combine4(op, acc, v128.load(src + <usize>i * stride));
      v128.store(dst, op == REDUCE_MEAN ? f32x4.mul(acc, f32x4.splat(scale)) : acc);
      column += 4;
    } else {
      let r = start(op);
      for (let i = 0; i < n; i++) r = combine1(op, r, load<f32>(src + <usize>i * stride));
      store<f32>(dst, finish(op, r, scale));
      column++;
    }
  }
}
