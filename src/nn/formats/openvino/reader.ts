// OpenVINO IR (v10, v11) reader: the .xml topology (layers, ports, edges) and the .bin weights,
// mapped onto the engine's ONNX graph. Each IR layer becomes one or a few ONNX nodes; shapes
// that IR carries as run-time inputs but ONNX wants as attributes (Transpose order, ReduceMean
// axes) are read from their Const layers at load. The ops Open Model Zoo's pose and vision
// models use are supported; any other layer is refused by name and type. Each layer type
// maps through one handler of the LAYERS table (type -> handler), as tfjs/mapping.ts does.
//
// FakeQuantize (the INT8 variants) that expresses int8 becomes ONNX QDQ (int8.ts: QuantizeLinear ->
// DequantizeLinear on activations, integer weights under DequantizeLinear), as do compressed
// integer weights (Const i8 -> Convert -> [Subtract] -> Multiply), so the convolutions run on the
// integer kernels. Any other FakeQuantize runs faithfully as OpenVINO's definition decomposed into
// ONNX ops:  y = round((clip(x, in_lo, in_hi) - in_lo) / (in_hi - in_lo) * (levels - 1))
//                / (levels - 1) * (out_hi - out_lo) + out_lo
// On weights it folds at load into the dequantized values; on activations it runs as those ops.
import { ModelFormatError, UnsupportedOpError } from '../../errors.js';
import { attr, ONNX_DATA_TYPE, type Attr, type Model, type Node } from '../../graph.js';
import { GraphEmitter } from '../../graph-emitter.js';
import { limits } from '../../limits.js';
import { allocData, bytesPerElement, fromNumbers, sizeOf, toFloat32, toNumbers, type DType, type Tensor } from '../../tensor.js';
import { activationQuantization, dequantize, emitDequantizedWeights, integerConstant, quantizeConstant, quantizeConvBiases, removeUnreadNodes, unitRoundoff, withScale, withZeroPoint, type QuantizedConstant } from './int8.js';
import { child, childrenNamed, parseXml, type XmlElement } from './xml.js';

/** IR element types (a Map: the names come from files, and may be 'constructor'). */
const ELEMENT_TYPES = new Map<string, DType>([
  ['f32', 'float32'],
  ['f16', 'float16'],
  ['f64', 'float64'],
  ['i64', 'int64'],
  ['i32', 'int32'],
  ['i8', 'int8'],
  ['u8', 'uint8'],
  ['boolean', 'bool'],
]);


export interface Layer {
  id: string;
  name: string;
  type: string;
  version: string;
  data: Record<string, string>;
  inputs: { id: string; dims: number[] }[];
  outputs: { id: string; dims: number[]; names: string[]; precision: string }[];
}

export interface OpenVinoOptions {
  /**
   * Without weights (an .xml alone) float Consts become zeros of their shape and integer Consts
   * (shapes, axes, orders) are recovered from the port dims IR records around their reader (see
   * recoverIntegerConstants); the graph then serves inspection, not inference.
   */
  weights?: Uint8Array;
  /**
   * Whether OpenVINO's INT8 forms map onto quantized ONNX ops (the default, true; see int8.ts).
   * With false every FakeQuantize runs as its float decomposition and integer weights as floats.
   */
  int8?: boolean;
}

/** An IR file parsed to layers and edges, before mapping. */
export interface ParsedIr {
  name: string;
  layers: Layer[];
  edges: { fromLayer: string; fromPort: string; toLayer: string; toPort: string }[];
}

export function parseIr(xmlText: string): ParsedIr {
  const root = parseXml(xmlText);
  if (root.name !== 'net') throw new ModelFormatError(`not an OpenVINO IR: the root element is <${root.name}>, expected <net>`);
  const irVersion = Number(root.attrs['version']);
  if (irVersion !== 10 && irVersion !== 11) throw new ModelFormatError(`OpenVINO IR version ${root.attrs['version']} is not supported (10 and 11 are)`);
  const layersElement = child(root, 'layers');
  const edgesElement = child(root, 'edges');
  if (!layersElement || !edgesElement) throw new ModelFormatError('OpenVINO IR without <layers> or <edges>');
  return {
    name: root.attrs['name'] ?? 'openvino',
    layers: childrenNamed(layersElement, 'layer').map(parseLayer),
    edges: childrenNamed(edgesElement, 'edge').map((e) => ({
      fromLayer: e.attrs['from-layer'] ?? '', fromPort: e.attrs['from-port'] ?? '', toLayer: e.attrs['to-layer'] ?? '', toPort: e.attrs['to-port'] ?? '',
    })),
  };
}

/**
 * Values of integer Consts recovered from the dims IR records on the ports of the layer that
 * reads them: a Reshape's target is its output dims, a Transpose's order maps input dims onto
 * output dims (the first such order), Squeeze/Unsqueeze/Reduce axes are where the dims differ.
 * Only for an .xml without its .bin: real weights are never guessed.
 */
export function recoverIntegerConstants(ir: ParsedIr): Map<string, number[]> {
  const byId = new Map(ir.layers.map((l) => [l.id, l]));
  const recovered = new Map<string, number[]>();
  for (const e of ir.edges) {
    const source = byId.get(e.fromLayer);
    const reader = byId.get(e.toLayer);
    if (!source || !reader || source.type !== 'Const' || !['i64', 'i32'].includes(source.data['element_type'] ?? '')) continue;
    const portIndex = reader.inputs.findIndex((p) => p.id === e.toPort);
    const inDims = reader.inputs[0]?.dims ?? [];
    const outDims = reader.outputs[0]?.dims ?? [];
    const differing = (a: number[], b: number[]) => a.map((d, i) => (d !== b[i] ? i : -1)).filter((i) => i >= 0);
    let values: number[] | undefined;
    if (portIndex === 1 && reader.type === 'Reshape') values = outDims;
    else if (portIndex === 1 && reader.type === 'Transpose') values = firstPermutation(inDims, outDims);
    else if (portIndex === 1 && reader.type === 'Squeeze') values = inDims.map((d, i) => (d === 1 && outDims.length < inDims.length ? i : -1)).filter((i) => i >= 0).slice(0, inDims.length - outDims.length);
    else if (portIndex === 1 && reader.type === 'Unsqueeze') values = outDims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0).slice(0, outDims.length - inDims.length);
    else if (portIndex === 1 && reader.type.startsWith('Reduce')) values = outDims.length === inDims.length ? differing(inDims, outDims) : [];
    if (values !== undefined) recovered.set(source.id, values);
  }
  return recovered;
}

