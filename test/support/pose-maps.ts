// The painted OpenPose maps live in src (explain's figures use them too).
export * from '../../src/explain/painted-maps.js';
