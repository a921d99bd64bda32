// GFLOP/s of the convolution kernels at Lightweight OpenPose's (human-pose-estimation-0001's)
// shapes, one thread, end to end through a Session on a single-node model: weights are packed and
// memory planned as for a real network, and only `session.run` is timed (median of several runs
// after warm-up, and the best run: on a shared machine the best is the closer to the kernel's own
// speed). GFLOP/s counts 2 flops per multiply-add of the kernel step's own time.
// INT8 rows: QLinearConv on the integer kernels at the quantized network's shapes.
//   node dist/bench/kernels.js [--quick]      (run with --experimental-wasm-relaxed-simd to add the relaxed build)
import type { Attr } from '../src/nn/graph.js';
import { emptyGraph, emptyModel, type Model } from '../src/nn/graph.js';
import { convTuning, winogradApplies } from '../src/nn/ops/conv/conv.js';
import { convGeometry } from '../src/nn/ops/conv/geometry.js';
import { median } from '../src/eval/regression.js';
import { seededRandom, uniform } from '../src/nn/random.js';
import { relaxedSimdSupported, type KernelBuild } from '../src/nn/runtime/kernels.js';
import { Session, type StepTiming } from '../src/nn/session.js';
import { float32, fromNumbers, type Tensor } from '../src/nn/tensor.js';

export interface KernelBenchRow {
  /** What the shape is in the network. */
  name: string;
  /** Input, kernel and output geometry. */
  shape: string;
  build: KernelBuild;
  /** Median milliseconds of the conv step alone. */
  kernelMs: number;
  /** Fastest run of the conv step. */
  bestKernelMs: number;
  /** Median milliseconds of the whole session.run (input copied in, output copied out). */
  runMs: number;
  /** From the median and from the best kernel time. */
  gflops: number;
  bestGflops: number;
}

interface ConvShape {
  name: string;
  cin: number;
  cout: number;
  h: number;
  w: number;
  kernel: number;
  stride: number;
  pad: number;
  dilation: number;
  groups: number;
  /** 'direct': keep a 3x3 stride-1 convolution off the Winograd path, to compare the two. */
  path?: 'direct';
  /** A QLinearConv (uint8 input, int8 per-channel weights) on the integer kernels, not a float Conv. */
  int8?: boolean;
}