function firstPermutation(from: number[], to: number[]): number[] | undefined {
  const perm: number[] = [];
  const taken = new Set<number>();
  const search = (i: number): boolean => {
    if (i === to.length) return true;
    for (let j = 0; j < from.length; j++) {
      if (taken.has(j) || from[j] !== to[i]) continue;
      taken.add(j);
      perm.push(j);
      if (search(i + 1)) return true;
      taken.delete(j);
      perm.pop();
    }
    return false;
  };
  return from.length === to.length && search(0) ? perm : undefined;
}

function parseLayer(e: XmlElement): Layer {
  const ports = (section: XmlElement | undefined) =>
    (section ? childrenNamed(section, 'port') : []).map((p) => ({
      id: p.attrs['id'] ?? '',
      dims: childrenNamed(p, 'dim').map((d) => Number(d.text)),
      names: (p.attrs['names'] ?? '').split(',').map((n) => n.trim().replace(/\\,/g, ',')).filter((n) => n !== ''),
      precision: p.attrs['precision'] ?? '',
    }));
  return {
    id: e.attrs['id'] ?? '',
    name: e.attrs['name'] ?? '',
    type: e.attrs['type'] ?? '',
    version: e.attrs['version'] ?? 'opset1',
    data: child(e, 'data')?.attrs ?? {},
    inputs: ports(child(e, 'input')).map(({ id, dims }) => ({ id, dims })),
    outputs: ports(child(e, 'output')),
  };
}

const intList = (text: string | undefined): number[] =>
  text === undefined || text.trim() === '' ? [] : text.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isFinite(n)) throw new ModelFormatError(`expected a list of numbers, got '${text}'`);
    return n;
  });


export function readOpenVino(xmlText: string, options: OpenVinoOptions = {}): Model {
  const ir = parseIr(xmlText);
  const layers = ir.layers;
  const byId = new Map(layers.map((l) => [l.id, l]));
  if (byId.size !== layers.length) throw new ModelFormatError('OpenVINO IR: two layers share an id');
  // Every layer the engine cannot run, named at once (not only the first met in graph order).
  const unsupported = layers.filter((l) => !SUPPORTED_LAYER_TYPES.has(l.type));
  if (unsupported.length > 0) {
    const listed = unsupported.slice(0, 10).map((l) => `'${l.name}' (${l.type}, ${l.version})`).join(', ');
    const types = [...new Set(unsupported.map((l) => l.type))].join(', ');
    throw new UnsupportedOpError(`OpenVINO IR '${ir.name}' has ${unsupported.length} layer(s) of types the engine does not run (${types}): ${listed}${unsupported.length > 10 ? ', ...' : ''}`);
  }
  const recovered = options.weights === undefined ? recoverIntegerConstants(ir) : new Map<string, number[]>();

  // Value names: a port's first tensor name, else the layer name (suffixed for extra ports).
  const valueOf = new Map<string, string>();
  const used = new Set<string>();
  for (const l of layers) {
    l.outputs.forEach((p, i) => {
      let name = p.names[0] ?? (l.outputs.length === 1 ? l.name : `${l.name}.${i}`);
      while (used.has(name)) name = `${name}_`;
      used.add(name);
      valueOf.set(`${l.id}:${p.id}`, name);
    });
  }
  // Edges: each input port has exactly one producer.
  const sourceOf = new Map<string, string>();
  for (const e of ir.edges) {
    const from = `${e.fromLayer}:${e.fromPort}`;
    const value = valueOf.get(from);
    if (value === undefined) throw new ModelFormatError(`OpenVINO IR edge from unknown port ${from}`);
    sourceOf.set(`${e.toLayer}:${e.toPort}`, value);
  }

  const readers = new Map<string, number>();
  for (const e of ir.edges) {
    const value = valueOf.get(`${e.fromLayer}:${e.fromPort}`)!;
    readers.set(value, (readers.get(value) ?? 0) + 1);
  }

  const emit = new GraphEmitter(ir.name);
  const constants = new Map<string, Tensor>();
  const order = topologicalOrder(layers, byId, ir.edges);
  const constBytes = { total: 0 };
  const quantized = new Map<string, QuantizedConstant>();
  const stored = new Map<string, DType>();

  for (const l of order) {
    const inputs = l.inputs.map((p) => {
      const v = sourceOf.get(`${l.id}:${p.id}`);
      if (v === undefined) throw new ModelFormatError(`layer '${l.name}' (${l.type}) input port ${p.id} is not connected`);
      return v;
    });
    const outputs = l.outputs.map((p) => valueOf.get(`${l.id}:${p.id}`)!);
    const constantOf = (i: number): number[] => {
      const t = constants.get(inputs[i]!);
      if (t === undefined) throw new UnsupportedOpError(`layer '${l.name}' (${l.type}): input ${i} must be a constant`);
      return toNumbers(t);
    };
    mapLayer(l, inputs, outputs, { constants, emit, constantOf, weights: options.weights, recovered: recovered.get(l.id), readers: (value) => readers.get(value) ?? 0, constBytes, int8: options.int8 !== false, quantized, stored });
  }
  if (options.int8 !== false) quantizeConvBiases(emit);
  // Decompression subgraphs whose convolutions read the integers instead.
  removeUnreadNodes(emit.graph);
  // Consts read only at load (Transpose orders, axes, the f16 sources of folded Converts) are
  // not part of the graph that runs.
  emit.dropUnreadInitializers();
  // Opset 14: the first with HardSwish (HSwish); the other ops mapped here read the same in 13 and 14.
  return emit.model(14);
}

