// What the pipeline knows about a network: its input (size, layout, normalisation), which of its
// outputs holds what, and which decoder turns them into poses (decoders.ts holds one entry per
// decoder kind). Every entry of the model catalogue (catalogue.ts) carries one.
import type { InputSpec } from './preprocess.js';

export type DecoderKind = 'openpose' | 'heatmap' | 'pose3d' | 'movenet-single' | 'movenet-multi' | 'posenet' | 'efficientpose';

/** What each output holds, by the decoder's name for it. */
export type OutputRole = 'heatmaps' | 'pafs' | 'features' | 'offsets' | 'displacementsFwd' | 'displacementsBwd' | 'poses';

/** What the pipeline needs to know about a network: its input, its outputs and its decoder. */
export interface NetworkSpec {
  name: string;
  inputName: string;
  input: InputSpec;
  /** NCHW for ONNX / OpenVINO / Caffe / PyTorch networks; NHWC for TensorFlow.js graph models. */
  layout: 'NCHW' | 'NHWC';
  /** MoveNet takes int32 pixels; everything else float32. */
  inputType: 'float32' | 'int32';
  decoder: DecoderKind;
  /**
   * Output value names by role. openpose: heatmaps + pafs (the same name when one output holds
   * both: heatmap channels first, as OpenPose's net_output); pose3d: + features; heatmap and
   * efficientpose: heatmaps; posenet: heatmaps, offsets, displacementsFwd, displacementsBwd;
   * movenet-*: poses.
   */
  outputs: Partial<Record<OutputRole, string>>;
  keypoints: readonly string[];
  /** Output stride of the bottom-up networks (8 OpenPose, 16 PoseNet). */
  stride?: number;
}
