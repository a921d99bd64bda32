// Node-only helpers: loading model files from disk by path, and writing PNG files. Everything
// else, decodeImage included, is in the main entry ('wasmpose'), which runs in every runtime.
export { loadModel, loadModelFile, type LoadOptions, type LoadedModel, type ModelFormat } from './nn/formats/load-file.js';
export { decodeImage } from './image/codec.js';
export { encodePng } from './image/png-encode.js';
export {
  findFfmpeg, probeVideo, readVideoFrames, VideoWriter, FfmpegMissingError, VideoError,
  type ReadVideoOptions, type VideoFrame, type VideoInfo, type VideoWriterOptions,
} from './video/ffmpeg.js';
export { createEstimator, estimatorNames, DEFAULT_MODEL, DEFAULT_BOXES_FROM, type CreateEstimatorOptions } from './pipeline/create.js';
