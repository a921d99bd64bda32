// Memory helpers for the executor: copies between planned buffers and fills.

export function copyBytes(dst: usize, src: usize, bytes: i32): void {
  memory.copy(dst, src, <usize>bytes);
}

export function fillF32(dst: usize, value: f32, count: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), value);
}
