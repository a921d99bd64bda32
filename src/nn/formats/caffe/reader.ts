// Caffe reader: a .prototxt network definition (text format) and, optionally, its .caffemodel
// weights (binary NetParameter, read by caffemodel.ts), mapped onto the engine's ONNX graph.
// Caffe writes layers in place (top == bottom); here every write is a new value, and the last
// write of a blob keeps the blob's name, so graph outputs are named as Caffe names them.
// Shapes are followed through the net (convolutions by the engine's own geometry, pooling by
// Caffe's rule: round up, then drop a window that would start in the padding), which also lets
// a .prototxt alone be inspected. Each layer type maps through one handler of the LAYERS table.
import { ModelFormatError, ShapeError, UnsupportedOpError, WasmposeError, WeightsError } from '../../errors.js';
import { attr, type Attr, type Model } from '../../graph.js';
import { GraphEmitter } from '../../graph-emitter.js';
import { convGeometry, convTransposeGeometry } from '../../ops/conv/geometry.js';
import { float32, fromNumbers, sizeOf, type Tensor } from '../../tensor.js';
import { parseTextFormat, type ProtoMessage, type ProtoValue } from './text-format.js';

/** A layer with its parameters, whichever file it came from. */
export interface CaffeLayer {
  name: string;
  type: string;
  bottoms: string[];
  tops: string[];
  /** The layer's *_param sub-messages, by field name (e.g. 'convolution_param'). */
  params: ProtoMessage;
  /** Excluded from the deploy (TEST) net by an include/exclude phase rule. */
  trainOnly: boolean;
}

export interface CaffeNet {
  name: string;
  inputs: { name: string; shape: number[] }[];
  layers: CaffeLayer[];
}

/** V1 (legacy `layers`) type enum names, as text prototxt spells them. */
export const V1_TYPES: Record<string, string> = {
  CONCAT: 'Concat', CONVOLUTION: 'Convolution', DECONVOLUTION: 'Deconvolution', DROPOUT: 'Dropout',
  ELTWISE: 'Eltwise', FLATTEN: 'Flatten', INNER_PRODUCT: 'InnerProduct', LRN: 'LRN', POOLING: 'Pooling',
  RELU: 'ReLU', SIGMOID: 'Sigmoid', SOFTMAX: 'Softmax', SPLIT: 'Split', TANH: 'TanH', ABSVAL: 'AbsVal',
};

/** The highest rank of a blob shape. */
const MAX_RANK = 8;

const first = (m: ProtoMessage | undefined, field: string): ProtoValue | undefined => m?.get(field)?.[0];
const num = (m: ProtoMessage | undefined, field: string, fallback: number): number => {
  const v = first(m, field);
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new ModelFormatError(`field '${field}' should be a number, found '${String(v)}'`);
  return v;
};
const nums = (m: ProtoMessage | undefined, field: string): number[] => (m?.get(field) ?? []).map((v) => Number(v));
const sub = (m: ProtoMessage | undefined, field: string): ProtoMessage | undefined => {
  const v = first(m, field);
  return v instanceof Map ? v : undefined;
};
const bool = (m: ProtoMessage | undefined, field: string, fallback: boolean): boolean => {
  const v = first(m, field);
  return v === undefined ? fallback : v === true || v === 1 || v === 'true';
};
const strs = (m: ProtoMessage, field: string): string[] => (m.get(field) ?? []).map(String);

function isTrainOnly(layer: ProtoMessage): boolean {
  const phaseOf = (rule: ProtoValue): string => String(first(rule as ProtoMessage, 'phase'));
  const include = layer.get('include') ?? [];
  const exclude = layer.get('exclude') ?? [];
  return include.some((r) => ['TRAIN', '0'].includes(phaseOf(r))) || exclude.some((r) => ['TEST', '1'].includes(phaseOf(r)));
}

