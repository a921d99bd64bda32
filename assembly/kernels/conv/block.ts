// One block of output pixels (or matrix columns) for every output channel of a group: the
// packed A panels (one per MR output channels) against a block of B, tile by tile, then the fused
// activation on the finished rows while they are still in cache. A panel stays in L1 while it
// sweeps the block's NR-wide column panels.
import { ACT_CLIP, ACT_RELU, activateRows } from './activation';
import { MR, NR, tile } from './micro-kernel';

/**
 * y[m][n] for m < rowsTotal, n < count: a holds ceil(rowsTotal / MR) panels of k x MR floats,
 * bias (or 0) ceil(rowsTotal / MR) * MR floats, b k rows bStride bytes apart. Activation `act`
 * with the per-channel parameters of channels channel0.. (see activation.ts): Relu and Clip in
 * the micro-kernel's registers (their parameters are the bounds, Relu's (0, +inf)), the others
 * in a pass over each panel's finished rows.
 */
export function multiplyBlock(
  a: usize, b: usize, bStride: usize, k: i32, count: i32, bias: usize,
  y: usize, yStride: usize, rowsTotal: i32, tmp: usize, act: i32, params: usize, channel0: i32,
): void {
  const panelBytes = <usize>k * <usize>(MR << 2);
  const inRegisters = act == ACT_RELU || act == ACT_CLIP;
  for (let m0 = 0; m0 < rowsTotal; m0 += MR) {
    const rows = min(MR, rowsTotal - m0);
    const panel = a + <usize>(m0 / MR) * panelBytes;
    const biasRows = bias == 0 ? <usize>0 : bias + (<usize>m0 << 2);
    const yRows = y + <usize>m0 * yStride;
    const bounds = inRegisters ? params + (<usize>(channel0 + m0) << 3) : <usize>0;
    for (let n0 = 0; n0 < count; n0 += NR) {
      tile(panel, b + (<usize>n0 << 2), bStride, k, biasRows, bounds, yRows + (<usize>n0 << 2), yStride, rows, min(NR, count - n0), tmp);
    }
    if (!inRegisters) activateRows(yRows, rows, count, yStride, act, params, channel0 + m0);
  }
}

/** Copies k rows of `count` (<= NR) floats, srcStride bytes apart, into k rows of NR floats, zero-padded. */
export function packColumns(dst: usize, src: usize, srcStride: usize, k: i32, count: i32): void {
  for (let i = 0; i < k; i++) {
    const row = src + <usize>i * srcStride;
    const out = dst + (<usize>(i * NR) << 2);
    v128.store(out, f32x4.splat(0));
    v128.store(out, f32x4.splat(0), 16);
    for (let j = 0; j < count; j++) store<f32>(out + (<usize>j << 2), load<f32>(row + (<usize>j << 2)));
  }
}
