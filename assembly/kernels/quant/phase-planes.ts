// The input of a quantized convolution as phase planes of channel pairs, which the direct kernel
// (stride phases) and the Winograd kernels (m x m phase planes of each output phase's patches)
// read at one shift per tap. Layout per channel pair i, at out + i * planeBytes: rowPhases x
// colPhases planes, phaseBytes apart, (row phase) * colPhases + (column phase), each rows of
// `width` pairs (i16 channel 2i, i16 channel 2i + 1), then zeros to planeBytes.

/**
 * `rowsIn` rows from input row iy0 (then every rowStep-th), colPhases x width columns from ix0
 * every colStep-th: row r, column n of channel pair i to plane (r % rowPhases, n % colPhases) at
 * (r / rowPhases, n / colPhases), as the pair (channel 2i, channel 2i + 1) minus the zero point; 0
 * outside the input and for a missing odd channel. Vector copies, where the columns allow: one
 * phase of consecutive columns, four pairs from two loads per channel interleaved by one shuffle;
 * two (four) phases with columns 1 or 2 apart, eight (sixteen) columns into two (four) runs of four
 * pairs by shuffles.
 */
export function fillPhasePlanes(
  x: usize, out: usize, planeBytes: usize, phaseBytes: usize, C: i32, H: i32, W: i32, width: i32, rowsIn: i32,
  iy0: i32, ix0: i32, rowPhases: i32, colPhases: i32, rowStep: i32, colStep: i32, xZero: i32,
): void {
  const channelBytes = <usize>(H * W) << 2;
  const zero = i32x4.splat(xZero);
  const split = (colPhases == 2 || colPhases == 4) && colStep <= 2;
  const span = colPhases == 1 && colStep == 1 ? 4 : split ? 4 * colPhases : 0;
  // Columns n in [nLo, nHi) read inside the input; the vectors cover [nStart, nVector).
  const nLo = ix0 >= 0 ? 0 : (colStep - 1 - ix0) / colStep;
  const nHi = max(nLo, min(colPhases * width, (W - ix0 + colStep - 1) / colStep));
  const nStart = split ? min(nHi, (nLo + colPhases - 1) / colPhases * colPhases) : nLo;
  const nVector = span == 0 ? nStart : nStart + (nHi - nStart) / span * span;
  for (let i = 0; i < (C + 1) >> 1; i++) {
    const plane = out + <usize>i * planeBytes;
    const hasOdd = 2 * i + 1 < C;
    memory.fill(plane, 0, planeBytes);
    for (let r = 0; r < rowsIn; r++) {
      const iy = iy0 + r * rowStep;
      if (<u32>iy >= <u32>H) continue;
      const even = x + <usize>(2 * i) * channelBytes + (<usize>(iy * W) << 2);
      const odd = hasOdd ? even + channelBytes : 0;
      const target = plane + <usize>(r % rowPhases * colPhases) * phaseBytes + (<usize>(r / rowPhases * width) << 2);
      for (let n = nStart; n < nVector; n += span) {
        const column = <usize>(ix0 + n * colStep) << 2;
        if (split && colPhases == 4) {
          const at = target + (<usize>(n >> 2) << 2);
          const next = <usize>(8 * colStep) << 2;
          const e0 = narrowRun(even + column, colStep, zero);
          const e1 = narrowRun(even + column + next, colStep, zero);
          const o0 = hasOdd ? narrowRun(odd + column, colStep, zero) : i16x8.splat(0);
          const o1 = hasOdd ? narrowRun(odd + column + next, colStep, zero) : i16x8.splat(0);
          // Phases 0 and 1 (2 and 3) of the first eight columns, then of the next eight.
          const a01 = v128.shuffle<i16>(e0, o0, 0, 8, 4, 12, 1, 9, 5, 13);
          const a23 = v128.shuffle<i16>(e0, o0, 2, 10, 6, 14, 3, 11, 7, 15);
          const b01 = v128.shuffle<i16>(e1, o1, 0, 8, 4, 12, 1, 9, 5, 13);
          const b23 = v128.shuffle<i16>(e1, o1, 2, 10, 6, 14, 3, 11, 7, 15);
          v128.store(at, v128.shuffle<i64>(a01, b01, 0, 2));
          v128.store(at + phaseBytes, v128.shuffle<i64>(a01, b01, 1, 3));
          v128.store(at + 2 * phaseBytes, v128.shuffle<i64>(a23, b23, 0, 2));
          v128.store(at + 3 * phaseBytes, v128.shuffle<i64>(a23, b23, 1, 3));
        } else if (split) {
          const at = target + (<usize>(n >> 1) << 2);
          const e = narrowRun(even + column, colStep, zero);
          const o = hasOdd ? narrowRun(odd + column, colStep, zero) : i16x8.splat(0);
          v128.store(at, v128.shuffle<i16>(e, o, 0, 8, 2, 10, 4, 12, 6, 14));
          v128.store(at + phaseBytes, v128.shuffle<i16>(e, o, 1, 9, 3, 11, 5, 13, 7, 15));
        } else {
          const a = i32x4.sub(v128.load(even + column), zero);
          const b = hasOdd ? i32x4.sub(v128.load(odd + column), zero) : i32x4.splat(0);
          v128.store(target + (<usize>n << 2), v128.shuffle<i16>(i16x8.narrow_i32x4_s(a, b), i16x8.splat(0), 0, 4, 1, 5, 2, 6, 3, 7));
        }
      }
      for (let n = nLo; n < nHi; n++) {
        if (n == nStart) n = nVector;
        if (n >= nHi) break;
        const ix = ix0 + n * colStep;
        const at = target + <usize>(n % colPhases) * phaseBytes + (<usize>(n / colPhases) << 2);
        store<i16>(at, <i16>(load<i32>(even + (<usize>ix << 2)) - xZero));
        store<i16>(at, <i16>(hasOdd ? load<i32>(odd + (<usize>ix << 2)) - xZero : 0), 2);
      }
    }
  }
}

/** Eight values of one channel dw apart (dw 1 or 2) from `at`, minus the zero point, as i16. */
@inline function narrowRun(at: usize, dw: i32, zero: v128): v128 {
  if (dw == 1) return i16x8.narrow_i32x4_s(i32x4.sub(v128.load(at), zero), i32x4.sub(v128.load(at, 16), zero));
  const low = i16x8.narrow_i32x4_s(i32x4.sub(v128.load(at), zero), i32x4.sub(v128.load(at, 16), zero));
  const high = i16x8.narrow_i32x4_s(i32x4.sub(v128.load(at, 32), zero), i32x4.sub(v128.load(at, 48), zero));
  return v128.shuffle<i16>(low, high, 0, 2, 4, 6, 8, 10, 12, 14);
}