/** A parsed NetParameter message (from text or binary) to layers and inputs. */
export function netFromMessage(net: ProtoMessage): CaffeNet {
  const inputs: CaffeNet['inputs'] = [];
  const inputNames = strs(net, 'input');
  const inputDims = nums(net, 'input_dim');
  if (inputDims.length > 4 * inputNames.length) throw new ModelFormatError(`${inputDims.length} input_dim values for ${inputNames.length} inputs (4 each)`, 'field input_dim');
  const inputShapes = (net.get('input_shape') ?? []).map((s) => nums(s as ProtoMessage, 'dim'));
  inputNames.forEach((name, i) => {
    const shape = inputShapes[i] ?? inputDims.slice(i * 4, i * 4 + 4);
    if (shape.length === 0) throw new ModelFormatError(`input '${name}' has no dimensions`);
    inputs.push({ name, shape });
  });
  const layers: CaffeLayer[] = [];
  const v1 = net.get('layers') ?? [];
  for (const raw of [...(net.get('layer') ?? []), ...v1]) {
    const m = raw as ProtoMessage;
    let type = String(first(m, 'type') ?? '');
    if (v1.includes(raw)) type = V1_TYPES[type] ?? type;
    const params: ProtoMessage = new Map([...m].filter(([k]) => k.endsWith('_param')));
    layers.push({ name: String(first(m, 'name') ?? ''), type, bottoms: strs(m, 'bottom'), tops: strs(m, 'top'), params, trainOnly: isTrainOnly(m) });
  }
  return { name: String(first(net, 'name') ?? 'caffe'), inputs, layers };
}

/** Shapes (`dim` of input_shape, input_param and reshape_param) are refused past MAX_RANK while parsing. */
const PROTOTXT_CAPS: ReadonlyMap<string, number> = new Map([['dim', MAX_RANK]]);

export function parsePrototxt(text: string): CaffeNet {
  return netFromMessage(parseTextFormat(text, { fieldCaps: PROTOTXT_CAPS }));
}

export interface CaffeOptions {
  /** Weights by layer name (from a .caffemodel); without them parameters are zeros (for inspection). */
  weights?: Map<string, Tensor[]>;
  /** Input shapes to use instead of the declared ones (Caffe nets are reshaped at run time). */
  inputShapes?: Record<string, number[]>;
}

const { ints, int, float } = attr;

/** Kernel, stride, pad, dilation from a convolution or pooling parameter message. */
function spatial(p: ProtoMessage | undefined, kernelDefault?: number) {
  const pair = (field: string, h: string, w: string, fallback: number | undefined): [number, number] => {
    const list = nums(p, field);
    const hv = first(p, h);
    if (hv !== undefined) return [Number(hv), num(p, w, fallback ?? 0)];
    const v0 = list[0] ?? fallback;
    if (v0 === undefined) throw new ModelFormatError(`'${field}' is missing`);
    return [v0, list[1] ?? v0];
  };
  return {
    kernel: pair('kernel_size', 'kernel_h', 'kernel_w', kernelDefault),
    stride: pair('stride', 'stride_h', 'stride_w', 1),
    pad: pair('pad', 'pad_h', 'pad_w', 0),
    dilation: pair('dilation', 'dilation_h', 'dilation_w', 1),
  };
}

/** Layers whose shape rules read N, C, H and W of their first bottom. */
const SPATIAL_LAYERS = new Set(['Convolution', 'Deconvolution', 'Pooling', 'LRN', 'Interp', 'Upsample']);

/** What a layer's handler works with: its inputs, its parameters and weights, and the emitter. */
interface LayerContext {
  layer: CaffeLayer;
  /** "layer 'name' (Type)", for messages. */
  where: string;
  inputs: string[];
  inShapes: number[][];
  /** The first input and its shape. */
  x: string;
  s: number[];
  /** The layer's *_param message. */
  p(field: string): ProtoMessage | undefined;
  /** Weight blob i reshaped to `shape` (zeros without a caffemodel). */
  blob(i: number, shape: number[], what: string): Tensor;
  /** Writes the layer's node producing its first top with shape `outShape`; returns the value. */
  emit(op: string, nodeInputs: string[], attrs: Record<string, Attr>, outShape: number[], name?: string): string;
  /** The value name a write of `top` gets (the last write keeps the blob's name). */
  outName(top: string): string;
  out: GraphEmitter;
  shapes: Map<string, number[]>;
  options: CaffeOptions;
  /** The layer after this one, and a way to take it into this one (BatchNorm + Scale). */
  next: CaffeLayer | undefined;
  mergeNext(): void;
}

type LayerHandler = (c: LayerContext) => void;