interface MapContext {
  constants: Map<string, Tensor>;
  emit: GraphEmitter;
  constantOf: (input: number) => number[];
  weights: Uint8Array | undefined;
  /** This Const's values recovered from port dims, when there are no weights. */
  recovered: number[] | undefined;
  /** How many layer inputs read a value. */
  readers: (value: string) => number;
  /** Bytes the Consts read so far hold (budgeted by maxSessionBytes: without a .bin they are zeros the XML alone declares). */
  constBytes: { total: number };
  /** Whether INT8 forms map onto quantized ops (OpenVinoOptions.int8). */
  int8: boolean;
  /** Constant values that are integers with a scale and zero point (int8.ts), by value name. */
  quantized: Map<string, QuantizedConstant>;
  /** The element type each constant was stored in, before a Convert to float32. */
  stored: Map<string, DType>;
}

const { ints, int, float, string: str } = attr;

/** The declared dims of a layer's port, which a hostile IR may leave out: a typed error naming the layer. */
function portDims(l: Layer, side: 'inputs' | 'outputs', index: number): number[] {
  const port = l[side][index];
  if (port === undefined) throw new ModelFormatError(`layer '${l.name}' (${l.type}) has no ${side === 'inputs' ? 'input' : 'output'} port ${index}`);
  return port.dims;
}

function padsOf(l: Layer): number[] {
  const begin = intList(l.data['pads_begin']);
  const end = intList(l.data['pads_end']);
  return [...begin, ...end];
}

function autoPad(l: Layer): Record<string, Attr> {
  const mode = (l.data['auto_pad'] ?? 'explicit').toLowerCase();
  if (mode === 'same_upper') return { auto_pad: str('SAME_UPPER') };
  if (mode === 'same_lower') return { auto_pad: str('SAME_LOWER') };
  if (mode === 'valid') return { auto_pad: str('VALID') };
  return { pads: ints(padsOf(l)) };
}

/** A Const's values from the .bin, its range checked against the bytes present before allocating. */
function readConst(l: Layer, weights: Uint8Array | undefined, constBytes: { total: number }): Tensor {
  const dtype = ELEMENT_TYPES.get(l.data['element_type'] ?? '');
  if (dtype === undefined) throw new UnsupportedOpError(`Const '${l.name}': element type '${l.data['element_type']}' is not supported`);
  const shape = intList(l.data['shape']);
  const n = sizeOf(shape);
  const needed = n * bytesPerElement(dtype);
  if (weights !== undefined) {
    const offset = Number(l.data['offset']);
    const size = Number(l.data['size']);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0) throw new ModelFormatError(`Const '${l.name}': invalid offset/size`);
    if (size !== needed) throw new ModelFormatError(`Const '${l.name}': ${size} bytes for shape [${shape.join(', ')}] of ${l.data['element_type']} (needs ${needed})`);
    if (offset + size > weights.length) throw new ModelFormatError(`Const '${l.name}': bytes [${offset}, ${offset + size}) lie past the end of the weights file (${weights.length} bytes)`);
    const data = allocData(dtype, n);
    new Uint8Array(data.buffer).set(weights.subarray(offset, offset + size));
    return { dtype, shape, data };
  }
  const budget = limits().maxSessionBytes;
  if (constBytes.total + needed > budget) throw new ModelFormatError(`Const '${l.name}': the IR's constants declare more than ${budget} bytes (limit maxSessionBytes)`);
  constBytes.total += needed;
  return { dtype, shape, data: allocData(dtype, n) };
}

/** What a layer's handler works with: the layer, its input and output values, the reader's state. */
interface LayerContext {
  l: Layer;
  inputs: string[];
  outputs: string[];
  /** The first output value, and the layer's name. */
  out: string;
  name: string;
  emit: GraphEmitter;
  ctx: MapContext;
  /** One ONNX node of the first input to the first output. */
  unary(op: string, attrs?: Record<string, Attr>): void;
  /** One ONNX node of the first two inputs (IR's numpy broadcast) to the first output. */
  binary(op: string): void;
}

type LayerHandler = (c: LayerContext) => void;

const onParameter: LayerHandler = ({ l, out, name, emit }) => {
  const dtype = ELEMENT_TYPES.get(l.data['element_type'] ?? 'f32');
  if (dtype === undefined) throw new UnsupportedOpError(`Parameter '${name}': element type '${l.data['element_type']}' is not supported`);
  emit.input(out, dtype, portDims(l, 'outputs', 0));
};

const onConst: LayerHandler = ({ l, out, emit, ctx }) => {
  const t = ctx.recovered !== undefined ? fromNumbers(ELEMENT_TYPES.get(l.data['element_type']!)!, [ctx.recovered.length], ctx.recovered) : readConst(l, ctx.weights, ctx.constBytes);
  ctx.constants.set(out, t);
  ctx.stored.set(out, t.dtype);
  emit.initializer(out, t);
};

const onResult: LayerHandler = ({ inputs, emit }) => {
  emit.output(inputs[0]!);
};

/**
 * A convolution's weights as DequantizeLinear of their integers (int8.ts) reshaped to `onnxShape`
 * (their own shape when absent), when they have integers; else undefined.
 */
function convWeights(weights: string, name: string, leading: number, { emit, quantized }: MapContext, onnxShape?: readonly number[]): string | undefined {
  const q = quantized.get(weights);
  return q === undefined ? undefined : emitDequantizedWeights(emit, name, q, onnxShape ?? q.q.shape, leading);
}

