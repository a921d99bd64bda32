// MatMulInteger and QLinearMatMul: numpy matrix products of quantized operands with int32 sums of
// (a - a_zero) * (b - b_zero); QLinearMatMul requantizes as QLinearConv does (multiplier
// a_scale * b_scale / y_scale in float32, round half to even, saturate). Zero points and scales
// per tensor, or per column of b (per row of a for a's zero point, as MatMulInteger allows).
// On the host (their plain reference).
import { ShapeError } from '../../errors.js';
import { fromNumbers, toFloat32, toNumbers, type Tensor } from '../../tensor.js';
import { batchOffsets, matMulShape, type MatMulShape } from '../conv/matmul.js';
import type { OpDef } from '../types.js';
import { nodeWhere, quantize, quantRange } from './common.js';

/** Sums per output element; aZeros per row of a (or one), bZeros per column of b (or one). */
function integerMatMulSums(s: MatMulShape, a: number[], b: number[], aZeros: number[], bZeros: number[]): Int32Array {
  const offsets = batchOffsets(s);
  const y = new Int32Array((offsets.length / 2) * s.m * s.n);
  for (let batch = 0; batch < offsets.length / 2; batch++) {
    const offA = offsets[2 * batch]!;
    const offB = offsets[2 * batch + 1]!;
    for (let i = 0; i < s.m; i++) {
      const za = aZeros.length === 1 ? aZeros[0]! : aZeros[i]!;
      for (let j = 0; j < s.n; j++) {
        const zb = bZeros.length === 1 ? bZeros[0]! : bZeros[j]!;
        let sum = 0;
        for (let kk = 0; kk < s.k; kk++) sum += (a[offA + i * s.k + kk]! - za) * (b[offB + kk * s.n + j]! - zb);
        y[(batch * s.m + i) * s.n + j] = sum;
      }
    }
  }
  return y;
}

function zerosOf(where: string, what: string, t: Tensor | undefined, allowed: number): number[] {
  const zeros = t === undefined ? [0] : toNumbers(t);
  if (zeros.length !== 1 && zeros.length !== allowed) throw new ShapeError(`${where}: ${zeros.length} ${what} zero points, expected 1 or ${allowed}`);
  return zeros;
}

export const matMulInteger: OpDef = {
  type: 'MatMulInteger',
  inferTypes: ({ node, inputs }) => [{ dtype: 'int32', shape: matMulShape(nodeWhere(node), inputs[0]!.shape, inputs[1]!.shape).output }],
  reference: ({ node, inputs }) => {
    const where = nodeWhere(node);
    const [a, b, aZero, bZero] = inputs;
    const s = matMulShape(where, a!.shape, b!.shape);
    const sums = integerMatMulSums(s, toNumbers(a!), toNumbers(b!), zerosOf(where, 'a', aZero, s.m), zerosOf(where, 'b', bZero, s.n));
    return [fromNumbers('int32', s.output, sums)];
  },
};

export const qlinearMatMul: OpDef = {
  type: 'QLinearMatMul',
  inferTypes: ({ node, inputs }) => [{ dtype: inputs[7]?.dtype ?? 'uint8', shape: matMulShape(nodeWhere(node), inputs[0]!.shape, inputs[3]!.shape).output }],
  reference: ({ node, inputs }) => {
    const where = nodeWhere(node);
    const [a, aScale, aZero, b, bScale, bZero, yScale, yZero] = inputs;
    const s = matMulShape(where, a!.shape, b!.shape);
    const sa = toFloat32(aScale!)[0]!;
    const sbs = toFloat32(bScale!);
    const sy = toFloat32(yScale!)[0]!;
    if (sbs.length !== 1 && sbs.length !== s.n) throw new ShapeError(`${where}: ${sbs.length} b scales, expected 1 or ${s.n}`);
    const zy = yZero === undefined ? 0 : toNumbers(yZero)[0]!;
    const dtype = yZero?.dtype ?? 'uint8';
    const [lo, hi] = quantRange(dtype, where);
    const sums = integerMatMulSums(s, toNumbers(a!), toNumbers(b!), zerosOf(where, 'a', aZero, 1), zerosOf(where, 'b', bZero, s.n));
    const q = Array.from(sums, (sum, i) => {
      const sb = sbs.length === 1 ? sbs[0]! : sbs[i % s.n]!;
      return quantize(Math.fround(Math.fround(sum) * Math.fround(Math.fround(sa * sb) / sy)), zy, lo, hi);
    });
    return [fromNumbers(dtype, s.output, q)];
  },
};
