// Kernels of the spatial family; one file per kernel.
export { averagePool2d } from './average-pool';
export { batchNorm } from './batch-norm';
export { globalAveragePool, globalMaxPool } from './global-pool';
export { instanceNorm } from './instance-norm';
export { lrn } from './lrn';
export { maxPool2d } from './max-pool';
export { maxPool2x2Stride2 } from './max-pool-2x2';
export { padRows } from './pad';
export { resize2d } from './resize';
