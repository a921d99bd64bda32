// Network outputs -> poses: pure functions on CHW Float32Arrays.
export * from './pose.js';
export * from './resize.js';
export * from './heatmap.js';
export * from './openpose.js';
export * from './pose3d.js';
export * from './posenet.js';
export * from './movenet.js';
export * from './efficientpose.js';