const onConvolution: LayerHandler = ({ l, inputs, out, name, emit, ctx }) => {
  const weights = convWeights(inputs[1]!, name, 1, ctx) ?? inputs[1]!;
  emit.node('Conv', name, [inputs[0]!, weights], [out], { strides: ints(intList(l.data['strides'])), dilations: ints(intList(l.data['dilations'])), ...autoPad(l) });
};

const onGroupConvolution: LayerHandler = ({ l, inputs, out, name, emit, ctx }) => {
  // IR weights are [G, O/G, I/G, kh, kw]; ONNX wants [O, I/G, kh, kw] and group = G.
  // Constant weights are reshaped here, so the graph holds them as ONNX weights (counted as
  // parameters, packed by the engine); weights computed in the graph get a Reshape node.
  const wShape = portDims(l, 'inputs', 1);
  const groups = wShape[0]!;
  const onnxShape = [wShape[0]! * wShape[1]!, ...wShape.slice(2)];
  const constantWeights = ctx.constants.get(inputs[1]!);
  // Integer weights (int8.ts) reshaped to ONNX's shape under a DequantizeLinear.
  let weights = convWeights(inputs[1]!, name, 2, ctx, onnxShape);
  if (weights === undefined && constantWeights !== undefined) {
    weights = emit.constant(`${name}/weights`, { ...constantWeights, shape: onnxShape });
  } else if (weights === undefined) {
    weights = emit.temp(name);
    emit.node('Reshape', `${name}/weights`, [inputs[1]!, emit.constant(name, fromNumbers('int64', [onnxShape.length], onnxShape))], [weights]);
  }
  emit.node('Conv', name, [inputs[0]!, weights], [out], { strides: ints(intList(l.data['strides'])), dilations: ints(intList(l.data['dilations'])), group: int(groups), ...autoPad(l) });
};

const onConvolutionBackpropData: LayerHandler = ({ l, inputs, out, name, emit, ctx }) => {
  const attrs: Record<string, Attr> = { strides: ints(intList(l.data['strides'])), dilations: ints(intList(l.data['dilations'])), ...autoPad(l) };
  const outputPadding = intList(l.data['output_padding']);
  if (outputPadding.length > 0) attrs['output_padding'] = ints(outputPadding);
  if (inputs.length > 2) attrs['output_shape'] = ints(ctx.constantOf(2));
  emit.node('ConvTranspose', name, [inputs[0]!, inputs[1]!], [out], attrs);
};

const onBatchNormInference: LayerHandler = ({ l, inputs, out, name, emit }) => {
  // opset5 orders the inputs data, gamma, beta, mean, variance; opset1 put data third.
  const order = l.version === 'opset1' ? [2, 0, 1, 3, 4] : [0, 1, 2, 3, 4];
  emit.node('BatchNormalization', name, order.map((i) => inputs[i]!), [out], { epsilon: float(Number(l.data['epsilon'] ?? 1e-5)) });
};

const onAdd: LayerHandler = ({ l, inputs, out, ctx, binary }) => {
  if (foldBiasIntoConv(l, inputs, out, ctx)) return;
  binary('Add');
};

// Compressed integer weights (int8.ts, form 3): the float ops are emitted for any reader, and
// the integers with their zero point and scale are remembered for the convolutions.
const onSubtract: LayerHandler = ({ inputs, out, ctx, binary }) => {
  binary('Sub');
  const q = ctx.quantized.get(inputs[0]!);
  const zero = ctx.constants.get(inputs[1]!);
  const c = q === undefined || zero === undefined ? undefined : withZeroPoint(q, zero);
  if (c !== undefined) ctx.quantized.set(out, c);
};

const onMultiply: LayerHandler = ({ inputs, out, ctx, binary }) => {
  binary('Mul');
  for (const [integers, scale] of [[0, 1], [1, 0]] as const) {
    const q = ctx.quantized.get(inputs[integers]!);
    const s = ctx.constants.get(inputs[scale]!);
    const c = q === undefined || s === undefined ? undefined : withScale(q, s);
    if (c !== undefined) return void ctx.quantized.set(out, c);
  }
};

const onClamp: LayerHandler = ({ l, inputs, out, name, emit }) => {
  const lo = emit.constant(name, fromNumbers('float32', [], [Number(l.data['min'])]));
  const hi = emit.constant(name, fromNumbers('float32', [], [Number(l.data['max'])]));
  emit.node('Clip', name, [inputs[0]!, lo, hi], [out]);
};

const onPReLU: LayerHandler = ({ l, inputs, out, name, emit }) => {
  // IR's 1D slope applies along the channel axis; ONNX broadcasts from the right, so it
  // becomes [C, 1, ..., 1].
  const slopeDims = portDims(l, 'inputs', 1);
  const rank = portDims(l, 'inputs', 0).length;
  let slope = inputs[1]!;
  if (slopeDims.length === 1 && slopeDims[0]! > 1 && rank > 2) {
    const shape = emit.constant(name, fromNumbers('int64', [rank - 1], [slopeDims[0]!, ...new Array<number>(rank - 2).fill(1)]));
    slope = emit.temp(name);
    emit.node('Reshape', `${name}/slope`, [inputs[1]!, shape], [slope]);
  }
  emit.node('PRelu', name, [inputs[0]!, slope], [out]);
};

const onSwish: LayerHandler = ({ inputs, out, name, emit }) => {
  // x * sigmoid(beta * x), beta = 1 when absent.
  let arg = inputs[0]!;
  if (inputs.length > 1) {
    arg = emit.temp(name);
    emit.node('Mul', `${name}/beta`, [inputs[0]!, inputs[1]!], [arg]);
  }
  const gate = emit.temp(name);
  emit.node('Sigmoid', `${name}/sigmoid`, [arg], [gate]);
  emit.node('Mul', name, [inputs[0]!, gate], [out]);
};

