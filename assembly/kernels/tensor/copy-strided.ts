// General strided copy into a contiguous output: Slice (steps, negative too), Transpose, Tile
// and Expand all read their source with per-dimension strides (0 for a repeated or broadcast
// dimension). `layout` holds rank i32 output dims, then rank i32 source strides, in elements;
// the source of output element (i0, ..., ik) is srcOffset + sum(i_d * stride_d). Rows (all
// dimensions but the last) are the parallel range: row r's source offset is found from r alone.

export function copyStrided(dst: usize, src: usize, srcOffset: i32, layout: usize, rank: i32, begin: i32, end: i32): void {
  const last = rank - 1;
  const width = load<i32>(layout + (<usize>last << 2));
  const step = load<i32>(layout + (<usize>(rank + last) << 2));
  for (let row = begin; row < end; row++) {
    // Decompose the row index over dims [0, last), innermost first.
    let rest = row;
    let from = srcOffset;
    for (let d = last - 1; d >= 0; d--) {
      const dim = load<i32>(layout + (<usize>d << 2));
      const stride = load<i32>(layout + (<usize>(rank + d) << 2));
      from += (rest % dim) * stride;
      rest /= dim;
    }
    const out = dst + ((<usize>row * <usize>width) << 2);
    const inp = src + (<usize>from << 2);
    if (step == 1) {
      memory.copy(out, inp, <usize>width << 2);
    } else if (step == 0) {
      const v = v128.load32_splat(inp);
      let i = 0;
      for (; i + 4 <= width; i += 4) v128.store(out + (<usize>i << 2), v);
      for (; i < width; i++) store<u32>(out + (<usize>i << 2), load<u32>(inp));
    } else {
      // Elements are moved as raw 32-bit words: float32 and int32 alike.
      for (let i = 0; i < width; i++) store<u32>(out + (<usize>i << 2), load<u32>(inp + (<isize>(i * step) << 2)));
    }
  }
}
