// Pad over output rows [begin, end) of a tensor seen as 4D (out0 x out1 x out2 rows of out3).
// tables: four index tables (out0, out1, out2, out3 entries, in that order) mapping an output
// index to the input index it reads, or -1 for the fill value. Output columns
// [copyStart, copyEnd) of the last axis read input columns from copyFrom on, in order, and are
// copied in one go; the rest go through the table.

export function padRows(
  x: usize, y: usize, tables: usize,
  out0: i32, out1: i32, out2: i32, out3: i32, in1: i32, in2: i32, in3: i32,
  copyStart: i32, copyEnd: i32, copyFrom: i32, value: f32,
  begin: i32, end: i32,
): void {
  const table1 = tables + (<usize>out0 << 2);
  const table2 = table1 + (<usize>out1 << 2);
  const table3 = table2 + (<usize>out2 << 2);
  const fill = f32x4.splat(value);
  for (let r = begin; r < end; r++) {
    const o2 = r % out2;
    const o1 = (r / out2) % out1;
    const o0 = r / (out2 * out1);
    const s0 = load<i32>(tables + (<usize>o0 << 2));
    const s1 = load<i32>(table1 + (<usize>o1 << 2));
    const s2 = load<i32>(table2 + (<usize>o2 << 2));
    const out = y + (<usize>r * <usize>out3 << 2);
    if (s0 < 0 || s1 < 0 || s2 < 0) {
      let i = 0;
      for (; i + 4 <= out3; i += 4) v128.store(out + (<usize>i << 2), fill);
      for (; i < out3; i++) store<f32>(out + (<usize>i << 2), value);
      continue;
    }
    const src = x + (<usize>(((s0 * in1 + s1) * in2 + s2)) * <usize>in3 << 2);
    for (let o = 0; o < copyStart; o++) store<f32>(out + (<usize>o << 2), columnValue(src, table3, o, value));
    memory.copy(out + (<usize>copyStart << 2), src + (<usize>copyFrom << 2), <usize>(copyEnd - copyStart) << 2);
    for (let o = copyEnd; o < out3; o++) store<f32>(out + (<usize>o << 2), columnValue(src, table3, o, value));
  }
}

@inline function columnValue(src: usize, table: usize, o: i32, value: f32): f32 {
  const i = load<i32>(table + (<usize>o << 2));
  return i < 0 ? value : load<f32>(src + (<usize>i << 2));
}
