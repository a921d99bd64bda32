// Kernels of the tensor family (data movement); one file per kernel.
export { copyBlocks } from './copy-blocks';
export { copyStrided } from './copy-strided';
export { gatherBlocks } from './gather-blocks';
export { transpose2d } from './transpose-2d';
