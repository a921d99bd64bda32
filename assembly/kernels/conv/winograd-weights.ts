// The Winograd F(4x4, 3x3) weight transform, run once at load: U = G g G^T of every 3x3 kernel,
// packed as convWinograd reads it. The plain version is writeWinogradWeights in
// src/nn/ops/conv/winograd.ts; this one gives the same floats (the same float64 products summed in
// the same order, rounded once to float32) and writes them in runs (see packWinogradWeights),
// which matters at load: a large network has millions of 3x3 kernels.
import { MR } from './micro-kernel';

const SIXTH: f64 = 1.0 / 6.0;
const TWELFTH: f64 = 1.0 / 12.0;
const TWENTY_FOURTH: f64 = 1.0 / 24.0;
const PATCH: i32 = 6;

/** Input channels transformed per step: BLOCK x MR kernels' 36 values, 18 KiB of float32. */
const BLOCK: i32 = 32;
const blockValues = memory.data(BLOCK * 4 * 36 * 4);

/**
 * Panels [begin, end) of MR output channels of weights [cout, cin, 3, 3]: panel p holds for
 * xi = 6 * row + column the cin x MR matrix U_xi of its MR output channels (lanes past cout stay
 * as they are, zero). The 36 matrices lie cin * MR floats apart, a page at 512 channels: writing
 * each kernel's values as they come would put 36 stores a page apart (the same cache set, over
 * and over). So BLOCK input channels of the panel are transformed into a small buffer first,
 * laid out as the output, then copied out matrix by matrix, BLOCK * MR floats in a row. Called
 * in slices: V8 moves a function to its optimising compiler between calls, never during one.
 */
export function packWinogradWeights(weights: usize, out: usize, cout: i32, cin: i32, begin: i32, end: i32): void {
  const xiBytes = <usize>(cin * MR) << 2;
  const blockBytes = <usize>(BLOCK * MR) << 2;
  for (let p = begin; p < end; p++) {
    const panel = out + <usize>p * <usize>(PATCH * PATCH) * xiBytes;
    const lanes = min(MR, cout - p * MR);
    for (let c0 = 0; c0 < cin; c0 += BLOCK) {
      const count = min(BLOCK, cin - c0);
      for (let c = 0; c < count; c++) {
        for (let lane = 0; lane < MR; lane++) {
          const at = blockValues + (<usize>(c * MR + lane) << 2);
          if (lane < lanes) transformKernel(weights + (<usize>(((p * MR + lane) * cin + c0 + c) * 9) << 2), at, blockBytes);
          else for (let xi = 0; xi < PATCH * PATCH; xi++) store<f32>(at + <usize>xi * blockBytes, 0);
        }
      }
      const bytes = <usize>(count * MR) << 2;
      for (let xi = 0; xi < PATCH * PATCH; xi++) {
        memory.copy(panel + <usize>xi * xiBytes + (<usize>(c0 * MR) << 2), blockValues + <usize>xi * blockBytes, bytes);
      }
    }
  }
}

/** U = G g G^T of the kernel at g, U[row][column] stored at at + (6 * row + column) * xiBytes. */
@inline function transformKernel(g: usize, at: usize, xiBytes: usize): void {
  const a0 = <f64>load<f32>(g), a1 = <f64>load<f32>(g, 4), a2 = <f64>load<f32>(g, 8);
  const b0 = <f64>load<f32>(g, 12), b1 = <f64>load<f32>(g, 16), b2 = <f64>load<f32>(g, 20);
  const c0 = <f64>load<f32>(g, 24), c1 = <f64>load<f32>(g, 28), c2 = <f64>load<f32>(g, 32);
  // Row r of G g is G's row r applied to the columns (a_j, b_j, c_j); row r of U is that row times G^T.
  rowTimesGT(0.25 * a0, 0.25 * a1, 0.25 * a2, at, xiBytes, 0);
  rowTimesGT(
    -SIXTH * a0 + -SIXTH * b0 + -SIXTH * c0, -SIXTH * a1 + -SIXTH * b1 + -SIXTH * c1, -SIXTH * a2 + -SIXTH * b2 + -SIXTH * c2,
    at, xiBytes, 1,
  );
  rowTimesGT(
    -SIXTH * a0 + SIXTH * b0 + -SIXTH * c0, -SIXTH * a1 + SIXTH * b1 + -SIXTH * c1, -SIXTH * a2 + SIXTH * b2 + -SIXTH * c2,
    at, xiBytes, 2,
  );
  rowTimesGT(
    TWENTY_FOURTH * a0 + TWELFTH * b0 + SIXTH * c0, TWENTY_FOURTH * a1 + TWELFTH * b1 + SIXTH * c1, TWENTY_FOURTH * a2 + TWELFTH * b2 + SIXTH * c2,
    at, xiBytes, 3,
  );
  rowTimesGT(
    TWENTY_FOURTH * a0 + -TWELFTH * b0 + SIXTH * c0, TWENTY_FOURTH * a1 + -TWELFTH * b1 + SIXTH * c1, TWENTY_FOURTH * a2 + -TWELFTH * b2 + SIXTH * c2,
    at, xiBytes, 4,
  );
  rowTimesGT(c0, c1, c2, at, xiBytes, 5);
}

/** Row `row` of U from the row (a, b, c) of G g: U[row][j] goes to matrix xi = 6 * row + j. */
@inline function rowTimesGT(a: f64, b: f64, c: f64, at: usize, xiBytes: usize, row: i32): void {
  const base = at + <usize>(row * PATCH) * xiBytes;
  store<f32>(base, <f32>(0.25 * a));
  store<f32>(base + xiBytes, <f32>(-SIXTH * a + -SIXTH * b + -SIXTH * c));
  store<f32>(base + 2 * xiBytes, <f32>(-SIXTH * a + SIXTH * b + -SIXTH * c));
  store<f32>(base + 3 * xiBytes, <f32>(TWENTY_FOURTH * a + TWELFTH * b + SIXTH * c));
  store<f32>(base + 4 * xiBytes, <f32>(TWENTY_FOURTH * a + -TWELFTH * b + SIXTH * c));
  store<f32>(base + 5 * xiBytes, <f32>c);
}
