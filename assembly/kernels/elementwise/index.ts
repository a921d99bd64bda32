// Kernels of the elementwise family; one file per kernel.
export { relu } from './relu';
