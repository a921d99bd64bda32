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
 * Panels [begin, end) of MR output channels of weights [Cout, Cin, 3, 3]: panel p holds for
 * xi = 6 * row + column the Cin x MR matrix U_xi of its MR output channels (lanes past Cout stay
 * as they are, zero). The 36 matrices lie Cin * MR floats apart, a page at 512 channels: writing
 * each kernel's values as they come would put 36 stores a page apart (the same cache set, over
 * and over). So BLOCK input channels of the panel are transformed into a small buffer first,
 * laid out as the output, then copied out matrix by matrix, BLOCK * MR floats in a row. Called
 * in slices: V8 moves a function to its optimising compiler between calls, never during one.
 */
export function packWinogradWeights(weights: usize, out: usize, Cout: i32, Cin: i32, begin: i32, end: i32): void {
  const xiBytes = <usize>(Cin * MR) << 2;
  const blockBytes = <usize>(BLOCK * MR) << 2;
  for (let p = begin; p < end; p++) {
    const panel = out + <usize>p * <usize>(PATCH * PATCH) * xiBytes;
    const lanes = min(MR, Cout - p * MR);
    for (let c0 = 0; c0 < Cin; c0 += BLOCK) {
      const count = min(BLOCK, Cin - c0);
      for (let c = 0; c < count; c++) {
        for (let lane = 0; lane < MR; lane++) {
          const at = blockValues + (<usize>(c * MR + lane) << 2);
          if (lane < lanes) transformKernel(weights + (<usize>(((p * MR + lane) * Cin + c0 + c) * 9) << 2), at, blockBytes);
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

/** G g, 6x3 float64, of the kernel being transformed (the kernels are transformed one at a time, on one thread). */
const gg = memory.data(18 * 8);

/** U = G g G^T of the kernel at g, U[row][column] stored at at + (6 * row + column) * xiBytes. */
@inline function transformKernel(g: usize, at: usize, xiBytes: usize): void {
  // Column j of g, (g[j], g[3 + j], g[6 + j]), times G is column j of G g; row r of G g times G^T
  // is row r of U.
  for (let j = 0; j < 3; j++) {
    applyG<f64>(<f64>load<f32>(g + (<usize>j << 2)), <f64>load<f32>(g + (<usize>(3 + j) << 2)), <f64>load<f32>(g + (<usize>(6 + j) << 2)), gg + (<usize>j << 3), 24);
  }
  for (let r = 0; r < 6; r++) {
    const row = gg + <usize>(r * 24);
    applyG<f32>(load<f64>(row), load<f64>(row, 8), load<f64>(row, 16), at + <usize>(r * PATCH) * xiBytes, xiBytes);
  }
}

/**
 * G (a, b, c)^T, its 6 values stored as T at out, out + step, ... out + 5 step: the products of
 * applyG in src/nn/ops/conv/winograd.ts, summed in the same order in float64.
 */
@inline function applyG<T>(a: f64, b: f64, c: f64, out: usize, step: usize): void {
  store<T>(out, <T>(0.25 * a));
  store<T>(out + step, <T>(-SIXTH * a + -SIXTH * b + -SIXTH * c));
  store<T>(out + 2 * step, <T>(-SIXTH * a + SIXTH * b + -SIXTH * c));
  store<T>(out + 3 * step, <T>(TWENTY_FOURTH * a + TWELFTH * b + SIXTH * c));
  store<T>(out + 4 * step, <T>(TWENTY_FOURTH * a + -TWELFTH * b + SIXTH * c));
  store<T>(out + 5 * step, <T>c);
}