function convolution(c: LayerContext): void {
  const { layer, where, x, s } = c;
  const cp = c.p('convolution_param');
  const { kernel, stride, pad, dilation } = spatial(cp);
  const out = num(cp, 'num_output', 0);
  const group = num(cp, 'group', 1);
  const cin = s[1]!;
  if (cin % group !== 0 || out % group !== 0) throw new ShapeError(`${where}: ${cin} input and ${out} output channels do not divide into ${group} groups`);
  const deconv = layer.type === 'Deconvolution';
  const wShape = deconv ? [cin, out / group, kernel[0], kernel[1]] : [out, cin / group, kernel[0], kernel[1]];
  const nodeInputs = [x, c.out.constant(`${layer.name}.weight`, c.blob(0, wShape, 'weights'))];
  if (bool(cp, 'bias_term', true)) nodeInputs.push(c.out.constant(`${layer.name}.bias`, c.blob(1, [out], 'bias')));
  const attrs = { kernel_shape: ints(kernel), strides: ints(stride), pads: ints([pad[0], pad[1], pad[0], pad[1]]), dilations: ints(dilation), group: int(group) };
  // Caffe's output size is ONNX's for both (symmetric pads, no output padding).
  const node = { name: layer.name, op: deconv ? 'ConvTranspose' : 'Conv', domain: '', inputs: nodeInputs, outputs: [], attrs };
  const outHW = deconv ? convTransposeGeometry(node, s, wShape).output : (({ oh, ow }) => [oh, ow])(convGeometry(node, s, wShape));
  c.emit(node.op, nodeInputs, attrs, [s[0]!, out, outHW[0]!, outHW[1]!]);
}

function pooling(c: LayerContext): void {
  const { where, x, s } = c;
  const pp = c.p('pooling_param');
  const method = String(first(pp, 'pool') ?? 'MAX');
  const max = method === 'MAX' || method === '0';
  if (!max && method !== 'AVE' && method !== '1') throw new UnsupportedOpError(`${where}: pooling method ${method} is not supported`);
  if (bool(pp, 'global_pooling', false)) {
    c.emit(max ? 'GlobalMaxPool' : 'GlobalAveragePool', [x], {}, [s[0]!, s[1]!, 1, 1]);
    return;
  }
  const { kernel, stride, pad } = spatial(pp);
  // Caffe rounds the output size up, then drops a last window that starts in the padding.
  const size = (i: 0 | 1): number => {
    let o = Math.ceil((s[2 + i]! + 2 * pad[i] - kernel[i]) / stride[i]) + 1;
    if (pad[i] > 0 && (o - 1) * stride[i] >= s[2 + i]! + pad[i]) o--;
    return o;
  };
  const outHW = [size(0), size(1)];
  // ONNX rounds down unless ceil_mode; pick whichever gives Caffe's size.
  const floorSize = (i: 0 | 1) => Math.floor((s[2 + i]! + 2 * pad[i] - kernel[i]) / stride[i]) + 1;
  const ceil = outHW[0] !== floorSize(0) || outHW[1] !== floorSize(1);
  const attrs: Record<string, Attr> = { kernel_shape: ints(kernel), strides: ints(stride), pads: ints([pad[0], pad[1], pad[0], pad[1]]), ceil_mode: int(ceil ? 1 : 0) };
  if (!max) attrs['count_include_pad'] = int(1);
  c.emit(max ? 'MaxPool' : 'AveragePool', [x], attrs, [s[0]!, s[1]!, outHW[0]!, outHW[1]!]);
}

/** A layer that maps onto one ONNX op of the same shape, with attributes from its parameters. */
const elementwise = (op: string, attrs: (c: LayerContext) => Record<string, Attr> = () => ({})): LayerHandler => (c) => {
  c.emit(op, [c.x], attrs(c), c.s);
};

function relu(c: LayerContext): void {
  const slope = num(c.p('relu_param'), 'negative_slope', 0);
  c.emit(slope === 0 ? 'Relu' : 'LeakyRelu', [c.x], slope === 0 ? {} : { alpha: float(slope) }, c.s);
}

function prelu(c: LayerContext): void {
  const { layer, x, s } = c;
  const shared = bool(c.p('prelu_param'), 'channel_shared', false);
  const slope = c.blob(0, [shared ? 1 : s[1]!], 'slope');
  c.emit('PRelu', [x, c.out.constant(`${layer.name}.slope`, { ...slope, shape: shared ? [1] : [s[1]!, 1, 1] })], {}, s);
}

function split(c: LayerContext): void {
  for (const top of c.layer.tops) {
    const out = c.outName(top);
    c.out.node('Identity', `${c.layer.name}/${top}`, [c.x], [out]);
    c.shapes.set(out, c.s);
  }
}

