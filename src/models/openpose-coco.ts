// openpose-coco: CMU OpenPose's COCO body model (pose_iter_440000.caffemodel), Cao et al.,
// "Realtime Multi-Person 2D Pose Estimation using Part Affinity Fields" (CVPR 2017, arXiv
// 1611.08050). Written from the network definition models/pose/coco/pose_deploy_linevec.prototxt
// of CMU-Perceptual-Computing-Lab/openpose; layer names are the prototxt's, so the caffemodel's
// blobs bind by name (`conv1_1.weight`, `Mconv7_stage6_L2.bias`, ...).
//
//   image 3x368x368 by default (BGR, pixel / 256 - 0.5); any size, the output is at stride 8
//   VGG-19 conv1_1 ... conv4_2 (3x3 convs with ReLU, 2x2/2 max pooling after blocks 1-3,
//     Caffe's ceil rounding), conv4_3_CPM 3x3 -> 256, conv4_4_CPM 3x3 -> 128   -> features F
//   stage 1, two branches on F: L1 (38 PAFs) and L2 (19 heatmaps), each three 3x3 convs 128,
//     1x1 512, 1x1 -> 38 / 19
//   stages 2-6, each on concat(L1, L2, F) = 185 channels, per branch five 7x7 convs 128,
//     1x1 128, 1x1 -> 38 / 19
//   output net_output = concat(Mconv7_stage6_L2, Mconv7_stage6_L1): 57 channels at stride 8
//     (18 keypoint heatmaps + background, then 19 PAF x/y pairs), 46x46 at 368x368
//
// Counts (analyzeModel): 52,311,446 parameters (CMU's published 52.31 M); at 368x368,
// 135.93 G multiply-adds = 271.87 GFLOPs (2 per multiply-add, the Open Model Zoo convention).
import type { Model } from '../nn/graph.js';
import { NetworkBuilder } from './builder.js';

export function openposeCoco(options: { height?: number; width?: number; seed?: number } = {}): Model {
  const net = new NetworkBuilder('openpose-coco', options.seed);
  let x = net.input('image', [1, 3, options.height ?? 368, options.width ?? 368]);

  const convRelu = (input: string, name: string, relu: string, out: number, kernel: number): string =>
    net.relu(net.conv(input, { name, out, kernel, pad: (kernel - 1) / 2 }), relu);

  // VGG-19 to conv4_2, then the CPM adaptation layers.
  const vgg: (string | [string, number])[] = [
    ['1_1', 64], ['1_2', 64], 'pool1_stage1',
    ['2_1', 128], ['2_2', 128], 'pool2_stage1',
    ['3_1', 256], ['3_2', 256], ['3_3', 256], ['3_4', 256], 'pool3_stage1',
    ['4_1', 512], ['4_2', 512],
  ];
  for (const layer of vgg) {
    x = typeof layer === 'string'
      ? net.maxPool(x, { name: layer, kernel: 2, stride: 2, ceil: true })
      : convRelu(x, `conv${layer[0]}`, `relu${layer[0]}`, layer[1], 3);
  }
  x = convRelu(x, 'conv4_3_CPM', 'relu4_3_CPM', 256, 3);
  const features = convRelu(x, 'conv4_4_CPM', 'relu4_4_CPM', 128, 3);

  // Stage 1: per branch, three 3x3 convs, then 1x1 512 and the 1x1 prediction.
  const stage1 = (branch: 'L1' | 'L2', out: number): string => {
    let y = features;
    for (const i of [1, 2, 3]) y = convRelu(y, `conv5_${i}_CPM_${branch}`, `relu5_${i}_CPM_${branch}`, 128, 3);
    y = convRelu(y, `conv5_4_CPM_${branch}`, `relu5_4_CPM_${branch}`, 512, 1);
    return net.conv(y, { name: `conv5_5_CPM_${branch}`, out, kernel: 1 });
  };
  let pafs = stage1('L1', 38);
  let heatmaps = stage1('L2', 19);

  // Stages 2-6: per branch, five 7x7 convs, 1x1 128 and the 1x1 prediction.
  for (let stage = 2; stage <= 6; stage++) {
    const input = net.concat([pafs, heatmaps, features], `concat_stage${stage}`);
    const branch = (b: 'L1' | 'L2', out: number): string => {
      let y = input;
      for (let i = 1; i <= 5; i++) y = convRelu(y, `Mconv${i}_stage${stage}_${b}`, `Mrelu${i}_stage${stage}_${b}`, 128, 7);
      y = convRelu(y, `Mconv6_stage${stage}_${b}`, `Mrelu6_stage${stage}_${b}`, 128, 1);
      return net.conv(y, { name: `Mconv7_stage${stage}_${b}`, out, kernel: 1 });
    };
    pafs = branch('L1', 38);
    heatmaps = branch('L2', 19);
  }
  net.output(net.concat([heatmaps, pafs], 'concat_stage7', 'net_output'));
  return net.build();
}
