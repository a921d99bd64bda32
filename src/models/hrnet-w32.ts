// hrnet-w32: HRNet-W32 for COCO keypoints at 256x192, Sun et al., "Deep High-Resolution
// Representation Learning for Human Pose Estimation" (CVPR 2019, arXiv 1902.09212). Written from
// leoxiaobin/deep-high-resolution-net.pytorch, lib/models/pose_hrnet.py (PoseHighResolutionNet)
// with experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml. Node and parameter names are the
// PyTorch state-dict keys (`conv1.weight`, `stage3.2.fuse_layers.2.0.0.0.weight`, ...), so the
// published pose_hrnet_w32_256x192.pth binds by name.
//
//   input 3x256x192 (RGB, ImageNet mean [123.675, 116.28, 103.53], std [58.395, 57.12, 57.375])
//   stem      3x3/2 conv 64 BN ReLU, 3x3/2 conv 64 BN ReLU                          -> 1/4
//   layer1    four Bottleneck blocks (64 -> 256, 1x1 downsample on the first)
//   transition1 3x3 conv 256 -> 32 (1/4) and 3x3/2 conv 256 -> 64 (1/8)
//   stage2    1 module, branches [32, 64]           each branch: four BasicBlocks (two 3x3 convs)
//   transition2 3x3/2 conv 64 -> 128 (1/16)
//   stage3    4 modules, branches [32, 64, 128]
//   transition3 3x3/2 conv 128 -> 256 (1/32)
//   stage4    3 modules, branches [32, 64, 128, 256]; the last module fuses into branch 1/4 only
//   fusion (end of every module): branch i sums every branch j, brought to its resolution by a
//     1x1 conv + BN + nearest upsampling x2^(j-i) (j > i) or by (i-j) 3x3/2 conv + BN steps (j < i,
//     ReLU between steps), then ReLU
//   final_layer 1x1 conv 32 -> 17                                  -> heatmaps 17x64x48 (1/4)
//
// Counts (analyzeModel, batch norm folded, 256x192): 28,508,945 parameters (the paper's 28.5 M)
// and 7.645 G multiply-adds. The paper's "7.1 GFLOPs" is that number of multiply-adds divided by
// 2^30 (lib/utils/utils.py, get_model_summary: flops_sum / 1024**3 = 7.12); in the Open Model Zoo
// convention that `gflops` uses (2 per multiply-add, / 1e9) it is 15.29 GFLOPs.
import type { Model } from '../nn/graph.js';
import { NetworkBuilder } from './builder.js';

const STAGES = [
  { name: 'stage2', modules: 1, channels: [32, 64] },
  { name: 'stage3', modules: 4, channels: [32, 64, 128] },
  { name: 'stage4', modules: 3, channels: [32, 64, 128, 256] },
];

export function hrnetW32(options: { height?: number; width?: number; seed?: number } = {}): Model {
  const net = new NetworkBuilder('hrnet-w32', options.seed);
  const input = net.input('input', [1, 3, options.height ?? 256, options.width ?? 192]);
  let reluCount = 0;
  const relu = (x: string, module: string): string => net.relu(x, `${module}.relu_${reluCount++}`);
  const convBn = (x: string, conv: string, bn: string, out: number, kernel: number, stride = 1): string =>
    net.batchNorm(net.conv(x, { name: conv, out, kernel, stride, pad: (kernel - 1) / 2, bias: false }), bn);

  const bottleneck = (x: string, m: string, planes: number, downsample: boolean): string => {
    let y = relu(convBn(x, `${m}.conv1`, `${m}.bn1`, planes, 1), m);
    y = relu(convBn(y, `${m}.conv2`, `${m}.bn2`, planes, 3), m);
    y = convBn(y, `${m}.conv3`, `${m}.bn3`, planes * 4, 1);
    const residual = downsample ? convBn(x, `${m}.downsample.0`, `${m}.downsample.1`, planes * 4, 1) : x;
    return relu(net.add(y, residual, `${m}.add`), m);
  };
  const basicBlock = (x: string, m: string, planes: number): string => {
    const y = relu(convBn(x, `${m}.conv1`, `${m}.bn1`, planes, 3), m);
    const z = convBn(y, `${m}.conv2`, `${m}.bn2`, planes, 3);
    return relu(net.add(z, x, `${m}.add`), m);
  };

  // Stem and layer1, at 1/4 resolution.
  let x = relu(convBn(input, 'conv1', 'bn1', 64, 3, 2), 'stem');
  x = relu(convBn(x, 'conv2', 'bn2', 64, 3, 2), 'stem');
  for (let i = 0; i < 4; i++) x = bottleneck(x, `layer1.${i}`, 64, i === 0);

  let branches = [x];
  STAGES.forEach((stage, s) => {
    // Transition: adapt the existing branches' widths, open a new branch at half resolution.
    const t = `transition${s + 1}`;
    branches = stage.channels.map((c, i) => {
      if (i < branches.length) {
        const b = branches[i]!;
        return net.channelsOf(b) === c ? b : relu(convBn(b, `${t}.${i}.0`, `${t}.${i}.1`, c, 3), t);
      }
      return relu(convBn(branches[branches.length - 1]!, `${t}.${i}.0.0`, `${t}.${i}.0.1`, c, 3, 2), t);
    });

    for (let module = 0; module < stage.modules; module++) {
      const m = `${stage.name}.${module}`;
      branches = branches.map((b, i) => {
        for (let k = 0; k < 4; k++) b = basicBlock(b, `${m}.branches.${i}.${k}`, stage.channels[i]!);
        return b;
      });
      const lastOfNetwork = s === STAGES.length - 1 && module === stage.modules - 1;
      const outputs = lastOfNetwork ? 1 : branches.length;
      branches = Array.from({ length: outputs }, (_, i) => fuse(i, branches, `${m}.fuse_layers.${i}`));
    }
  });

  // Fuses every branch into branch i (HighResolutionModule._make_fuse_layers and forward: the
  // terms are summed in branch order, as PyTorch does).
  function fuse(i: number, from: string[], f: string): string {
    const ci = net.channelsOf(from[i]!);
    const terms = from.map((b, j) => {
      if (j === i) return b;
      if (j > i) {
        const y = convBn(b, `${f}.${j}.0`, `${f}.${j}.1`, ci, 1);
        return net.resize(y, `${f}.${j}.2`, { factor: 2 ** (j - i) }, 'nearest');
      }
      let y = b;
      for (let k = 0; k < i - j; k++) {
        const last = k === i - j - 1;
        y = convBn(y, `${f}.${j}.${k}.0`, `${f}.${j}.${k}.1`, last ? ci : net.channelsOf(b), 3, 2);
        if (!last) y = net.relu(y, `${f}.${j}.${k}.2`);
      }
      return y;
    });
    const sum = terms.slice(1).reduce((acc, term, j) => net.add(acc, term, `${f}.add_${j + 1}`), terms[0]!);
    return relu(sum, f);
  }

  net.output(net.conv(branches[0]!, { name: 'final_layer', out: 17, kernel: 1, output: 'heatmaps' }));
  return net.build();
}