function concat(c: LayerContext): void {
  const { s, inShapes } = c;
  const cp = c.p('concat_param');
  let axis = num(cp, 'axis', num(cp, 'concat_dim', 1));
  if (axis < 0) axis += s.length;
  if (!Number.isInteger(axis) || axis < 0 || axis >= s.length || inShapes.some((shape) => shape.length !== s.length)) {
    throw new ShapeError(`${c.where}: axis ${axis} does not fit bottoms of shapes ${inShapes.map((shape) => `[${shape.join(', ')}]`).join(', ')}`);
  }
  const outShape = [...s];
  outShape[axis] = inShapes.reduce((sum, shape) => sum + shape[axis]!, 0);
  c.emit('Concat', c.inputs, { axis: int(axis) }, outShape);
}

function eltwise(c: LayerContext): void {
  const { layer, inputs, s } = c;
  const ep = c.p('eltwise_param');
  const operation = String(first(ep, 'operation') ?? 'SUM');
  const coeffs = nums(ep, 'coeff');
  if (operation === 'PROD' || operation === '0') c.emit('Mul', inputs, {}, s);
  else if (operation === 'MAX' || operation === '2') c.emit('Max', inputs, {}, s);
  else {
    const terms = inputs.map((v, i) => {
      const coeff = coeffs[i] ?? 1;
      if (coeff === 1) return v;
      const scaled = c.out.temp(layer.name);
      c.out.node('Mul', `${layer.name}/coeff${i}`, [v, c.out.constant(layer.name, float32([], [coeff]))], [scaled]);
      return scaled;
    });
    c.emit(terms.length === 2 ? 'Add' : 'Sum', terms, {}, s);
  }
}

function batchNorm(c: LayerContext): void {
  const { layer, x, s, options, next } = c;
  const channels = s[1]!;
  const mean = c.blob(0, [channels], 'mean');
  const variance = c.blob(1, [channels], 'variance');
  const factor = options.weights === undefined ? 1 : Number(c.blob(2, [1], 'scale factor').data[0]);
  const k = factor === 0 ? 0 : 1 / factor;
  const scaled = (t: Tensor) => float32([channels], Array.from(t.data as Float32Array, (v) => v * k));
  // A Scale layer writing the same blob right after is BatchNorm's affine part: merge them.
  const merged = next?.type === 'Scale' && next.bottoms[0] === layer.tops[0] && next.bottoms.length === 1;
  let gamma = float32([channels], new Float32Array(channels).fill(1));
  let beta = float32([channels]);
  if (merged) {
    const sp = sub(next.params, 'scale_param');
    const nextBlobs = options.weights?.get(next.name);
    if (options.weights !== undefined) {
      if (!nextBlobs?.[0]) throw new WeightsError(`layer '${next.name}' (Scale): the caffemodel has no scale blob`);
      gamma = { ...nextBlobs[0], shape: [channels] };
      if (bool(sp, 'bias_term', false)) {
        if (!nextBlobs[1]) throw new WeightsError(`layer '${next.name}' (Scale): the caffemodel has no bias blob`);
        beta = { ...nextBlobs[1], shape: [channels] };
      }
    }
    c.mergeNext();
  }
  const constant = (suffix: string, t: Tensor) => c.out.constant(`${layer.name}.${suffix}`, t);
  c.emit('BatchNormalization', [x, constant('scale', gamma), constant('bias', beta), constant('mean', scaled(mean)), constant('var', scaled(variance))],
    { epsilon: float(num(c.p('batch_norm_param'), 'eps', 1e-5)) }, s, layer.name);
}

function scale(c: LayerContext): void {
  const { layer, where, inputs, x, s } = c;
  const sp = c.p('scale_param');
  if (num(sp, 'axis', 1) !== 1 || inputs.length > 1) throw new UnsupportedOpError(`${where}: only a learned per-channel Scale (axis 1) is supported`);
  const channels = s[1]!;
  const perChannel = [channels, ...new Array<number>(s.length - 2).fill(1)];
  const gamma = c.blob(0, [channels], 'scale');
  if (bool(sp, 'bias_term', false)) {
    const scaled = c.out.temp(layer.name);
    c.out.node('Mul', `${layer.name}/scale`, [x, c.out.constant(layer.name, { ...gamma, shape: perChannel })], [scaled]);
    c.emit('Add', [scaled, c.out.constant(layer.name, { ...c.blob(1, [channels], 'bias'), shape: perChannel })], {}, s);
  } else {
    c.emit('Mul', [x, c.out.constant(layer.name, { ...gamma, shape: perChannel })], {}, s);
  }
}

