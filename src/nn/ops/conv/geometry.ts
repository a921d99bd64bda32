// The geometry of a 2-D convolution and of its transpose from their attributes and their input
// and weight shapes, with ONNX's padding rules: explicit pads, or auto_pad SAME_UPPER /
// SAME_LOWER (output = ceil(input / stride), the odd padding at the end or the beginning) or VALID
// (no padding). The readers that follow shapes through a net (Caffe) use these too, and the
// references of Conv and QLinearConv share the direct loop over its taps.
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import { attrInt, attrInts, attrString, type Node } from '../../graph.js';
import { shapeString } from '../../tensor.js';
import { nchw, where } from '../spatial/common.js';

export interface ConvGeometry {
  batch: number;
  cin: number;
  h: number;
  w: number;
  cout: number;
  groups: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  oh: number;
  ow: number;
}

export function convGeometry(node: Node, xShape: readonly number[], wShape: readonly number[]): ConvGeometry {
  const where = `Conv node '${node.name}'`;
  if (xShape.length !== 4) throw new UnsupportedOpError(`${where}: only 2-D convolution (NCHW input) is supported, input has shape ${shapeString(xShape)}`);
  if (wShape.length !== 4) throw new ShapeError(`${where}: weights of shape ${shapeString(wShape)}, expected [C_out, C_in / group, kH, kW]`);
  const [batch, cin, h, w] = xShape as [number, number, number, number];
  const [cout, cinPerGroup, kh, kw] = wShape as [number, number, number, number];
  const groups = attrInt(node, 'group', 1);
  if (groups < 1 || cin % groups !== 0 || cout % groups !== 0 || cinPerGroup !== cin / groups) {
    throw new ShapeError(`${where}: input ${shapeString(xShape)} and weights ${shapeString(wShape)} do not fit group = ${groups}`);
  }
  const kernelShape = attrInts(node, 'kernel_shape');
  if (kernelShape !== undefined && (kernelShape.length !== 2 || kernelShape[0] !== kh || kernelShape[1] !== kw)) {
    throw new ShapeError(`${where}: kernel_shape ${shapeString(kernelShape)} does not match weights ${shapeString(wShape)}`);
  }
  const pair = (name: string): [number, number] => {
    const v = attrInts(node, name) ?? [1, 1];
    if (v.length !== 2 || v.some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError(`${where}: ${name} ${shapeString(v)} must be two positive integers`);
    return [v[0]!, v[1]!];
  };
  const [strideH, strideW] = pair('strides');
  const [dilationH, dilationW] = pair('dilations');
  const extentH = (kh - 1) * dilationH + 1;
  const extentW = (kw - 1) * dilationW + 1;
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let pads: number[];
  if (autoPad === 'NOTSET') {
    pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0)) throw new ShapeError(`${where}: pads ${shapeString(pads)} must be four non-negative integers`);
  } else if (autoPad === 'VALID') {
    pads = [0, 0, 0, 0];
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const split = (size: number, stride: number, extent: number): [number, number] => {
      const total = Math.max(0, (Math.ceil(size / stride) - 1) * stride + extent - size);
      const small = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    };
    const [top, bottom] = split(h, strideH, extentH);
    const [left, right] = split(w, strideW, extentW);
    pads = [top, left, bottom, right];
  } else {
    throw new UnsupportedOpError(`${where}: auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  const [padTop, padLeft, padBottom, padRight] = pads as [number, number, number, number];
  const oh = Math.floor((h + padTop + padBottom - extentH) / strideH) + 1;
  const ow = Math.floor((w + padLeft + padRight - extentW) / strideW) + 1;
  if (oh < 1 || ow < 1) throw new ShapeError(`${where}: a ${kh}x${kw} kernel (dilation ${dilationH}x${dilationW}) does not fit input ${shapeString(xShape)} with pads ${shapeString(pads)}`);
  return { batch, cin, h, w, cout, groups, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight, oh, ow };
}

export interface ConvTransposeGeometry {
  n: number;
  inChannels: number;
  outChannels: number;
  group: number;
  /** [height, width] of input, output, kernel, stride, dilation, padBegin. */
  input: [number, number];
  output: [number, number];
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  padBegin: [number, number];
}

function transposePair(node: Node, name: string, fallback: number, min: number): [number, number] {
  const v = attrInts(node, name);
  if (v === undefined) return [fallback, fallback];
  if (v.length !== 2) throw new UnsupportedOpError(`${where(node)}: ${name} [${v.join(', ')}] is not 2D; only 2D is supported`);
  if (v.some((x) => !Number.isInteger(x) || x < min)) throw new ShapeError(`${where(node)}: invalid ${name} [${v.join(', ')}]`);
  return [v[0]!, v[1]!];
}

/**
 * The geometry of a 2-D ConvTranspose (weights [C_in, C_out / group, kh, kw]): per axis the full
 * output stride * (in - 1) + output_padding + (k - 1) * dilation + 1, less the pads; with
 * output_shape or SAME_* auto_pad the pads are what that size leaves (SAME_UPPER: the odd one at
 * the end, the others at the start).
 */
export function convTransposeGeometry(node: Node, xShape: readonly number[], wShape: readonly number[]): ConvTransposeGeometry {
  const [n, inChannels, height, width] = nchw(node, xShape);
  if (wShape.length !== 4) throw new ShapeError(`${where(node)}: weights of shape ${shapeString(wShape)}; expected [C_in, C_out / group, kh, kw]`);
  const group = attrInt(node, 'group', 1);
  if (!Number.isInteger(group) || group < 1 || inChannels % group !== 0) throw new ShapeError(`${where(node)}: group ${group} does not divide ${inChannels} input channels`);
  if (wShape[0] !== inChannels) throw new ShapeError(`${where(node)}: weights ${shapeString(wShape)} do not fit ${inChannels} input channels`);
  const kernel = attrInts(node, 'kernel_shape') === undefined ? [wShape[2]!, wShape[3]!] : transposePair(node, 'kernel_shape', 1, 1);
  if (kernel[0] !== wShape[2] || kernel[1] !== wShape[3]) throw new ShapeError(`${where(node)}: kernel_shape [${kernel.join(', ')}] differs from the weights ${shapeString(wShape)}`);
  const stride = transposePair(node, 'strides', 1, 1);
  const dilation = transposePair(node, 'dilations', 1, 1);
  const outputPadding = transposePair(node, 'output_padding', 0, 0);
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0)) throw new ShapeError(`${where(node)}: invalid pads [${pads.join(', ')}]`);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) throw new UnsupportedOpError(`${where(node)}: auto_pad '${autoPad}' is not supported`);
  const givenShape = attrInts(node, 'output_shape');
  const input: [number, number] = [height, width];
  const output: [number, number] = [0, 0];
  const padBegin: [number, number] = [0, 0];
  for (const a of [0, 1] as const) {
    const full = stride[a] * (input[a] - 1) + outputPadding[a] + (kernel[a]! - 1) * dilation[a] + 1;
    let target: number | undefined;
    if (givenShape !== undefined) target = givenShape[givenShape.length - 2 + a];
    else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') target = input[a] * stride[a];
    if (target !== undefined) {
      const total = full - target;
      if (total < 0) throw new ShapeError(`${where(node)}: output_shape ${target} on axis ${a + 2} is larger than the ${full} the kernel reaches`);
      padBegin[a] = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
      output[a] = target;
    } else {
      const [begin, end] = autoPad === 'VALID' ? [0, 0] : [pads[a]!, pads[a + 2]!];
      padBegin[a] = begin;
      output[a] = full - begin - end;
    }
    if (output[a] < 1) throw new ShapeError(`${where(node)}: output size ${output[a]} on axis ${a + 2}`);
  }
  return { n, inChannels, outChannels: wShape[1]! * group, group, input, output, kernel: [kernel[0]!, kernel[1]!], stride, dilation, padBegin };
}

/** Multiply-adds of the convolution: every output times its taps over one group's input channels. */
export function convMacs(g: ConvGeometry): number {
  return g.batch * g.cout * g.oh * g.ow * (g.cin / g.groups) * g.kh * g.kw;
}

/**
 * The direct convolution the references of Conv and QLinearConv share: per output (batch,
 * channel, row, column in NCHW order), start[co] plus the sum over its taps of
 * (w - wZeros[co]) * (x - xZero), padding contributing nothing. Sums are doubles; with zero
 * points 0 the subtractions are exact, so the float reference sums w * x as it always has.
 */
export function directConvSums(g: ConvGeometry, x: ArrayLike<number>, w: ArrayLike<number>, xZero = 0, wZeros: readonly number[] = [0], start?: ArrayLike<number>): Float64Array {
  const cinG = g.cin / g.groups;
  const coutG = g.cout / g.groups;
  const y = new Float64Array(g.batch * g.cout * g.oh * g.ow);
  let at = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let co = 0; co < g.cout; co++) {
      const group = Math.floor(co / coutG);
      const wZero = wZeros.length === 1 ? wZeros[0]! : wZeros[co]!;
      for (let oy = 0; oy < g.oh; oy++) {
        for (let ox = 0; ox < g.ow; ox++) {
          let sum = start === undefined ? 0 : start[co]!;
          for (let c = 0; c < cinG; c++) {
            const ci = group * cinG + c;
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * g.strideH - g.padTop + ky * g.dilationH;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
                if (ix < 0 || ix >= g.w) continue;
                sum += (w[((co * cinG + c) * g.kh + ky) * g.kw + kx]! - wZero) * (x[((n * g.cin + ci) * g.h + iy) * g.w + ix]! - xZero);
              }
            }
          }
          y[at++] = sum;
        }
      }
    }
  }
  return y;
}
