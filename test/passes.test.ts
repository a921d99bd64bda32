// Graph passes: BatchNormalization (and constant per-channel Mul / Add) folded into the Conv
// before it, activations fused into the Conv epilogue. The passes are checked on typed graphs
// directly (outputs computed with the ops' references), and end to end through a Session with
// and without `optimize` when the standalone ops they remove are registered.
import { describe, expect, it } from 'vitest';
import { emptyGraph, emptyModel, type Attr, type Model, type Node } from '../src/nn/graph.js';
import { hasOp } from '../src/nn/ops/registry.js';
import { conv } from '../src/nn/ops/conv/conv.js';
import { optimize } from '../src/nn/passes/optimize.js';
import type { TypedGraph } from '../src/nn/passes/typed-graph.js';
import { Session } from '../src/nn/session.js';
import { float32, toFloat32, type Tensor } from '../src/nn/tensor.js';
import { expectClose, randomTensor, seededRandom } from './support/harness.js';

const C = 5;
const X_SHAPE = [1, 3, 6, 7];
const Y_SHAPE = [1, C, 6, 7];

function node(name: string, op: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): Node {
  return { name, op, domain: '', inputs, outputs, attrs };
}

/** x -> Conv(3x3, pad 1) -> `tail` nodes; constants seeded. */
function typedGraph(tail: Node[], constants: Record<string, Tensor>, opset = 17, outputs = [tail.at(-1)?.outputs[0] ?? 'c']): TypedGraph {
  const rng = seededRandom(3);
  const all: Record<string, Tensor> = { W: randomTensor([C, 3, 3, 3], rng), B: randomTensor([C], rng), ...constants };
  const nodes = [node('conv', 'Conv', ['x', 'W', 'B'], ['c'], { pads: { kind: 'ints', value: [1, 1, 1, 1] } }), ...tail];
  const types = new Map(Object.entries(all).map(([k, t]) => [k, { dtype: t.dtype, shape: [...t.shape] }]));
  types.set('x', { dtype: 'float32', shape: X_SHAPE });
  for (const n of nodes) for (const o of n.outputs) types.set(o, { dtype: 'float32', shape: Y_SHAPE });
  return { nodes, inputs: [{ name: 'x', type: types.get('x')! }], outputs, types, constants: new Map(Object.entries(all)), opset };
}

/** Runs the (single) Conv node of an optimized graph with the reference implementation. */
function runFoldedConv(g: TypedGraph, x: Tensor): Float32Array {
  expect(g.nodes).toHaveLength(1);
  const n = g.nodes[0]!;
  expect(n.op).toBe('Conv');
  const inputs = n.inputs.map((name) => (name === 'x' ? x : g.constants.get(name)!));
  return toFloat32(conv.reference({ node: n, opset: g.opset, inputs })[0]!);
}

/** The conv output computed without any pass, as a plain array, with `after` applied per element. */
function convThen(g: TypedGraph, x: Tensor, after: (v: number, channel: number) => number): Float32Array {
  const y = toFloat32(conv.reference({ node: g.nodes[0]!, opset: g.opset, inputs: [x, g.constants.get('W')!, g.constants.get('B')!] })[0]!);
  const plane = Y_SHAPE[2]! * Y_SHAPE[3]!;
  return y.map((v, i) => after(v, Math.floor(i / plane) % C));
}

const rng = seededRandom(11);
const x = randomTensor(X_SHAPE, rng);
const perChannel = (lo: number, hi: number): Tensor => randomTensor([C], rng, lo, hi);

