// LRN across channels over channel planes [begin, end) of x (N*C planes of `size` floats):
// y = x / (bias + alpha / localSize * sum of x^2 over the channel window) ^ beta, the window
// running from c - floor((localSize - 1) / 2) to c + ceil((localSize - 1) / 2). Beta 0.75
// (AlexNet, GoogLeNet, Caffe's default) uses two vector square roots instead of a power.

export function lrn(x: usize, y: usize, C: i32, size: i32, localSize: i32, alpha: f32, beta: f32, bias: f32, begin: i32, end: i32): void {
  const plane = <usize>size << 2;
  const scale = alpha / <f32>localSize;
  const scales = f32x4.splat(scale);
  const biases = f32x4.splat(bias);
  const before = (localSize - 1) >> 1;
  const after = localSize - 1 - before;
  const threeQuarters = beta == 0.75;
  for (let p = begin; p < end; p++) {
    const c = p % C;
    const first = p - c + max(0, c - before);
    const last = p - c + min(C - 1, c + after);
    const xp = x + <usize>p * plane;
    const yp = y + <usize>p * plane;
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      const at = <usize>i << 2;
      let sum = f32x4.splat(0);
      for (let q = first; q <= last; q++) {
        const v = v128.load(x + <usize>q * plane + at);
        sum = f32x4.add(sum, f32x4.mul(v, v));
      }
      const d = f32x4.add(biases, f32x4.mul(scales, sum));
      let factor: v128;
      if (threeQuarters) {
        const root = f32x4.sqrt(d);
        factor = f32x4.div(f32x4.splat(1), f32x4.mul(root, f32x4.sqrt(root)));
      } else {
        factor = f32x4(
          Mathf.pow(f32x4.extract_lane(d, 0), -beta), Mathf.pow(f32x4.extract_lane(d, 1), -beta),
          Mathf.pow(f32x4.extract_lane(d, 2), -beta), Mathf.pow(f32x4.extract_lane(d, 3), -beta),
        );
      }
      v128.store(yp + at, f32x4.mul(v128.load(xp + at), factor));
    }
    for (; i < size; i++) {
      const at = <usize>i << 2;
      let sum: f32 = 0;
      for (let q = first; q <= last; q++) {
        const v = load<f32>(x + <usize>q * plane + at);
        sum += v * v;
      }
      store<f32>(yp + at, load<f32>(xp + at) * Mathf.pow(bias + scale * sum, -beta));
    }
  }
}
