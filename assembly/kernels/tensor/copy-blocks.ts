// Block copies for Concat and Split: block b (blockElems 4-byte elements) goes from element
// srcOffset + b * srcStride of src to element dstOffset + b * dstStride of dst, for b in
// [begin, end). Concat along the channels of an NCHW tensor with batch 1 is one block per input.

export function copyBlocks(
  dst: usize, dstOffset: i32, dstStride: i32,
  src: usize, srcOffset: i32, srcStride: i32,
  blockElems: i32, begin: i32, end: i32,
): void {
  const bytes = <usize>blockElems << 2;
  for (let b = begin; b < end; b++) {
    const to = dst + ((<usize>dstOffset + <usize>b * <usize>dstStride) << 2);
    const from = src + ((<usize>srcOffset + <usize>b * <usize>srcStride) << 2);
    memory.copy(to, from, bytes);
  }
}