function innerProduct(c: LayerContext): void {
  const { layer, x, s } = c;
  const ip = c.p('inner_product_param');
  const out = num(ip, 'num_output', 0);
  const axis = num(ip, 'axis', 1);
  const k = s.slice(axis).reduce((a, b) => a * b, 1);
  const flat = c.out.temp(layer.name);
  c.out.node('Flatten', `${layer.name}/flatten`, [x], [flat], { axis: int(axis) });
  const transpose = bool(ip, 'transpose', false);
  const nodeInputs = [flat, c.out.constant(`${layer.name}.weight`, c.blob(0, transpose ? [k, out] : [out, k], 'weights'))];
  if (bool(ip, 'bias_term', true)) nodeInputs.push(c.out.constant(`${layer.name}.bias`, c.blob(1, [out], 'bias')));
  c.emit('Gemm', nodeInputs, { transB: int(transpose ? 0 : 1) }, [...s.slice(0, axis), out]);
}

function lrn(c: LayerContext): void {
  const lp = c.p('lrn_param');
  const region = String(first(lp, 'norm_region') ?? 'ACROSS_CHANNELS');
  if (region !== 'ACROSS_CHANNELS' && region !== '0') throw new UnsupportedOpError(`${c.where}: LRN norm_region ${region} is not supported`);
  c.emit('LRN', [c.x], { size: int(num(lp, 'local_size', 5)), alpha: float(num(lp, 'alpha', 1)), beta: float(num(lp, 'beta', 0.75)), bias: float(num(lp, 'k', 1)) }, c.s);
}

function flatten(c: LayerContext): void {
  const { s } = c;
  const fp = c.p('flatten_param');
  const axis = num(fp, 'axis', 1);
  if (num(fp, 'end_axis', -1) !== -1) throw new UnsupportedOpError(`${c.where}: end_axis other than -1 is not supported`);
  c.emit('Flatten', [c.x], { axis: int(axis) }, [...s.slice(0, axis), s.slice(axis).reduce((a, b) => a * b, 1)]);
}

