// The PyTorch building blocks shared by Osokin's MobileNet pose networks (Lightweight OpenPose,
// its 3D variant, GCCPM): modules/conv.py's conv / conv_dw / conv_dw_no_bn, the MobileNetV1 trunk
// to stride 8 and the refinement-stage residual block of models/with_mobilenet.py. Each block is
// an nn.Sequential whose parts are numbered, so a layer named `<module>.<i>` owns the parameters
// `<module>.<i>.weight`, `.bias`, `.running_mean`, `.running_var`: the checkpoint's keys.
import type { NetworkBuilder } from './builder.js';

export interface ConvOptions {
  kernel?: number;
  stride?: number;
  /** Default: "same" padding for the kernel and dilation. */
  pad?: number;
  dilation?: number;
  bn?: boolean;
  relu?: boolean;
  bias?: boolean;
  /** Name of the result value when it is a graph output. */
  output?: string;
}

/** conv(): Conv2d (+ BatchNorm2d) (+ ReLU); kernel 3, bias, BN and ReLU by default. */
export function conv(net: NetworkBuilder, x: string, module: string, out: number, o: ConvOptions = {}): string {
  const kernel = o.kernel ?? 3;
  const dilation = o.dilation ?? 1;
  const pad = o.pad ?? ((kernel - 1) / 2) * dilation;
  let y = net.conv(x, { name: `${module}.0`, out, kernel, stride: o.stride ?? 1, pad, dilation, bias: o.bias ?? true, output: o.output });
  let part = 1;
  if (o.bn ?? true) y = net.batchNorm(y, `${module}.${part++}`);
  if (o.relu ?? true) y = net.relu(y, `${module}.${part}`);
  return y;
}

/** conv_dw(): depthwise 3x3 + BN + ReLU, then pointwise 1x1 + BN + ReLU, both bias-less. */
export function convDw(net: NetworkBuilder, x: string, module: string, out: number, stride = 1, dilation = 1): string {
  const c = net.channelsOf(x);
  let y = net.conv(x, { name: `${module}.0`, out: c, kernel: 3, stride, pad: dilation, dilation, groups: c, bias: false });
  y = net.relu(net.batchNorm(y, `${module}.1`), `${module}.2`);
  y = net.conv(y, { name: `${module}.3`, out, kernel: 1, bias: false });
  return net.relu(net.batchNorm(y, `${module}.4`), `${module}.5`);
}

/** conv_dw_no_bn(): the same with ELU and no batch norm. */
export function convDwNoBn(net: NetworkBuilder, x: string, module: string, out: number): string {
  const c = net.channelsOf(x);
  const y = net.elu(net.conv(x, { name: `${module}.0`, out: c, kernel: 3, pad: 1, groups: c, bias: false }), `${module}.1`);
  return net.elu(net.conv(y, { name: `${module}.2`, out, kernel: 1, bias: false }), `${module}.3`);
}

/**
 * `model`: MobileNetV1 to stride 8, 512 channels. conv 3x3/2 (no bias), then depthwise-separable
 * blocks; conv4_2 keeps stride 8 where MobileNet would go to 16, conv5_1 is dilated x2 instead.
 */
export function mobileNetTrunk(net: NetworkBuilder, image: string): string {
  let x = conv(net, image, 'model.0', 32, { stride: 2, bias: false });
  // [out channels, stride, dilation] of model.1 ... model.11 (conv2_1 ... conv5_5).
  const blocks: [number, number, number][] = [
    [64, 1, 1], [128, 2, 1], [128, 1, 1], [256, 2, 1], [256, 1, 1],
    [512, 1, 1], [512, 1, 2], [512, 1, 1], [512, 1, 1], [512, 1, 1], [512, 1, 1],
  ];
  blocks.forEach(([out, stride, dilation], i) => {
    x = convDw(net, x, `model.${i + 1}`, out, stride, dilation);
  });
  return x;
}

/** RefinementStageBlock: 1x1 conv (ReLU), then 3x3 BN ReLU and 3x3 dilated x2 BN ReLU, added back. */
export function refinementBlock(net: NetworkBuilder, x: string, module: string, out: number): string {
  const initial = conv(net, x, `${module}.initial`, out, { kernel: 1, bn: false });
  const trunk = conv(net, conv(net, initial, `${module}.trunk.0`, out), `${module}.trunk.1`, out, { dilation: 2 });
  return net.add(initial, trunk, `${module}.add`);
}

/** A prediction head: 1x1 conv to `mid` (ReLU), then 1x1 conv to `out` maps (linear). */
export function head(net: NetworkBuilder, x: string, module: string, mid: number, out: number, output?: string): string {
  const hidden = conv(net, x, `${module}.0`, mid, { kernel: 1, bn: false });
  return conv(net, hidden, `${module}.1`, out, { kernel: 1, bn: false, relu: false, output });
}
