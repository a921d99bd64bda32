import type { OpDef } from '../types.js';
import { dequantizeLinear } from './dequantize-linear.js';
import { convInteger, qlinearConv } from './qlinear-conv.js';
import { matMulInteger, qlinearMatMul } from './qlinear-matmul.js';
import { qlinearAdd } from './qlinear-add.js';
import { quantizeLinear } from './quantize-linear.js';

export const quantOps: OpDef[] = [quantizeLinear, dequantizeLinear, qlinearConv, convInteger, qlinearMatMul, matMulInteger, qlinearAdd];
