// Graph optimizations on the typed graph, in order. Each pass is a module of its own.
//   foldBatchNorm     BatchNormalization (and constant per-channel Mul / Add) into the Conv before it
//   fuseActivations   Relu, Clip, LeakyRelu, PRelu, Elu, Sigmoid, HardSigmoid, HardSwish into that Conv's epilogue
import { foldBatchNorm } from './fold-batchnorm.js';
import { fuseActivations } from './fuse-activations.js';
import type { TypedGraph } from './typed-graph.js';

export function optimize(graph: TypedGraph): void {
  foldBatchNorm(graph);
  fuseActivations(graph);
}
