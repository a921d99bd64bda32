// human-pose-estimation-3d-0001 (Open Model Zoo, public): Lightweight OpenPose with a 3D head,
// Osokin's lightweight-human-pose-estimation-3d-demo.pytorch, models/with_mobilenet.py
// (PoseEstimationWithMobileNet, one refinement stage), after Mehta et al., "Single-Shot
// Multi-Person 3D Pose Estimation From Monocular RGB" (arXiv 1712.03453). Node and parameter
// names are the PyTorch modules' state-dict keys (`model.0.0.weight`, `cpm.align.0.bias`,
// `Pose3D.stem.0.bottleneck.1.1.running_var`, ...), so the published .pth binds by name.
//
//   data 3x256x448 (BGR, (pixel - 128) / 255)
//   model     MobileNetV1 to stride 8: conv 3x3/2, then 11 depthwise-separable blocks with BN and
//             ReLU (conv4_2 at stride 8 undilated, conv5_1 dilated x2)
//   cpm       1x1 align (ReLU), three depthwise-separable ELU blocks without BN, residual add,
//             3x3 conv (ReLU)                                          -> backbone features 128
//   initial_stage       three 3x3 convs, then 1x1 512 -> 19 heatmaps and 1x1 512 -> 38 PAFs
//   refinement_stages.0 five blocks (1x1, 3x3 BN, 3x3 dilated x2 BN, residual), two 1x1 heads
//   Pose3D    on [features 128, heatmaps 19, PAFs 38]: five bottleneck ResBlocks (the first
//             aligned 185 -> 128 by a 1x1 conv), two refinement blocks, 1x1 128 -> 57
//   outputs   features (57 = 19 joints x 3 coordinates), heatmaps (19), pafs (38), all 32x56
//
// The Open Model Zoo conversion builds the network with is_convertible_by_mo=True, which adds
// `fake_conv_heatmaps` / `fake_conv_pafs`: zero-weight 1x1 convs added to the 2D outputs so that
// an old Model Optimizer kept them. They change nothing and are left out here (1,805 weights).
//
// Counts (analyzeModel, batch norm folded): 5,072,111 parameters (card: 5.074 M, which includes
// the two fake convs). At 256x448: 9.292 G multiply-adds = 18.58 GFLOPs. The card's 18.998 GFLOPs
// is this network counted at 256x456 (the 2D model's input size): 18.92 GFLOPs there, the rest
// being the element-wise operations the card's tool also counts.
import type { Model } from '../nn/graph.js';
import { NetworkBuilder } from './builder.js';
import { conv, convDwNoBn, head, mobileNetTrunk, refinementBlock } from './mobilenet-modules.js';

export function humanPoseEstimation3d0001(options: { height?: number; width?: number; seed?: number } = {}): Model {
  const net = new NetworkBuilder('human-pose-estimation-3d-0001', options.seed);
  const data = net.input('data', [1, 3, options.height ?? 256, options.width ?? 448]);

  const x = mobileNetTrunk(net, data);

  // Cpm: align, refine with three depthwise-separable ELU blocks, add back, 3x3 conv.
  const align = conv(net, x, 'cpm.align', 128, { kernel: 1, bn: false });
  let t = align;
  for (let i = 0; i < 3; i++) t = convDwNoBn(net, t, `cpm.trunk.${i}`, 128);
  const features = conv(net, net.add(align, t, 'cpm.add'), 'cpm.conv', 128, { bn: false });

  // Initial stage.
  let s = features;
  for (let i = 0; i < 3; i++) s = conv(net, s, `initial_stage.trunk.${i}`, 128, { bn: false });
  const heatmaps1 = head(net, s, 'initial_stage.heatmaps', 512, 19);
  const pafs1 = head(net, s, 'initial_stage.pafs', 512, 38);

  // Refinement stage on [features, heatmaps, PAFs].
  let r = net.concat([features, heatmaps1, pafs1], 'refinement_stages.0.concat');
  for (let i = 0; i < 5; i++) r = refinementBlock(net, r, `refinement_stages.0.trunk.${i}`, 128);
  const heatmaps = head(net, r, 'refinement_stages.0.heatmaps', 128, 19, 'heatmaps');
  const pafs = head(net, r, 'refinement_stages.0.pafs', 128, 38, 'pafs');

  // Pose3D: bottleneck residual blocks, then a light refinement stage regressing 57 maps.
  const resBlock = (input: string, module: string, out: number, align: boolean): string => {
    const mid = Math.floor(net.channelsOf(input) / 2); // in_channels // ratio
    let b = conv(net, input, `${module}.bottleneck.0`, mid, { kernel: 1 });
    b = conv(net, b, `${module}.bottleneck.1`, mid);
    b = conv(net, b, `${module}.bottleneck.2`, out, { kernel: 1 });
    const skip = align ? conv(net, input, `${module}.align`, out, { kernel: 1 }) : input;
    return net.add(skip, b, `${module}.add`);
  };
  let p = net.concat([features, heatmaps, pafs], 'Pose3D.concat');
  for (let i = 0; i < 5; i++) p = resBlock(p, `Pose3D.stem.${i}`, 128, i === 0);
  for (let i = 0; i < 2; i++) p = refinementBlock(net, p, `Pose3D.prediction.trunk.${i}`, 128);
  const features3d = head(net, p, 'Pose3D.prediction.feature_maps', 128, 57, 'features');

  net.output(features3d);
  net.output(heatmaps);
  net.output(pafs);
  return net.build();
}
