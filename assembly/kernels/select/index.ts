// Kernels of the select family; one file per kernel.
export { argExtremeF32 } from './arg-extreme';
export { gatherNd } from './gather-nd';
export { topKF32 } from './top-k';