function reshape(c: LayerContext): void {
  const { s } = c;
  const rp = c.p('reshape_param');
  if (num(rp, 'axis', 0) !== 0 || num(rp, 'num_axes', -1) !== -1) throw new UnsupportedOpError(`${c.where}: axis/num_axes are not supported`);
  const dims = nums(sub(rp, 'shape'), 'dim').map((d, i) => (d === 0 ? s[i]! : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const outShape = dims.map((d) => (d === -1 ? sizeOf(s) / known : d));
  c.emit('Reshape', [c.x, c.out.constant(c.layer.name, fromNumbers('int64', [dims.length], dims))], {}, outShape);
}

/** Each Caffe layer type the reader maps, to its handler (a Map: the keys come from files). */
const LAYERS: ReadonlyMap<string, LayerHandler> = new Map<string, LayerHandler>([
  ['Convolution', convolution],
  ['Deconvolution', convolution],
  ['Pooling', pooling],
  ['ReLU', relu],
  ['PReLU', prelu],
  ['ELU', elementwise('Elu', (c) => ({ alpha: float(num(c.p('elu_param'), 'alpha', 1)) }))],
  ['Sigmoid', elementwise('Sigmoid')],
  ['TanH', elementwise('Tanh')],
  ['AbsVal', elementwise('Abs')],
  ['Dropout', elementwise('Identity')],
  ['Split', split],
  ['Concat', concat],
  ['Eltwise', eltwise],
  ['BatchNorm', batchNorm],
  ['Scale', scale],
  ['InnerProduct', innerProduct],
  ['Softmax', elementwise('Softmax', (c) => ({ axis: int(num(c.p('softmax_param'), 'axis', 1)) }))],
  ['LRN', lrn],
  ['Flatten', flatten],
  ['Reshape', reshape],
]);

export function caffeToModel(net: CaffeNet, options: CaffeOptions = {}): Model {
  const out = new GraphEmitter(net.name);
  const shapes = new Map<string, number[]>();
  const layers = net.layers.filter((l) => !l.trainOnly);
  for (const layer of layers) {
    if (layer.type === 'Input') {
      const shapesOf = (layer.params.get('input_param')?.[0] as ProtoMessage | undefined)?.get('shape') ?? [];
      layer.tops.forEach((top, i) => net.inputs.push({ name: top, shape: nums(shapesOf[i] as ProtoMessage | undefined, 'dim') }));
    }
  }
  for (const input of net.inputs) {
    const given = options.inputShapes;
    const shape = given !== undefined && Object.hasOwn(given, input.name) ? given[input.name]! : input.shape;
    if (shape.length > MAX_RANK) throw new ModelFormatError(`input '${input.name}' declares ${shape.length} dimensions; at most ${MAX_RANK} are supported`);
    out.input(input.name, 'float32', shape);
    shapes.set(input.name, shape);
  }

  // SSA names: the last write of each blob keeps its name.
  const writesLeft = new Map<string, number>();
  for (const l of layers) for (const t of l.tops) writesLeft.set(t, (writesLeft.get(t) ?? 0) + 1);
  const current = new Map<string, string>(net.inputs.map((i) => [i.name, i.name]));
  const consumed = new Set<string>();

  for (let li = 0; li < layers.length; li++) {
    const layer = layers[li]!;
    if (layer.type === 'Input') continue;
    const handler = LAYERS.get(layer.type);
    if (handler === undefined) throw new UnsupportedOpError(`Caffe layer '${layer.name}' of type ${layer.type} is not supported`);
    const where = `layer '${layer.name}' (${layer.type})`;
    if (layer.bottoms.length === 0) throw new ModelFormatError(`${where}: has no bottom (input blob)`);
    if (layer.tops.length === 0) throw new ModelFormatError(`${where}: has no top (output blob)`);
    const inputs = layer.bottoms.map((b) => {
      const v = current.get(b);
      if (v === undefined) throw new ModelFormatError(`${where}: bottom '${b}' is not produced by any earlier layer`);
      consumed.add(v);
      return v;
    });
    const inShapes = inputs.map((v) => {
      const shape = shapes.get(v);
      if (shape === undefined) throw new ModelFormatError(`${where}: the shape of bottom '${v}' is unknown`);
      return shape;
    });
    if (SPATIAL_LAYERS.has(layer.type) && inShapes[0]!.length !== 4) {
      throw new ShapeError(`${where}: bottom '${layer.bottoms[0]}' has shape [${inShapes[0]!.join(', ')}]; this layer takes N x C x H x W`);
    }
    const outName = (top: string): string => {
      const left = writesLeft.get(top)! - 1;
      writesLeft.set(top, left);
      const name = left === 0 ? top : `${top}@${layer.name}`;
      current.set(top, name);
      return name;
    };
    const blobs = options.weights?.get(layer.name);
    const next = layers[li + 1];
    try {
      handler({
        layer, where, inputs, inShapes, x: inputs[0]!, s: inShapes[0]!, out, shapes, options, outName, next,
        p: (field) => sub(layer.params, field),
        blob: (i, shape, what) => {
          if (options.weights === undefined) return float32(shape);
          const b = blobs?.[i];
          if (b === undefined) throw new WeightsError(`${where}: the caffemodel has no ${what} (blob ${i})`);
          if (sizeOf(b.shape) !== sizeOf(shape)) {
            throw new WeightsError(`${where}: caffemodel blob ${i} (${what}) has shape [${b.shape.join(', ')}], the prototxt implies [${shape.join(', ')}]`);
          }
          return { ...b, shape };
        },
        emit: (op, nodeInputs, attrs, outShape, name = layer.name) => {
          const value = outName(layer.tops[0]!);
          out.node(op, name, nodeInputs, [value], attrs);
          shapes.set(value, outShape);
          return value;
        },
        mergeNext: () => {
          writesLeft.set(layer.tops[0]!, writesLeft.get(layer.tops[0]!)! - 1);
          li++;
        },
      });
    } catch (e) {
      // Errors from shared code (shapes, geometry) get the layer they happened in.
      if (e instanceof WasmposeError && !e.message.includes(where)) {
        const Kind = e.constructor as new (message: string) => WasmposeError;
        throw new Kind(`${where}: ${e.message}`);
      }
      throw e;
    }
  }
  // Graph outputs: the final values nothing reads.
  for (const value of new Set(current.values())) {
    if (!consumed.has(value) && !net.inputs.some((i) => i.name === value)) out.output(value, 'float32', shapes.get(value)!);
  }
  return out.model(13);
}

export function readCaffe(prototxt: string, options: CaffeOptions = {}): Model {
  return caffeToModel(parsePrototxt(prototxt), options);
}
