// Kernels of the conv family; one file per kernel.
