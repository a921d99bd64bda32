// OpenVINO IR writer (v11): the engine's graph written as .xml + .bin the way OpenVINO's model
// optimizer lays it out (Const layers with offsets into the .bin, typed ports with dims, edges),
// so IR files can be made here for tests and conversions. Shapes come from the engine's shape
// inference; constant subgraphs are folded first. With FP16, float weights are stored as f16
// Consts followed by a Convert to f32, as compressed IR does. A QDQ model (src/quantize) is
// written the way OpenVINO's FP16-INT8 IR holds it: QuantizeLinear -> DequantizeLinear on an
// activation as FakeQuantize (256 levels over the integer type's range), integer convolution
// weights under DequantizeLinear as Const i8/u8 -> Convert -> [Subtract zero point] -> Multiply
// by the per-channel scale (the reader maps both back, formats/openvino/int8.ts).
import { UnsupportedOpError } from '../../errors.js';
import { attrFloat, attrInt, attrInts, attrString, type Graph, type Model, type Node } from '../../graph.js';
import type { ValueType } from '../../ops/types.js';
import { prepareGraph } from '../../passes/prepare-graph.js';
import { fromNumbers, isFloatType, toFloat32, toNumbers, type DType, type Tensor } from '../../tensor.js';

export interface OpenVinoWriteOptions {
  precision?: 'FP32' | 'FP16';
  inputShapes?: Record<string, readonly number[]>;
}

const IR_TYPE: Partial<Record<DType, { name: string; precision: string }>> = {
  float32: { name: 'f32', precision: 'FP32' },
  float16: { name: 'f16', precision: 'FP16' },
  int64: { name: 'i64', precision: 'I64' },
  int32: { name: 'i32', precision: 'I32' },
  int8: { name: 'i8', precision: 'I8' },
  uint8: { name: 'u8', precision: 'U8' },
};

/** Integer weights under a DequantizeLinear (per tensor, or per output channel: axis 0). */
interface IntegerWeights {
  q: Tensor;
  scales: number[];
  zeros: number[];
}

/** The DequantizeLinear outputs of the graph that dequantize integer initializers, before folding turns them into floats. */
function integerWeights(graph: Graph): Map<string, IntegerWeights> {
  const found = new Map<string, IntegerWeights>();
  for (const n of graph.nodes) {
    if (n.op !== 'DequantizeLinear') continue;
    const q = graph.initializers.get(n.inputs[0]!);
    const scale = graph.initializers.get(n.inputs[1] ?? '');
    const zero = n.inputs[2] ? graph.initializers.get(n.inputs[2]) : undefined;
    if (q === undefined || (q.dtype !== 'int8' && q.dtype !== 'uint8') || scale === undefined || (n.inputs[2] && zero === undefined)) continue;
    if (scale.data.length !== 1 && (attrInt(n, 'axis', 1) !== 0 || scale.data.length !== q.shape[0])) continue;
    const scales = Array.from(toFloat32(scale));
    found.set(n.outputs[0]!, { q, scales, zeros: zero === undefined ? scales.map(() => 0) : toNumbers(zero) });
  }
  return found;
}

interface Port {
  layer: number;
  port: number;
}

class IrBuilder {
  readonly layers: string[] = [];
  readonly edges: [Port, Port][] = [];
  private readonly chunks: Uint8Array[] = [];
  private binBytes = 0;
  private nextId = 0;

  constructor(private readonly precision: 'FP32' | 'FP16') {}

