// Every kernel the engine calls, one file per kernel under kernels/<family>/, listed in that
// family's index. Pointers are byte offsets into the one imported memory; parallel kernels take
// (begin, end) as their last two arguments, a range of their outermost independent loop, so the
// executor can split them across threads.
//
// Parameter names, the same in every family (scripts/build-wasm.js carries them into the
// TypeScript signatures the plans are checked against): C, Cin, Cout, CoutG channels (all, in,
// out, out per group), H, W the input plane, OH, OW the output plane, kh, kw the window, sh, sw
// its strides, pt, pl the top and left pads, dh, dw its dilations; x, y the input and output.
// Depthwise kernels: mult output channels per input channel. Matrix products: a, b (or w, packed
// at load) and y, m x k times k x n. Quantized kernels: xZero, yZero (aZero) the zero points,
// multiplier the requantization factors, lo, hi the output's integer bounds.

export function heapBase(): usize {
  return __heap_base;
}

export { copyBytes, fillF32 } from './kernels/memory';
export * from './kernels/conv/index';
export * from './kernels/elementwise/index';
export * from './kernels/quant/index';
export * from './kernels/select/index';
export * from './kernels/spatial/index';
export * from './kernels/tensor/index';
