// human-pose-estimation-0001 (Open Model Zoo): Lightweight OpenPose, Osokin 2018,
// arXiv 1811.12004. Layer names, kernels, strides, dilations and groups follow the original Caffe
// definition (human-pose-estimation-0001.prototxt, in Open Model Zoo's model directory) layer for
// layer, batch-norm epsilons included (1e-3 up to conv4_1, Caffe's default 1e-5 from conv4_2 on);
// its BatchNorm + Scale pairs are one BatchNormalization here, its in-place ReLUs named nodes of
// their own.
//
// Counts (analyzeModel, 256x456, batch norm folded as in the deployed IR): 4,098,674 parameters
// (card: 4.099 M), 7.686 G multiply-adds = 15.372 GFLOPs (card: 15.435; the card's tool also
// counts bias adds, activations and residual adds, 0.4 % more).
//
//   data 3x256x456 (BGR)
//   MobileNetV1 trunk to stride 8, conv4_2 onward undilated at stride 8, conv5_1 dilated x2
//   CPM: 1x1 align, three depthwise-separable ELU blocks, residual add, 3x3 conv
//   initial stage: three 3x3 convs, then 1x1 -> 512 -> 38 PAFs (L1) and 19 heatmaps (L2)
//   refinement stage 2: five residual blocks (1x1 squeeze, 3x3, 3x3 dilated x2), two heads
//   outputs Mconv7_stage2_L1 (PAFs 38x32x57) and Mconv7_stage2_L2 (heatmaps 19x32x57)
import type { Model } from '../nn/graph.js';
import { NetworkBuilder } from './builder.js';

export function humanPoseEstimation0001(options: { height?: number; width?: number; seed?: number } = {}): Model {
  const net = new NetworkBuilder('human-pose-estimation-0001', options.seed);
  let x = net.input('data', [1, 3, options.height ?? 256, options.width ?? 456]);

  const convBnRelu = (input: string, name: string, relu: string, epsilon: number, conv: { out: number; kernel: number; stride: number; pad: number; groups?: number; dilation?: number }): string => {
    const c = net.conv(input, { name, ...conv, bias: false });
    return net.relu(net.batchNorm(c, `${name}/bn`, { epsilon }), relu);
  };
  // MobileNetV1: each block is a depthwise 3x3 then a pointwise 1x1, both with BN and ReLU.
  const separable = (input: string, block: string, out: number, stride: number, epsilon: number, dilation = 1): string => {
    const cin = net.channelsOf(input);
    const dw = convBnRelu(input, `conv${block}/dw`, `relu${block}/dw`, epsilon, { out: cin, kernel: 3, stride, pad: dilation, groups: cin, dilation });
    return convBnRelu(dw, `conv${block}/sep`, `relu${block}/sep`, epsilon, { out, kernel: 1, stride: 1, pad: 0 });
  };

  x = convBnRelu(x, 'conv1', 'relu1', 1e-3, { out: 32, kernel: 3, stride: 2, pad: 1 });
  x = separable(x, '2_1', 64, 1, 1e-3);
  x = separable(x, '2_2', 128, 2, 1e-3);
  x = separable(x, '3_1', 128, 1, 1e-3);
  x = separable(x, '3_2', 256, 2, 1e-3);
  x = separable(x, '4_1', 256, 1, 1e-3);
  x = separable(x, '4_2', 512, 1, 1e-5);
  x = separable(x, '5_1', 512, 1, 1e-5, 2);
  for (const block of ['5_2', '5_3', '5_4', '5_5']) x = separable(x, block, 512, 1, 1e-5);

  // CPM: align to 128 channels, refine with depthwise-separable ELU blocks, add back.
  const align = net.elu(net.conv(x, { name: 'conv4_3_CPM/al', out: 128, kernel: 1 }), 'relu4_3_CPM/al');
  let y = net.elu(net.conv(align, { name: 'conv4_3_CPM/red', out: 128, kernel: 1 }), 'relu4_3_CPM/red');
  for (const i of [1, 2, 3]) {
    y = net.elu(net.conv(y, { name: `conv4_3_CPM/dw${i}`, out: 128, kernel: 3, pad: 1, groups: 128, bias: false }), `relu4_3_CPM/dw${i}`);
    const pointwise = i < 3 ? `conv4_3_CPM/dw${i}/1x1` : 'conv4_3_CPM/inc';
    y = net.elu(net.conv(y, { name: pointwise, out: 128, kernel: 1 }), i < 3 ? `relu/${pointwise}` : 'relu4_3_CPM/inc');
  }
  const features = net.relu(net.conv(net.add(align, y, 'conv4_3_CPM/res'), { name: 'conv4_4_CPM', out: 128, kernel: 3, pad: 1 }), 'relu4_4_CPM');

  // Initial stage: shared trunk, then the PAF (L1) and heatmap (L2) heads.
  let s = features;
  for (const i of [1, 2, 3]) s = net.relu(net.conv(s, { name: `conv5_${i}_CPM_L1`, out: 128, kernel: 3, pad: 1 }), `relu5_${i}_CPM_L1`);
  const head1 = (branch: 'L1' | 'L2', out: number): string => {
    const h = net.relu(net.conv(s, { name: `conv5_4_CPM_${branch}`, out: 512, kernel: 1 }), `relu5_4_CPM_${branch}`);
    return net.conv(h, { name: `conv5_5_CPM_${branch}`, out, kernel: 1 });
  };
  const stage1 = net.concat([head1('L1', 38), head1('L2', 19), features], 'concat_stage2');

  // Refinement stage: five residual blocks, then the two heads again.
  let r = stage1;
  for (let i = 1; i <= 5; i++) {
    const p = `Mconv${i}_stage2_L1`;
    const sq = net.relu(net.conv(r, { name: `${p}/sq`, out: 128, kernel: 1 }), `relu/${p}/sq`);
    const c3 = net.relu(net.batchNorm(net.conv(sq, { name: `${p}/3x3`, out: 128, kernel: 3, pad: 1 }), `conv${i}/stage2/3x3/bn`), `relu/${p}/3x3`);
    const c3d = net.relu(net.batchNorm(net.conv(c3, { name: `${p}/3x3/2`, out: 128, kernel: 3, pad: 2, dilation: 2 }), `conv${i}/stage2/3x3/2/bn`), `relu/${p}/3x3/2`);
    r = net.add(sq, c3d, `${p}/5x5/res`);
  }
  const head2 = (branch: 'L1' | 'L2', out: number): string => {
    const h = net.relu(net.conv(r, { name: `Mconv6_stage2_${branch}`, out: 128, kernel: 1 }), `Mrelu6_stage2_${branch}`);
    return net.conv(h, { name: `Mconv7_stage2_${branch}`, out, kernel: 1 });
  };
  net.output(head2('L1', 38));
  net.output(head2('L2', 19));
  return net.build();
}
