// Caffe writer: the engine's graph written as a deploy .prototxt (text NetParameter, field names
// as caffe.proto spells them) and a .caffemodel holding each layer's blobs in Caffe's order.
// Layer names are the node names; blob (top/bottom) names are the value names, so the Caffe
// reader gives back a graph with the same names. Shapes come from the engine's shape inference
// at the given input shapes; constant subgraphs are folded first.
//
// Mapping (anything else is refused by op and node name):
//   Conv                  Convolution    blobs: weights [O, I/g, kh, kw], bias [O]
//   ConvTranspose         Deconvolution  blobs: weights [I, O/g, kh, kw], bias [O]
//   BatchNormalization    BatchNorm (mean, variance, scale factor 1) + in-place Scale (gamma, beta)
//   Relu, LeakyRelu       ReLU (negative_slope)
//   PRelu                 PReLU (per-channel or channel_shared slope)
//   Elu, Sigmoid, Tanh    ELU, Sigmoid, TanH
//   Add/Sum, Mul, Max     Eltwise SUM, PROD, MAX (same shapes only: Eltwise does not broadcast)
//   Concat                Concat
//   MaxPool, AveragePool  Pooling MAX/AVE, only where Caffe's output size (rounded up, minus a
//                         window starting in the padding) equals ONNX's and Caffe's averaging
//                         divisor equals ONNX's (padding counted, no window past the padding)
//   GlobalAveragePool/GlobalMaxPool  Pooling with global_pooling
//   Gemm                  InnerProduct (weights [O, K], bias [O])
//   Flatten               Flatten
//   Softmax, LRN          Softmax, LRN (ACROSS_CHANNELS)
//   Resize/Upsample       nearest by an integer factor f: a Deconvolution with fixed weights,
//                         group = C, kernel = stride = f, every weight 1 and no bias. Each
//                         output pixel then receives exactly one input pixel, its
//                         floor(y / f) source, which is nearest upsampling (asymmetric/floor,
//                         and half_pixel with round_prefer_floor/ceil, agree for integer f).
//                         Bilinear and fractional factors are refused: Caffe has no exact form.
//
// Caffe has no list of outputs: a net's outputs are the blobs no layer reads. A graph output
// that other nodes also read is therefore not an output of the written net.
import { UnsupportedOpError } from '../../errors.js';
import { attrFloat, attrInt, attrInts, attrString, type Model, type Node } from '../../graph.js';
import { prepareGraph } from '../../passes/prepare-graph.js';
import type { TypedGraph } from '../../passes/typed-graph.js';
import { float32, sameShape, shapeString, toFloat32, type Tensor } from '../../tensor.js';
import { writeCaffemodel, type CaffemodelLayer } from './caffemodel.js';

export interface CaffeWriteOptions {
  /** Concrete input shapes, for inputs declared with symbolic or unknown dimensions. */
  inputShapes?: Record<string, readonly number[]>;
}

/** A prototxt field value: a scalar, an enum identifier, or a nested message. */
type Field = number | boolean | string | { enum: string } | Message;
interface Message {
  [name: string]: Field | Field[];
}

interface LayerSpec {
  name: string;
  type: string;
  bottoms: string[];
  tops: string[];
  /** e.g. { convolution_param: { num_output: 64, ... } } */
  params?: Message;
  blobs?: Tensor[];
}

function formatField(name: string, value: Field, indent: string): string {
  if (typeof value === 'string') return `${indent}${name}: "${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`;
  if (typeof value === 'number') return `${indent}${name}: ${Number.isFinite(value) ? formatNumber(value) : String(value)}\n`;
  if (typeof value === 'boolean') return `${indent}${name}: ${value}\n`;
  if ('enum' in value && typeof value.enum === 'string') return `${indent}${name}: ${value.enum}\n`;
  return `${indent}${name} {\n${formatMessage(value as Message, `${indent}  `)}${indent}}\n`;
}

