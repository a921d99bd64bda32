// The input of a quantized convolution as 2 x 2 parity planes of channel pairs, which the Winograd
// kernel (each output phase's patches) and the direct kernel (stride 2) read at one shift per
// tap. Layout per channel pair i, at out + i * planeBytes: planes (0, 0), (0, 1), (1, 0), (1, 1),
// phaseBytes apart, rows of TW pairs (i16 channel 2i, i16 channel 2i + 1).

/**
 * `rowsIn` rows from input row iy0 (then every dh-th), 2 TW columns from ix0 every dw-th: row r,
 * column n of channel pair i to parity plane (r & 1, n & 1) at (r >> 1, n >> 1), as the pair
 * (channel 2i, channel 2i + 1) minus the zero point; 0 outside the input and for a missing odd
 * channel. At dw 1 and 2, eight columns at a time: two parity runs of four pairs from two (four)
 * loads per channel, narrowed and interleaved by shuffles.
 */
export function fillParityPlanes(
  x: usize, out: usize, planeBytes: usize, phaseBytes: usize, C: i32, H: i32, W: i32, TW: i32, rowsIn: i32,
  iy0: i32, ix0: i32, dh: i32, dw: i32, xZero: i32,
): void {
  const channelBytes = <usize>(H * W) << 2;
  const zero = i32x4.splat(xZero);
  // Columns n in [nLo, nHi) read inside the input; the vectors cover [nLo rounded up to even, nVector).
  const nLo = ix0 >= 0 ? 0 : (dw - 1 - ix0) / dw;
  const nHi = max(nLo, min(2 * TW, (W - ix0 + dw - 1) / dw));
  const nStart = min(nHi, (nLo + 1) & ~1);
  const nVector = dw <= 2 ? nStart + ((nHi - nStart) & ~7) : nStart;
  for (let i = 0; i < (C + 1) >> 1; i++) {
    const plane = out + <usize>i * planeBytes;
    const hasOdd = 2 * i + 1 < C;
    memory.fill(plane, 0, planeBytes);
    for (let r = 0; r < rowsIn; r++) {
      const iy = iy0 + r * dh;
      if (<u32>iy >= <u32>H) continue;
      const even = x + <usize>(2 * i) * channelBytes + (<usize>(iy * W) << 2);
      const odd = hasOdd ? even + channelBytes : 0;
      const target = plane + <usize>((r & 1) * 2) * phaseBytes + (<usize>((r >> 1) * TW) << 2);
      for (let n = nStart; n < nVector; n += 8) {
        const at = target + (<usize>(n >> 1) << 2);
        const column = <usize>(ix0 + n * dw) << 2;
        const e = narrowRun(even + column, dw, zero);
        const o = hasOdd ? narrowRun(odd + column, dw, zero) : i16x8.splat(0);
        v128.store(at, v128.shuffle<i16>(e, o, 0, 8, 2, 10, 4, 12, 6, 14));
        v128.store(at + phaseBytes, v128.shuffle<i16>(e, o, 1, 9, 3, 11, 5, 13, 7, 15));
      }
      for (let n = nLo; n < nHi; n++) {
        if (n == nStart) n = nVector;
        if (n >= nHi) break;
        const ix = ix0 + n * dw;
        const at = target + <usize>(n & 1) * phaseBytes + (<usize>(n >> 1) << 2);
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
