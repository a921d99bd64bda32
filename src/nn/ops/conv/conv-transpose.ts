// ConvTranspose (2D): every input pixel scatters its value times the kernel into the output,
// at stride spacing: input (iy, ix) reaches output (iy * stride - padBegin + k * dilation).
// Weights are [C_in, C_out / group, kh, kw]. Attributes: strides, pads, dilations, group,
// output_padding, output_shape, auto_pad, kernel_shape.
//
// Output size per axis: stride * (in - 1) + output_padding + (k - 1) * dilation + 1 - pads.
// With output_shape (or SAME_* auto_pad, whose output is in * stride) the pads are derived from
// the total padding that size needs: SAME_UPPER puts the odd one at the end, the others at the
// start (ONNX's rule).
//
// The kernel is a GEMM then col2im: per output channel, the products of each kernel tap with
// all input channels (a K = C_in / group reduction, four taps by eight pixels at a time), then
// those tap planes added into the output at their offsets.
import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { float32, shapeString, toFloat32, type Tensor } from '../../tensor.js';
import { where } from '../spatial/common.js';
import type { OpDef, ValueType } from '../types.js';
import { convTransposeGeometry, type ConvTransposeGeometry } from './geometry.js';
import { MR, NR } from './pack.js';

function checkBias(node: Node, bias: { shape: readonly number[] } | undefined, channels: number): void {
  if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== channels)) {
    throw new ShapeError(`${where(node)}: bias of shape ${shapeString(bias.shape)} for ${channels} output channels`);
  }
}

export function convTransposeReference(x: Float32Array, weights: Float32Array, bias: Float32Array | undefined, g: ConvTransposeGeometry): Float32Array {
  const [H, W] = g.input;
  const [OH, OW] = g.output;
  const [kh, kw] = g.kernel;
  const inPerGroup = g.inChannels / g.group;
  const outPerGroup = g.outChannels / g.group;
  const y = new Float32Array(g.n * g.outChannels * OH * OW);
  for (let n = 0; n < g.n; n++) {
    for (let oc = 0; oc < g.outChannels; oc++) y.fill(bias?.[oc] ?? 0, (n * g.outChannels + oc) * OH * OW, (n * g.outChannels + oc + 1) * OH * OW);
    for (let ic = 0; ic < g.inChannels; ic++) {
      const group = Math.floor(ic / inPerGroup);
      for (let iy = 0; iy < H; iy++) {
        for (let ix = 0; ix < W; ix++) {
          const v = x[((n * g.inChannels + ic) * H + iy) * W + ix]!;
          for (let ocl = 0; ocl < outPerGroup; ocl++) {
            const oc = group * outPerGroup + ocl;
            for (let ky = 0; ky < kh; ky++) {
              const oy = iy * g.stride[0] - g.padBegin[0] + ky * g.dilation[0];
              if (oy < 0 || oy >= OH) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ox = ix * g.stride[1] - g.padBegin[1] + kx * g.dilation[1];
                if (ox < 0 || ox >= OW) continue;
                y[((n * g.outChannels + oc) * OH + oy) * OW + ox]! += v * weights[((ic * outPerGroup + ocl) * kh + ky) * kw + kx]!;
              }
            }
          }
        }
      }
    }
  }
  return y;
}

/**
 * Weights for the kernel: per output channel, kernel taps in groups of MR (zero-filled past the
 * last tap), each group as C_in / group rows of MR floats, the micro-kernel's A panel:
 * [group][ocl][tap group][icl][MR].
 */
export function packConvTransposeWeights(weights: Float32Array, g: ConvTransposeGeometry): Float32Array {
  const taps = g.kernel[0] * g.kernel[1];
  const tapGroups = Math.ceil(taps / MR);
  const inPerGroup = g.inChannels / g.group;
  const outPerGroup = g.outChannels / g.group;
  const packed = new Float32Array(g.outChannels * tapGroups * inPerGroup * MR);
  for (let oc = 0; oc < g.outChannels; oc++) {
    const group = Math.floor(oc / outPerGroup);
    const ocl = oc % outPerGroup;
    for (let tap = 0; tap < taps; tap++) {
      for (let icl = 0; icl < inPerGroup; icl++) {
        const ic = group * inPerGroup + icl;
        packed[((oc * tapGroups + Math.floor(tap / MR)) * inPerGroup + icl) * MR + (tap % MR)] = weights[(ic * outPerGroup + ocl) * taps + tap]!;
      }
    }
  }
  return packed;
}

function outputType(x: ValueType, g: ConvTransposeGeometry): ValueType[] {
  return [{ dtype: x.dtype, shape: [g.n, g.outChannels, g.output[0], g.output[1]] }];
}

export const convTranspose: OpDef = {
  type: 'ConvTranspose',
  inferTypes: ({ node, inputs }) => {
    const g = convTransposeGeometry(node, inputs[0]!.shape, inputs[1]!.shape);
    checkBias(node, inputs[2], g.outChannels);
    return outputType(inputs[0]!, g);
  },
  reference: ({ node, inputs }) => {
    const [x, w, b] = inputs as [Tensor, Tensor, Tensor | undefined];
    const g = convTransposeGeometry(node, x.shape, w.shape);
    checkBias(node, b, g.outChannels);
    return [float32([g.n, g.outChannels, g.output[0], g.output[1]], convTransposeReference(toFloat32(x), toFloat32(w), b && toFloat32(b), g))];
  },
  plan: ({ node, inputs, constants }) => {
    const weights = constants[1];
    // Weights computed at run time (unusual) run on the host: the kernel wants them packed.
    if (weights === undefined) return undefined;
    const g = convTransposeGeometry(node, inputs[0]!.shape, weights.shape);
    const taps = g.kernel[0] * g.kernel[1];
    const pixels = g.input[0] * g.input[1];
    return {
      calls: [{
        fn: 'convTranspose2d',
        args: [
          { input: 0 }, { packed: 0 }, inputs[2] === undefined ? 0 : { input: 2 }, { output: 0 }, 'scratch',
          g.inChannels, g.input[0], g.input[1], g.outChannels, g.output[0], g.output[1], g.group,
          g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.padBegin[0], g.padBegin[1], g.dilation[0], g.dilation[1],
        ],
        parallel: g.n * g.outChannels,
        macs: g.n * g.outChannels * (g.inChannels / g.group) * taps * pixels,
      }],
      packed: [packConvTransposeWeights(toFloat32(weights), g)],
      // The tap planes, the last pixels' zero-padded columns, the micro-kernel's partial tile.
      scratchBytes: (Math.ceil(taps / MR) * MR * pixels + (g.inChannels / g.group) * NR + MR * NR) * 4,
    };
  },
};
