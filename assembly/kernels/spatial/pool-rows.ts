// Row helpers of the separable pool kernels. A 2D window reduction (max or sum) splits into a
// vertical pass, which folds the window's valid input rows into one padded row, and a
// horizontal pass, which folds each output's taps of that row. The padded row starts at the
// first window's left edge (input column -padLeft) and holds the reduction's identity
// (the lowest float or 0) wherever there is no input column, so the horizontal pass needs no
// bounds checks.

export const LOWEST: f32 = -3.4028234663852886e38;

/** Floats of the padded row (matches poolRowLength in src/nn/ops/spatial/common.ts). */
@inline export function rowLength(W: i32, OW: i32, kw: i32, sw: i32, pl: i32, dw: i32): i32 {
  return max((OW - 1) * sw + (kw - 1) * dw + 1, pl + W);
}

/** dst[0, count) = value, count rounded up to whole vectors (the row has that slack). */
export function fillRow(dst: usize, value: f32, count: i32): void {
  const v = f32x4.splat(value);
  for (let i = 0; i < count; i += 4) v128.store(dst + (<usize>i << 2), v);
}

/** dst[i] = max(dst[i], src[i]) for i < count. */
export function maxInto(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const p = <usize>i << 2;
    v128.store(dst + p, f32x4.max(v128.load(dst + p), v128.load(src + p)));
  }
  for (; i < count; i++) {
    const p = <usize>i << 2;
    store<f32>(dst + p, max(load<f32>(dst + p), load<f32>(src + p)));
  }
}

/** dst[i] += src[i] for i < count. */
export function addInto(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const p = <usize>i << 2;
    v128.store(dst + p, f32x4.add(v128.load(dst + p), v128.load(src + p)));
  }
  for (; i < count; i++) {
    const p = <usize>i << 2;
    store<f32>(dst + p, load<f32>(dst + p) + load<f32>(src + p));
  }
}

/** Lanes 0, 2, 4, 6 of the eight floats a, b: every other column, for stride 2. */
@inline export function evenLanes(a: v128, b: v128): v128 {
  return v128.shuffle<i32>(a, b, 0, 2, 4, 6);
}

@inline export function oddLanes(a: v128, b: v128): v128 {
  return v128.shuffle<i32>(a, b, 1, 3, 5, 7);
}
