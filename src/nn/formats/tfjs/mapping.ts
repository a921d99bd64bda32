// TensorFlow ops mapped onto the engine's ONNX ops, converting NHWC models to NCHW as it goes.
//
// Layout: every TF value is NHWC-or-plain. A value records `channelsFirst` when it is a 4D TF
// tensor stored transposed to NCHW: convolutions, pooling, resizing and padding produce such
// values and want them as input. Elementwise ops keep the layout (a plain operand is broadcast
// into NCHW: a [C] bias becomes [1, C, 1, 1]); ConcatV2, Split and keep_dims reductions remap
// their axis. Every other op (Reshape, StridedSlice, GatherNd, Shape, ...) sees the TF layout:
// a Transpose back to NHWC is inserted before it (once per value) and for graph outputs.
//
// Shapes are static: the emitter (folding-emitter.ts) knows every value's type, Shape/Size become constants, and
// shape arithmetic folds at load, so SAME padding is computed exactly as TF does.
import { ModelFormatError, ShapeError, UnsupportedOpError } from '../../errors.js';
import { attr, ONNX_DATA_TYPE, type Attr } from '../../graph.js';
import { fromNumbers, sizeOf, toNumbers, type DType } from '../../tensor.js';
import type { FoldingEmitter } from './folding-emitter.js';
import { dtypeOfTf, NodeAttrs, type TfNode } from './model-json.js';

export interface Value {
  /** The engine value's name. */
  name: string;
  /** A 4D NHWC TF tensor stored as NCHW. */
  channelsFirst: boolean;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** Where NHWC axis a lives in the NCHW storage. */
const NCHW_POSITION = [0, 2, 3, 1];
/** Outputs one Split or Unpack may have: each is a node, and the count comes from a file. */
const MAX_PARTS = 65536;
/** Elements up to which a Fill of a constant is built at mapping time (see Fill). */
const SMALL_FILL = 4096;

const { ints, int, float, string: str } = attr;

export class Converter {
  private readonly plainOf = new Map<string, string>();
  private readonly nchwOf = new Map<string, string>();

  constructor(readonly b: FoldingEmitter) {}

  rank(v: Value): number {
    return this.b.typeOf(v.name).shape.length;
  }

  /** The value's shape as TF sees it (NHWC for a channels-first value). */
  tfShape(v: Value): number[] {
    const shape = this.b.typeOf(v.name).shape;
    return v.channelsFirst ? TO_NHWC.map((a) => shape[a]!) : [...shape];
  }

  /** The value in TF's own layout. */
  plain(v: Value): string {
    if (!v.channelsFirst) return v.name;
    let name = this.plainOf.get(v.name);
    if (name === undefined) {
      name = this.b.add('Transpose', [v.name], { perm: ints(TO_NHWC) }, `${v.name}/nhwc`)[0]!;
      this.plainOf.set(v.name, name);
    }
    return name;
  }

  /**
   * The value as an NCHW operand: a channels-first value as is; a plain one of rank r <= 4
   * given leading 1s to rank 4 and transposed (scalars broadcast as they are).
   */
  nchw(v: Value): string {
    if (v.channelsFirst) return v.name;
    const rank = this.rank(v);
    if (rank === 0) return v.name;
    if (rank > 4) throw new ShapeError(`internal: rank-${rank} value '${v.name}' cannot join an NCHW operation`);
    let name = this.nchwOf.get(v.name);
    if (name === undefined) {
      let source = v.name;
      if (rank < 4) {
        const axes = Array.from({ length: 4 - rank }, (_, i) => i);
        source = this.b.add('Unsqueeze', [source, this.b.int64s(`${v.name}/axes`, axes)], {}, `${v.name}/4d`)[0]!;
      }
      name = this.b.add('Transpose', [source], { perm: ints(TO_NCHW) }, `${v.name}/nchw`)[0]!;
      this.nchwOf.set(v.name, name);
    }
    return name;
  }

  /** A constant input's values (after folding), or a refusal naming what had to be constant. */
  constantInts(node: TfNode, v: Value, what: string): number[] {
    const t = this.b.constantOf(v.channelsFirst ? this.plain(v) : v.name);
    if (t === undefined) {
      throw new UnsupportedOpError(`${node.op} node '${node.name}': ${what} is computed at run time; the engine plans static shapes, so it must be constant at load`);
    }
    return toNumbers(t);
  }

  /** Operands of an elementwise op: all NCHW when one is channels-first and all fit rank 4. */
  align(values: Value[]): { names: string[]; channelsFirst: boolean } {
    const channelsFirst = values.some((v) => v.channelsFirst) && values.every((v) => this.rank(v) <= 4);
    return { names: values.map((v) => (channelsFirst ? this.nchw(v) : this.plain(v))), channelsFirst };
  }

  /** One elementwise ONNX op over aligned operands. */
  elementwise(op: string, values: Value[], base: string, attrs: Record<string, Attr> = {}): Value {
    const { names, channelsFirst } = this.align(values);
    return { name: this.b.add(op, names, attrs, base)[0]!, channelsFirst };
  }

  unary(op: string, v: Value, base: string, attrs: Record<string, Attr> = {}): Value {
    return { name: this.b.add(op, [v.name], attrs, base)[0]!, channelsFirst: v.channelsFirst };
  }

  /** A scalar constant of the value's dtype. */
  scalar(v: Value, value: number, base: string): Value {
    return { name: this.b.addConstant(base, fromNumbers(this.b.typeOf(v.name).dtype, [], [value])), channelsFirst: false };
  }

