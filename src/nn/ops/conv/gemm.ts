// Gemm: Y = alpha * A' B' + beta * C, A' = transA ? A^T : A (M x K), B' likewise (K x N), C
// broadcast to M x N (optional from opset 11). A constant B is transposed at load, if need be, so
// the micro-kernel reads its rows in place.
import { ShapeError } from '../../errors.js';
import { attrFloat, attrInt } from '../../graph.js';
import { float32, shapeString, toFloat32 } from '../../tensor.js';
import type { Arg, OpDef, WasmCall } from '../types.js';
import { MR, NR } from './pack.js';

interface GemmShape {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  /** C's element strides for a row and a column step of Y (0 along a broadcast dimension). */
  cRow: number;
  cCol: number;
}

function gemmShape(where: string, node: Parameters<typeof attrInt>[0], a: readonly number[], b: readonly number[], c: readonly number[] | undefined): GemmShape {
  if (a.length !== 2 || b.length !== 2) throw new ShapeError(`${where}: Gemm needs 2-D A and B, got ${shapeString(a)} and ${shapeString(b)}`);
  const transA = attrInt(node, 'transA', 0) !== 0;
  const transB = attrInt(node, 'transB', 0) !== 0;
  const [m, k] = transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [kb, n] = transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (k !== kb) throw new ShapeError(`${where}: Gemm inner dimensions differ: A' is ${m}x${k}, B' is ${kb}x${n}`);
  let cRow = 0;
  let cCol = 0;
  if (c !== undefined) {
    if (c.length > 2) throw new ShapeError(`${where}: Gemm C of shape ${shapeString(c)} has more than two dimensions`);
    const [rows, cols] = c.length === 2 ? [c[0]!, c[1]!] : c.length === 1 ? [1, c[0]!] : [1, 1];
    if ((rows !== 1 && rows !== m) || (cols !== 1 && cols !== n)) throw new ShapeError(`${where}: Gemm C of shape ${shapeString(c)} does not broadcast to [${m}, ${n}]`);
    cRow = rows === 1 ? 0 : cols;
    cCol = cols === 1 ? 0 : 1;
  }
  return { m, k, n, transA, transB, cRow, cCol };
}

export const gemm: OpDef = {
  type: 'Gemm',
  inferTypes: ({ node, inputs }) => {
    const s = gemmShape(`Gemm node '${node.name}'`, node, inputs[0]!.shape, inputs[1]!.shape, inputs[2]?.shape);
    return [{ dtype: inputs[0]!.dtype, shape: [s.m, s.n] }];
  },
  reference: ({ node, inputs }) => {
    const s = gemmShape(`Gemm node '${node.name}'`, node, inputs[0]!.shape, inputs[1]!.shape, inputs[2]?.shape);
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const a = toFloat32(inputs[0]!);
    const b = toFloat32(inputs[1]!);
    const c = inputs[2] === undefined ? undefined : toFloat32(inputs[2]);
    const y = new Float32Array(s.m * s.n);
    for (let i = 0; i < s.m; i++) {
      for (let j = 0; j < s.n; j++) {
        let sum = 0;
        for (let kk = 0; kk < s.k; kk++) {
          const av = s.transA ? a[kk * s.m + i]! : a[i * s.k + kk]!;
          const bv = s.transB ? b[j * s.k + kk]! : b[kk * s.n + j]!;
          sum += av * bv;
        }
        y[i * s.n + j] = alpha * sum + (c === undefined ? 0 : beta * c[i * s.cRow + j * s.cCol]!);
      }
    }
    return [float32([s.m, s.n], y)];
  },
  plan: ({ node, inputs, constants }) => {
    const s = gemmShape(`Gemm node '${node.name}'`, node, inputs[0]!.shape, inputs[1]!.shape, inputs[2]?.shape);
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const packed: (Float32Array | Int32Array)[] = [new Int32Array([0, 0])];
    let b: Arg = { input: 1 };
    let [bRow, bCol] = s.transB ? [1, s.k] : [s.n, 1];
    const constantB = constants[1];
    if (constantB !== undefined && s.transB) {
      // B' row-major, so full column panels are read in place.
      const source = toFloat32(constantB);
      const transposed = new Float32Array(s.k * s.n);
      for (let j = 0; j < s.n; j++) for (let kk = 0; kk < s.k; kk++) transposed[kk * s.n + j] = source[j * s.k + kk]!;
      packed.push(transposed);
      b = { packed: 1 };
      [bRow, bCol] = [s.n, 1];
    }
    const [aRow, aCol] = s.transA ? [1, s.m] : [s.k, 1];
    const calls: WasmCall[] = [{
      fn: 'matmul',
      args: [{ input: 0 }, b, { output: 0 }, { packed: 0 }, 'scratch', s.m, s.n, s.k, aRow, aCol, bRow, bCol, alpha],
      parallel: Math.ceil(s.m / MR),
      macs: s.m * s.n * s.k,
    }];
    if (inputs[2] !== undefined && beta !== 0) {
      calls.push({ fn: 'addScaled', args: [{ output: 0 }, { input: 2 }, beta, s.n, s.cRow, s.cCol], parallel: s.m, macs: 0 });
    }
    return { calls, packed, scratchBytes: (s.k * (MR + NR) + MR * NR) * 4 };
  },
};
