// Kernels of the spatial family; one file per kernel.