const SHAPES: ConvShape[] = [
  { name: 'dense 3x3 (conv4_4_CPM, stage 1 trunk)', cin: 128, cout: 128, h: 32, w: 57, kernel: 3, stride: 1, pad: 1, dilation: 1, groups: 1, path: 'direct' },
  { name: 'winograd 3x3 (conv4_4_CPM, stage 1 trunk)', cin: 128, cout: 128, h: 32, w: 57, kernel: 3, stride: 1, pad: 1, dilation: 1, groups: 1 },
  { name: 'dense 3x3 dilated (stage 2 .../3x3/2)', cin: 128, cout: 128, h: 32, w: 57, kernel: 3, stride: 1, pad: 2, dilation: 2, groups: 1, path: 'direct' },
  { name: 'winograd 3x3 dilated (stage 2 .../3x3/2)', cin: 128, cout: 128, h: 32, w: 57, kernel: 3, stride: 1, pad: 2, dilation: 2, groups: 1 },
  // The Winograd threshold: small channel counts, both paths.
  { name: 'dense 3x3 16 channels', cin: 16, cout: 16, h: 64, w: 114, kernel: 3, stride: 1, pad: 1, dilation: 1, groups: 1, path: 'direct' },
  { name: 'winograd 3x3 16 channels', cin: 16, cout: 16, h: 64, w: 114, kernel: 3, stride: 1, pad: 1, dilation: 1, groups: 1 },
  { name: 'dense 3x3 32 channels', cin: 32, cout: 32, h: 64, w: 114, kernel: 3, stride: 1, pad: 1, dilation: 1, groups: 1, path: 'direct' },
  { name: 'winograd 3x3 32 channels', cin: 32, cout: 32, h: 64, w: 114, kernel: 3, stride: 1, pad: 1, dilation: 1, groups: 1 },
  { name: 'pointwise 1x1 (conv5_x/sep)', cin: 512, cout: 512, h: 32, w: 57, kernel: 1, stride: 1, pad: 0, dilation: 1, groups: 1 },
  { name: 'depthwise 3x3 (conv5_x/dw)', cin: 512, cout: 512, h: 32, w: 57, kernel: 3, stride: 1, pad: 1, dilation: 1, groups: 512 },
  { name: 'depthwise 3x3 dilated (conv5_1/dw)', cin: 512, cout: 512, h: 32, w: 57, kernel: 3, stride: 1, pad: 2, dilation: 2, groups: 512 },
  { name: 'depthwise 3x3 stride 2 (conv3_2/dw)', cin: 128, cout: 128, h: 64, w: 114, kernel: 3, stride: 2, pad: 1, dilation: 1, groups: 128 },
  // INT8 (human-pose-estimation-0001-int8): the first layer on the direct kernel, 1x1 layers of every
  // size on the pointwise kernel (small K and few output channels are where its fixed costs show).
  { name: 'int8 direct 3x3 stride 2 (conv1)', cin: 3, cout: 32, h: 256, w: 456, kernel: 3, stride: 2, pad: 1, dilation: 1, groups: 1, int8: true },
  { name: 'int8 pointwise 1x1 (conv2_1/sep)', cin: 32, cout: 64, h: 128, w: 228, kernel: 1, stride: 1, pad: 0, dilation: 1, groups: 1, int8: true },
  { name: 'int8 pointwise 1x1 (conv3_1/sep)', cin: 128, cout: 128, h: 64, w: 114, kernel: 1, stride: 1, pad: 0, dilation: 1, groups: 1, int8: true },
  { name: 'int8 pointwise 1x1 (conv4_3_CPM/dw1/1x1)', cin: 128, cout: 128, h: 32, w: 57, kernel: 1, stride: 1, pad: 0, dilation: 1, groups: 1, int8: true },
  { name: 'int8 pointwise 1x1 (conv4_3_CPM/al)', cin: 512, cout: 128, h: 32, w: 57, kernel: 1, stride: 1, pad: 0, dilation: 1, groups: 1, int8: true },
  { name: 'int8 pointwise 1x1 (conv5_5_CPM_L2)', cin: 512, cout: 19, h: 32, w: 57, kernel: 1, stride: 1, pad: 0, dilation: 1, groups: 1, int8: true },
  { name: 'int8 pointwise 1x1 (conv5_x/sep)', cin: 512, cout: 512, h: 32, w: 57, kernel: 1, stride: 1, pad: 0, dilation: 1, groups: 1, int8: true },
];

function attrsOf(s: ConvShape): Record<string, Attr> {
  return {
    kernel_shape: { kind: 'ints', value: [s.kernel, s.kernel] },
    strides: { kind: 'ints', value: [s.stride, s.stride] },
    pads: { kind: 'ints', value: [s.pad, s.pad, s.pad, s.pad] },
    dilations: { kind: 'ints', value: [s.dilation, s.dilation] },
    group: { kind: 'int', value: s.groups },
  };
}

/** QLinearConv with seeded int8 weights, per-channel scales and an int32 bias; input uint8. */
function qconvModel(s: ConvShape): Model {
  const rng = seededRandom(42);
  const graph = emptyGraph(s.name);
  const wShape = [s.cout, s.cin / s.groups, s.kernel, s.kernel];
  const ints = (dtype: 'int8' | 'int32', shape: number[], lo: number, hi: number) =>
    fromNumbers(dtype, shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + Math.floor(rng() * (hi - lo + 1))));
  const k = (s.cin / s.groups) * s.kernel * s.kernel;
  const init: Record<string, Tensor> = {
    x_scale: float32([], [0.02]), x_zero: fromNumbers('uint8', [], [117]), w: ints('int8', wShape, -127, 127),
    w_scale: float32([s.cout], uniform(s.cout, rng, 0.002, 0.012)), w_zero: fromNumbers('int8', [s.cout], new Array<number>(s.cout).fill(0)),
    y_scale: float32([], [0.02 * 0.006 * Math.sqrt(k) * 40]), y_zero: fromNumbers('uint8', [], [131]), b: ints('int32', [s.cout], -20000, 20000),
  };
  for (const [name, t] of Object.entries(init)) graph.initializers.set(name, t);
  graph.inputs = [{ name: 'X', dtype: 'uint8', shape: [1, s.cin, s.h, s.w] }];
  graph.outputs = [{ name: 'Y', dtype: 'uint8' }];
  graph.nodes = [{ name: 'conv', op: 'QLinearConv', domain: '', inputs: ['X', ...Object.keys(init)], outputs: ['Y'], attrs: attrsOf(s) }];
  return emptyModel(graph, 13);
}