const onConcat: LayerHandler = ({ l, inputs, out, name, emit }) => {
  emit.node('Concat', name, inputs, [out], { axis: int(Number(l.data['axis'] ?? 0)) });
};

const onSplit: LayerHandler = ({ l, inputs, outputs, name, emit, ctx }) => {
  const axis = ctx.constantOf(1)[0]!;
  const parts = Number(l.data['num_splits']);
  const dim = portDims(l, 'inputs', 0)[axis < 0 ? axis + portDims(l, 'inputs', 0).length : axis]!;
  // Checked before the sizes list is built: a num_splits of 1e9 would be a billion-element array.
  if (!Number.isSafeInteger(parts) || parts < 1 || parts !== outputs.length || dim === undefined || dim % parts !== 0) {
    throw new ModelFormatError(`layer '${name}' (Split): num_splits '${l.data['num_splits']}' does not split dimension ${dim} into its ${outputs.length} outputs`);
  }
  const sizes = emit.constant(name, fromNumbers('int64', [parts], new Array<number>(parts).fill(dim / parts)));
  emit.node('Split', name, [inputs[0]!, sizes], outputs, { axis: int(axis) });
};

const onVariadicSplit: LayerHandler = ({ l, inputs, outputs, name, emit, ctx }) => {
  const axis = ctx.constantOf(1)[0]!;
  const lengths = ctx.constantOf(2);
  const dim = portDims(l, 'inputs', 0)[axis < 0 ? axis + portDims(l, 'inputs', 0).length : axis]!;
  const known = lengths.filter((v) => v !== -1).reduce((a, b) => a + b, 0);
  const sizes = emit.constant(name, fromNumbers('int64', [lengths.length], lengths.map((v) => (v === -1 ? dim - known : v))));
  emit.node('Split', name, [inputs[0]!, sizes], outputs, { axis: int(axis) });
};

const onPool: LayerHandler = ({ l, inputs, outputs, out, name, emit }) => {
  const attrs: Record<string, Attr> = {
    kernel_shape: ints(intList(l.data['kernel'])),
    strides: ints(intList(l.data['strides'])),
    ceil_mode: int((l.data['rounding_type'] ?? 'floor').toLowerCase() === 'ceil' ? 1 : 0),
    ...autoPad(l),
  };
  if (l.type === 'AvgPool') attrs['count_include_pad'] = int(l.data['exclude-pad'] === 'true' ? 0 : 1);
  else if (l.data['dilations'] !== undefined) attrs['dilations'] = ints(intList(l.data['dilations']));
  if (l.type === 'MaxPool' && outputs.length > 1 && l.outputs.length > 1) {
    // MaxPool-8's indices output: only supported when nothing reads it.
    emit.node('MaxPool', name, [inputs[0]!], [out], attrs);
    return;
  }
  emit.node(l.type === 'MaxPool' ? 'MaxPool' : 'AveragePool', name, [inputs[0]!], [out], attrs);
};

const onInterpolate: LayerHandler = ({ l, inputs, out, ctx }) => {
  mapInterpolate(l, inputs, out, ctx);
};

const onReshape: LayerHandler = ({ l, inputs, out, name, emit, ctx }) => {
  // special_zero=true is ONNX's "0 copies the input dim"; with false a 0 would mean an empty
  // dimension, which pose networks never ask for.
  const shape = ctx.constants.get(inputs[1]!);
  if (l.data['special_zero'] !== 'true' && shape !== undefined && toNumbers(shape).includes(0)) {
    throw new UnsupportedOpError(`layer '${name}' (Reshape): a literal 0 dimension (special_zero=false) is not supported`);
  }
  emit.node('Reshape', name, [inputs[0]!, inputs[1]!], [out]);
};

const onSqueeze: LayerHandler = ({ inputs, out, name, emit }) => {
  emit.node('Squeeze', name, inputs.length > 1 ? [inputs[0]!, inputs[1]!] : [inputs[0]!], [out]);
};

const onUnsqueeze: LayerHandler = ({ inputs, out, name, emit }) => {
  emit.node('Unsqueeze', name, [inputs[0]!, inputs[1]!], [out]);
};

const onStridedSlice: LayerHandler = ({ l, inputs, out, ctx }) => {
  mapStridedSlice(l, inputs, out, ctx);
};

const onPad: LayerHandler = ({ l, inputs, out, name, emit, ctx }) => {
  const mode = (l.data['pad_mode'] ?? 'constant').toLowerCase();
  if (mode === 'symmetric') throw new UnsupportedOpError(`layer '${name}' (Pad): pad_mode 'symmetric' is not supported`);
  const pads = emit.constant(name, fromNumbers('int64', [portDims(l, 'inputs', 0).length * 2], [...ctx.constantOf(1), ...ctx.constantOf(2)]));
  const padInputs = [inputs[0]!, pads];
  if (inputs.length > 3) padInputs.push(inputs[3]!);
  emit.node('Pad', name, padInputs, [out], { mode: str(mode) });
};

const onReduceSum: LayerHandler = ({ l, inputs, out, name, emit, ctx }) => {
  // From opset 13 (the graph's) ReduceSum takes its axes as an input.
  const axes = emit.constant(name, fromNumbers('int64', [ctx.constantOf(1).length], ctx.constantOf(1)));
  emit.node('ReduceSum', name, [inputs[0]!, axes], [out], { keepdims: int(l.data['keep_dims'] === 'true' ? 1 : 0) });
};

