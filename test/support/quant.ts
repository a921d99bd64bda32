// Quantized single-node models shared by the kernel and golden tests.
import type { Attr, Model } from '../../src/nn/graph.js';
import { activationAttrs, type FusedActivation } from '../../src/nn/ops/conv/activation.js';
import { float32, fromNumbers, type DType, type Tensor } from '../../src/nn/tensor.js';
import { seededRandom, singleNodeModel } from './harness.js';

export interface QConvCase {
  cin: number;
  cout: number;
  h: number;
  w: number;
  kernel: [number, number];
  groups?: number;
  strides?: [number, number];
  dilations?: [number, number];
  pads?: [number, number, number, number];
  xType?: 'uint8' | 'int8';
  wType?: 'uint8' | 'int8';
  perChannel?: boolean;
  bias?: boolean;
  activation?: FusedActivation;
}

export function randomInts(dtype: DType, shape: number[], rng: () => number, lo: number, hi: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromNumbers(dtype, shape, Array.from({ length: n }, () => lo + Math.floor(rng() * (hi - lo + 1))));
}

/** A QLinearConv model of one node: x a graph input, everything else initializers. */
export function qlinearConvModel(c: QConvCase, seed: number): { model: Model; x: Tensor } {
  const rng = seededRandom(seed);
  const groups = c.groups ?? 1;
  const xType = c.xType ?? 'uint8';
  const wType = c.wType ?? 'int8';
  const [xlo, xhi] = xType === 'uint8' ? [0, 255] : [-128, 127];
  const [wlo, whi] = wType === 'uint8' ? [0, 255] : [-127, 127];
  const x = randomInts(xType, [1, c.cin, c.h, c.w], rng, xlo, xhi);
  const w = randomInts(wType, [c.cout, c.cin / groups, ...c.kernel], rng, wlo, whi);
  const scalesW = c.perChannel ? Array.from({ length: c.cout }, () => 0.002 + rng() * 0.01) : [0.006];
  const zeroW = wType === 'uint8' ? (c.perChannel ? Array.from({ length: c.cout }, () => 100 + Math.floor(rng() * 50)) : [128]) : new Array<number>(scalesW.length).fill(0);
  const k = (c.cin / groups) * c.kernel[0] * c.kernel[1];
  const initializers: Record<string, Tensor> = {
    x_scale: float32([], [0.02]),
    x_zero: fromNumbers(xType, [], [xType === 'uint8' ? 117 : -9]),
    w: w,
    w_scale: float32(c.perChannel ? [c.cout] : [], scalesW),
    w_zero: fromNumbers(wType, c.perChannel ? [c.cout] : [], zeroW),
    // Output scale so that sums spread over the output range, some saturating.
    y_scale: float32([], [0.02 * 0.006 * Math.sqrt(k) * 40]),
    y_zero: fromNumbers(xType, [], [xType === 'uint8' ? 131 : 5]),
  };
  const inputs = ['x', 'x_scale', 'x_zero', 'w', 'w_scale', 'w_zero', 'y_scale', 'y_zero'];
  if (c.bias) {
    initializers['b'] = randomInts('int32', [c.cout], rng, -20000, 20000);
    inputs.push('b');
  }
  const attrs: Record<string, Attr> = {
    kernel_shape: { kind: 'ints', value: c.kernel },
    group: { kind: 'int', value: groups },
    strides: { kind: 'ints', value: c.strides ?? [1, 1] },
    dilations: { kind: 'ints', value: c.dilations ?? [1, 1] },
    pads: { kind: 'ints', value: c.pads ?? [0, 0, 0, 0] },
    ...(c.activation ? activationAttrs(c.activation) : {}),
  };
  const infos = inputs.map((name) => ({ name, dtype: name === 'x' ? xType : initializers[name]!.dtype, shape: name === 'x' ? [...x.shape] : [...initializers[name]!.shape] }));
  const model = singleNodeModel({ op: 'QLinearConv', inputs: infos, outputs: ['y'], attrs, initializers, opset: 13 });
  model.graph.outputs = [{ name: 'y', dtype: xType }];
  return { model, x };
}


/** A quantized matrix product of one node: A [...aBatch, m, k] a graph input, B [k, n] and the parameters initializers. */
export interface QMatMulCase {
  op: 'QLinearMatMul' | 'MatMulInteger';
  aBatch?: number[];
  m: number;
  k: number;
  n: number;
  aType?: 'uint8' | 'int8';
  bType?: 'uint8' | 'int8';
  /** Per-column b scales and zero points. */
  perColumn?: boolean;
}

export function qmatmulModel(c: QMatMulCase, seed: number): { model: Model; a: Tensor } {
  const rng = seededRandom(seed);
  const aType = c.aType ?? 'uint8';
  const bType = c.bType ?? 'int8';
  const range = (t: 'uint8' | 'int8'): [number, number] => (t === 'uint8' ? [0, 255] : [-128, 127]);
  const aShape = [...(c.aBatch ?? []), c.m, c.k];
  const a = randomInts(aType, aShape, rng, ...range(aType));
  const columns = c.perColumn ? c.n : 1;
  const zeros = (t: 'uint8' | 'int8', count: number): Tensor => randomInts(t, count === 1 ? [] : [count], rng, t === 'uint8' ? 100 : -20, t === 'uint8' ? 150 : 20);
  const b = randomInts(bType, [c.k, c.n], rng, ...range(bType));
  const az = zeros(aType, 1);
  const bz = zeros(bType, columns);
  const param = (name: string, t: Tensor) => ({ name, dtype: t.dtype, shape: [...t.shape] });
  if (c.op === 'MatMulInteger') {
    const model = singleNodeModel({ op: c.op, opset: 13, inputs: [{ name: 'a', dtype: aType, shape: aShape }, param('b', b), param('az', az), param('bz', bz)], outputs: ['y'], initializers: { b, az, bz } });
    model.graph.outputs = [{ name: 'y', dtype: 'int32' }];
    return { model, a };
  }
  // Scales that put the sums' spread across the output range, so that both saturation and the middle show.
  const as = float32([], [0.02]);
  const bs = float32(columns === 1 ? [] : [columns], Array.from({ length: columns }, () => 0.005 + 0.01 * rng()));
  const ys = float32([], [0.02 * 0.01 * Math.sqrt(c.k) * 40]);
  const yz = fromNumbers('uint8', [], [128]);
  const model = singleNodeModel({
    op: c.op, opset: 13,
    inputs: [{ name: 'a', dtype: aType, shape: aShape }, param('as', as), param('az', az), param('b', b), param('bs', bs), param('bz', bz), param('ys', ys), param('yz', yz)],
    outputs: ['y'], initializers: { as, az, b, bs, bz, ys, yz },
  });
  model.graph.outputs = [{ name: 'y', dtype: 'uint8' }];
  return { model, a };
}

/** A 3x3 convolution wide enough that saturated weights (saturateWeights) overflow F(4x4, 3x3)'s bound. */
export const WIDE_SUMS: QConvCase = { cin: 224, cout: 17, h: 9, w: 11, kernel: [3, 3], pads: [1, 1, 1, 1], bias: true };

/** Every int8 weight to +-127 (its sign kept), the output scale widened to match. */
export function saturateWeights(model: Model): void {
  const w = model.graph.initializers.get('w')!;
  const data = w.data as Int8Array;
  for (let i = 0; i < data.length; i++) data[i] = data[i]! < 0 ? -127 : 127;
  const yScale = model.graph.initializers.get('y_scale')!;
  (yScale.data as Float32Array)[0]! *= 3;
}
