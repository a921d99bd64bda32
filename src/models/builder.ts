// The seed networks' layers (conv, batch norm, activations, pools, resizes) written over the
// engine's GraphEmitter, so a network's definition reads layer by layer, the way a paper's
// figure reads. Every layer's output value is named after the layer (or as the definition says,
// for graph outputs with a published name); its parameters are initializers named
// `<layer>.weight`, `<layer>.bias` (or names the definition gives, so a checkpoint binds by its
// own tensor names), sized from the input's channel count. Parameters are seeded: He-scaled
// uniform weights, small biases and near-identity batch-norm statistics, so activations stay in
// a sane range through deep stacks.
import { attr, type Attr, type Model } from '../nn/graph.js';
import { GraphEmitter } from '../nn/graph-emitter.js';
import { seededRandom } from '../nn/random.js';
import { float32, int64, tensor } from '../nn/tensor.js';

export interface ConvSpec {
  name: string;
  out: number;
  kernel: number | [number, number];
  stride?: number;
  /** Symmetric padding, or [top, left, bottom, right]. */
  pad?: number | [number, number, number, number];
  dilation?: number;
  groups?: number;
  bias?: boolean;
  weightName?: string;
  biasName?: string;
  /** Name of the output value when it must differ from the layer name (e.g. a graph output). */
  output?: string;
}

export interface BatchNormNames {
  scale: string;
  bias: string;
  mean: string;
  variance: string;
}

export interface PoolSpec {
  name: string;
  kernel: number;
  stride: number;
  pad?: number;
  ceil?: boolean;
}

const { ints, int, float, string } = attr;

export class NetworkBuilder {
  private readonly emit: GraphEmitter;
  /** Channel count of every value, which is all a layer needs to size its parameters. */
  private readonly channels = new Map<string, number>();
  private readonly rng: () => number;

  constructor(name: string, seed = 1) {
    this.emit = new GraphEmitter(name);
    this.rng = seededRandom(seed);
  }

  /** A float32 NCHW input. */
  input(name: string, shape: [number, number, number, number]): string {
    this.channels.set(name, shape[1]);
    return this.emit.input(name, 'float32', shape);
  }

  channelsOf(value: string): number {
    const c = this.channels.get(value);
    if (c === undefined) throw new Error(`unknown value '${value}'`);
    return c;
  }

  conv(x: string, spec: ConvSpec): string {
    const cin = this.channelsOf(x);
    const groups = spec.groups ?? 1;
    const [kh, kw] = typeof spec.kernel === 'number' ? [spec.kernel, spec.kernel] : spec.kernel;
    const pad = spec.pad ?? 0;
    const pads = typeof pad === 'number' ? [pad, pad, pad, pad] : [pad[0], pad[1], pad[2], pad[3]];
    const fanIn = (cin / groups) * kh * kw;
    const weight = this.param(spec.weightName ?? `${spec.name}.weight`, [spec.out, cin / groups, kh, kw], Math.sqrt(6 / fanIn));
    const inputs = [x, weight];
    if (spec.bias ?? true) inputs.push(this.param(spec.biasName ?? `${spec.name}.bias`, [spec.out], 0.1));
    const d = spec.dilation ?? 1;
    const s = spec.stride ?? 1;
    const attrs = { kernel_shape: ints([kh, kw]), strides: ints([s, s]), pads: ints(pads), dilations: ints([d, d]), group: int(groups) };
    return this.node('Conv', spec.name, inputs, spec.out, attrs, spec.output);
  }

  convTranspose(x: string, spec: ConvSpec & { outputPadding?: number }): string {
    const cin = this.channelsOf(x);
    const groups = spec.groups ?? 1;
    const [kh, kw] = typeof spec.kernel === 'number' ? [spec.kernel, spec.kernel] : spec.kernel;
    const pad = typeof spec.pad === 'number' || spec.pad === undefined ? [spec.pad ?? 0, spec.pad ?? 0, spec.pad ?? 0, spec.pad ?? 0] : spec.pad;
    const weight = this.param(spec.weightName ?? `${spec.name}.weight`, [cin, spec.out / groups, kh, kw], Math.sqrt(6 / (cin * kh * kw)));
    const inputs = [x, weight];
    if (spec.bias ?? true) inputs.push(this.param(spec.biasName ?? `${spec.name}.bias`, [spec.out], 0.1));
    const s = spec.stride ?? 1;
    const attrs: Record<string, Attr> = { kernel_shape: ints([kh, kw]), strides: ints([s, s]), pads: ints(pad), group: int(groups) };
    if (spec.outputPadding) attrs['output_padding'] = ints([spec.outputPadding, spec.outputPadding]);
    return this.node('ConvTranspose', spec.name, inputs, spec.out, attrs, spec.output);
  }

