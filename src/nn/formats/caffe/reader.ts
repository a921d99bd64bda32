// Caffe reader: a .prototxt network definition (text format) and, optionally, its .caffemodel
// weights (binary NetParameter, read by caffemodel.ts), mapped onto the engine's ONNX graph.
// Caffe writes layers in place (top == bottom); here every write is a new value, and the last
// write of a blob keeps the blob's name, so graph outputs are named as Caffe names them.
// Shapes are followed through the net with Caffe's own rules (pooling rounds up, then drops a
// window that would start in the padding), which also lets an .prototxt alone be inspected.
import { ModelFormatError, ShapeError, UnsupportedOpError, WeightsError } from '../../errors.js';
import { attr, emptyGraph, emptyModel, type Attr, type Model } from '../../graph.js';
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

export function parsePrototxt(text: string): CaffeNet {
  return netFromMessage(parseTextFormat(text));
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

export function caffeToModel(net: CaffeNet, options: CaffeOptions = {}): Model {
  const graph = emptyGraph(net.name);
  const shapes = new Map<string, number[]>();
  const layers = net.layers.filter((l) => !l.trainOnly);
  for (const layer of layers) {
    if (layer.type === 'Input') {
      const shapesOf = (layer.params.get('input_param')?.[0] as ProtoMessage | undefined)?.get('shape') ?? [];
      layer.tops.forEach((top, i) => net.inputs.push({ name: top, shape: nums(shapesOf[i] as ProtoMessage | undefined, 'dim') }));
    }
  }
  for (const input of net.inputs) {
    const shape = options.inputShapes?.[input.name] ?? input.shape;
    graph.inputs.push({ name: input.name, dtype: 'float32', shape });
    shapes.set(input.name, shape);
  }

  // SSA names: the last write of each blob keeps its name.
  const writesLeft = new Map<string, number>();
  for (const l of layers) for (const t of l.tops) writesLeft.set(t, (writesLeft.get(t) ?? 0) + 1);
  const current = new Map<string, string>(net.inputs.map((i) => [i.name, i.name]));
  const consumed = new Set<string>();
  let uniq = 0;
  const temp = (base: string): string => `${base}/wasmpose_${uniq++}`;
  const constant = (base: string, t: Tensor): string => {
    const name = temp(base);
    graph.initializers.set(name, t);
    return name;
  };

  for (let li = 0; li < layers.length; li++) {
    const layer = layers[li]!;
    if (layer.type === 'Input') continue;
    const where = `layer '${layer.name}' (${layer.type})`;
    const inputs = layer.bottoms.map((b) => {
      const v = current.get(b);
      if (v === undefined) throw new ModelFormatError(`${where}: bottom '${b}' is not produced by any earlier layer`);
      consumed.add(v);
      return v;
    });
    const inShapes = inputs.map((v) => shapes.get(v)!);
    const outName = (top: string): string => {
      const left = writesLeft.get(top)! - 1;
      writesLeft.set(top, left);
      const name = left === 0 ? top : `${top}@${layer.name}`;
      current.set(top, name);
      return name;
    };
    const blobs = options.weights?.get(layer.name);
    const blob = (i: number, shape: number[], what: string): Tensor => {
      if (options.weights === undefined) return float32(shape);
      const b = blobs?.[i];
      if (b === undefined) throw new WeightsError(`${where}: the caffemodel has no ${what} (blob ${i})`);
      if (sizeOf(b.shape) !== sizeOf(shape)) {
        throw new WeightsError(`${where}: caffemodel blob ${i} (${what}) has shape [${b.shape.join(', ')}], the prototxt implies [${shape.join(', ')}]`);
      }
      return { ...b, shape };
    };
    const emit = (op: string, nodeInputs: string[], attrs: Record<string, Attr>, outShape: number[], name = layer.name): string => {
      const out = outName(layer.tops[0]!);
      graph.nodes.push({ name, op, domain: '', inputs: nodeInputs, outputs: [out], attrs });
      shapes.set(out, outShape);
      return out;
    };
    const x = inputs[0]!;
    const s = inShapes[0]!;
    const p = (field: string) => sub(layer.params, field);
    switch (layer.type) {
      case 'Convolution': case 'Deconvolution': {
        const cp = p('convolution_param');
        const { kernel, stride, pad, dilation } = spatial(cp);
        const out = num(cp, 'num_output', 0);
        const group = num(cp, 'group', 1);
        const cin = s[1]!;
        if (cin % group !== 0 || out % group !== 0) throw new ShapeError(`${where}: ${cin} input and ${out} output channels do not divide into ${group} groups`);
        const deconv = layer.type === 'Deconvolution';
        const wShape = deconv ? [cin, out / group, kernel[0], kernel[1]] : [out, cin / group, kernel[0], kernel[1]];
        const nodeInputs = [x, constant(`${layer.name}.weight`, blob(0, wShape, 'weights'))];
        if (bool(cp, 'bias_term', true)) nodeInputs.push(constant(`${layer.name}.bias`, blob(1, [out], 'bias')));
        const size = (i: 0 | 1): number => {
          const extent = dilation[i] * (kernel[i] - 1) + 1;
          return deconv ? stride[i] * (s[2 + i]! - 1) + extent - 2 * pad[i] : Math.floor((s[2 + i]! + 2 * pad[i] - extent) / stride[i]) + 1;
        };
        emit(deconv ? 'ConvTranspose' : 'Conv', nodeInputs, {
          kernel_shape: ints(kernel), strides: ints(stride), pads: ints([pad[0], pad[1], pad[0], pad[1]]), dilations: ints(dilation), group: int(group),
        }, [s[0]!, out, size(0), size(1)]);
        break;
      }
      case 'Pooling': {
        const pp = p('pooling_param');
        const method = String(first(pp, 'pool') ?? 'MAX');
        const max = method === 'MAX' || method === '0';
        if (!max && method !== 'AVE' && method !== '1') throw new UnsupportedOpError(`${where}: pooling method ${method} is not supported`);
        if (bool(pp, 'global_pooling', false)) {
          emit(max ? 'GlobalMaxPool' : 'GlobalAveragePool', [x], {}, [s[0]!, s[1]!, 1, 1]);
          break;
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
        emit(max ? 'MaxPool' : 'AveragePool', [x], attrs, [s[0]!, s[1]!, outHW[0]!, outHW[1]!]);
        break;
      }
      case 'ReLU': {
        const slope = num(p('relu_param'), 'negative_slope', 0);
        emit(slope === 0 ? 'Relu' : 'LeakyRelu', [x], slope === 0 ? {} : { alpha: float(slope) }, s);
        break;
      }
      case 'PReLU': {
        const shared = bool(p('prelu_param'), 'channel_shared', false);
        const slope = blob(0, [shared ? 1 : s[1]!], 'slope');
        emit('PRelu', [x, constant(`${layer.name}.slope`, { ...slope, shape: shared ? [1] : [s[1]!, 1, 1] })], {}, s);
        break;
      }
      case 'ELU': emit('Elu', [x], { alpha: float(num(p('elu_param'), 'alpha', 1)) }, s); break;
      case 'Sigmoid': emit('Sigmoid', [x], {}, s); break;
      case 'TanH': emit('Tanh', [x], {}, s); break;
      case 'AbsVal': emit('Abs', [x], {}, s); break;
      case 'Dropout': emit('Identity', [x], {}, s); break;
      case 'Split':
        for (const top of layer.tops) {
          const out = outName(top);
          graph.nodes.push({ name: `${layer.name}/${top}`, op: 'Identity', domain: '', inputs: [x], outputs: [out], attrs: {} });
          shapes.set(out, s);
        }
        break;
      case 'Concat': {
        const cp = p('concat_param');
        let axis = num(cp, 'axis', num(cp, 'concat_dim', 1));
        if (axis < 0) axis += s.length;
        const outShape = [...s];
        outShape[axis] = inShapes.reduce((sum, shape) => sum + shape[axis]!, 0);
        emit('Concat', inputs, { axis: int(axis) }, outShape);
        break;
      }
      case 'Eltwise': {
        const ep = p('eltwise_param');
        const operation = String(first(ep, 'operation') ?? 'SUM');
        const coeffs = nums(ep, 'coeff');
        if (operation === 'PROD' || operation === '0') emit('Mul', inputs, {}, s);
        else if (operation === 'MAX' || operation === '2') emit('Max', inputs, {}, s);
        else {
          const terms = inputs.map((v, i) => {
            const c = coeffs[i] ?? 1;
            if (c === 1) return v;
            const scaled = temp(layer.name);
            graph.nodes.push({ name: `${layer.name}/coeff${i}`, op: 'Mul', domain: '', inputs: [v, constant(layer.name, float32([], [c]))], outputs: [scaled], attrs: {} });
            return scaled;
          });
          emit(terms.length === 2 ? 'Add' : 'Sum', terms, {}, s);
        }
        break;
      }
      case 'BatchNorm': {
        const c = s[1]!;
        const mean = blob(0, [c], 'mean');
        const variance = blob(1, [c], 'variance');
        const factor = options.weights === undefined ? 1 : Number(blob(2, [1], 'scale factor').data[0]);
        const k = factor === 0 ? 0 : 1 / factor;
        const scaled = (t: Tensor) => float32([c], Array.from(t.data as Float32Array, (v) => v * k));
        // A Scale layer writing the same blob right after is BatchNorm's affine part: merge them.
        const next = layers[li + 1];
        const merged = next?.type === 'Scale' && next.bottoms[0] === layer.tops[0] && next.bottoms.length === 1;
        let gamma = float32([c], new Float32Array(c).fill(1));
        let beta = float32([c]);
        if (merged) {
          const sp = sub(next.params, 'scale_param');
          const nextBlobs = options.weights?.get(next.name);
          if (options.weights !== undefined) {
            if (!nextBlobs?.[0]) throw new WeightsError(`layer '${next.name}' (Scale): the caffemodel has no scale blob`);
            gamma = { ...nextBlobs[0], shape: [c] };
            if (bool(sp, 'bias_term', false)) {
              if (!nextBlobs[1]) throw new WeightsError(`layer '${next.name}' (Scale): the caffemodel has no bias blob`);
              beta = { ...nextBlobs[1], shape: [c] };
            }
          }
          writesLeft.set(layer.tops[0]!, writesLeft.get(layer.tops[0]!)! - 1);
          li++;
        }
        emit('BatchNormalization', [x, constant(`${layer.name}.scale`, gamma), constant(`${layer.name}.bias`, beta), constant(`${layer.name}.mean`, scaled(mean)), constant(`${layer.name}.var`, scaled(variance))],
          { epsilon: float(num(p('batch_norm_param'), 'eps', 1e-5)) }, s, layer.name);
        break;
      }
      case 'Scale': {
        const sp = p('scale_param');
        if (num(sp, 'axis', 1) !== 1 || inputs.length > 1) throw new UnsupportedOpError(`${where}: only a learned per-channel Scale (axis 1) is supported`);
        const c = s[1]!;
        const perChannel = [c, ...new Array<number>(s.length - 2).fill(1)];
        let v = x;
        const scaleOut = bool(sp, 'bias_term', false) ? temp(layer.name) : undefined;
        const gamma = blob(0, [c], 'scale');
        if (scaleOut !== undefined) {
          graph.nodes.push({ name: `${layer.name}/scale`, op: 'Mul', domain: '', inputs: [v, constant(layer.name, { ...gamma, shape: perChannel })], outputs: [scaleOut], attrs: {} });
          v = scaleOut;
          emit('Add', [v, constant(layer.name, { ...blob(1, [c], 'bias'), shape: perChannel })], {}, s);
        } else {
          emit('Mul', [v, constant(layer.name, { ...gamma, shape: perChannel })], {}, s);
        }
        break;
      }
      case 'InnerProduct': {
        const ip = p('inner_product_param');
        const out = num(ip, 'num_output', 0);
        const axis = num(ip, 'axis', 1);
        const k = s.slice(axis).reduce((a, b) => a * b, 1);
        const flat = temp(layer.name);
        graph.nodes.push({ name: `${layer.name}/flatten`, op: 'Flatten', domain: '', inputs: [x], outputs: [flat], attrs: { axis: int(axis) } });
        const transpose = bool(ip, 'transpose', false);
        const nodeInputs = [flat, constant(`${layer.name}.weight`, blob(0, transpose ? [k, out] : [out, k], 'weights'))];
        if (bool(ip, 'bias_term', true)) nodeInputs.push(constant(`${layer.name}.bias`, blob(1, [out], 'bias')));
        emit('Gemm', nodeInputs, { transB: int(transpose ? 0 : 1) }, [...s.slice(0, axis), out]);
        break;
      }
      case 'Softmax': emit('Softmax', [x], { axis: int(num(p('softmax_param'), 'axis', 1)) }, s); break;
      case 'LRN': {
        const lp = p('lrn_param');
        const region = String(first(lp, 'norm_region') ?? 'ACROSS_CHANNELS');
        if (region !== 'ACROSS_CHANNELS' && region !== '0') throw new UnsupportedOpError(`${where}: LRN norm_region ${region} is not supported`);
        emit('LRN', [x], { size: int(num(lp, 'local_size', 5)), alpha: float(num(lp, 'alpha', 1)), beta: float(num(lp, 'beta', 0.75)), bias: float(num(lp, 'k', 1)) }, s);
        break;
      }
      case 'Flatten': {
        const fp = p('flatten_param');
        const axis = num(fp, 'axis', 1);
        if (num(fp, 'end_axis', -1) !== -1) throw new UnsupportedOpError(`${where}: end_axis other than -1 is not supported`);
        emit('Flatten', [x], { axis: int(axis) }, [...s.slice(0, axis), s.slice(axis).reduce((a, b) => a * b, 1)]);
        break;
      }
      case 'Reshape': {
        const rp = p('reshape_param');
        if (num(rp, 'axis', 0) !== 0 || num(rp, 'num_axes', -1) !== -1) throw new UnsupportedOpError(`${where}: axis/num_axes are not supported`);
        const dims = nums(sub(rp, 'shape'), 'dim').map((d, i) => (d === 0 ? s[i]! : d));
        const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const outShape = dims.map((d) => (d === -1 ? sizeOf(s) / known : d));
        emit('Reshape', [x, constant(layer.name, fromNumbers('int64', [dims.length], dims))], {}, outShape);
        break;
      }
      default:
        throw new UnsupportedOpError(`Caffe layer '${layer.name}' of type ${layer.type} is not supported`);
    }
  }
  // Graph outputs: the final values nothing reads.
  for (const value of new Set(current.values())) {
    if (!consumed.has(value) && !net.inputs.some((i) => i.name === value)) graph.outputs.push({ name: value, dtype: 'float32', shape: shapes.get(value)! });
  }
  return emptyModel(graph, 13);
}

export function readCaffe(prototxt: string, options: CaffeOptions = {}): Model {
  return caffeToModel(parsePrototxt(prototxt), options);
}