describe('fold BatchNormalization and per-channel Mul / Add into Conv', () => {
  it('folds BatchNormalization', () => {
    const bn = { scale: perChannel(0.5, 2), bias: perChannel(-1, 1), mean: perChannel(-1, 1), variance: perChannel(0.1, 2) };
    const g = typedGraph([node('bn', 'BatchNormalization', ['c', 's', 'b', 'm', 'v'], ['y'], { epsilon: { kind: 'float', value: 1e-3 } })], {
      s: bn.scale, b: bn.bias, m: bn.mean, v: bn.variance,
    });
    const [s, b, m, v] = [bn.scale, bn.bias, bn.mean, bn.variance].map(toFloat32) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const expected = convThen(g, x, (y, c) => ((y - m[c]!) * s[c]!) / Math.sqrt(v[c]! + 1e-3) + b[c]!);
    const original = g.nodes[0]!;
    optimize(g);
    expect(g.nodes[0]!.outputs).toEqual(['y']);
    expect(original.outputs).toEqual(['c']); // the caller's node is untouched
    expectClose(runFoldedConv(g, x), expected);
  });

  it('folds a constant per-channel Mul then Add (either operand order)', () => {
    const scale = randomTensor([C, 1, 1], rng);
    const shift = randomTensor([1, C, 1, 1], rng);
    const g = typedGraph([node('mul', 'Mul', ['k', 'c'], ['m']), node('add', 'Add', ['m', 'a'], ['y'])], { k: scale, a: shift });
    const [k, a] = [toFloat32(scale), toFloat32(shift)];
    const expected = convThen(g, x, (y, c) => y * k[c]! + a[c]!);
    optimize(g);
    expectClose(runFoldedConv(g, x), expected);
  });

  it('leaves a Conv whose output has another reader', () => {
    const g = typedGraph([node('mul', 'Mul', ['c', 'k'], ['y'])], { k: float32([], [2]) }, 17, ['y', 'c']);
    optimize(g);
    expect(g.nodes.map((n) => n.op)).toEqual(['Conv', 'Mul']);
  });

  it('leaves a Mul by a tensor that is not per-channel', () => {
    const g = typedGraph([node('mul', 'Mul', ['c', 'k'], ['y'])], { k: randomTensor([6, 7], rng) });
    optimize(g);
    expect(g.nodes.map((n) => n.op)).toEqual(['Conv', 'Mul']);
  });
});