  /** Inference-mode batch normalization with seeded statistics. */
  batchNorm(x: string, name: string, options: { epsilon?: number; names?: BatchNormNames } = {}): string {
    const c = this.channelsOf(x);
    const names = options.names ?? { scale: `${name}.weight`, bias: `${name}.bias`, mean: `${name}.running_mean`, variance: `${name}.running_var` };
    const inputs = [
      x,
      this.param(names.scale, [c], 0.2, 1),
      this.param(names.bias, [c], 0.1),
      this.param(names.mean, [c], 0.1),
      this.param(names.variance, [c], 0.2, 1),
    ];
    return this.node('BatchNormalization', name, inputs, c, { epsilon: float(options.epsilon ?? 1e-5) });
  }

  relu(x: string, name: string): string {
    return this.node('Relu', name, [x], this.channelsOf(x));
  }

  elu(x: string, name: string, alpha = 1): string {
    return this.node('Elu', name, [x], this.channelsOf(x), { alpha: float(alpha) });
  }

  prelu(x: string, name: string, slopeName = `${name}.weight`): string {
    const c = this.channelsOf(x);
    return this.node('PRelu', name, [x, this.param(slopeName, [c, 1, 1], 0.1, 0.25)], c);
  }

  sigmoid(x: string, name: string): string {
    return this.node('Sigmoid', name, [x], this.channelsOf(x));
  }

  add(a: string, b: string, name: string, output?: string): string {
    return this.node('Add', name, [a, b], this.channelsOf(a), {}, output);
  }

  mul(a: string, b: string, name: string): string {
    return this.node('Mul', name, [a, b], this.channelsOf(a));
  }

  concat(values: string[], name: string, output?: string): string {
    const c = values.reduce((sum, v) => sum + this.channelsOf(v), 0);
    return this.node('Concat', name, values, c, { axis: int(1) }, output);
  }

  maxPool(x: string, spec: PoolSpec): string {
    return this.pool('MaxPool', x, spec);
  }

  averagePool(x: string, spec: PoolSpec): string {
    return this.pool('AveragePool', x, spec);
  }

  globalAveragePool(x: string, name: string): string {
    return this.node('GlobalAveragePool', name, [x], this.channelsOf(x));
  }

  /**
   * Resizing as PyTorch's F.interpolate / nn.Upsample exports it (ONNX Resize): by an integer
   * factor, or to a fixed spatial size. 'nearest' is PyTorch's (asymmetric coordinates, floor);
   * 'linear' is bilinear with align_corners=False (half-pixel coordinates).
   */
  resize(x: string, name: string, to: { factor: number } | { size: [number, number] }, mode: 'nearest' | 'linear' = 'nearest'): string {
    const c = this.channelsOf(x);
    const inputs = 'factor' in to
      ? [x, '', this.emit.initializer(`${name}.scales`, float32([4], [1, 1, to.factor, to.factor]))]
      : [x, '', '', this.emit.initializer(`${name}.sizes`, int64([4], [1, c, to.size[0], to.size[1]]))];
    const attrs: Record<string, Attr> = mode === 'nearest'
      ? { mode: string('nearest'), coordinate_transformation_mode: string('asymmetric'), nearest_mode: string('floor') }
      : { mode: string('linear'), coordinate_transformation_mode: string('half_pixel') };
    return this.node('Resize', name, inputs, c, attrs);
  }

  /** Marks a value as a graph output. */
  output(value: string): void {
    this.emit.output(value);
  }

  build(opset = 13): Model {
    return this.emit.model(opset);
  }

  private pool(op: string, x: string, spec: PoolSpec): string {
    const p = spec.pad ?? 0;
    return this.node(op, spec.name, [x], this.channelsOf(x), {
      kernel_shape: ints([spec.kernel, spec.kernel]),
      strides: ints([spec.stride, spec.stride]),
      pads: ints([p, p, p, p]),
      ceil_mode: int(spec.ceil ? 1 : 0),
    });
  }

  /** Appends a node; its output value is named after the layer unless `output` names it. */
  private node(op: string, name: string, inputs: string[], outChannels: number, attrs: Record<string, Attr> = {}, output = name): string {
    if (this.emit.hasNode(name)) throw new Error(`layer name '${name}' used twice`);
    if (this.channels.has(output)) throw new Error(`value name '${output}' used twice`);
    this.emit.node(op, name, inputs, [output], attrs);
    this.channels.set(output, outChannels);
    return output;
  }

  /** A seeded parameter: uniform in center ± range. */
  private param(name: string, shape: number[], range: number, center = 0): string {
    if (this.emit.hasValue(name)) throw new Error(`parameter '${name}' defined twice`);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = center + range * (2 * this.rng() - 1);
    return this.emit.initializer(name, tensor('float32', shape, data));
  }
}