  /** Applies a TF activation by name (fused ops and standalone ones share this). */
  activation(kind: string, x: Value, base: string, node: TfNode, alpha?: Value): Value {
    const a = new NodeAttrs(node);
    switch (kind) {
      case 'Relu': return this.unary('Relu', x, base);
      case 'Relu6': return this.clip(x, 0, 6, base);
      case 'Sigmoid': return this.unary('Sigmoid', x, base);
      case 'Tanh': return this.unary('Tanh', x, base);
      case 'Elu': return this.unary('Elu', x, base, { alpha: float(1) });
      case 'LeakyRelu': return this.unary('LeakyRelu', x, base, { alpha: float(a.float(a.has('leakyrelu_alpha') ? 'leakyrelu_alpha' : 'alpha', 0.2)) });
      case 'Prelu': {
        if (alpha === undefined) throw new UnsupportedOpError(`${node.op} node '${node.name}': Prelu without its alpha argument`);
        return this.elementwise('PRelu', [x, alpha], base);
      }
      default: throw new UnsupportedOpError(`${node.op} node '${node.name}': fused activation ${kind} is not supported (Relu, Relu6, Sigmoid, Tanh, Elu, LeakyRelu, Prelu are)`);
    }
  }

  clip(x: Value, lo: number, hi: number, base: string): Value {
    const dtype = this.b.typeOf(x.name).dtype;
    const min = this.b.addConstant(`${base}/min`, fromNumbers(dtype, [], [lo]));
    const max = this.b.addConstant(`${base}/max`, fromNumbers(dtype, [], [hi]));
    return { name: this.b.add('Clip', [x.name, min, max], {}, base)[0]!, channelsFirst: x.channelsFirst };
  }

