// The geometry of a 2-D convolution from its attributes and its input and weight shapes, with
// ONNX's padding rules: explicit pads, or auto_pad SAME_UPPER / SAME_LOWER (output = ceil(input /
// stride), the odd padding at the end or the beginning) or VALID (no padding).
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import { attrInt, attrInts, attrString, type Node } from '../../graph.js';
import { shapeString } from '../../tensor.js';

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
