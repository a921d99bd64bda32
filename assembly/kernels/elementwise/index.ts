// Kernels of the elementwise family; one file per kernel kind (math.ts holds the shared vector
// exp/log/erf, not kernels).
export { binaryChannel, binaryScalar, binarySame, binaryStrided } from './binary';
export { cast } from './cast';
export { compare } from './compare';
export { reduceAxis } from './reduce';
export { softmax } from './softmax';
export { unary } from './unary';
