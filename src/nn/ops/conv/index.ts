import type { OpDef } from '../types.js';
import { conv } from './conv.js';
import { convTranspose } from './conv-transpose.js';
import { gemm } from './gemm.js';
import { matMul } from './matmul.js';

export const convOps: OpDef[] = [conv, convTranspose, gemm, matMul];