function convModel(s: ConvShape): Model {
  const rng = seededRandom(42);
  const graph = emptyGraph(s.name);
  const wShape = [s.cout, s.cin / s.groups, s.kernel, s.kernel];
  graph.initializers.set('W', float32(wShape, uniform(wShape.reduce((a, b) => a * b, 1), rng, -0.1, 0.1)));
  graph.initializers.set('B', float32([s.cout], uniform(s.cout, rng)));
  graph.inputs = [{ name: 'X', dtype: 'float32', shape: [1, s.cin, s.h, s.w] }];
  graph.outputs = [{ name: 'Y', dtype: 'float32' }];
  graph.nodes = [{ name: 'conv', op: 'Conv', domain: '', inputs: ['X', 'W', 'B'], outputs: ['Y'], attrs: attrsOf(s) }];
  return emptyModel(graph);
}

async function benchShape(s: ConvShape, build: KernelBuild, runs: number): Promise<KernelBenchRow> {
  const model = s.int8 ? qconvModel(s) : convModel(s);
  const node = model.graph.nodes[0]!;
  const winograd = !s.int8 && s.path !== 'direct' && winogradApplies(convGeometry(node, [1, s.cin, s.h, s.w], [s.cout, s.cin / s.groups, s.kernel, s.kernel]));
  if (s.name.startsWith('winograd') !== winograd) throw new Error(`bench row '${s.name}' does not take the path its name says`);
  const saved = convTuning.winogradMinChannels;
  if (s.path === 'direct') convTuning.winogradMinChannels = Infinity;
  const session = await Session.create(model, { build, optimize: false }).finally(() => {
    convTuning.winogradMinChannels = saved;
  });
  const x = s.int8 ? Int32Array.from(uniform(s.cin * s.h * s.w, seededRandom(7), 0, 256), Math.floor) : uniform(s.cin * s.h * s.w, seededRandom(7));
  const kernelTimes: number[] = [];
  const runTimes: number[] = [];
  let macs = 0;
  const outputs = session.allocateOutputs();
  for (let i = 0; i < runs + 3; i++) {
    const timings: StepTiming[] = [];
    const start = performance.now();
    session.runInto({ X: x }, outputs, timings);
    const elapsed = performance.now() - start;
    if (i < 3) continue; // warm-up: JIT tiers and cold caches
    runTimes.push(elapsed);
    kernelTimes.push(timings[0]!.ms);
    macs = timings[0]!.macs;
  }
  session.dispose();
  const kernelMs = median(kernelTimes);
  const oh = Math.floor((s.h + 2 * s.pad - (s.kernel - 1) * s.dilation - 1) / s.stride) + 1;
  const ow = Math.floor((s.w + 2 * s.pad - (s.kernel - 1) * s.dilation - 1) / s.stride) + 1;
  return {
    name: s.name,
    shape: `${s.cin}x${s.h}x${s.w} k${s.kernel} s${s.stride} d${s.dilation} g${s.groups} -> ${s.cout}x${oh}x${ow}`,
    build,
    kernelMs,
    bestKernelMs: Math.min(...kernelTimes),
    runMs: median(runTimes),
    gflops: (2 * macs) / (kernelMs * 1e6),
    bestGflops: (2 * macs) / (Math.min(...kernelTimes) * 1e6),
  };
}

export async function benchKernels(options: { quick: boolean }): Promise<KernelBenchRow[]> {
  const builds: KernelBuild[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
  const rows: KernelBenchRow[] = [];
  for (const build of builds) {
    for (const s of SHAPES) rows.push(await benchShape(s, build, options.quick ? 5 : 25));
  }
  return rows;
}

export function printKernelTable(rows: KernelBenchRow[]): void {
  console.log('| kernel | shape | build | kernel ms | best ms | run ms | GFLOP/s | best GFLOP/s |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.shape} | ${r.build} | ${r.kernelMs.toFixed(2)} | ${r.bestKernelMs.toFixed(2)} | ${r.runMs.toFixed(2)} | ${r.gflops.toFixed(1)} | ${r.bestGflops.toFixed(1)} |`);
  }
  if (!relaxedSimdSupported()) console.log('\n(relaxed SIMD is unavailable in this host: on Node 20 run with --experimental-wasm-relaxed-simd)');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printKernelTable(await benchKernels({ quick: process.argv.includes('--quick') }));
}
