// Conv: 2-D convolution, NCHW, with groups, strides, dilations, explicit or automatic padding,
// an optional bias, and optionally an activation fused by the graph passes (./activation.ts).
//
// Four WASM paths (assembly/kernels/conv/):
//   depthwise   groups == C_in (each output channel reads one input channel): direct SIMD
//   pointwise   1x1, stride 1, no padding: a matrix product on the input rows in place
//   winograd    3x3, stride 1, groups 1, enough channels: Winograd F(4x4, 3x3) (./winograd.ts),
//               4x fewer multiplies, on the same micro-kernel
//   dense       everything else: im2col of one block of pixels at a time into scratch, times the
//               weights packed at plan time, on the register-blocked micro-kernel
import { ShapeError } from '../../errors.js';
import { float32, shapeString, toFloat32 } from '../../tensor.js';
import type { Arg, KernelPlan, OpDef } from '../types.js';
import { activate, fusedActivation, kernelActivation } from './activation.js';
import { convGeometry, convMacs, directConvSums, type ConvGeometry } from './geometry.js';
import { MR, NR, packPanels, packRowValues } from './pack.js';
import { packWinogradWeights, winogradBlock, winogradScratchFloats, winogradTiles } from './winograd.js';

/** Target bytes of one im2col block (k rows x block pixels): small enough to stay in L2 next to the weights. */
export const DENSE_BLOCK_BYTES = 160 * 1024;
/**
 * Path selection knobs, read at plan time. winogradMinChannels: the fewest input and output
 * channels for the Winograd path; below, its transforms (per tile and channel) outweigh the
 * multiplies it saves (measured with bench/kernels.ts). winogradMinTiles: the fewest 4x4 output
 * tiles per image; HRNet's and single-human-pose's 8x6 and 12x9 maps ran no faster on Winograd
 * (38.4 vs 35.5 ms, 20.3 vs 20.8 ms for those layers) while its weights take 4x the memory (36
 * values per 3x3 kernel): 216 MB of HRNet-W32's. Tests lower both to reach the kernel's edge cases
 * on small inputs; Infinity turns the path off (for comparisons).
 */
export const convTuning = { winogradMinChannels: 16, winogradMinTiles: 10 };
/** Target pixels per work unit of the pointwise path (see pointwiseBlock). */
export const POINTWISE_BLOCK = 128;

/**
 * Pixels per work unit of the pointwise path: a multiple of NR near POINTWISE_BLOCK that splits
 * the image into a multiple of four blocks of (nearly) equal size, so two or four threads get
 * equal shares. 1824 pixels (32x57) in blocks of 128 would make 15 units, the last of 32 pixels:
 * 8 and 7 units (1024 and 800 pixels) for two threads; 12 blocks of 152 split evenly.
 */
export function pointwiseBlock(pixels: number): number {
  const groups = Math.ceil(pixels / NR);
  if (groups < 4) return groups * NR;
  let best = POINTWISE_BLOCK;
  let bestImbalance = Infinity;
  for (let blocks = 4; blocks <= Math.max(4, Math.ceil((2 * pixels) / POINTWISE_BLOCK)); blocks += 4) {
    const block = Math.ceil(groups / blocks) * NR;
    const units = Math.ceil(pixels / block);
    // Pixels of the busier of two threads (shares as the pool splits them), over an even half.
    const firstShare = Math.min(pixels, Math.ceil(units / 2) * block);
    const imbalance = Math.max(firstShare, pixels - firstShare) / (pixels / 2);
    const closer = Math.abs(block - POINTWISE_BLOCK) < Math.abs(best - POINTWISE_BLOCK);
    if (imbalance < bestImbalance - 1e-9 || (imbalance < bestImbalance + 1e-9 && closer)) {
      best = block;
      bestImbalance = imbalance;
    }
  }
  return best;
}

function checkBias(where: string, biasShape: readonly number[] | undefined, cout: number): void {
  if (biasShape !== undefined && (biasShape.length !== 1 || biasShape[0] !== cout)) {
    throw new ShapeError(`${where}: bias of shape ${shapeString(biasShape)}, expected [${cout}]`);
  }
}

