// Kernels of the quantized family (int8/uint8 values held as int32, int32 sums, requantization
// fused into the epilogue); one file per kernel, requantize.ts the epilogue they share.
export { qconvPointwise4x8c2Dot16 } from './qconv-pointwise-4x8c2-dot16';
export { qconvDirect4x8c2Dot16 } from './qconv-direct-4x8c2-dot16';
export { qconvWinogradF4x3Dot16, qconvWinogradF2x3Dot16 } from './qconv-winograd-dot16';
export { qconvDepthwiseI16x8 } from './qconv-depthwise-i16x8';
export { qmatmul4x8c2Dot16 } from './qmatmul-4x8c2-dot16';
export { quantizeLinear, dequantizeLinear } from './quantize-linear';
export { qlinearAdd } from './qlinear-add';
export { lookupI32 } from './lookup-i32';
