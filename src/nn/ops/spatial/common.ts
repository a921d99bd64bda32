// Helpers shared by the spatial ops (NCHW, two spatial axes): shape checks, the window geometry
// of pooling and transposed convolution (kernel, strides, pads, dilations, auto_pad, ceil_mode),
// and constant inputs.
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import { attrInt, attrInts, attrString, type Node } from '../../graph.js';
import { shapeString, toNumbers, type Tensor } from '../../tensor.js';
import type { OpContext, ValueType } from '../types.js';

export function where(node: Node): string {
  return `${node.op} node '${node.name}'`;
}

/** The [N, C, H, W] of a rank-4 input, or a clear refusal. */
export function nchw(node: Node, shape: readonly number[], what = 'input'): [number, number, number, number] {
  if (shape.length !== 4) {
    throw new UnsupportedOpError(`${where(node)}: ${what} has shape ${shapeString(shape)}; only 2D (NCHW, rank 4) is supported`);
  }
  return [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
}

/** Output types of an op that keeps its input's shape and dtype. */
export function sameAsInput(ctx: OpContext): ValueType[] {
  const x = ctx.inputs[0]!;
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

/** Refuses optional outputs the engine does not compute (MaxPool's Indices, training BatchNorm). */
export function refuseExtraOutputs(node: Node, what: string): void {
  if (node.outputs.slice(1).some((o) => o !== '')) throw new UnsupportedOpError(`${where(node)}: the ${what} output is not supported`);
}

/** A per-channel parameter input checked to hold C values. */
export function channelVector(node: Node, t: Tensor | undefined, channels: number, what: string): Float32Array {
  if (t === undefined) throw new ShapeError(`${where(node)}: missing ${what} input`);
  const values = Float32Array.from(toNumbers(t));
  if (values.length !== channels) throw new ShapeError(`${where(node)}: ${what} has ${values.length} values for ${channels} channels`);
  return values;
}

export function checkChannelInputs(node: Node, inputs: readonly (ValueType | undefined)[], from: number, channels: number): void {
  for (let i = from; i < inputs.length; i++) {
    const t = inputs[i];
    if (t === undefined) throw new ShapeError(`${where(node)}: missing input ${i}`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== channels) throw new ShapeError(`${where(node)}: input ${i} has shape ${shapeString(t.shape)}, expected ${channels} values (one per channel)`);
  }
}

/** One spatial axis of a sliding window: input and output sizes, and where windows start. */
export interface WindowAxis {
  input: number;
  output: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** Padding before the first input element (the first window starts at -padBegin). */
  padBegin: number;
  padEnd: number;
}

/** 2D window geometry: [height axis, width axis]. */
export type Window2D = [WindowAxis, WindowAxis];

/**
 * The plain pooling loop of the references: `reduce` gets, for each output of each plane, the
 * inputs its window covers inside the input (padding and the dilated gaps left out), in order.
 */
export function poolReference(x: Float32Array, planes: number, [h, w]: Window2D, reduce: (taps: readonly number[], oy: number, ox: number) => number): Float32Array {
  const y = new Float32Array(planes * h.output * w.output);
  const taps: number[] = [];
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * h.input * w.input;
    for (let oy = 0; oy < h.output; oy++) {
      for (let ox = 0; ox < w.output; ox++) {
        taps.length = 0;
        for (let ky = 0; ky < h.kernel; ky++) {
          const iy = oy * h.stride - h.padBegin + ky * h.dilation;
          if (iy < 0 || iy >= h.input) continue;
          for (let kx = 0; kx < w.kernel; kx++) {
            const ix = ox * w.stride - w.padBegin + kx * w.dilation;
            if (ix >= 0 && ix < w.input) taps.push(x[plane + iy * w.input + ix]!);
          }
        }
        y[o++] = reduce(taps, oy, ox);
      }
    }
  }
  return y;
}

function pairAttr(node: Node, name: string, fallback: number): [number, number] {
  const values = attrInts(node, name);
  if (values === undefined) return [fallback, fallback];
  if (values.length !== 2) throw new UnsupportedOpError(`${where(node)}: ${name} [${values.join(', ')}] is not 2D; only 2D is supported`);
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new ShapeError(`${where(node)}: ${name} must be positive integers, got [${values.join(', ')}]`);
  return [values[0]!, values[1]!];
}

function explicitPads(node: Node): [number, number, number, number] {
  const pads = attrInts(node, 'pads');
  if (pads === undefined) return [0, 0, 0, 0];
  if (pads.length !== 4) throw new UnsupportedOpError(`${where(node)}: pads [${pads.join(', ')}] is not 2D; only 2D is supported`);
  if (pads.some((p) => !Number.isInteger(p) || p < 0)) throw new ShapeError(`${where(node)}: pads must be non-negative, got [${pads.join(', ')}]`);
  return [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
}

function autoPad(node: Node): 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID' {
  const mode = attrString(node, 'auto_pad', 'NOTSET');
  if (mode !== 'NOTSET' && mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER' && mode !== 'VALID') {
    throw new UnsupportedOpError(`${where(node)}: auto_pad '${mode}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  return mode;
}

/** kernel_shape as [kh, kw]. */
function kernelShape(node: Node): [number, number] {
  if (attrInts(node, 'kernel_shape') === undefined) throw new ShapeError(`${where(node)}: kernel_shape is required`);
  return pairAttr(node, 'kernel_shape', 1);
}

/**
 * Pooling windows as ONNX defines them: explicit pads, or auto_pad (SAME_* pads so that the output
 * is ceil(input / stride); VALID has none). With ceil_mode the size rounds up, but a last window
 * that would start in the end padding is dropped (ONNX's note, PyTorch's and Caffe's rule).
 * SAME_* with dilations follows the spec (the dilated window span); ONNX Runtime 1.30 pads for
 * the undilated kernel there and produces a smaller output.
 */
export function poolWindow(node: Node, height: number, width: number): Window2D {
  const kernel = kernelShape(node);
  const strides = pairAttr(node, 'strides', 1);
  const dilations = pairAttr(node, 'dilations', 1);
  const ceil = attrInt(node, 'ceil_mode', 0) !== 0;
  const mode = autoPad(node);
  const pads = explicitPads(node);
  const inputs = [height, width];
  return [0, 1].map((a) => {
    const input = inputs[a]!;
    const stride = strides[a]!;
    const dilation = dilations[a]!;
    const kernelSpan = (kernel[a]! - 1) * dilation + 1;
    let padBegin = pads[a]!;
    let padEnd = pads[a + 2]!;
    let output: number;
    if (mode === 'SAME_UPPER' || mode === 'SAME_LOWER') {
      output = Math.ceil(input / stride);
      const total = Math.max(0, (output - 1) * stride + kernelSpan - input);
      padBegin = mode === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
      padEnd = total - padBegin;
    } else {
      if (mode === 'VALID') padBegin = padEnd = 0;
      const span = input + padBegin + padEnd - kernelSpan;
      output = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
      if (ceil && (output - 1) * stride >= input + padBegin) output--;
      if (output < 1) throw new ShapeError(`${where(node)}: window ${kernelSpan} is larger than the padded input ${input + padBegin + padEnd}`);
    }
    return { input, output, kernel: kernel[a]!, stride, dilation, padBegin, padEnd };
  }) as Window2D;
}

/** The window's geometry as the pooling kernels' trailing arguments: input and output height and width, kernel, stride, pad top/left, dilation. */
export function windowArgs([h, w]: Window2D): [H: number, W: number, OH: number, OW: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, dh: number, dw: number] {
  return [h.input, w.input, h.output, w.output, h.kernel, w.kernel, h.stride, w.stride, h.padBegin, w.padBegin, h.dilation, w.dilation];
}

/** Number of taps of one axis' window at output `o` that fall on input elements. */
export function validTaps(axis: WindowAxis, o: number): number {
  let n = 0;
  const start = o * axis.stride - axis.padBegin;
  for (let k = 0; k < axis.kernel; k++) {
    const i = start + k * axis.dilation;
    if (i >= 0 && i < axis.input) n++;
  }
  return n;
}

/**
 * Taps of one axis' window at output `o` inside the padded input [-padBegin, input + padEnd):
 * the count_include_pad divisor (a ceil_mode window reaching past the end padding counts less).
 */
export function paddedTaps(axis: WindowAxis, o: number): number {
  const start = o * axis.stride - axis.padBegin;
  const end = Math.min(start + axis.kernel * axis.dilation, axis.input + axis.padEnd);
  return end > start ? 1 + Math.floor((end - start - 1) / axis.dilation) : 0;
}

/** A constant input's values, or a refusal naming it: the engine plans static shapes. */
export function constantValues(node: Node, t: Tensor | undefined, index: number, what: string): number[] {
  if (t === undefined) {
    throw new UnsupportedOpError(`${where(node)}: ${what} (input ${index}, '${node.inputs[index]}') is computed at run time; the engine plans static shapes, so it must be a constant`);
  }
  return toNumbers(t);
}

/**
 * Floats of one padded row the separable pool kernels reduce into: it starts at the first
 * window's left edge and reaches the last window's right edge (and the input's right edge).
 */
function poolRowLength([, w]: Window2D): number {
  return Math.max((w.output - 1) * w.stride + (w.kernel - 1) * w.dilation + 1, w.padBegin + w.input);
}

/** Scratch of the separable pool kernels: one padded row, plus slack for whole-vector reads. */
export function poolScratchBytes(window: Window2D): number {
  return (poolRowLength(window) + 8) * 4;
}