  get bin(): Uint8Array {
    const out = new Uint8Array(this.binBytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** Adds a layer whose inputs are the given ports; returns the ports of its outputs. */
  layer(type: string, name: string, version: string, data: Record<string, string | number>, inputs: { from: Port; type: ValueType }[], outputs: { type: ValueType; names?: string }[]): Port[] {
    const id = this.nextId++;
    const attrs = Object.entries(data).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
    const dims = (t: ValueType) => t.shape.map((d) => `\n\t\t\t\t\t<dim>${d}</dim>`).join('');
    const precision = (t: ValueType) => IR_TYPE[t.dtype]?.precision ?? 'FP32';
    let xml = `\t\t<layer id="${id}" name="${escapeXml(name)}" type="${type}" version="${version}">\n`;
    if (Object.keys(data).length > 0) xml += `\t\t\t<data${attrs}/>\n`;
    if (inputs.length > 0) {
      xml += '\t\t\t<input>\n';
      inputs.forEach((input, i) => {
        xml += `\t\t\t\t<port id="${i}" precision="${precision(input.type)}">${dims(input.type)}\n\t\t\t\t</port>\n`;
        this.edges.push([input.from, { layer: id, port: i }]);
      });
      xml += '\t\t\t</input>\n';
    }
    if (outputs.length > 0) {
      xml += '\t\t\t<output>\n';
      outputs.forEach((o, i) => {
        const names = o.names !== undefined ? ` names="${escapeXml(o.names)}"` : '';
        xml += `\t\t\t\t<port id="${inputs.length + i}" precision="${precision(o.type)}"${names}>${dims(o.type)}\n\t\t\t\t</port>\n`;
      });
      xml += '\t\t\t</output>\n';
    }
    xml += '\t\t</layer>';
    this.layers.push(xml);
    return outputs.map((_, i) => ({ layer: id, port: inputs.length + i }));
  }

  /**
   * A Const layer (float weights in the chosen precision, decompressed by a Convert for FP16;
   * int8 and uint8 as they are, to be decompressed by the caller; other integers as i64).
   */
  constant(name: string, t: Tensor): { port: Port; type: ValueType } {
    const float = isFloatType(t.dtype);
    const integer8 = t.dtype === 'int8' || t.dtype === 'uint8';
    const store: Tensor = float ? (this.precision === 'FP16' ? fromNumbers('float16', t.shape, toFloat32(t)) : { dtype: 'float32', shape: t.shape, data: toFloat32(t) }) : integer8 ? t : fromNumbers('int64', t.shape, toNumbers(t));
    const bytes = new Uint8Array(store.data.buffer, store.data.byteOffset, store.data.byteLength);
    const offset = this.binBytes;
    this.chunks.push(bytes.slice());
    this.binBytes += bytes.length;
    const type: ValueType = { dtype: store.dtype, shape: [...t.shape] };
    const [port] = this.layer('Const', name, 'opset1', { element_type: IR_TYPE[store.dtype]!.name, shape: t.shape.join(','), offset, size: bytes.length }, [], [{ type }]);
    if (store.dtype !== 'float16') return { port: port!, type };
    const f32: ValueType = { dtype: 'float32', shape: [...t.shape] };
    const [converted] = this.layer('Convert', `${name}/decompress`, 'opset1', { destination_type: 'f32' }, [{ from: port!, type }], [{ type: f32 }]);
    return { port: converted!, type: f32 };
  }

  xml(name: string): string {
    const edges = this.edges.map(([f, t]) => `\t\t<edge from-layer="${f.layer}" from-port="${f.port}" to-layer="${t.layer}" to-port="${t.port}"/>`).join('\n');
    return `<?xml version="1.0"?>\n<net name="${escapeXml(name)}" version="11">\n\t<layers>\n${this.layers.join('\n')}\n\t</layers>\n\t<edges>\n${edges}\n\t</edges>\n</net>\n`;
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function writeOpenVino(model: Model, options: OpenVinoWriteOptions = {}): { xml: string; bin: Uint8Array } {
  const integers = integerWeights(model.graph);
  const graph = prepareGraph(model, options.inputShapes);
  const quantizers = new Map<string, Node>();
  const ir = new IrBuilder(options.precision ?? 'FP32');
  const ports = new Map<string, Port>();
  const typeOf = (name: string): ValueType => graph.types.get(name)!;
  const source = (name: string): { from: Port; type: ValueType } => {
    let port = ports.get(name);
    if (port === undefined) {
      const t = graph.constants.get(name);
      if (t === undefined) throw new Error(`IR writer: value '${name}' has no producer`);
      const c = ir.constant(name, t);
      ports.set(name, c.port);
      return { from: c.port, type: c.type };
    }
    return { from: port, type: typeOf(name) };
  };
  const constOf = (base: string, t: Tensor) => {
    const c = ir.constant(base, t);
    return { from: c.port, type: c.type };
  };
  /** A convolution's weights in IR's `shape` ([O, I, k...], or [G, O/G, I/G, k...]): integers decompressed where the model has them. */
  const weightsOf = (node: Node, w: Tensor, shape: number[]): { from: Port; type: ValueType } => {
    const integer = integers.get(node.inputs[1]!);
    if (integer === undefined) return constOf(`${node.name}/weights`, { ...w, shape });
    const channels = w.shape[0]!;
    const perChannel = (values: number[]) => Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c]!);
    const channelShape = [...shape.slice(0, shape.length - w.shape.length + 1), ...new Array<number>(w.shape.length - 1).fill(1)];
    const f32 = (t: ValueType): ValueType => ({ dtype: 'float32', shape: t.shape });
    const decompress = (name: string, c: { from: Port; type: ValueType }) => {
      const [port] = ir.layer('Convert', name, 'opset1', { destination_type: 'f32' }, [c], [{ type: f32(c.type) }]);
      return { from: port!, type: f32(c.type) };
    };
    let value = decompress(`${node.name}/weights/decompress`, constOf(`${node.name}/weights`, { ...integer.q, shape }));
    if (integer.zeros.some((z) => z !== 0)) {
      const zero = decompress(`${node.name}/weights_zero/decompress`, constOf(`${node.name}/weights_zero`, fromNumbers(integer.q.dtype, channelShape, perChannel(integer.zeros))));
      const [port] = ir.layer('Subtract', `${node.name}/weights/subtract_zero`, 'opset1', { auto_broadcast: 'numpy' }, [value, zero], [{ type: value.type }]);
      value = { from: port!, type: value.type };
    }
    const scale = constOf(`${node.name}/weights_scale`, fromNumbers('float32', channelShape, perChannel(integer.scales)));
    const [port] = ir.layer('Multiply', `${node.name}/weights/dequantize`, 'opset1', { auto_broadcast: 'numpy' }, [value, scale], [{ type: value.type }]);
    return { from: port!, type: value.type };
  };

  for (const input of graph.inputs) {
    const [port] = ir.layer('Parameter', input.name, 'opset1', { shape: input.type.shape.join(','), element_type: IR_TYPE[input.type.dtype]?.name ?? 'f32' }, [], [{ type: input.type, names: input.name }]);
    ports.set(input.name, port!);
  }
  for (const node of graph.nodes) writeNode(node);
  for (const name of graph.outputs) ir.layer('Result', `${name}/sink_port_0`, 'opset1', {}, [source(name)], []);
  return { xml: ir.xml(model.graph.name), bin: ir.bin };

  function emit(node: Node, type: string, version: string, data: Record<string, string | number>, inputs: { from: Port; type: ValueType }[], outName = node.outputs[0]!, layerName = node.name): Port {
    const [port] = ir.layer(type, layerName, version, data, inputs, [{ type: typeOf(outName), names: outName }]);
    ports.set(outName, port!);
    return port!;
  }

  function writeNode(node: Node): void {
    const x = () => source(node.inputs[0]!);
    const out = node.outputs[0]!;
    const pads = (rank: number) => {
      const p = attrInts(node, 'pads') ?? new Array<number>(rank * 2).fill(0);
      return { pads_begin: p.slice(0, rank).join(','), pads_end: p.slice(rank).join(',') };
    };
    const binary = (type: string) => emit(node, type, 'opset1', { auto_broadcast: 'numpy' }, [source(node.inputs[0]!), source(node.inputs[1]!)]);
    switch (node.op) {
      case 'Conv': case 'ConvTranspose': {
        const w = graph.constants.get(node.inputs[1]!);
        if (w === undefined) throw new UnsupportedOpError(`IR writer: ${node.op} '${node.name}' needs constant weights`);
        const k = w.shape.slice(2);
        const group = attrInt(node, 'group', 1);
        const common = { strides: (attrInts(node, 'strides') ?? k.map(() => 1)).join(','), dilations: (attrInts(node, 'dilations') ?? k.map(() => 1)).join(','), ...pads(k.length), auto_pad: 'explicit' };
        const hasBias = node.inputs.length > 2 && node.inputs[2] !== '';
        const convOut = hasBias ? `${out}/conv` : out;
        if (hasBias) graph.types.set(convOut, typeOf(out));
        if (node.op === 'ConvTranspose') {
          if (group !== 1) throw new UnsupportedOpError(`IR writer: grouped ConvTranspose '${node.name}' is not supported`);
          const op = attrInts(node, 'output_padding');
          emit(node, 'ConvolutionBackpropData', 'opset1', { ...common, ...(op ? { output_padding: op.join(',') } : {}) }, [x(), constOf(`${node.name}/weights`, w)], convOut, hasBias ? `${node.name}/deconv` : node.name);
        } else if (group === 1) {
          emit(node, 'Convolution', 'opset1', common, [x(), weightsOf(node, w, [...w.shape])], convOut, hasBias ? `${node.name}/conv` : node.name);
        } else {
          const grouped = [group, w.shape[0]! / group, ...w.shape.slice(1)];
          emit(node, 'GroupConvolution', 'opset1', common, [x(), weightsOf(node, w, grouped)], convOut, hasBias ? `${node.name}/conv` : node.name);
        }
        if (hasBias) {
          const b = graph.constants.get(node.inputs[2]!)!;
          const rank = typeOf(out).shape.length;
          const bias = constOf(`${node.name}/bias`, { ...b, shape: [1, b.shape[0]!, ...new Array<number>(rank - 2).fill(1)] });
          emit(node, 'Add', 'opset1', { auto_broadcast: 'numpy' }, [{ from: ports.get(convOut)!, type: typeOf(convOut) }, bias]);
        }
        return;
      }
      case 'BatchNormalization':
        emit(node, 'BatchNormInference', 'opset5', { epsilon: attrFloat(node, 'epsilon', 1e-5) }, [x(), ...node.inputs.slice(1, 5).map(source)]);
        return;
      case 'Relu': emit(node, 'ReLU', 'opset1', {}, [x()]); return;
      case 'Sigmoid': emit(node, 'Sigmoid', 'opset1', {}, [x()]); return;
      case 'Tanh': emit(node, 'Tanh', 'opset1', {}, [x()]); return;
      case 'Elu': emit(node, 'Elu', 'opset1', { alpha: attrFloat(node, 'alpha', 1) }, [x()]); return;
      case 'HardSwish': emit(node, 'HSwish', 'opset4', {}, [x()]); return;
      case 'LeakyRelu':
        emit(node, 'PReLU', 'opset1', {}, [x(), constOf(`${node.name}/slope`, fromNumbers('float32', [1], [attrFloat(node, 'alpha', 0.01)]))]);
        return;
      case 'PRelu': {
        const slope = graph.constants.get(node.inputs[1]!);
        if (slope === undefined) throw new UnsupportedOpError(`IR writer: PRelu '${node.name}' needs a constant slope`);
        emit(node, 'PReLU', 'opset1', {}, [x(), constOf(`${node.name}/slope`, { ...slope, shape: [slope.data.length] })]);
        return;
      }
      case 'Clip': {
        const lo = node.inputs[1] ? toNumbers(graph.constants.get(node.inputs[1])!)[0]! : attrFloat(node, 'min', -3.4e38);
        const hi = node.inputs[2] ? toNumbers(graph.constants.get(node.inputs[2])!)[0]! : attrFloat(node, 'max', 3.4e38);
        emit(node, 'Clamp', 'opset1', { min: lo, max: hi }, [x()]);
        return;
      }
      case 'Add': binary('Add'); return;
      case 'Sub': binary('Subtract'); return;
      case 'Mul': binary('Multiply'); return;
      case 'Div': binary('Divide'); return;
      case 'Concat': emit(node, 'Concat', 'opset1', { axis: attrInt(node, 'axis', 1) }, node.inputs.map(source)); return;
      case 'MaxPool': case 'AveragePool': {
        const kernel = attrInts(node, 'kernel_shape')!;
        const data: Record<string, string | number> = {
          kernel: kernel.join(','), strides: (attrInts(node, 'strides') ?? kernel.map(() => 1)).join(','), ...pads(kernel.length),
          rounding_type: attrInt(node, 'ceil_mode', 0) ? 'ceil' : 'floor', auto_pad: 'explicit',
        };
        if (node.op === 'AveragePool') data['exclude-pad'] = attrInt(node, 'count_include_pad', 0) ? 'false' : 'true';
        emit(node, node.op === 'MaxPool' ? 'MaxPool' : 'AvgPool', 'opset1', data, [x()]);
        return;
      }
      case 'GlobalAveragePool':
        emit(node, 'ReduceMean', 'opset1', { keep_dims: 'true' }, [x(), constOf(`${node.name}/axes`, fromNumbers('int64', [2], [2, 3]))]);
        return;
      case 'Resize': case 'Upsample': {
        const inShape = typeOf(node.inputs[0]!).shape;
        const outShape = typeOf(out).shape;
        const mode = attrString(node, 'mode', 'nearest');
        const ctm = node.op === 'Upsample' ? 'asymmetric' : attrString(node, 'coordinate_transformation_mode', 'half_pixel');
        const scales = outShape.slice(2).map((d, i) => d / inShape[2 + i]!);
        emit(node, 'Interpolate', 'opset4', {
          mode: mode === 'linear' ? 'linear_onnx' : mode, shape_calculation_mode: 'scales', coordinate_transformation_mode: ctm,
          nearest_mode: node.op === 'Upsample' ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor'), antialias: 'false', pads_begin: '0,0,0,0', pads_end: '0,0,0,0', cube_coeff: -0.75,
        }, [x(), constOf(`${node.name}/sizes`, fromNumbers('int64', [2], outShape.slice(2))), constOf(`${node.name}/scales`, fromNumbers('float32', [2], scales)), constOf(`${node.name}/axes`, fromNumbers('int64', [2], [2, 3]))]);
        return;
      }
      case 'QuantizeLinear':
        // Written with the DequantizeLinear that reads it, as one FakeQuantize.
        quantizers.set(out, node);
        return;
      case 'DequantizeLinear': {
        const q = quantizers.get(node.inputs[0]!);
        // Per-tensor [scale, zero point] as constants.
        const params = (n: Node): [number, number] | undefined => {
          const scale = graph.constants.get(n.inputs[1] ?? '');
          const zero = n.inputs[2] ? graph.constants.get(n.inputs[2]) : undefined;
          if (scale === undefined || scale.data.length !== 1 || (n.inputs[2] && zero?.data.length !== 1)) return undefined;
          return [toNumbers(scale)[0]!, zero === undefined ? 0 : toNumbers(zero)[0]!];
        };
        const p = params(node);
        const pq = q === undefined ? undefined : params(q);
        if (q === undefined || p === undefined || pq === undefined || p[0] !== pq[0] || p[1] !== pq[1]) {
          throw new UnsupportedOpError(`IR writer: DequantizeLinear '${node.name}' is written only after a QuantizeLinear of the same per-tensor scale and zero point`);
        }
        const [scale, zero] = p;
        const [lo, hi] = typeOf(node.inputs[0]!).dtype === 'int8' ? [-128, 127] : [0, 255];
        const range = (v: number) => constOf(`${node.name}/range`, fromNumbers('float32', [], [(v - zero) * scale]));
        emit(node, 'FakeQuantize', 'opset1', { levels: 256, auto_broadcast: 'numpy' }, [source(q.inputs[0]!), range(lo), range(hi), range(lo), range(hi)]);
        return;
      }
      default:
        throw new UnsupportedOpError(`IR writer: op ${node.op} (node '${node.name}') has no IR mapping yet`);
    }
  }
}
