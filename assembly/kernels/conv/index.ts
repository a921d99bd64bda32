// Kernels of the conv family; one file per kernel (activation.ts, block.ts and micro-kernel.ts
// are the shared pieces they are built from).
export { convDense } from './conv-dense';
export { convPointwise } from './conv-pointwise';
export { convDepthwise } from './conv-depthwise';
export { convWinograd } from './conv-winograd';
export { convTranspose2d } from './conv-transpose';
export { packWinogradWeights } from './winograd-weights';
export { matmul, addScaled } from './matmul';
