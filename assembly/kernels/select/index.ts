// Kernels of the select family (arg-max, top-k, gathers); one file per kernel.
