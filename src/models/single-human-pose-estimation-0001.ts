// single-human-pose-estimation-0001 (Open Model Zoo, public): Global Context for Convolutional
// Pose Machines (GCCPM), Osokin, arXiv 1906.04104, trained on COCO. Source:
// openvinotoolkit/training_extensions, pytorch_toolkit/human_pose_estimation/models/
// single_person_pose_with_mobilenet.py (SinglePersonPoseEstimationWithMobileNet, the module the
// Open Model Zoo conversion imports), with modules/conv.py and with_mobilenet.py's
// RefinementStageBlock. Node and parameter names are the PyTorch state-dict keys.
//
//   data 3x384x288 (RGB, mean [123.675, 116.28, 103.53], scale [58.395, 57.12, 57.375])
//   model          MobileNetV1 to stride 8 (as Lightweight OpenPose)             -> 512 x 48x36
//   cpm            3x3 conv 512 -> 256 and 3x3 conv 256 -> 128, BN and ReLU       -> features 128
//   initial_stage  three 3x3 convs (BN, ReLU), 1x1 512, 1x1 -> 17 heatmaps
//   refinement_stages.0..4, each on [features 128, previous heatmaps 17] = 145 channels:
//     U-shaped context block: encoder1 (3x3/2 -> 290, 3x3), encoder2 (3x3/2, 3x3),
//       decoder2 on [encoder1, encoder2 upsampled to encoder1's size] (3x3 580 -> 290, 3x3),
//       decoder1 on [input, decoder2 upsampled to the input's size] (3x3 435 -> 290, 3x3 -> 145)
//     three refinement blocks (1x1, 3x3 BN, 3x3 dilated x2 BN, residual), 1x1 128, 1x1 -> 17
//   outputs heatmaps0 ... heatmaps4 (initial stage and refinement stages 0-3) and heatmaps (the
//   last stage, the one to use), each 17x48x36: the names the Open Model Zoo conversion gives.
//
// The upsampling is nearest, to the encoder's size, as in the training_extensions code the COCO
// model was converted with (a later revision made the mode a parameter, bilinear by default);
// `upsampling: 'linear'` gives the bilinear variant.
//
// Counts (analyzeModel, batch norm folded, 384x288): 40,556,955 parameters and 35.92 G
// multiply-adds (71.85 GFLOPs) for the published network with five refinement stages (six
// outputs; the 152 MB download fits 40.6 M float32 weights). The card's 33.165 MParams and
// 60.125 GFlops are exactly this definition with four refinement stages (33,165,209 parameters,
// 60.05 GFLOPs + the element-wise operations the card's tool counts): the card appears to count
// one refinement stage less. `refinementStages: 4` builds that network.
import type { Model } from '../nn/graph.js';
import { NetworkBuilder } from './builder.js';
import { conv, head, mobileNetTrunk, refinementBlock } from './mobilenet-modules.js';

export interface SingleHumanPoseOptions {
  height?: number;
  width?: number;
  seed?: number;
  /** Refinement stages after the initial stage (default 5, the published model). */
  refinementStages?: number;
  /** Upsampling in the U-shaped context blocks (default 'nearest'). */
  upsampling?: 'nearest' | 'linear';
}

/** Spatial size after a 3x3 convolution with stride 2 and padding 1. */
const halved = (n: number): number => Math.floor((n - 1) / 2) + 1;

export function singleHumanPoseEstimation0001(options: SingleHumanPoseOptions = {}): Model {
  const height = options.height ?? 384;
  const width = options.width ?? 288;
  const stages = options.refinementStages ?? 5;
  const mode = options.upsampling ?? 'nearest';
  const net = new NetworkBuilder('single-human-pose-estimation-0001', options.seed);
  const data = net.input('data', [1, 3, height, width]);

  const trunk = mobileNetTrunk(net, data);
  const features = conv(net, conv(net, trunk, 'cpm.0', 256), 'cpm.1', 128);
  // Feature maps are at stride 8 (three stride-2 layers in the trunk); the context block halves twice more.
  const stride8: [number, number] = [halved(halved(halved(height))), halved(halved(halved(width)))];
  const stride16: [number, number] = [halved(stride8[0]), halved(stride8[1])];

  let s = features;
  for (let i = 0; i < 3; i++) s = conv(net, s, `initial_stage.trunk.${i}`, 128);
  let heatmaps = head(net, s, 'initial_stage.heatmaps', 512, 17, stages > 0 ? 'heatmaps0' : 'heatmaps');
  net.output(heatmaps);

  for (let stage = 0; stage < stages; stage++) {
    const m = `refinement_stages.${stage}`;
    const x = net.concat([features, heatmaps], `${m}.concat`);
    const c = net.channelsOf(x);
    // UShapedContextBlock: two stride-2 encoders, two decoders with skip connections.
    const u = `${m}.trunk.0`;
    const e1 = conv(net, conv(net, x, `${u}.encoder1.0`, 2 * c, { stride: 2 }), `${u}.encoder1.1`, 2 * c);
    const e2 = conv(net, conv(net, e1, `${u}.encoder2.0`, 2 * c, { stride: 2 }), `${u}.encoder2.1`, 2 * c);
    const e2Up = net.resize(e2, `${u}.upsample2`, { size: stride16 }, mode);
    const d2 = conv(net, conv(net, net.concat([e1, e2Up], `${u}.concat2`), `${u}.decoder2.0`, 2 * c), `${u}.decoder2.1`, 2 * c);
    const d2Up = net.resize(d2, `${u}.upsample1`, { size: stride8 }, mode);
    let r = conv(net, conv(net, net.concat([x, d2Up], `${u}.concat1`), `${u}.decoder1.0`, 2 * c), `${u}.decoder1.1`, c);
    for (let i = 1; i <= 3; i++) r = refinementBlock(net, r, `${m}.trunk.${i}`, 128);
    const last = stage === stages - 1;
    heatmaps = head(net, r, `${m}.heatmaps`, 128, 17, last ? 'heatmaps' : `heatmaps${stage + 1}`);
    net.output(heatmaps);
  }
  return net.build();
}
