// wasmpose's public API: everything here runs wherever WebAssembly SIMD runs (Node, browsers,
// workers, Deno, Bun), with no Node module in its imports. Loading model files by path and
// writing PNG files, which need Node, are in ./node.ts ('wasmpose/node').
export * from './nn/errors.js';
export * from './nn/tensor.js';
export type { Attr, Dim, Graph, Model, Node, OpsetImport, ValueInfo } from './nn/graph.js';
export { relaxedSimdSupported, sharedMemorySupported, type KernelBuild } from './nn/runtime/kernels.js';
export { Session, type OutputTensor, type RunOptions, type SessionOptions, type StepTiming, type TensorInfo } from './nn/session.js';
export { runReference } from './nn/reference.js';
export { analyzeModel } from './nn/analysis.js';
export { supportedOps } from './nn/ops/registry.js';
export { readOnnx } from './nn/formats/onnx/reader.js';
export { writeOnnx } from './nn/formats/onnx/writer.js';
export { readTensorProto, writeTensorProto } from './nn/formats/onnx/tensor-proto.js';
export { readNpy, writeNpy } from './nn/formats/npy.js';
export { readOpenVino } from './nn/formats/openvino/reader.js';
export { writeOpenVino } from './nn/formats/openvino/writer.js';
export { readCaffe, parsePrototxt } from './nn/formats/caffe/reader.js';
export { writeCaffe, type CaffeWriteOptions } from './nn/formats/caffe/writer.js';
export { readCaffemodel, writeCaffemodel, caffemodelWeights } from './nn/formats/caffe/caffemodel.js';
export { readTfjsModel } from './nn/formats/tfjs/reader.js';
export { readPytorchCheckpoint } from './nn/formats/pytorch/reader.js';
export * from './decode/index.js';
export * from './decode/writers.js';
export { evaluateKeypoints, formatCocoTable } from './eval/coco.js';
export * from './pipeline/preprocess.js';
export * from './image/geometry.js';
export { PoseEstimator, type EstimateConfig, type StageTimings } from './pipeline/estimator.js';
export type { DecoderKind, NetworkSpec, OutputRole } from './pipeline/network-spec.js';
export { decodeOutputs, isTopDown, prepareInput, type DecodeContext, type DecoderTrace } from './pipeline/decoders.js';
export { runNetwork, type InferenceRunner, type RunnerOutput } from './pipeline/runner.js';
export { renderPoses, OPENPOSE18_SKELETON, COCO17_SKELETON } from './render/overlay.js';
export { colorBar, dimmed, flowColor, flowLegend, flowOverlay, heatmapOverlay, inferno, planeOf, sampleMap, type MapPlane } from './render/maps.js';
export { explainPhoto, type ExplainModel, type ExplainOptions, type ExplainOutput, type ExplainSummary, type KeypointCheck } from './explain/explain.js';
export { renderReportHtml, type Report, type ReportFigure, type ReportSection, type ReportTable } from './explain/report.js';
export { paintOpenPoseMaps, paintedNetwork } from './explain/painted-maps.js';
export { rgbaToRgb, rgbToRgba, MAX_IMAGE_PIXELS, type RgbImage, type RgbaImage } from './image/image.js';
export { toRgbImage, type BrowserImage, type CanvasImage, type ElementImage, type FrameImage, type ImageInput, type PixelImage, type VideoImage } from './image/input.js';
export { decodeImage, sniffImageFormat, type ImageFormat } from './image/codec.js';
export { MODELS, modelInfo } from './models/registry.js';
export {
  createEstimator, estimatorNames, estimatorSpec, multiPersonNames, DEFAULT_MODEL, DEFAULT_BOXES_FROM,
  type CreateEstimatorOptions,
} from './pipeline/create.js';
export { tfjsModelNames, TFJS_MODELS, type TfjsModel } from './pipeline/tfjs-models.js';
export { CATALOGUE, catalogueEntry, seedNetworkSpec, type CatalogueEntry } from './pipeline/catalogue.js';
export { HUMAN_MODELS_INSTALL, EMBEDDED_MODELS } from './pipeline/model-files.js';
export { readModelFiles, type LoadOptions, type LoadedModel, type ModelFormat, type ReadModelFile } from './nn/formats/load-file.js';
export { loadFromSource, openSource, type FetchLike, type FetchResponse, type FileBytes, type ModelSource, type SourceOptions } from './nn/formats/model-source.js';
export { limits, setLimits, DEFAULT_LIMITS, type Limits } from './nn/limits.js';
export { validateGraph, validateModel } from './nn/validate.js';
export { VideoPoseEstimator, cropBoxFromKeypoints, type FrameConfig, type VideoEstimatorOptions } from './pipeline/video.js';
export { OneEuroFilter, KeypointsSmoother, BoxSmoother, DEFAULT_ONE_EURO, type OneEuroParams } from './track/one-euro.js';
export { PoseTracker, DEFAULT_TRACKER, COCO_KEYPOINT_SIGMAS, boxIou, keypointSimilarity, type SimilarityKind, type TrackerConfig, type TrackedPose } from './track/tracker.js';
export { PoseTracking, type TrackingOptions } from './track/tracking.js';
