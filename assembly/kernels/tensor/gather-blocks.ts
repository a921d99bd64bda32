// Gather with indices known at load: for each outer slice o in [begin, end) and each index j,
// copies `inner` elements from src[o, indices[j], :] to dst[o, j, :]. The indices (i32, count of
// them) were checked and made non-negative when the plan was made.

export function gatherBlocks(dst: usize, src: usize, indices: usize, count: i32, axisDim: i32, inner: i32, begin: i32, end: i32): void {
  const bytes = <usize>inner << 2;
  for (let o = begin; o < end; o++) {
    for (let j = 0; j < count; j++) {
      const index = load<i32>(indices + (<usize>j << 2));
      const from = src + ((<usize>o * <usize>axisDim + <usize>index) * bytes);
      memory.copy(dst + ((<usize>o * <usize>count + <usize>j) * bytes), from, bytes);
    }
  }
}
