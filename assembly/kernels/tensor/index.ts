// Kernels of the tensor family; one file per kernel.
