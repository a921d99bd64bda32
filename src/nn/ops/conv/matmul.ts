// MatMul: numpy's matrix product. 1-D operands are promoted (A to a row, B to a column) and the
// added dimension dropped from the result; leading (batch) dimensions broadcast. Runs on the
// convolution micro-kernel (assembly/kernels/conv/matmul.ts) with a table of per-batch offsets.
import { ShapeError } from '../../errors.js';
import { float32, shapeString, toFloat32 } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { MR, NR } from './pack.js';

export interface MatMulShape {
  m: number;
  k: number;
  n: number;
  /** Broadcast batch dimensions of the result. */
  batch: number[];
  /** Each operand's batch dimensions, left-padded with 1s to batch.length. */
  batchA: number[];
  batchB: number[];
  output: number[];
}

export function matMulShape(where: string, a: readonly number[], b: readonly number[]): MatMulShape {
  if (a.length === 0 || b.length === 0) throw new ShapeError(`${where}: MatMul operands must have at least one dimension, got ${shapeString(a)} and ${shapeString(b)}`);
  const a2 = a.length === 1 ? [1, a[0]!] : [...a];
  const b2 = b.length === 1 ? [b[0]!, 1] : [...b];
  const m = a2[a2.length - 2]!;
  const k = a2[a2.length - 1]!;
  const n = b2[b2.length - 1]!;
  if (b2[b2.length - 2] !== k) throw new ShapeError(`${where}: MatMul of ${shapeString(a)} and ${shapeString(b)}: inner dimensions ${k} and ${b2[b2.length - 2]} differ`);
  const rank = Math.max(a2.length, b2.length) - 2;
  const pad = (dims: number[]): number[] => [...new Array<number>(rank - (dims.length - 2)).fill(1), ...dims.slice(0, -2)];
  const batchA = pad(a2);
  const batchB = pad(b2);
  const batch = batchA.map((d, i) => {
    const e = batchB[i]!;
    if (d !== e && d !== 1 && e !== 1) throw new ShapeError(`${where}: MatMul batch dimensions of ${shapeString(a)} and ${shapeString(b)} do not broadcast`);
    return d === 1 ? e : d;
  });
  const output = [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
  return { m, k, n, batch, batchA, batchB, output };
}

/** For each result batch (row-major over `batch`), the element offsets of its A and B matrices. */
export function batchOffsets(s: MatMulShape): Int32Array {
  const count = s.batch.reduce((p, d) => p * d, 1);
  const offsets = new Int32Array(2 * count);
  for (let i = 0; i < count; i++) {
    let rest = i;
    let offA = 0;
    let offB = 0;
    let strideA = s.m * s.k;
    let strideB = s.k * s.n;
    for (let d = s.batch.length - 1; d >= 0; d--) {
      const index = rest % s.batch[d]!;
      rest = Math.floor(rest / s.batch[d]!);
      if (s.batchA[d] !== 1) offA += index * strideA;
      if (s.batchB[d] !== 1) offB += index * strideB;
      strideA *= s.batchA[d]!;
      strideB *= s.batchB[d]!;
    }
    offsets[2 * i] = offA;
    offsets[2 * i + 1] = offB;
  }
  return offsets;
}

export const matMul: OpDef = {
  type: 'MatMul',
  inferTypes: ({ node, inputs }) => [{ dtype: inputs[0]!.dtype, shape: matMulShape(`MatMul node '${node.name}'`, inputs[0]!.shape, inputs[1]!.shape).output }],
  reference: ({ node, inputs }) => {
    const s = matMulShape(`MatMul node '${node.name}'`, inputs[0]!.shape, inputs[1]!.shape);
    const a = toFloat32(inputs[0]!);
    const b = toFloat32(inputs[1]!);
    const offsets = batchOffsets(s);
    const y = new Float32Array(offsets.length / 2 * s.m * s.n);
    for (let batch = 0; batch < offsets.length / 2; batch++) {
      const offA = offsets[2 * batch]!;
      const offB = offsets[2 * batch + 1]!;
      for (let i = 0; i < s.m; i++) {
        for (let j = 0; j < s.n; j++) {
          let sum = 0;
          for (let kk = 0; kk < s.k; kk++) sum += a[offA + i * s.k + kk]! * b[offB + kk * s.n + j]!;
          y[(batch * s.m + i) * s.n + j] = sum;
        }
      }
    }
    return [float32(s.output, y)];
  },
  plan: ({ node, inputs }) => {
    const s = matMulShape(`MatMul node '${node.name}'`, inputs[0]!.shape, inputs[1]!.shape);
    const offsets = batchOffsets(s);
    const batches = offsets.length / 2;
    return {
      calls: [{
        fn: 'matmul',
        args: [{ input: 0 }, { input: 1 }, { output: 0 }, { packed: 0 }, 'scratch', s.m, s.n, s.k, s.k, 1, s.n, 1, 1],
        parallel: batches * Math.ceil(s.m / MR),
        macs: batches * s.m * s.n * s.k,
      }],
      packed: [offsets],
      scratchBytes: (s.k * (MR + NR) + MR * NR) * 4,
    };
  },
};
