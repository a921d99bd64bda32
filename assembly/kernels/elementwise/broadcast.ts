// Broadcast layouts shared by the binary and compare kernels: `layout` holds rank i32 output
// dims, then rank strides of a, then rank strides of b, in elements (0 along a broadcast
// dimension). The last dimension is a row.

/** Element offset into operand `which` (1: a, 2: b) of output row `row`, from dims [0, rank - 1). */
@inline export function rowOffset(layout: usize, rank: i32, row: i32, which: i32): i32 {
  let rest = row;
  let offset = 0;
  for (let d = rank - 2; d >= 0; d--) {
    const dim = load<i32>(layout + (<usize>d << 2));
    offset += (rest % dim) * load<i32>(layout + (<usize>(which * rank + d) << 2));
    rest /= dim;
  }
  return offset;
}

/** The last dimension's size and each operand's step along it (0 or 1). */
@inline export function rowWidth(layout: usize, rank: i32): i32 {
  return load<i32>(layout + (<usize>(rank - 1) << 2));
}

@inline export function rowStep(layout: usize, rank: i32, which: i32): i32 {
  return load<i32>(layout + (<usize>(which * rank + rank - 1) << 2));
}