const onMatMul: LayerHandler = ({ l, inputs, out, name, emit, ctx }) => {
  const operand = (i: number, flag: string): string => {
    if (l.data[flag] !== 'true') return inputs[i]!;
    const rank = portDims(l, 'inputs', i).length;
    const constant = ctx.constants.get(inputs[i]!);
    // A constant matrix (the usual weights) is transposed here, as for GroupConvolution.
    if (constant !== undefined && rank === 2 && constant.dtype === 'float32') {
      const [rows, cols] = constant.shape as [number, number];
      const src = constant.data as Float32Array;
      const transposed = new Float32Array(src.length);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) transposed[c * rows + r] = src[r * cols + c]!;
      return emit.constant(`${name}/${flag}`, { dtype: 'float32', shape: [cols, rows], data: transposed });
    }
    const perm = [...Array(rank).keys()];
    [perm[rank - 1], perm[rank - 2]] = [perm[rank - 2]!, perm[rank - 1]!];
    const t = emit.temp(name);
    emit.node('Transpose', `${name}/${flag}`, [inputs[i]!], [t], { perm: ints(perm) });
    return t;
  };
  emit.node('MatMul', name, [operand(0, 'transpose_a'), operand(1, 'transpose_b')], [out]);
};

const onGather: LayerHandler = ({ l, inputs, out, name, emit, ctx }) => {
  if (Number(l.data['batch_dims'] ?? 0) !== 0) throw new UnsupportedOpError(`layer '${name}' (Gather): batch_dims other than 0 is not supported`);
  emit.node('Gather', name, [inputs[0]!, inputs[1]!], [out], { axis: int(ctx.constantOf(2)[0]!) });
};

const onConvert: LayerHandler = ({ l, inputs, out, name, emit, ctx, unary }) => {
  const dtype = ELEMENT_TYPES.get(l.data['destination_type'] ?? '');
  if (dtype === undefined) throw new UnsupportedOpError(`layer '${name}' (Convert): destination type '${l.data['destination_type']}' is not supported`);
  // A Convert of a Const (compressed FP16 weights, i32 shapes) is done here, so the result
  // is a constant to the layers that need one (Interpolate scales, Reshape targets).
  const source = ctx.constants.get(inputs[0]!);
  const toFloat = dtype === 'float32' || dtype === 'float16';
  if (source !== undefined) {
    const t = dtype === 'float32' ? { dtype: 'float32' as const, shape: source.shape, data: toFloat32(source) } : fromNumbers(dtype, source.shape, toNumbers(source));
    ctx.constants.set(out, t);
    ctx.stored.set(out, ctx.stored.get(inputs[0]!) ?? source.dtype);
    emit.initializer(out, t);
    const integers = ctx.int8 && toFloat ? integerConstant(source) : undefined;
    if (integers !== undefined) ctx.quantized.set(out, integers);
    return;
  }
  unary('Cast', { to: int(ONNX_DATA_TYPE[dtype]) });
  const q = ctx.quantized.get(inputs[0]!);
  if (q !== undefined && toFloat) ctx.quantized.set(out, q);
};

const onFakeQuantize: LayerHandler = ({ l, inputs, out, ctx }) => {
  mapFakeQuantize(l, inputs, out, ctx);
};

const onReduce: LayerHandler = ({ l, ctx, unary }) => unary(l.type, { axes: ints(ctx.constantOf(1)), keepdims: int(l.data['keep_dims'] === 'true' ? 1 : 0) });

/** Each IR layer type the reader maps, to its handler (a Map: the keys come from files). */
const LAYERS: ReadonlyMap<string, LayerHandler> = new Map<string, LayerHandler>([
  ['Parameter', onParameter],
  ['Const', onConst],
  ['Result', onResult],
  ['Convolution', onConvolution],
  ['GroupConvolution', onGroupConvolution],
  ['ConvolutionBackpropData', onConvolutionBackpropData],
  ['BatchNormInference', onBatchNormInference],
  ['Add', onAdd],
  ['Subtract', onSubtract],
  ['Multiply', onMultiply],
  ['Divide', ({ binary }) => binary('Div')],
  ['Maximum', ({ binary }) => binary('Max')],
  ['Minimum', ({ binary }) => binary('Min')],
  ['ReLU', ({ unary }) => unary('Relu')],
  ['Relu', ({ unary }) => unary('Relu')],
  ['Sigmoid', ({ unary }) => unary('Sigmoid')],
  ['Tanh', ({ unary }) => unary('Tanh')],
  ['Exp', ({ unary }) => unary('Exp')],
  ['Sqrt', ({ unary }) => unary('Sqrt')],
  ['HSwish', ({ unary }) => unary('HardSwish')],
  ['HSigmoid', ({ unary }) => unary('HardSigmoid', { alpha: float(1 / 6), beta: float(0.5) })],
  ['Elu', ({ l, unary }) => unary('Elu', { alpha: float(Number(l.data['alpha'] ?? 1)) })],
  ['Clamp', onClamp],
  ['PReLU', onPReLU],
  ['Swish', onSwish],
  ['SoftMax', ({ l, unary }) => unary('Softmax', { axis: int(Number(l.data['axis'] ?? 1)) })],
  ['Softmax', ({ l, unary }) => unary('Softmax', { axis: int(Number(l.data['axis'] ?? 1)) })],
  ['Concat', onConcat],
  ['Split', onSplit],
  ['VariadicSplit', onVariadicSplit],
  ['MaxPool', onPool],
  ['AvgPool', onPool],
  ['Interpolate', onInterpolate],
  ['Reshape', onReshape],
  ['Transpose', ({ ctx, unary }) => unary('Transpose', { perm: ints(ctx.constantOf(1)) })],
  ['Squeeze', onSqueeze],
  ['Unsqueeze', onUnsqueeze],
  ['StridedSlice', onStridedSlice],
  ['Pad', onPad],
  ['ReduceMean', onReduce],
  ['ReduceMax', onReduce],
  ['ReduceSum', onReduceSum],
  ['MatMul', onMatMul],
  ['ShapeOf', ({ unary }) => unary('Shape')],
  ['Gather', onGather],
  ['Convert', onConvert],
  ['FakeQuantize', onFakeQuantize],
]);

/** Layer types the reader maps (the keys of LAYERS). */
export const SUPPORTED_LAYER_TYPES: ReadonlySet<string> = new Set(LAYERS.keys());

