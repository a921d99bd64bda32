// Node-only helpers: loading model files from disk and decoding or encoding images.
export { loadModel, loadModelFile, type LoadOptions, type LoadedModel } from './nn/formats/load-file.js';
export { decodeImage, encodePng } from './image/codec.js';