describe('fuse activations into Conv', () => {
  const cases: { label: string; tail: Node; constants?: Record<string, Tensor>; opset?: number; f: (v: number, c: number) => number }[] = [
    { label: 'Relu', tail: node('a', 'Relu', ['c'], ['y']), f: (v) => Math.max(v, 0) },
    { label: 'Clip opset 6 attributes', tail: node('a', 'Clip', ['c'], ['y'], { min: { kind: 'float', value: -0.3 }, max: { kind: 'float', value: 0.4 } }), opset: 6, f: (v) => Math.min(Math.max(v, -0.3), 0.4) },
    { label: 'Clip opset 11 inputs (Relu6)', tail: node('a', 'Clip', ['c', 'lo', 'hi'], ['y']), constants: { lo: float32([], [0]), hi: float32([], [0.5]) }, opset: 13, f: (v) => Math.min(Math.max(v, 0), 0.5) },
    { label: 'Clip opset 11 max only', tail: node('a', 'Clip', ['c', '', 'hi'], ['y']), constants: { hi: float32([], [0.5]) }, f: (v) => Math.min(v, 0.5) },
    { label: 'LeakyRelu', tail: node('a', 'LeakyRelu', ['c'], ['y'], { alpha: { kind: 'float', value: 0.2 } }), f: (v) => (v < 0 ? 0.2 * v : v) },
    { label: 'PRelu per channel', tail: node('a', 'PRelu', ['c', 'slope'], ['y']), constants: { slope: float32([C, 1, 1], [0.1, -0.2, 0.3, 0.5, 2]) }, f: (v, c) => (v < 0 ? [0.1, -0.2, 0.3, 0.5, 2][c]! * v : v) },
    { label: 'Elu', tail: node('a', 'Elu', ['c'], ['y'], { alpha: { kind: 'float', value: 0.5 } }), f: (v) => (v < 0 ? 0.5 * (Math.exp(v) - 1) : v) },
    { label: 'Sigmoid', tail: node('a', 'Sigmoid', ['c'], ['y']), f: (v) => 1 / (1 + Math.exp(-v)) },
    { label: 'HardSigmoid', tail: node('a', 'HardSigmoid', ['c'], ['y']), f: (v) => Math.max(0, Math.min(1, 0.2 * v + 0.5)) },
    { label: 'HardSwish', tail: node('a', 'HardSwish', ['c'], ['y']), f: (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5)) },
  ];
  it.each(cases.map((c) => [c.label, c] as const))('%s', (_, c) => {
    const g = typedGraph([c.tail], c.constants ?? {}, c.opset);
    const expected = convThen(g, x, c.f);
    optimize(g);
    expect(g.nodes[0]!.attrs.activation).toEqual({ kind: 'string', value: c.tail.op });
    expectClose(runFoldedConv(g, x), expected);
  });

  it('leaves a Clip whose bounds are computed at run time', () => {
    const g = typedGraph([node('a', 'Clip', ['c', 'lo'], ['y'])], {});
    g.types.set('lo', { dtype: 'float32', shape: [] });
    optimize(g);
    expect(g.nodes.map((n) => n.op)).toEqual(['Conv', 'Clip']);
  });

  it('folds BatchNormalization, then fuses the Relu after it', () => {
    const g = typedGraph([node('bn', 'BatchNormalization', ['c', 's', 'b', 'm', 'v'], ['n']), node('r', 'Relu', ['n'], ['y'])], {
      s: perChannel(0.5, 2), b: perChannel(-1, 1), m: perChannel(-1, 1), v: perChannel(0.1, 2),
    });
    optimize(g);
    expect(g.nodes).toHaveLength(1);
    expect(g.nodes[0]!.outputs).toEqual(['y']);
    expect(g.nodes[0]!.attrs.activation).toEqual({ kind: 'string', value: 'Relu' });
  });
});

function convBnReluModel(): Model {
  const r = seededRandom(5);
  const graph = emptyGraph('conv-bn-relu');
  graph.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 3, 13, 11] }];
  graph.outputs = [{ name: 'y', dtype: 'float32' }];
  const inits: Record<string, Tensor> = {
    W: randomTensor([8, 3, 3, 3], r), s: randomTensor([8], r, 0.5, 2), b: randomTensor([8], r), m: randomTensor([8], r), v: randomTensor([8], r, 0.1, 2),
  };
  for (const [k, t] of Object.entries(inits)) graph.initializers.set(k, t);
  graph.nodes = [
    node('conv', 'Conv', ['x', 'W'], ['c'], { pads: { kind: 'ints', value: [1, 1, 1, 1] }, strides: { kind: 'ints', value: [2, 1] } }),
    node('bn', 'BatchNormalization', ['c', 's', 'b', 'm', 'v'], ['n']),
    node('relu', 'Relu', ['n'], ['y']),
  ];
  return emptyModel(graph, 13);
}

const endToEnd = hasOp('BatchNormalization') && hasOp('Relu');
if (!endToEnd) console.log('passes.test: BatchNormalization or Relu is not registered yet; skipping the Session comparison');

describe.skipIf(!endToEnd)('optimize end to end', () => {
  it('a Conv + BatchNormalization + Relu model gives the same outputs with and without optimize, as one node', async () => {
    const model = convBnReluModel();
    const input = randomTensor([1, 3, 13, 11], seededRandom(6));
    const plain = await Session.create(model, { optimize: false });
    const optimized = await Session.create(model);
    expect(plain.nodes).toHaveLength(3);
    expect(optimized.nodes).toHaveLength(1);
    expect(model.graph.nodes).toHaveLength(3);
    const expected = plain.run({ x: toFloat32(input) }).y!.data;
    expectClose(optimized.run({ x: toFloat32(input) }).y!.data, expected);
  });
});