function mapLayer(l: Layer, inputs: string[], outputs: string[], ctx: MapContext): void {
  const handler = LAYERS.get(l.type);
  if (handler === undefined) throw new UnsupportedOpError(`OpenVINO layer '${l.name}' of type ${l.type} (${l.version}) is not supported`);
  const { emit } = ctx;
  const out = outputs[0]!;
  const name = l.name;
  handler({
    l, inputs, outputs, out, name, emit, ctx,
    unary: (op, attrs = {}) => emit.node(op, name, [inputs[0]!], [out], attrs),
    binary: (op) => {
      const broadcast = l.data['auto_broadcast'] ?? 'numpy';
      if (broadcast !== 'numpy' && broadcast !== 'none') throw new UnsupportedOpError(`layer '${name}' (${l.type}): auto_broadcast '${broadcast}' is not supported`);
      emit.node(op, name, [inputs[0]!, inputs[1]!], [out]);
    },
  });
}

/**
 * IR writes a convolution's bias as a separate Add of a per-channel Const ([1, C, 1, 1]); when
 * nothing else reads the convolution's output, the bias becomes the ONNX Conv's third input
 * again (one node, the bias added inside the kernel).
 */
function foldBiasIntoConv(l: Layer, inputs: string[], out: string, { constants, emit, readers }: MapContext): boolean {
  const { nodes } = emit.graph;
  let conv: Node | undefined;
  for (let i = nodes.length - 1; i >= 0 && conv === undefined; i--) if (nodes[i]!.outputs[0] === inputs[0]) conv = nodes[i];
  const bias = constants.get(inputs[1]!);
  const dims = portDims(l, 'inputs', 0);
  const channels = dims[1];
  if (conv === undefined || (conv.op !== 'Conv' && conv.op !== 'ConvTranspose') || conv.inputs.length !== 2 || readers(inputs[0]!) !== 1) return false;
  if (bias === undefined || bias.dtype !== 'float32' || channels === undefined || bias.data.length !== channels) return false;
  const aligned = [...new Array<number>(Math.max(0, dims.length - bias.shape.length)).fill(1), ...bias.shape];
  if (aligned.length !== dims.length || aligned.some((d, i) => d !== (i === 1 ? channels : 1))) return false;
  conv.inputs.push(emit.constant(`${l.name}/bias`, { ...bias, shape: [channels] }));
  conv.outputs[0] = out;
  return true;
}

function mapFakeQuantize(l: Layer, inputs: string[], out: string, ctx: MapContext): void {
  const { emit } = ctx;
  const levels = Number(l.data['levels']);
  if (!Number.isInteger(levels) || levels < 2) throw new ModelFormatError(`FakeQuantize '${l.name}': levels must be an integer >= 2`);
  const [x, inLo, inHi, outLo, outHi] = inputs as [string, string, string, string, string];
  const n = l.name;
  const ranges = [inLo, inHi, outLo, outHi].flatMap((v) => ctx.constants.get(v) ?? []);
  if (ctx.int8 && ranges.length === 4) {
    const u = Math.max(...[inLo, inHi, outLo, outHi].map((v) => unitRoundoff(ctx.stored.get(v) ?? 'float32')));
    const weights = ctx.constants.get(x);
    if (weights !== undefined) {
      const q = quantizeConstant(weights, ranges, levels, u);
      if (q !== undefined) {
        const t = dequantize(q);
        ctx.constants.set(out, t);
        ctx.quantized.set(out, q);
        emit.initializer(out, t);
        return;
      }
    } else {
      const grid = activationQuantization(levels, ranges, u);
      if (grid !== undefined) {
        const scale = emit.constant(n, fromNumbers('float32', [], [grid.scale]));
        const zero = emit.constant(n, fromNumbers('uint8', [], [grid.zero]));
        const q = emit.temp(n);
        emit.node('QuantizeLinear', `${n}/quantize`, [x, scale, zero], [q]);
        emit.node('DequantizeLinear', n, [q, scale, zero], [out]);
        return;
      }
    }
  }
  const step = emit.constant(n, fromNumbers('float32', [], [levels - 1]));
  const t = (op: string, a: string[], suffix: string): string => {
    const v = emit.temp(n);
    emit.node(op, `${n}/${suffix}`, a, [v]);
    return v;
  };
  const clipped = t('Min', [t('Max', [x, inLo], 'max'), inHi], 'min');
  const unit = t('Div', [t('Sub', [clipped, inLo], 'shift'), t('Sub', [inHi, inLo], 'range')], 'normalize');
  const q = t('Div', [t('Round', [t('Mul', [unit, step], 'scale')], 'round'), step], 'levels');
  const scaled = t('Mul', [q, t('Sub', [outHi, outLo], 'out_range')], 'rescale');
  emit.node('Add', n, [scaled, outLo], [out]);
}

