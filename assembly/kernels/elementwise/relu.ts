// Relu over elements [begin, end) of x into y.

export function relu(x: usize, y: usize, begin: i32, end: i32): void {
  const zero = f32x4.splat(0);
  let i = begin;
  for (; i + 4 <= end; i += 4) {
    const p = <usize>i << 2;
    v128.store(y + p, f32x4.max(v128.load(x + p), zero));
  }
  for (; i < end; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, max(load<f32>(x + p), 0));
  }
}
