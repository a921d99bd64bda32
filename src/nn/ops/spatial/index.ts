import type { OpDef } from '../types.js';
import { averagePool } from './average-pool.js';
import { batchNormalization } from './batch-normalization.js';
import { globalAveragePool, globalMaxPool } from './global-pool.js';
import { instanceNormalization } from './instance-normalization.js';
import { lrn } from './lrn.js';
import { maxPool } from './max-pool.js';
import { pad } from './pad.js';
import { resize } from './resize.js';
import { upsample } from './upsample.js';

export const spatialOps: OpDef[] = [
  maxPool, averagePool, globalAveragePool, globalMaxPool, lrn, batchNormalization, instanceNormalization, pad, resize, upsample,
];