function mapInterpolate(l: Layer, inputs: string[], out: string, { emit, constantOf }: MapContext): void {
  const inDims = portDims(l, 'inputs', 0);
  const outDims = portDims(l, 'outputs', 0);
  const rank = inDims.length;
  const version = l.version;
  let mode = (l.data['mode'] ?? 'nearest').toLowerCase();
  if (mode === 'linear_onnx') mode = 'linear';
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') throw new UnsupportedOpError(`layer '${l.name}' (Interpolate): mode '${mode}' is not supported`);
  if (intList(l.data['pads_begin']).some((p) => p !== 0) || intList(l.data['pads_end']).some((p) => p !== 0)) {
    throw new UnsupportedOpError(`layer '${l.name}' (Interpolate): padding is not supported`);
  }
  if (l.data['antialias'] === 'true') throw new UnsupportedOpError(`layer '${l.name}' (Interpolate): antialias is not supported`);
  const attrs: Record<string, Attr> = { mode: str(mode) };
  let useScales = false;
  let axes: number[];
  let values: number[];
  if (version === 'opset1') {
    attrs['coordinate_transformation_mode'] = str(l.data['align_corners'] === 'true' ? 'align_corners' : 'half_pixel');
    attrs['nearest_mode'] = str('floor');
    axes = intList(l.data['axes']);
    values = constantOf(1);
  } else {
    attrs['coordinate_transformation_mode'] = str(l.data['coordinate_transformation_mode'] ?? 'half_pixel');
    attrs['nearest_mode'] = str(l.data['nearest_mode'] ?? 'round_prefer_floor');
    if (mode === 'cubic') attrs['cubic_coeff_a'] = float(Number(l.data['cube_coeff'] ?? -0.75));
    useScales = (l.data['shape_calculation_mode'] ?? 'sizes') === 'scales';
    if (version === 'opset4') {
      values = constantOf(useScales ? 2 : 1);
      axes = inputs.length > 3 ? constantOf(3) : [...Array(rank).keys()];
    } else {
      values = constantOf(1);
      axes = inputs.length > 2 ? constantOf(2) : [...Array(rank).keys()];
    }
  }
  axes = axes.map((a) => (a < 0 ? a + rank : a));
  // ONNX Resize (opset 13) takes a value for every axis: 1 (or the input dim) where IR names none.
  if (useScales) {
    const scales = new Array<number>(rank).fill(1);
    axes.forEach((a, i) => (scales[a] = values[i]!));
    emit.node('Resize', l.name, [inputs[0]!, '', emit.constant(l.name, fromNumbers('float32', [rank], scales))], [out], attrs);
  } else {
    const sizes = [...inDims];
    axes.forEach((a, i) => (sizes[a] = values[i]!));
    if (outDims.length === rank && sizes.some((s, i) => s !== outDims[i])) {
      throw new ModelFormatError(`layer '${l.name}' (Interpolate): target sizes [${sizes.join(', ')}] differ from the declared output [${outDims.join(', ')}]`);
    }
    emit.node('Resize', l.name, [inputs[0]!, '', '', emit.constant(l.name, fromNumbers('int64', [rank], sizes))], [out], attrs);
  }
}

function mapStridedSlice(l: Layer, inputs: string[], out: string, { emit, constantOf }: MapContext): void {
  const bits = (key: string): number[] => intList(l.data[key]);
  if (bits('ellipsis_mask').some((b) => b === 1)) throw new UnsupportedOpError(`layer '${l.name}' (StridedSlice): ellipsis_mask is not supported`);
  const begin = constantOf(1);
  const end = constantOf(2);
  const strides = inputs.length > 3 ? constantOf(3) : new Array<number>(begin.length).fill(1);
  const beginMask = bits('begin_mask');
  const endMask = bits('end_mask');
  const newAxis = bits('new_axis_mask');
  const shrink = bits('shrink_axis_mask');
  const BIG = 2 ** 62;
  // Walk the slice specification: new axes consume no input dimension.
  const starts: number[] = [], ends: number[] = [], axes: number[] = [], steps: number[] = [];
  const squeezeAxes: number[] = [];
  const unsqueezeAxes: number[] = [];
  let inputAxis = 0;
  for (let i = 0; i < begin.length; i++) {
    if (newAxis[i] === 1) {
      unsqueezeAxes.push(i);
      continue;
    }
    const step = strides[i]!;
    let s = beginMask[i] === 1 ? (step > 0 ? 0 : -1) : begin[i]!;
    let e = endMask[i] === 1 ? (step > 0 ? BIG : -BIG) : end[i]!;
    if (shrink[i] === 1) {
      e = s === -1 ? BIG : s + 1;
      squeezeAxes.push(inputAxis);
    }
    if (beginMask[i] === 1 && step < 0) s = BIG;
    starts.push(s); ends.push(e); axes.push(inputAxis); steps.push(step);
    inputAxis++;
  }
  const c = (vals: number[]) => emit.constant(l.name, fromNumbers('int64', [vals.length], vals));
  let v = emit.temp(l.name);
  emit.node('Slice', `${l.name}/slice`, [inputs[0]!, c(starts), c(ends), c(axes), c(steps)], [v]);
  if (squeezeAxes.length > 0) {
    const w = emit.temp(l.name);
    emit.node('Squeeze', `${l.name}/shrink`, [v, c(squeezeAxes)], [w]);
    v = w;
  }
  if (unsqueezeAxes.length > 0) {
    const w = emit.temp(l.name);
    emit.node('Unsqueeze', `${l.name}/new_axis`, [v, c(unsqueezeAxes)], [w]);
    v = w;
  }
  emit.node('Identity', l.name, [v], [out]);
}

/** Layers in dependency order (IR files list them in any order). */
function topologicalOrder(layers: Layer[], byId: Map<string, Layer>, edges: ParsedIr['edges']): Layer[] {
  const incoming = new Map<string, Set<string>>(layers.map((l) => [l.id, new Set()]));
  const outgoing = new Map<string, Set<string>>(layers.map((l) => [l.id, new Set()]));
  for (const { fromLayer, toLayer } of edges) {
    if (!byId.has(fromLayer) || !byId.has(toLayer)) throw new ModelFormatError(`OpenVINO IR edge between unknown layers ${fromLayer} -> ${toLayer}`);
    incoming.get(toLayer)!.add(fromLayer);
    outgoing.get(fromLayer)!.add(toLayer);
  }
  const ready = layers.filter((l) => incoming.get(l.id)!.size === 0);
  const order: Layer[] = [];
  while (ready.length > 0) {
    const l = ready.shift()!;
    order.push(l);
    for (const next of outgoing.get(l.id)!) {
      const deps = incoming.get(next)!;
      deps.delete(l.id);
      if (deps.size === 0) ready.push(byId.get(next)!);
    }
  }
  if (order.length !== layers.length) throw new ModelFormatError('OpenVINO IR has a cycle');
  return order;
}
