// MatMulInteger and QLinearMatMul: numpy matrix products of quantized operands with int32 sums of
// (a - a_zero) * (b - b_zero); QLinearMatMul requantizes as QLinearConv does (multiplier
// a_scale * b_scale / y_scale in float32, round half to even, saturate). Zero points and scales
// per tensor, or per column of b (per row of a for a's zero point, as MatMulInteger allows).
// WASM path (assembly/kernels/quant/qmatmul-4x8c2-dot16.ts) when B and every quantization
// parameter are known at load, B is a matrix and A's scale and zero point are single: B's columns
// pack as a quantized convolution's output channels (per-column scales and zero points become
// per-channel ones). Otherwise the plain reference below runs on the host.
import { ShapeError } from '../../errors.js';
import { fromNumbers, toFloat32, toNumbers, type Tensor } from '../../tensor.js';
import { batchOffsets, matMulShape, type MatMulShape } from '../conv/matmul.js';
import { NR } from '../conv/pack.js';
import type { KernelPlan, OpContext, OpDef } from '../types.js';
import { epilogueMultipliers, nodeWhere, quantize, quantRange } from './common.js';
import { packPairPanels } from './qlinear-conv.js';

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

/** What the integer matrix product needs beyond A: B (k x n, zero points subtracted) packed, and the epilogue. */
interface MatMulPlanInputs {
  b: Tensor;
  bZeros: number[];
  aZero: number;
  /** Per column; absent for MatMulInteger (int32 sums out). */
  multipliers?: Float32Array;
  yZero: number;
  lo: number;
  hi: number;
}

function planQuantizedMatMul(ctx: OpContext, aIndex: number, p: MatMulPlanInputs): KernelPlan | undefined {
  const a = ctx.inputs[aIndex]!;
  if (p.b.shape.length !== 2 || a.shape.length === 0) return undefined;
  const [k, n] = p.b.shape as [number, number];
  if (a.shape[a.shape.length - 1] !== k || (p.bZeros.length !== 1 && p.bZeros.length !== n)) return undefined;
  // A's leading dimensions are rows too: B is one matrix for all of them.
  const m = a.shape.slice(0, -1).reduce((x, d) => x * d, 1);
  const b = toNumbers(p.b);
  const zeroOf = (j: number): number => (p.bZeros.length === 1 ? p.bZeros[0]! : p.bZeros[j]!);
  const { panels, biasPadded, multPadded } = packPairPanels(1, n, k, (j, kk) => b[kk * n + j]! - zeroOf(j), new Array<number>(n).fill(0), p.multipliers ?? new Float32Array(n));
  return {
    calls: [{
      fn: 'qmatmul4x8c2Dot16',
      args: [{ input: aIndex }, { packed: 0 }, { packed: 1 }, { packed: 2 }, { output: 0 }, 'scratch', m, n, k, p.aZero, p.yZero, p.lo, p.hi, p.multipliers === undefined ? 1 : 0],
      parallel: Math.ceil(m / NR),
      macs: m * n * k,
    }],
    packed: [panels, biasPadded, multPadded],
    scratchBytes: (Math.ceil(k / 2) * NR + 4 * NR) * 4,
  };
}

const single = (t: Tensor | undefined): boolean => t === undefined || t.data.length === 1;

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
  plan: (ctx) => {
    const [, b, aZero, bZero] = ctx.constants;
    if (b === undefined || (ctx.inputs[2] !== undefined && aZero === undefined) || (ctx.inputs[3] !== undefined && bZero === undefined) || !single(aZero)) return undefined;
    const bZeros = bZero === undefined ? [0] : toNumbers(bZero);
    return planQuantizedMatMul(ctx, 0, { b, bZeros, aZero: aZero === undefined ? 0 : toNumbers(aZero)[0]!, yZero: 0, lo: 0, hi: 0 });
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
  plan: (ctx) => {
    const [, aScale, aZero, b, bScale, bZero, yScale, yZero] = ctx.constants;
    if (aScale === undefined || b === undefined || bScale === undefined || yScale === undefined) return undefined;
    if ((ctx.inputs[2] !== undefined && aZero === undefined) || (ctx.inputs[5] !== undefined && bZero === undefined) || (ctx.inputs[7] !== undefined && yZero === undefined)) return undefined;
    if (!single(aScale) || !single(aZero) || !single(yScale) || !single(yZero) || b.shape.length !== 2) return undefined;
    const n = b.shape[1]!;
    const sa = toFloat32(aScale)[0]!;
    const sbs = toFloat32(bScale);
    const sy = toFloat32(yScale)[0]!;
    const bZeros = bZero === undefined ? [0] : toNumbers(bZero);
    if ((sbs.length !== 1 && sbs.length !== n) || (bZeros.length !== 1 && bZeros.length !== n)) return undefined;
    const [lo, hi] = quantRange(yZero?.dtype ?? 'uint8', nodeWhere(ctx.node));
    const zy = yZero === undefined ? 0 : toNumbers(yZero)[0]!;
    const multipliers = epilogueMultipliers(Float32Array.from({ length: n }, (_, j) => Math.fround(Math.fround(sa * sbs[sbs.length === 1 ? 0 : j]!) / sy)), zy, lo, hi);
    if (multipliers === undefined) return undefined;
    return planQuantizedMatMul(ctx, 0, { b, bZeros, aZero: aZero === undefined ? 0 : toNumbers(aZero)[0]!, multipliers, yZero: zy, lo, hi });
  },
};