  cast(v: Value, dtype: DType, base: string): Value {
    if (this.b.typeOf(v.name).dtype === dtype) return v;
    return this.unary('Cast', v, base, { to: int(ONNX_DATA_TYPE[dtype]!) });
  }
}

/** Spatial padding of a conv or pool: ONNX pads [top, left, bottom, right]. */
function spatialPads(node: TfNode, inputHW: number[], kernelHW: number[], strides: number[], dilations: number[]): number[] {
  const a = new NodeAttrs(node);
  const padding = a.string('padding', 'VALID');
  if (padding === 'VALID') return [0, 0, 0, 0];
  if (padding === 'EXPLICIT') {
    // explicit_paddings: (before, after) per NHWC dimension.
    const p = a.ints('explicit_paddings') ?? [];
    if (p.length !== 8) throw new UnsupportedOpError(`${node.op} node '${node.name}': EXPLICIT padding with ${p.length} explicit_paddings (8 expected)`);
    return [p[2]!, p[4]!, p[3]!, p[5]!];
  }
  if (padding !== 'SAME') throw new UnsupportedOpError(`${node.op} node '${node.name}': padding '${padding}' is not supported`);
  // TF's SAME: output = ceil(input / stride); the total padding needed for that, the odd pixel
  // at the end.
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(inputHW[i]! / strides[i]!);
    const effective = (kernelHW[i]! - 1) * dilations[i]! + 1;
    const total = Math.max((out - 1) * strides[i]! + effective - inputHW[i]!, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [...before, ...after];
}

/** The H and W entries of an NHWC attribute list (strides, dilations, ksize). */
function hw(node: TfNode, name: string): number[] {
  const a = new NodeAttrs(node);
  const v = a.ints(name) ?? [1, 1, 1, 1];
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) throw new UnsupportedOpError(`${node.op} node '${node.name}': ${name} [${v.join(', ')}] (only 4 entries with 1 for N and C are supported)`);
  return [v[1]!, v[2]!];
}

function checkNhwc(node: TfNode): void {
  const format = new NodeAttrs(node).string('data_format', 'NHWC');
  if (format !== 'NHWC') throw new UnsupportedOpError(`${node.op} node '${node.name}': data_format ${format} (only NHWC is supported)`);
}

/** Normalizes an axis in [-rank, rank). */
function axisIn(node: TfNode, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new ShapeError(`${node.op} node '${node.name}': axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

type Handler = (c: Converter, node: TfNode, inputs: Value[]) => Value[];

const UNARY: Record<string, string> = {
  Abs: 'Abs', Ceil: 'Ceil', Exp: 'Exp', Floor: 'Floor', Log: 'Log', LogicalNot: 'Not', Neg: 'Neg', Reciprocal: 'Reciprocal', Inv: 'Reciprocal',
  Round: 'Round', Sigmoid: 'Sigmoid', Sign: 'Sign', Sqrt: 'Sqrt', Tanh: 'Tanh', Relu: 'Relu', Softplus: 'Softplus',
};

const BINARY: Record<string, string> = {
  Add: 'Add', AddV2: 'Add', BiasAdd: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min', Pow: 'Pow',
  Equal: 'Equal', Less: 'Less', Greater: 'Greater', LessEqual: 'LessOrEqual', GreaterEqual: 'GreaterOrEqual', LogicalAnd: 'And', LogicalOr: 'Or',
};

const REDUCTIONS: Record<string, string> = { Sum: 'ReduceSum', Mean: 'ReduceMean', Max: 'ReduceMax', Min: 'ReduceMin', Prod: 'ReduceProd' };

function conv(c: Converter, node: TfNode, inputs: Value[], depthwise: boolean): Value {
  checkNhwc(node);
  const a = new NodeAttrs(node);
  const x = c.nchw(inputs[0]!);
  const [, channels, height, width] = c.b.typeOf(x).shape as [number, number, number, number];
  const filter = inputs[1]!;
  const [kh, kw, filterIn, filterOut] = c.tfShape(filter) as [number, number, number, number];
  const strides = hw(node, 'strides');
  const dilations = hw(node, 'dilations');
  const pads = spatialPads(node, [height, width], [kh, kw], strides, dilations);
  let weights: string;
  let group: number;
  if (depthwise) {
    // [kh, kw, C, M] -> [C, M, kh, kw] -> [C * M, 1, kh, kw]: output channel c * M + m, as TF.
    if (filterIn !== channels) throw new ShapeError(`${node.op} node '${node.name}': filter for ${filterIn} channels, input has ${channels}`);
    const t = c.b.add('Transpose', [filter.name], { perm: ints([2, 3, 0, 1]) }, `${node.name}/filter_oihw`)[0]!;
    weights = c.b.add('Reshape', [t, c.b.int64s(`${node.name}/filter_shape`, [channels * filterOut, 1, kh, kw])], {}, `${node.name}/filter_grouped`)[0]!;
    group = channels;
  } else {
    if (channels % filterIn !== 0) throw new ShapeError(`${node.op} node '${node.name}': input has ${channels} channels, not a multiple of the filter's ${filterIn}`);
    weights = c.b.add('Transpose', [filter.name], { perm: ints([3, 2, 0, 1]) }, `${node.name}/filter_oihw`)[0]!;
    group = channels / filterIn;
  }
  const fused = node.op.startsWith('Fused') || node.op.startsWith('_Fused') ? a.strings('fused_ops') : [];
  const args = inputs.slice(2);
  const convInputs = [x, weights];
  let rest = fused;
  if (fused[0] === 'BiasAdd') {
    convInputs.push(args[0]!.name);
    rest = fused.slice(1);
  }
  const attrs = { kernel_shape: ints([kh, kw]), strides: ints(strides), dilations: ints(dilations), pads: ints(pads), group: int(group) };
  let y: Value = { name: c.b.add('Conv', convInputs, attrs, rest.length === 0 ? node.name : `${node.name}/conv`)[0]!, channelsFirst: true };
  if (rest[0] === 'FusedBatchNorm') {
    const [scale, offset, mean, variance] = args.map((v) => v.name);
    y = { name: c.b.add('BatchNormalization', [y.name, scale!, offset!, mean!, variance!], { epsilon: float(a.float('epsilon', 1e-3)) }, rest.length === 1 ? node.name : `${node.name}/bn`)[0]!, channelsFirst: true };
    rest = rest.slice(1);
  }
  if (rest.length > 1) throw new UnsupportedOpError(`${node.op} node '${node.name}': fused_ops [${fused.join(', ')}] are not supported`);
  if (rest.length === 1) y = c.activation(rest[0]!, y, node.name, node, fused[0] === 'BiasAdd' ? args[1] : args[4]);
  return y;
}

function pool(c: Converter, node: TfNode, inputs: Value[], op: 'MaxPool' | 'AveragePool'): Value {
  checkNhwc(node);
  const x = c.nchw(inputs[0]!);
  const [, , height, width] = c.b.typeOf(x).shape as number[];
  const kernel = hw(node, 'ksize');
  const strides = hw(node, 'strides');
  const pads = spatialPads(node, [height!, width!], kernel, strides, [1, 1]);
  // TF's average excludes the padding from the count, as ONNX's count_include_pad=0.
  const attrs: Record<string, Attr> = { kernel_shape: ints(kernel), strides: ints(strides), pads: ints(pads) };
  return { name: c.b.add(op, [x], attrs, node.name)[0]!, channelsFirst: true };
}

function resize(c: Converter, node: TfNode, inputs: Value[], mode: 'linear' | 'nearest'): Value {
  const a = new NodeAttrs(node);
  const x = c.nchw(inputs[0]!);
  const [n, ch] = c.b.typeOf(x).shape as number[];
  const [outH, outW] = c.constantInts(node, inputs[1]!, 'the output size');
  const alignCorners = a.bool('align_corners');
  const halfPixel = a.bool('half_pixel_centers');
  const attrs: Record<string, Attr> = { mode: str(mode) };
  if (mode === 'linear') {
    attrs['coordinate_transformation_mode'] = str(alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric');
  } else {
    // TF nearest: floor of the scaled coordinate ((x + 0.5) * scale with half-pixel centers);
    // round half away from zero with align_corners (coordinates are >= 0, so prefer ceil).
    attrs['coordinate_transformation_mode'] = str(alignCorners ? 'align_corners' : halfPixel ? 'tf_half_pixel_for_nn' : 'asymmetric');
    attrs['nearest_mode'] = str(alignCorners ? 'round_prefer_ceil' : 'floor');
  }
  const sizes = c.b.int64s(`${node.name}/sizes`, [n!, ch!, outH!, outW!]);
  return { name: c.b.add('Resize', [x, '', '', sizes], attrs, node.name)[0]!, channelsFirst: true };
}

function conv2dBackpropInput(c: Converter, node: TfNode, inputs: Value[]): Value {
  checkNhwc(node);
  const [outN, outH, outW, outC] = c.constantInts(node, inputs[0]!, 'input_sizes');
  const filter = inputs[1]!;
  const [kh, kw, filterOut, filterIn] = c.tfShape(filter) as [number, number, number, number];
  const x = c.nchw(inputs[2]!);
  const [n, channels, height, width] = c.b.typeOf(x).shape as [number, number, number, number];
  if (filterIn !== channels || filterOut !== outC || outN !== n) throw new ShapeError(`${node.op} node '${node.name}': filter [${kh}, ${kw}, ${filterOut}, ${filterIn}] does not fit input channels ${channels} and output sizes [${outN}, ${outH}, ${outW}, ${outC}]`);
  const strides = hw(node, 'strides');
  const dilations = hw(node, 'dilations');
  // The transposed conv is the gradient of a forward conv from [outH, outW] to [height, width]:
  // take that conv's padding; output_padding adds the rows the forward conv's stride skipped.
  const pads = spatialPads(node, [outH!, outW!], [kh, kw], strides, dilations);
  const outputPadding = [0, 1].map((i) => {
    const full = ([height, width][i]! - 1) * strides[i]! + ([kh, kw][i]! - 1) * dilations[i]! + 1;
    return [outH!, outW!][i]! - (full - pads[i]! - pads[i + 2]!);
  });
  if (outputPadding.some((p, i) => p < 0 || p >= Math.max(strides[i]!, dilations[i]!))) {
    throw new ShapeError(`${node.op} node '${node.name}': output size [${outH}, ${outW}] does not follow from input [${height}, ${width}] with this filter and stride`);
  }
  // [kh, kw, out, in] -> [in, out, kh, kw], ONNX ConvTranspose's layout.
  const weights = c.b.add('Transpose', [filter.name], { perm: ints([3, 2, 0, 1]) }, `${node.name}/filter_iohw`)[0]!;
  const attrs: Record<string, Attr> = { kernel_shape: ints([kh, kw]), strides: ints(strides), dilations: ints(dilations), pads: ints(pads) };
  if (outputPadding.some((p) => p !== 0)) attrs['output_padding'] = ints(outputPadding);
  return { name: c.b.add('ConvTranspose', [x, weights], attrs, node.name)[0]!, channelsFirst: true };
}

function pad(c: Converter, node: TfNode, inputs: Value[]): Value {
  const x = inputs[0]!;
  const rank = c.rank(x);
  const paddings = c.constantInts(node, inputs[1]!, 'paddings');
  if (paddings.length !== rank * 2) throw new ShapeError(`${node.op} node '${node.name}': ${paddings.length / 2} padding pairs for rank ${rank}`);
  // A channels-first value pads its NCHW axes: stored axis s is NHWC axis TO_NCHW[s].
  const tfAxisOf = (s: number): number => (x.channelsFirst ? TO_NCHW[s]! : s);
  const begins = Array.from({ length: rank }, (_, s) => paddings[tfAxisOf(s) * 2]!);
  const ends = Array.from({ length: rank }, (_, s) => paddings[tfAxisOf(s) * 2 + 1]!);
  let mode = 'constant';
  if (node.op === 'MirrorPad') {
    const tfMode = new NodeAttrs(node).string('mode');
    if (tfMode !== 'REFLECT') throw new UnsupportedOpError(`MirrorPad node '${node.name}': mode ${tfMode} (only REFLECT is supported)`);
    mode = 'reflect';
  }
  const padValue = node.op === 'PadV2' ? inputs[2]!.name : c.scalar(x, 0, `${node.name}/value`).name;
  const onnxInputs = [x.name, c.b.int64s(`${node.name}/pads`, [...begins, ...ends])];
  if (mode === 'constant') onnxInputs.push(padValue);
  return { name: c.b.add('Pad', onnxInputs, { mode: str(mode) }, node.name)[0]!, channelsFirst: x.channelsFirst };
}

function reshape(c: Converter, node: TfNode, x: string, target: number[], base: string): string {
  const total = sizeOf(c.b.typeOf(x).shape);
  const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const shape = target.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (target.filter((d) => d === -1).length > 1 || shape.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(shape) !== total) {
    throw new ShapeError(`${node.op} node '${node.name}': cannot reshape [${c.b.typeOf(x).shape.join(', ')}] to [${target.join(', ')}]`);
  }
  return c.b.add('Reshape', [x, c.b.int64s(`${base}/shape`, shape)], {}, base)[0]!;
}

function plainOut(name: string): Value[] {
  return [{ name, channelsFirst: false }];
}

/**
 * StridedSlice with TF's masks: begin/end/ellipsis/new_axis/shrink_axis. The slice runs on the
 * input's dimensions as an ONNX Slice; a Reshape then inserts new axes and drops shrunk ones.
 */
function stridedSlice(c: Converter, node: TfNode, inputs: Value[]): Value[] {
  const a = new NodeAttrs(node);
  const x = c.plain(inputs[0]!);
  const shape = c.b.typeOf(x).shape;
  const begin = c.constantInts(node, inputs[1]!, 'begin');
  const end = c.constantInts(node, inputs[2]!, 'end');
  const strides = c.constantInts(node, inputs[3]!, 'strides');
  const [beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask] = ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map((n) => a.int(n));
  const bit = (mask: number, i: number): boolean => ((mask! >> i) & 1) === 1;
  const starts: number[] = [];
  const ends: number[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  const outShape: number[] = [];
  const specCount = begin.length;
  let dim = 0;
  for (let i = 0; i < specCount; i++) {
    if (bit(ellipsisMask!, i)) {
      // The ellipsis covers the dimensions the remaining specs (less new axes) leave over.
      const remaining = specCount - i - 1 - Array.from({ length: specCount - i - 1 }, (_, j) => i + 1 + j).filter((j) => bit(newAxisMask!, j)).length;
      const covered = shape.length - dim - remaining;
      for (let k = 0; k < covered; k++) outShape.push(shape[dim++]!);
      continue;
    }
    if (bit(newAxisMask!, i)) {
      outShape.push(1);
      continue;
    }
    if (dim >= shape.length) throw new ShapeError(`StridedSlice node '${node.name}': more slice specs than dimensions (${shape.length})`);
    const size = shape[dim]!;
    const step = strides[i]!;
    if (step === 0) throw new ShapeError(`StridedSlice node '${node.name}': stride 0`);
    if (bit(shrinkMask!, i)) {
      const index = begin[i]! < 0 ? begin[i]! + size : begin[i]!;
      if (index < 0 || index >= size) throw new ShapeError(`StridedSlice node '${node.name}': index ${begin[i]} is out of range for size ${size}`);
      starts.push(index);
      ends.push(index + 1);
      axes.push(dim);
      steps.push(1);
      dim++;
      continue;
    }
    // TF's clamping: a masked begin/end takes the full range in the step's direction.
    const clampIndex = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + size : v, lo), hi);
    const first = bit(beginMask!, i) ? (step > 0 ? 0 : size - 1) : step > 0 ? clampIndex(begin[i]!, 0, size) : clampIndex(begin[i]!, -1, size - 1);
    const last = bit(endMask!, i) ? (step > 0 ? size : -1) : step > 0 ? clampIndex(end[i]!, 0, size) : clampIndex(end[i]!, -1, size - 1);
    const count = Math.max(0, Math.ceil((last - first) / step));
    axes.push(dim);
    if (count === 0) {
      starts.push(0);
      ends.push(0);
      steps.push(1);
    } else {
      starts.push(first);
      // ONNX reads a negative end as counting from the back; "before index 0" is -(size + 1).
      ends.push(last === -1 ? -size - 1 : last);
      steps.push(step);
    }
    outShape.push(count);
    dim++;
  }
  for (; dim < shape.length; dim++) outShape.push(shape[dim]!);
  let y = x;
  const sliced = starts.some((s, k) => s !== 0 || ends[k] !== shape[axes[k]!] || steps[k] !== 1);
  if (sliced) {
    y = c.b.add('Slice', [x, c.b.int64s(`${node.name}/starts`, starts), c.b.int64s(`${node.name}/ends`, ends), c.b.int64s(`${node.name}/axes`, axes), c.b.int64s(`${node.name}/steps`, steps)], {}, `${node.name}/slice`)[0]!;
  }
  const current = c.b.typeOf(y).shape;
  if (current.length !== outShape.length || current.some((d, k) => d !== outShape[k])) y = reshape(c, node, y, outShape, node.name);
  else if (y === x) y = c.b.add('Identity', [x], {}, node.name)[0]!;
  return plainOut(y);
}

const HANDLERS: Record<string, Handler> = {
  Identity: (_c, _n, [x]) => [x!],
  StopGradient: (_c, _n, [x]) => [x!],
  Snapshot: (_c, _n, [x]) => [x!],

  Cast: (c, node, [x]) => {
    const to = dtypeOfTf(new NodeAttrs(node).type('DstT'));
    if (to === undefined || ONNX_DATA_TYPE[to] === undefined) throw new UnsupportedOpError(`Cast node '${node.name}': target type ${new NodeAttrs(node).type('DstT')} is not supported`);
    return [c.unary('Cast', x!, node.name, { to: int(ONNX_DATA_TYPE[to]!) })];
  },
  Relu6: (c, node, [x]) => [c.clip(x!, 0, 6, node.name)],
  Elu: (c, node, [x]) => [c.activation('Elu', x!, node.name, node)],
  LeakyRelu: (c, node, [x]) => [c.activation('LeakyRelu', x!, node.name, node)],
  Prelu: (c, node, [x, alpha]) => [c.activation('Prelu', x!, node.name, node, alpha)],
  Rsqrt: (c, node, [x]) => [c.unary('Reciprocal', c.unary('Sqrt', x!, `${node.name}/sqrt`), node.name)],
  Square: (c, node, [x]) => [c.elementwise('Mul', [x!, x!], node.name)],
  Softmax: (c, node, [x]) => [c.unary('Softmax', x!, node.name, { axis: int(x!.channelsFirst ? 1 : -1) })],
  Div: (c, node, inputs) => {
    if (c.b.typeOf(inputs[0]!.name).dtype !== 'float32') throw new UnsupportedOpError(`Div node '${node.name}': integer Div is not supported (FloorDiv and RealDiv are)`);
    return [c.elementwise('Div', inputs, node.name)];
  },
  NotEqual: (c, node, inputs) => [c.unary('Not', c.elementwise('Equal', inputs, `${node.name}/equal`), node.name)],
  SquaredDifference: (c, node, inputs) => {
    const d = c.elementwise('Sub', inputs, `${node.name}/difference`);
    return [c.elementwise('Mul', [d, d], node.name)];
  },
  FloorDiv: (c, node, inputs) => {
    const dtype = c.b.typeOf(inputs[0]!.name).dtype;
    if (dtype === 'float32') return [c.unary('Floor', c.elementwise('Div', inputs, `${node.name}/quotient`), node.name)];
    // Integer floor division through float32: exact while |dividend| < 2^24 (the quotient's
    // rounding error then stays below the 1/divisor gap to the next integer).
    const [x, y] = inputs.map((v, i) => c.cast(v, 'float32', `${node.name}/float${i}`));
    const q = c.unary('Floor', c.elementwise('Div', [x!, y!], `${node.name}/quotient`), `${node.name}/floor`);
    return [c.cast(q, dtype, node.name)];
  },
  AddN: (c, node, inputs) => [inputs.length === 1 ? inputs[0]! : c.elementwise('Sum', inputs, node.name)],
  Select: (c, node, [condition, x, y]) => {
    // TF1 Select: a vector condition picks whole rows of higher-rank x and y.
    let cond = condition!;
    const xRank = c.rank(x!);
    if (c.rank(cond) === 1 && xRank > 1) {
      const n = c.tfShape(cond)[0]!;
      cond = { name: reshape(c, node, cond.name, [n, ...new Array<number>(xRank - 1).fill(1)], `${node.name}/rows`), channelsFirst: false };
    }
    return [c.elementwise('Where', [cond, x!, y!], node.name)];
  },
  SelectV2: (c, node, inputs) => [c.elementwise('Where', inputs, node.name)],

  _FusedConv2D: (c, node, inputs) => [conv(c, node, inputs, false)],
  Conv2D: (c, node, inputs) => [conv(c, node, inputs, false)],
  FusedDepthwiseConv2dNative: (c, node, inputs) => [conv(c, node, inputs, true)],
  DepthwiseConv2dNative: (c, node, inputs) => [conv(c, node, inputs, true)],
  Conv2DBackpropInput: (c, node, inputs) => [conv2dBackpropInput(c, node, inputs)],
  FusedBatchNorm: (c, node, inputs) => batchNorm(c, node, inputs),
  FusedBatchNormV2: (c, node, inputs) => batchNorm(c, node, inputs),
  FusedBatchNormV3: (c, node, inputs) => batchNorm(c, node, inputs),
  MaxPool: (c, node, inputs) => [pool(c, node, inputs, 'MaxPool')],
  AvgPool: (c, node, inputs) => [pool(c, node, inputs, 'AveragePool')],
  ResizeBilinear: (c, node, inputs) => [resize(c, node, inputs, 'linear')],
  ResizeNearestNeighbor: (c, node, inputs) => [resize(c, node, inputs, 'nearest')],
  Pad: (c, node, inputs) => [pad(c, node, inputs)],
  PadV2: (c, node, inputs) => [pad(c, node, inputs)],
  MirrorPad: (c, node, inputs) => [pad(c, node, inputs)],
  MatMul: (c, node, inputs) => [matMul(c, node, inputs)],
  _FusedMatMul: (c, node, inputs) => [matMul(c, node, inputs)],

  Reshape: (c, node, [x, shape]) => plainOut(reshape(c, node, c.plain(x!), c.constantInts(node, shape!, 'the target shape'), node.name)),
  Squeeze: (c, node, [x]) => {
    const shape = c.tfShape(x!);
    const listed = new NodeAttrs(node).ints('squeeze_dims') ?? new NodeAttrs(node).ints('axis') ?? [];
    const axes = listed.length > 0 ? listed.map((d) => axisIn(node, d, shape.length)) : shape.flatMap((d, i) => (d === 1 ? [i] : []));
    if (axes.some((d) => shape[d] !== 1)) throw new ShapeError(`Squeeze node '${node.name}': cannot squeeze dims [${listed.join(', ')}] of [${shape.join(', ')}]`);
    if (axes.length === 0) return [x!];
    return plainOut(c.b.add('Squeeze', [c.plain(x!), c.b.int64s(`${node.name}/axes`, axes)], {}, node.name)[0]!);
  },
  ExpandDims: (c, node, [x, dim]) => {
    const rank = c.rank(x!);
    const axis = axisIn(node, c.constantInts(node, dim!, 'the axis')[0]!, rank + 1);
    return plainOut(c.b.add('Unsqueeze', [c.plain(x!), c.b.int64s(`${node.name}/axes`, [axis])], {}, node.name)[0]!);
  },
  Pack: (c, node, inputs) => {
    const axis = axisIn(node, new NodeAttrs(node).int('axis'), c.rank(inputs[0]!) + 1);
    const axes = c.b.int64s(`${node.name}/axes`, [axis]);
    const parts = inputs.map((v, i) => c.b.add('Unsqueeze', [c.plain(v), axes], {}, inputs.length === 1 ? node.name : `${node.name}/part${i}`)[0]!);
    if (parts.length === 1) return plainOut(parts[0]!);
    return plainOut(c.b.add('Concat', parts, { axis: int(axis) }, node.name)[0]!);
  },
  Unpack: (c, node, [x]) => {
    const shape = c.tfShape(x!);
    const axis = axisIn(node, new NodeAttrs(node).int('axis'), shape.length);
    const count = shape[axis]!;
    if (count > MAX_PARTS) throw new ShapeError(`Unpack node '${node.name}': ${count} parts, more than ${MAX_PARTS}`);
    const axes = c.b.int64s(`${node.name}/axes`, [axis]);
    const source = c.plain(x!);
    const parts = count === 1 ? [source] : c.b.add('Split', [source, c.b.int64s(`${node.name}/split`, new Array<number>(count).fill(1))], { axis: int(axis) }, `${node.name}/split`, count);
    return parts.map((p, i) => ({ name: c.b.add('Squeeze', [p, axes], {}, i === 0 ? node.name : `${node.name}:${i}`)[0]!, channelsFirst: false }));
  },
  ConcatV2: (c, node, inputs) => {
    const values = inputs.slice(0, -1);
    const rank = c.rank(values[0]!);
    const axis = axisIn(node, c.constantInts(node, inputs[inputs.length - 1]!, 'the axis')[0]!, rank);
    const channelsFirst = rank === 4 && values.some((v) => v.channelsFirst);
    const names = values.map((v) => (channelsFirst ? c.nchw(v) : c.plain(v)));
    if (names.length === 1) return [{ name: names[0]!, channelsFirst }];
    return [{ name: c.b.add('Concat', names, { axis: int(channelsFirst ? NCHW_POSITION[axis]! : axis) }, node.name)[0]!, channelsFirst }];
  },
  Split: (c, node, [axisValue, x]) => {
    const count = new NodeAttrs(node).int('num_split');
    const size = c.tfShape(x!)[axisIn(node, c.constantInts(node, axisValue!, 'the axis')[0]!, c.rank(x!))]!;
    if (!Number.isSafeInteger(count) || count <= 0 || count > Math.min(MAX_PARTS, Math.max(size, 1)) || size % count !== 0) throw new ShapeError(`Split node '${node.name}': size ${size} does not split in ${count}`);
    return split(c, node, x!, axisValue!, new Array<number>(count).fill(size / count));
  },
  SplitV: (c, node, [x, sizes, axisValue]) => {
    const given = c.constantInts(node, sizes!, 'size_splits');
    const size = c.tfShape(x!)[axisIn(node, c.constantInts(node, axisValue!, 'the axis')[0]!, c.rank(x!))]!;
    const known = given.filter((s) => s !== -1).reduce((p, s) => p + s, 0);
    return split(c, node, x!, axisValue!, given.map((s) => (s === -1 ? size - known : s)));
  },
  StridedSlice: (c, node, inputs) => stridedSlice(c, node, inputs),
  Slice: (c, node, [x, begin, size]) => {
    const shape = c.tfShape(x!);
    const starts = c.constantInts(node, begin!, 'begin');
    const sizes = c.constantInts(node, size!, 'size');
    const ends = sizes.map((s, i) => (s === -1 ? shape[i]! : starts[i]! + s));
    const axes = shape.map((_, i) => i);
    return plainOut(c.b.add('Slice', [c.plain(x!), c.b.int64s(`${node.name}/starts`, starts), c.b.int64s(`${node.name}/ends`, ends), c.b.int64s(`${node.name}/axes`, axes)], {}, node.name)[0]!);
  },
  Transpose: (c, node, [x, permValue]) => {
    const perm = c.constantInts(node, permValue!, 'perm');
    // On a channels-first value, TF axis p lives at stored position NCHW_POSITION[p].
    const stored = x!.channelsFirst ? perm.map((p) => NCHW_POSITION[p]!) : perm;
    return plainOut(c.b.add('Transpose', [x!.name], { perm: ints(stored) }, node.name)[0]!);
  },
  Tile: (c, node, [x, multiples]) => plainOut(c.b.add('Tile', [c.plain(x!), c.b.int64s(`${node.name}/repeats`, c.constantInts(node, multiples!, 'multiples'))], {}, node.name)[0]!),
  Shape: (c, node, [x]) => {
    const dtype = new NodeAttrs(node).type('out_type') === 'DT_INT64' ? 'int64' : 'int32';
    const shape = c.tfShape(x!);
    return plainOut(c.b.addConstant(node.name, fromNumbers(dtype, [shape.length], shape)));
  },
  Size: (c, node, [x]) => {
    const dtype = new NodeAttrs(node).type('out_type') === 'DT_INT64' ? 'int64' : 'int32';
    return plainOut(c.b.addConstant(node.name, fromNumbers(dtype, [], [sizeOf(c.tfShape(x!))])));
  },
  Rank: (c, node, [x]) => plainOut(c.b.addConstant(node.name, fromNumbers('int32', [], [c.rank(x!)]))),
  Range: (c, node, inputs) => plainOut(c.b.add('Range', inputs.map((v) => c.plain(v)), {}, node.name)[0]!),
  Fill: (c, node, [dims, value]) => {
    const shape = c.constantInts(node, dims!, 'the dims');
    const constant = c.b.constantOf(value!.name);
    // Small fills (shapes, axes) stay constants the mapping can read; large ones are an Expand,
    // which constant folding computes under its memory budget.
    if (constant !== undefined && sizeOf(shape) <= SMALL_FILL) {
      const v = toNumbers(constant)[0]!;
      return plainOut(c.b.addConstant(node.name, fromNumbers(constant.dtype, shape, new Array<number>(sizeOf(shape)).fill(v))));
    }
    return plainOut(c.b.add('Expand', [value!.name, c.b.int64s(`${node.name}/shape`, shape)], {}, node.name)[0]!);
  },
  GatherV2: (c, node, [x, indices, axisValue]) => {
    if (new NodeAttrs(node).int('batch_dims') !== 0) throw new UnsupportedOpError(`GatherV2 node '${node.name}': batch_dims ${new NodeAttrs(node).int('batch_dims')} (only 0 is supported)`);
    const axis = axisIn(node, c.constantInts(node, axisValue!, 'the axis')[0]!, c.rank(x!));
    return plainOut(c.b.add('Gather', [c.plain(x!), c.plain(indices!)], { axis: int(axis) }, node.name)[0]!);
  },
  GatherNd: (c, node, [x, indices]) => {
    const index64 = c.cast({ name: c.plain(indices!), channelsFirst: false }, 'int64', `${node.name}/indices`);
    return plainOut(c.b.add('GatherND', [c.plain(x!), index64.name], {}, node.name)[0]!);
  },
  ArgMax: (c, node, inputs) => argExtreme(c, node, inputs, 'ArgMax'),
  ArgMin: (c, node, inputs) => argExtreme(c, node, inputs, 'ArgMin'),
  TopKV2: (c, node, [x, k]) => {
    const count = c.constantInts(node, k!, 'k')[0]!;
    const indexType = dtypeOfTf(new NodeAttrs(node).type('index_type')) ?? 'int32';
    const outputs = [node.name, indexType === 'int64' ? `${node.name}:1` : `${node.name}/indices64`];
    const [values, indices] = c.b.add('TopK', [c.plain(x!), c.b.int64s(`${node.name}/k`, [count])], { axis: int(-1), largest: int(1), sorted: int(1) }, node.name, outputs);
    return [{ name: values!, channelsFirst: false }, c.cast({ name: indices!, channelsFirst: false }, indexType, `${node.name}:1`)];
  },
};

for (const [tf, onnx] of Object.entries(UNARY)) HANDLERS[tf] = (c, node, [x]) => [c.unary(onnx, x!, node.name)];
for (const [tf, onnx] of Object.entries(BINARY)) HANDLERS[tf] = (c, node, inputs) => [c.elementwise(onnx, inputs, node.name)];
for (const [tf, onnx] of Object.entries(REDUCTIONS)) HANDLERS[tf] = (c, node, inputs) => [reduce(c, node, inputs, onnx)];

function batchNorm(c: Converter, node: TfNode, inputs: Value[]): Value[] {
  checkNhwc(node);
  if (new NodeAttrs(node).bool('is_training')) throw new UnsupportedOpError(`${node.op} node '${node.name}': is_training=true`);
  const [x, scale, offset, mean, variance] = inputs;
  const y = c.b.add('BatchNormalization', [c.nchw(x!), scale!.name, offset!.name, mean!.name, variance!.name], { epsilon: float(new NodeAttrs(node).float('epsilon', 1e-4)) }, node.name)[0]!;
  return [{ name: y, channelsFirst: true }];
}

function matMul(c: Converter, node: TfNode, inputs: Value[]): Value {
  const a = new NodeAttrs(node);
  let [x, y] = [c.plain(inputs[0]!), c.plain(inputs[1]!)];
  const swapLast = (name: string, base: string): string => {
    const rank = c.b.typeOf(name).shape.length;
    const perm = Array.from({ length: rank }, (_, i) => (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i));
    return c.b.add('Transpose', [name], { perm: ints(perm) }, base)[0]!;
  };
  if (a.bool('transpose_a')) x = swapLast(x, `${node.name}/a_t`);
  if (a.bool('transpose_b')) y = swapLast(y, `${node.name}/b_t`);
  const fused = node.op === '_FusedMatMul' ? a.strings('fused_ops') : [];
  let out: Value = { name: c.b.add('MatMul', [x, y], {}, fused.length === 0 ? node.name : `${node.name}/matmul`)[0]!, channelsFirst: false };
  if (fused[0] === 'BiasAdd') out = c.elementwise('Add', [out, inputs[2]!], fused.length === 1 ? node.name : `${node.name}/bias`);
  else if (fused.length > 0) throw new UnsupportedOpError(`_FusedMatMul node '${node.name}': fused_ops [${fused.join(', ')}] are not supported`);
  if (fused.length === 2) out = c.activation(fused[1]!, out, node.name, node, inputs[3]);
  if (fused.length > 2) throw new UnsupportedOpError(`_FusedMatMul node '${node.name}': fused_ops [${fused.join(', ')}] are not supported`);
  return out;
}

function split(c: Converter, node: TfNode, x: Value, axisValue: Value, sizes: number[]): Value[] {
  const rank = c.rank(x);
  const axis = axisIn(node, c.constantInts(node, axisValue, 'the axis')[0]!, rank);
  const stored = x.channelsFirst ? NCHW_POSITION[axis]! : axis;
  const outputs = sizes.map((_, i) => (i === 0 ? node.name : `${node.name}:${i}`));
  if (sizes.length === 1) return [x];
  const names = c.b.add('Split', [x.name, c.b.int64s(`${node.name}/split`, sizes)], { axis: int(stored) }, node.name, outputs);
  return names.map((name) => ({ name, channelsFirst: x.channelsFirst }));
}

function reduce(c: Converter, node: TfNode, [x, axesValue]: Value[], op: string): Value {
  const rank = c.rank(x!);
  const keep = new NodeAttrs(node).bool('keep_dims');
  const axes = c.constantInts(node, axesValue!, 'the reduction axes').map((d) => axisIn(node, d, rank));
  if (axes.length === 0) return x!;
  // With keep_dims the layout survives (axes remapped); without, the result is read plainly.
  const channelsFirst = x!.channelsFirst && keep;
  const source = channelsFirst ? x!.name : c.plain(x!);
  const storedAxes = channelsFirst ? axes.map((d) => NCHW_POSITION[d]!) : axes;
  const keepdims = int(keep ? 1 : 0);
  // ReduceSum takes its axes as an input from opset 13; the others, until opset 18, as an attribute.
  const name = op === 'ReduceSum'
    ? c.b.add(op, [source, c.b.int64s(`${node.name}/axes`, storedAxes)], { keepdims }, node.name)[0]!
    : c.b.add(op, [source], { axes: ints(storedAxes), keepdims }, node.name)[0]!;
  return { name, channelsFirst };
}

function argExtreme(c: Converter, node: TfNode, [x, dimension]: Value[], op: 'ArgMax' | 'ArgMin'): Value[] {
  const rank = c.rank(x!);
  const axis = axisIn(node, c.constantInts(node, dimension!, 'the dimension')[0]!, rank);
  const outputType = dtypeOfTf(new NodeAttrs(node).type('output_type')) ?? 'int64';
  const index = c.b.add(op, [c.plain(x!)], { axis: int(axis), keepdims: int(0) }, outputType === 'int64' ? node.name : `${node.name}/index`)[0]!;
  return [c.cast({ name: index, channelsFirst: false }, outputType, node.name)];
}

/** TF ops the mapping handles (besides Const and Placeholder). */
export function isMappedOp(op: string): boolean {
  return Object.hasOwn(HANDLERS, op);
}

/** Maps one TF node; returns its outputs in order. */
export function mapNode(c: Converter, node: TfNode, inputs: Value[]): Value[] {
  const handler = Object.hasOwn(HANDLERS, node.op) ? HANDLERS[node.op] : undefined;
  if (handler === undefined) throw new UnsupportedOpError(`unsupported TensorFlow op ${node.op} (node '${node.name}')`);
  // Every mapped op reads at least one input (handlers destructure the first).
  if (inputs.length === 0) throw new ModelFormatError(`${node.op} node '${node.name}' has no inputs`, `node '${node.name}'`);
  return handler(c, node, inputsOf(node, inputs));
}

/**
 * The node's inputs as its handler reads them: an index past the inputs the file gives (a
 * Conv2D with no filter) is a typed error naming the node, not an undefined deep in a handler.
 */
function inputsOf(node: TfNode, inputs: Value[]): Value[] {
  return new Proxy(inputs, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key) && Number(key) >= target.length) {
        throw new ModelFormatError(`${node.op} node '${node.name}' has ${target.length} inputs; its input ${key} is missing`, `node '${node.name}'`);
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}