export const conv: OpDef = {
  type: 'Conv',
  inferTypes: ({ node, inputs }) => {
    const [x, w, b] = inputs;
    if (x === undefined || w === undefined) throw new ShapeError(`Conv node '${node.name}' needs an input and weights`);
    const g = convGeometry(node, x.shape, w.shape);
    checkBias(`Conv node '${node.name}'`, b?.shape, g.cout);
    fusedActivation(node);
    return [{ dtype: x.dtype, shape: [g.batch, g.cout, g.oh, g.ow] }];
  },

  // The direct definition: every output is the bias plus the sum over the input channels of its
  // group and the kernel taps of weight x input, taps falling in the padding reading zero; then
  // the fused activation, if any.
  reference: ({ node, inputs }) => {
    const [xt, wt, bt] = inputs;
    const g = convGeometry(node, xt!.shape, wt!.shape);
    const x = toFloat32(xt!);
    const w = toFloat32(wt!);
    const bias = bt === undefined ? undefined : toFloat32(bt);
    const activation = fusedActivation(node);
    const sums = directConvSums(g, x, w, 0, [0], bias);
    const plane = g.oh * g.ow;
    const y = activation === undefined ? Float32Array.from(sums) : Float32Array.from(sums, (sum, i) => activate(sum, activation, Math.floor(i / plane) % g.cout));
    return [float32([g.batch, g.cout, g.oh, g.ow], y)];
  },

  plan: ({ node, inputs, constants }) => {
    const g = convGeometry(node, inputs[0]!.shape, inputs[1]!.shape);
    const where = `Conv node '${node.name}'`;
    const { code, params } = kernelActivation(fusedActivation(node), g.cout, where);
    const hasBias = inputs[2] !== undefined;
    const macs = convMacs(g);
    if (g.groups === g.cin) return planDepthwise(g, hasBias, code, params, macs);
    const weights = constants[1];
    const bias = constants[2];
    // The matrix paths pack weights and bias at load; with either computed at run time the op runs on the host.
    if (weights === undefined || (hasBias && bias === undefined)) return undefined;
    const coutPerGroup = g.cout / g.groups;
    const cinPerGroup = g.cin / g.groups;
    const k = cinPerGroup * g.kh * g.kw;
    const winograd = winogradApplies(g);
    const packed = [
      winograd ? packWinogradWeights(toFloat32(weights), g.cout, g.cin) : packPanels(toFloat32(weights), g.groups, coutPerGroup, k),
      bias === undefined ? new Float32Array(0) : packRowValues(toFloat32(bias), g.groups, coutPerGroup),
      params,
    ];
    const operands: [Arg, Arg, Arg, Arg, Arg, Arg] = [{ input: 0 }, { packed: 0 }, bias === undefined ? 0 : { packed: 1 }, { packed: 2 }, { output: 0 }, 'scratch'];
    const tileBytes = MR * NR * 4;
    const pixels = g.oh * g.ow;
    if (winograd) {
      const tiles = winogradTiles(g);
      const block = winogradBlock(g.cin, tiles.perImage, tiles.perBand, NR);
      return {
        calls: [{
          fn: 'convWinograd',
          args: [...operands, g.cin, g.h, g.w, g.cout, g.oh, g.ow, g.padTop, g.padLeft, g.dilationH, g.dilationW, tiles.tilesH, tiles.tilesW, block, code],
          parallel: g.batch * Math.ceil(tiles.perImage / block),
          macs,
        }],
        packed,
        scratchBytes: winogradScratchFloats(g.cin, block, NR) * 4,
      };
    }
    const pointwise = g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop + g.padLeft + g.padBottom + g.padRight === 0;
    if (pointwise) {
      const block = pointwiseBlock(pixels);
      const units = g.batch * g.groups * Math.ceil(pixels / block);
      return {
        calls: [{ fn: 'convPointwise', args: [...operands, g.groups, cinPerGroup, coutPerGroup, pixels, block, code], parallel: units, macs }],
        packed,
        scratchBytes: cinPerGroup * NR * 4 + tileBytes,
      };
    }
    const block = Math.min(Math.ceil(pixels / NR) * NR, Math.max(NR, Math.floor(DENSE_BLOCK_BYTES / (k * 4 * NR)) * NR));
    const units = g.batch * g.groups * Math.ceil(pixels / block);
    return {
      calls: [{
        fn: 'convDense',
        args: [...operands, g.groups, cinPerGroup, g.h, g.w, coutPerGroup, g.oh, g.ow, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, block, code],
        parallel: units,
        macs,
      }],
      packed,
      scratchBytes: k * block * 4 + tileBytes,
    };
  },
};

/** Whether the Winograd F(4x4, 3x3) path takes this convolution. */
export function winogradApplies(g: ConvGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.strideH === 1 && g.strideW === 1 && g.groups === 1
    && g.cin >= convTuning.winogradMinChannels && g.cout >= convTuning.winogradMinChannels
    && winogradTiles(g).perImage >= convTuning.winogradMinTiles;
}

/** groups == C_in: each output channel co reads input channel floor(co / multiplier) alone. */
function planDepthwise(g: ConvGeometry, hasBias: boolean, code: number, params: Float32Array, macs: number): KernelPlan {
  return {
    calls: [{
      fn: 'convDepthwise',
      args: [
        { input: 0 }, { input: 1 }, hasBias ? { input: 2 } : 0, { packed: 0 }, { output: 0 }, 'scratch',
        g.cin, g.h, g.w, g.cout / g.cin, g.oh, g.ow, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, code,
      ],
      parallel: g.batch * g.cin,
      macs,
    }],
    packed: [params],
    scratchBytes: depthwiseScratchFloats(g) * 4,
  };
}

/** SPLIT_MIN_WIDTH of assembly/kernels/conv/conv-depthwise.ts: the narrowest rows of the de-interleaved stride-2 path. */
const DEPTHWISE_SPLIT_MIN_WIDTH = 12;

/**
 * Scratch floats of convDepthwise: the padded input plane, with room for the last vector of four
 * outputs; at 3x3 stride 2 it is stored as its even and odd columns, after a padded-row buffer.
 */
export function depthwiseScratchFloats(g: ConvGeometry): number {
  const owRounded = Math.ceil(g.ow / 4) * 4;
  const paddedH = Math.max(g.padTop + g.h, (g.oh - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1);
  const paddedW = Math.max(g.padLeft + g.w, (owRounded - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1);
  const split = g.kh === 3 && g.kw === 3 && g.strideH === 2 && g.strideW === 2 && g.dilationH === 1 && g.dilationW === 1 && g.ow >= DEPTHWISE_SPLIT_MIN_WIDTH;
  return split ? Math.ceil(paddedW / 8) * 8 + 8 + 2 * paddedH * Math.ceil(paddedW / 2) : paddedH * paddedW;
}
