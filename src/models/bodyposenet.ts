// bodyposenet: NVIDIA TAO BodyPoseNet, as far as its documentation describes it. NVIDIA publishes
// no network definition, so this file separates what the documentation says from what is assumed.
//
// From the TAO Toolkit documentation (docs.nvidia.com/tao, "Body Pose Estimation", TAO 3.0 and
// 3.22.05): a single-shot, bottom-up, fully convolutional network; "a backbone network (like VGG),
// an initial estimation stage, which does a pixel-wise prediction of confidence maps (heatmaps),
// and part affinity fields followed by multistage refinement (0 to N stages) on the initial
// predictions"; the default model predicts 18 keypoints in OpenPose's COCO order (nose, neck,
// right_shoulder, ..., left_ear), i.e. 19 heatmap channels (with background) and 38 PAF channels
// (19 limbs x 2).
//
// Assumptions (not from NVIDIA's documentation; change them when a real definition is at hand):
// - backbone: VGG-19's conv1_1 ... conv4_2 (stride 8) with batch normalization after bias-less
//   convolutions (the training spec's backbone `use_bias: false`), then OpenPose's conv4_3_CPM
//   (256) and conv4_4_CPM (128) adaptation layers;
// - stages: OpenPose's, the initial stage (three 3x3 convs, 1x1 512, 1x1 prediction per branch)
//   and `refinementStages` refinement stages (five 7x7 convs, 1x1 128, 1x1 prediction per
//   branch) on [PAFs, heatmaps, features]; default 5 (six stages, as the TAO example spec's
//   `stages: 6` reads);
// - outputs at stride 8, named `heatmaps` (19) and `pafs` (38); input 1x3x288x384 (the
//   deployable model's input size as recalled from its model card), RGB.
// No parameter or FLOP figure is published for it: the registry records the counts of this
// definition, not a card.
import type { Model } from '../nn/graph.js';
import { NetworkBuilder } from './builder.js';

export function bodyPoseNet(options: { height?: number; width?: number; seed?: number; refinementStages?: number } = {}): Model {
  const net = new NetworkBuilder('bodyposenet', options.seed);
  let x = net.input('input', [1, 3, options.height ?? 288, options.width ?? 384]);
  const stages = options.refinementStages ?? 5;

  const convBnRelu = (input: string, name: string, out: number): string =>
    net.relu(net.batchNorm(net.conv(input, { name, out, kernel: 3, pad: 1, bias: false }), `${name}/bn`), `${name}/relu`);
  const convRelu = (input: string, name: string, out: number, kernel: number): string =>
    net.relu(net.conv(input, { name, out, kernel, pad: (kernel - 1) / 2 }), `${name}/relu`);

  // VGG-19 to conv4_2 with batch norm, then the adaptation layers.
  const vgg: (string | [string, number])[] = [
    ['conv1_1', 64], ['conv1_2', 64], 'pool1',
    ['conv2_1', 128], ['conv2_2', 128], 'pool2',
    ['conv3_1', 256], ['conv3_2', 256], ['conv3_3', 256], ['conv3_4', 256], 'pool3',
    ['conv4_1', 512], ['conv4_2', 512],
  ];
  for (const layer of vgg) {
    x = typeof layer === 'string' ? net.maxPool(x, { name: layer, kernel: 2, stride: 2 }) : convBnRelu(x, layer[0], layer[1]);
  }
  const features = convRelu(convRelu(x, 'conv4_3_CPM', 256, 3), 'conv4_4_CPM', 128, 3);

  const last = (stage: number): boolean => stage === stages + 1;
  const predict = (y: string, name: string, out: number, output: string | undefined): string => net.conv(y, { name, out, kernel: 1, output });

  // Initial stage: per branch, three 3x3 convs, 1x1 512, 1x1 prediction.
  const initial = (branch: 'pafs' | 'heatmaps', out: number): string => {
    let y = features;
    for (const i of [1, 2, 3]) y = convRelu(y, `stage1_${branch}_conv${i}`, 128, 3);
    y = convRelu(y, `stage1_${branch}_conv4`, 512, 1);
    return predict(y, `stage1_${branch}_out`, out, last(1) ? branch : undefined);
  };
  let pafs = initial('pafs', 38);
  let heatmaps = initial('heatmaps', 19);

  // Refinement stages: per branch, five 7x7 convs, 1x1 128, 1x1 prediction.
  for (let stage = 2; stage <= stages + 1; stage++) {
    const input = net.concat([pafs, heatmaps, features], `stage${stage}_concat`);
    const refine = (branch: 'pafs' | 'heatmaps', out: number): string => {
      let y = input;
      for (let i = 1; i <= 5; i++) y = convRelu(y, `stage${stage}_${branch}_conv${i}`, 128, 7);
      y = convRelu(y, `stage${stage}_${branch}_conv6`, 128, 1);
      return predict(y, `stage${stage}_${branch}_out`, out, last(stage) ? branch : undefined);
    };
    pafs = refine('pafs', 38);
    heatmaps = refine('heatmaps', 19);
  }
  net.output(heatmaps);
  net.output(pafs);
  return net.build();
}