/** Shortest decimal that reads back as the same float32 (epsilons, slopes, LRN alpha). */
function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const f = Math.fround(v);
  for (let digits = 1; digits <= 9; digits++) {
    const s = f.toPrecision(digits);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

function formatMessage(m: Message, indent: string): string {
  let out = '';
  for (const [name, value] of Object.entries(m)) {
    for (const v of Array.isArray(value) ? value : [value]) out += formatField(name, v, indent);
  }
  return out;
}

const refuse = (node: Node, why: string): never => {
  throw new UnsupportedOpError(`Caffe writer: ${node.op} node '${node.name}': ${why}`);
};

export function writeCaffe(model: Model, options: CaffeWriteOptions = {}): { prototxt: string; caffemodel: Uint8Array } {
  const graph = prepareGraph(model, options.inputShapes);
  const layers = graph.nodes.flatMap((node) => mapNode(node, graph));

  let prototxt = `name: "${model.graph.name}"\n`;
  for (const input of graph.inputs) {
    prototxt += formatField('input', input.name, '');
    prototxt += formatField('input_shape', { dim: input.type.shape }, '');
  }
  for (const l of layers) {
    const body: Message = { name: l.name, type: l.type, bottom: l.bottoms, top: l.tops, ...(l.params ?? {}) };
    prototxt += formatField('layer', body, '');
  }
  const caffemodel = writeCaffemodel(model.graph.name, layers.map((l): CaffemodelLayer => ({
    name: l.name, type: l.type, blobs: (l.blobs ?? []).map((b) => float32(b.shape, toFloat32(b))),
  })));
  return { prototxt, caffemodel };
}

function mapNode(node: Node, graph: TypedGraph): LayerSpec[] {
  const shapeOf = (name: string): number[] => graph.types.get(name)!.shape;
  const constant = (i: number, what: string): Tensor => {
    const t = graph.constants.get(node.inputs[i] ?? '');
    return t ?? refuse(node, `the ${what} must be a constant`);
  };
  const x = node.inputs[0]!;
  const out = node.outputs[0]!;
  const inShape = shapeOf(x);
  const outShape = shapeOf(out);
  // Caffe binds blobs by layer name: a node without a name is named after its output.
  const name = node.name === '' ? out : node.name;
  const layer = (type: string, params?: Message, blobs?: Tensor[], bottoms = [x]): LayerSpec => ({ name, type, bottoms, tops: [out], params, blobs });
  const blobInputs = (): string[] => node.inputs.map((name) => (graph.constants.has(name) ? refuse(node, `input '${name}' is a constant; Caffe's ${node.op === 'Concat' ? 'Concat' : 'Eltwise'} takes blobs only`) : name));
  const rank4 = (): void => {
    if (inShape.length !== 4) refuse(node, `input shape ${shapeString(inShape)} is not NCHW (rank 4)`);
  };

  switch (node.op) {
    case 'Conv': case 'ConvTranspose': {
      rank4();
      const w = constant(1, 'weight');
      const deconv = node.op === 'ConvTranspose';
      const [kh, kw] = [w.shape[2]!, w.shape[3]!];
      const group = attrInt(node, 'group', 1);
      const pads = symmetricPads(node);
      const [sh, sw] = attrInts(node, 'strides') ?? [1, 1];
      const [dh, dw] = attrInts(node, 'dilations') ?? [1, 1];
      if (deconv && ((attrInts(node, 'output_padding') ?? []).some((p) => p !== 0) || attrInts(node, 'output_shape') !== undefined)) {
        refuse(node, 'output_padding/output_shape have no Caffe equivalent');
      }
      const hasBias = node.inputs.length > 2 && node.inputs[2] !== '';
      const params: Message = {
        num_output: outShape[1]!, bias_term: hasBias, ...hw('pad', pads), ...hw('kernel', [kh, kw]), ...hw('stride', [sh!, sw!]),
      };
      if (dh !== 1 || dw !== 1) params['dilation'] = dh === dw ? dh! : [dh!, dw!];
      if (group !== 1) params['group'] = group;
      return [layer(deconv ? 'Deconvolution' : 'Convolution', { convolution_param: params }, hasBias ? [w, constant(2, 'bias')] : [w])];
    }
    case 'BatchNormalization': {
      const c = inShape[1]!;
      const vector = (i: number, what: string): Tensor => ({ ...constant(i, what), shape: [c] });
      // Caffe's BatchNorm holds the statistics (divided by its third blob, the moving-average
      // factor, here 1); the affine part is a Scale layer writing the same blob in place.
      return [
        layer('BatchNorm', { batch_norm_param: { use_global_stats: true, eps: attrFloat(node, 'epsilon', 1e-5) } }, [vector(3, 'mean'), vector(4, 'variance'), float32([1], [1])]),
        { name: `${name}/scale`, type: 'Scale', bottoms: [out], tops: [out], params: { scale_param: { bias_term: true } }, blobs: [vector(1, 'scale'), vector(2, 'bias')] },
      ];
    }
    case 'Relu': return [layer('ReLU')];
    case 'LeakyRelu': return [layer('ReLU', { relu_param: { negative_slope: attrFloat(node, 'alpha', 0.01) } })];
    case 'PRelu': {
      rank4();
      const slope = constant(1, 'slope');
      const n = slope.data.length;
      // ONNX broadcasts the slope from the right: it is per-channel only if its one non-unit
      // dimension lands on axis 1.
      const aligned = [...new Array<number>(4 - slope.shape.length).fill(1), ...slope.shape];
      const perChannel = n === inShape[1] && aligned[1] === n && aligned.every((d, i) => i === 1 || d === 1);
      if (n !== 1 && !perChannel) refuse(node, `slope of shape ${shapeString(slope.shape)} is not per-channel`);
      return [layer('PReLU', n === 1 ? { prelu_param: { channel_shared: true } } : undefined, [{ ...slope, shape: [n] }])];
    }
    case 'Elu': return [layer('ELU', { elu_param: { alpha: attrFloat(node, 'alpha', 1) } })];
    case 'Sigmoid': return [layer('Sigmoid')];
    case 'Tanh': return [layer('TanH')];
    case 'Add': case 'Sum': case 'Mul': case 'Max': {
      const inputs = blobInputs();
      for (const v of inputs) {
        if (!sameShape(shapeOf(v), outShape)) refuse(node, `input '${v}' has shape ${shapeString(shapeOf(v))}, the output ${shapeString(outShape)}: Caffe's Eltwise does not broadcast`);
      }
      const operation = node.op === 'Mul' ? 'PROD' : node.op === 'Max' ? 'MAX' : 'SUM';
      return [layer('Eltwise', { eltwise_param: { operation: { enum: operation } } }, undefined, inputs)];
    }
    case 'Concat': {
      let axis = attrInt(node, 'axis', 1);
      if (axis < 0) axis += outShape.length;
      return [layer('Concat', { concat_param: { axis } }, undefined, blobInputs())];
    }
    case 'MaxPool': case 'AveragePool':
      rank4();
      return [layer('Pooling', { pooling_param: poolingParam(node, inShape, outShape) })];
    case 'GlobalAveragePool': case 'GlobalMaxPool':
      rank4();
      return [layer('Pooling', { pooling_param: { pool: { enum: node.op === 'GlobalMaxPool' ? 'MAX' : 'AVE' }, global_pooling: true } })];
    case 'Gemm': {
      if (attrInt(node, 'transA', 0) !== 0 || attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1) refuse(node, 'only transA = 0, alpha = 1, beta = 1 map onto InnerProduct');
      const b = constant(1, 'weight');
      const transB = attrInt(node, 'transB', 0) === 1;
      const [o, k] = transB ? [b.shape[0]!, b.shape[1]!] : [b.shape[1]!, b.shape[0]!];
      // InnerProduct's weights are [O, K] (transpose: false); a [K, O] matrix is transposed here.
      const weights = transB ? b : transposeMatrix(b);
      const hasBias = node.inputs.length > 2 && node.inputs[2] !== '';
      const blobs = [{ ...weights, shape: [o, k] }];
      if (hasBias) {
        const c = constant(2, 'bias');
        if (c.data.length !== o) refuse(node, `bias of shape ${shapeString(c.shape)} is not one value per output`);
        blobs.push({ ...c, shape: [o] });
      }
      return [layer('InnerProduct', { inner_product_param: { num_output: o, bias_term: hasBias } }, blobs)];
    }
    case 'Flatten': {
      let axis = attrInt(node, 'axis', 1);
      if (axis < 0) axis += inShape.length;
      return [layer('Flatten', { flatten_param: { axis } })];
    }
    case 'Softmax': {
      let axis = attrInt(node, 'axis', graph.opset >= 13 ? -1 : 1);
      if (axis < 0) axis += inShape.length;
      // Before opset 13 Softmax normalizes over every axis from `axis` on; Caffe over one axis.
      if (graph.opset < 13 && inShape.slice(axis + 1).some((d) => d !== 1)) refuse(node, `opset ${graph.opset} normalizes over axes ${axis}.. together, Caffe over one axis`);
      return [layer('Softmax', { softmax_param: { axis } })];
    }
    case 'LRN': {
      const size = attrInt(node, 'size', 5);
      if (size % 2 !== 1) refuse(node, `size ${size} is even; Caffe's local_size is odd`);
      return [layer('LRN', { lrn_param: { local_size: size, alpha: attrFloat(node, 'alpha', 1e-4), beta: attrFloat(node, 'beta', 0.75), k: attrFloat(node, 'bias', 1) } })];
    }
    case 'Resize': case 'Upsample':
      rank4();
      return [nearestUpsample(node, inShape, outShape, layer)];
    default:
      return refuse(node, 'no Caffe layer maps it');
  }
}

/** Caffe's `<what>_size`/`<what>` or `<what>_h`/`<what>_w` fields for an (h, w) pair. */
function hw(what: 'pad' | 'kernel' | 'stride', [h, w]: number[]): Message {
  const single = what === 'kernel' ? 'kernel_size' : what;
  return h === w ? { [single]: h! } : { [`${what}_h`]: h!, [`${what}_w`]: w! };
}

function symmetricPads(node: Node): [number, number] {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') refuse(node, `auto_pad ${autoPad} has no Caffe equivalent`);
  const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  if (p[0] !== p[2] || p[1] !== p[3]) refuse(node, `pads [${p.join(', ')}] are not symmetric; Caffe pads both sides alike`);
  return [p[0]!, p[1]!];
}

function poolingParam(node: Node, inShape: number[], outShape: number[]): Message {
  const kernel = attrInts(node, 'kernel_shape')!;
  const strides = attrInts(node, 'strides') ?? [1, 1];
  if ((attrInts(node, 'dilations') ?? []).some((d) => d !== 1)) refuse(node, 'dilated pooling has no Caffe equivalent');
  const pad = symmetricPads(node);
  const max = node.op === 'MaxPool';
  for (const i of [0, 1]) {
    const input = inShape[2 + i]!;
    const [k, s, p] = [kernel[i]!, strides[i]!, pad[i]!];
    // Caffe (pooling_layer.cpp): round up, then drop a last window that starts in the padding.
    let caffe = Math.ceil((input + 2 * p - k) / s) + 1;
    if (p > 0 && (caffe - 1) * s >= input + p) caffe--;
    if (caffe !== outShape[2 + i]) {
      refuse(node, `Caffe's pooling gives ${caffe} outputs along axis ${2 + i} where ONNX gives ${outShape[2 + i]}; Caffe's rounding cannot express this pooling`);
    }
    if (!max) {
      // Caffe divides by the window clipped to the padded input, padding included; ONNX matches
      // that only with count_include_pad and when no window reaches past the padding.
      if (p > 0 && attrInt(node, 'count_include_pad', 0) !== 1) refuse(node, 'count_include_pad = 0 with padding: Caffe always counts the padding');
      if ((caffe - 1) * s + k > input + 2 * p) refuse(node, 'the last window reaches past the padding, where Caffe and ONNX divide by different counts');
    }
  }
  return { pool: { enum: max ? 'MAX' : 'AVE' }, ...hw('kernel', kernel), ...hw('stride', strides), ...hw('pad', pad) };
}

function nearestUpsample(node: Node, inShape: number[], outShape: number[], layer: (type: string, params?: Message, blobs?: Tensor[]) => LayerSpec): LayerSpec {
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest') refuse(node, `mode '${mode}': Caffe has no exact ${mode} resize (only nearest by an integer factor maps onto a Deconvolution)`);
  if (node.op === 'Resize') {
    const ctm = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
    const nearest = attrString(node, 'nearest_mode', 'round_prefer_floor');
    const exact = (ctm === 'asymmetric' && nearest === 'floor') || ((ctm === 'half_pixel' || ctm === 'pytorch_half_pixel') && nearest.startsWith('round_prefer'));
    if (!exact) refuse(node, `coordinate_transformation_mode '${ctm}' with nearest_mode '${nearest}' is not plain nearest upsampling`);
  }
  const [n, c, h, w] = inShape as [number, number, number, number];
  const [fh, fw] = [outShape[2]! / h, outShape[3]! / w];
  if (outShape[0] !== n || outShape[1] !== c || !Number.isInteger(fh) || !Number.isInteger(fw) || fh < 1 || fw < 1) {
    refuse(node, `${shapeString(inShape)} -> ${shapeString(outShape)} is not an integer spatial upsampling`);
  }
  const ones = float32([c, 1, fh, fw], new Float32Array(c * fh * fw).fill(1));
  return layer('Deconvolution', { convolution_param: { num_output: c, bias_term: false, ...hw('kernel', [fh, fw]), ...hw('stride', [fh, fw]), group: c } }, [ones]);
}

function transposeMatrix(t: Tensor): Tensor {
  const [rows, cols] = [t.shape[0]!, t.shape[1]!];
  const src = toFloat32(t);
  const dst = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c]!;
  return float32([cols, rows], dst);
}
