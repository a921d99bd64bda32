// The elementwise family: WASM kernels (broadcast binary ops with their fast paths, unary ops and
// activations, Softmax/LogSoftmax, reductions) against the TypeScript references on odd shapes
// (sizes 1, 7, 13, 57, 4097), every attribute and opset variant; the vector exp on its own; the
// references on hand-worked cases (int64 shape arithmetic, Cast, comparisons, Round); and the
// shape errors.
import { describe, expect, it } from 'vitest';
import { ShapeError, UnsupportedOpError, WasmposeError } from '../src/nn/errors.js';
import type { Attr, Node } from '../src/nn/graph.js';
import { opFor } from '../src/nn/ops/registry.js';
import type { OpContext, ValueType } from '../src/nn/ops/types.js';
import { fromNumbers, int64, toNumbers, type DType, type Tensor } from '../src/nn/tensor.js';
import { expectEngineMatchesReference, runEngine, seededRandom, singleNodeModel } from './support/harness.js';
import { opCaseFeeds, opCaseModel, type OpCase } from './support/op-case.js';

const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const int = (value: number): Attr => ({ kind: 'int', value });
const float = (value: number): Attr => ({ kind: 'float', value });

interface Case extends OpCase {
  name: string;
  /** The kernel the plan should pick, or 'host'. */
  kernel?: string;
}

const caseModel = opCaseModel;

const feedsFor = opCaseFeeds;

/** The kernels an op plans for a case, or 'host'. */
function plannedKernels(c: Case): string[] | 'host' {
  const model = caseModel(c);
  const node = model.graph.nodes[0]!;
  const inputs = node.inputs.map((n, i): ValueType | undefined => {
    if (n === '') return undefined;
    const t = model.graph.initializers.get(n);
    return t === undefined ? { dtype: 'float32', shape: c.data[i]! } : { dtype: t.dtype, shape: [...t.shape] };
  });
  const constants = node.inputs.map((n) => model.graph.initializers.get(n));
  const ctx: OpContext = { node, opset: c.opset ?? 17, inputs, constants };
  const op = opFor(node);
  const plan = op.plan?.({ ...ctx, outputs: op.inferTypes(ctx) });
  return plan === undefined ? 'host' : plan.calls.map((call) => call.fn);
}

async function check(c: Case): Promise<void> {
  if (c.kernel !== undefined) {
    const planned = plannedKernels(c);
    expect(planned === 'host' ? 'host' : planned[0], `${c.op}: ${c.name}`).toBe(c.kernel);
  }
  await expectEngineMatchesReference(caseModel(c), feedsFor(c, 7));
}

function runCases(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases) it(`${c.op}: ${c.name}`, () => check(c));
  });
}

// --- binary ops -------------------------------------------------------------------------------

const broadcastShapes: { name: string; shapes: [number[], number[]]; kernel: string }[] = [
  { name: 'same shape, 4097', shapes: [[4097], [4097]], kernel: 'binarySame' },
  { name: 'same shape, 7', shapes: [[7], [7]], kernel: 'binarySame' },
  { name: 'same shape NCHW', shapes: [[1, 13, 7, 57], [1, 13, 7, 57]], kernel: 'binarySame' },
  { name: 'size 1', shapes: [[1], [1]], kernel: 'binarySame' },
  { name: 'scalar second', shapes: [[13, 57], []], kernel: 'binaryScalar' },
  { name: 'scalar first', shapes: [[1, 1], [3, 4097]], kernel: 'binaryScalar' },
  { name: 'per-channel second', shapes: [[1, 13, 7, 7], [13, 1, 1]], kernel: 'binaryChannel' },
  { name: 'per-channel first, batch 2', shapes: [[1, 3, 1, 1], [2, 3, 7, 13]], kernel: 'binaryChannel' },
  { name: 'per-row of 2-D', shapes: [[57, 13], [57, 1]], kernel: 'binaryChannel' },
  { name: 'middle axis', shapes: [[3, 7, 13], [7, 1]], kernel: 'binaryChannel' },
  { name: 'middle axes of rank 5', shapes: [[2, 3, 5, 7, 4], [3, 1, 7, 1]], kernel: 'binaryStrided' },
  { name: 'rank mismatch, last axis', shapes: [[2, 3, 57], [57]], kernel: 'binaryStrided' },
  { name: 'rank mismatch, vector first', shapes: [[7], [13, 1, 7]], kernel: 'binaryStrided' },
  { name: 'both broadcast (outer product)', shapes: [[13, 1], [1, 57]], kernel: 'binaryStrided' },
  { name: 'both broadcast, rank 4', shapes: [[2, 1, 7, 1], [1, 3, 1, 5]], kernel: 'binaryStrided' },
  // Rows narrower than a vector (MoveNet's keypoint grid minus (x, y) pairs), over wrapping dims.
  { name: 'narrow rows: pairs minus a pair', shapes: [[13, 7, 2], [2]], kernel: 'binaryStrided' },
  { name: 'narrow rows: triple first', shapes: [[3], [5, 13, 3]], kernel: 'binaryStrided' },
  { name: 'narrow rows, both broadcast', shapes: [[5, 1, 3], [1, 7, 3]], kernel: 'binaryStrided' },
  { name: 'rows of one', shapes: [[7, 1], [1, 13]], kernel: 'binaryStrided' },
];

const binaryRanges: Record<string, [number, number][]> = {
  Div: [[-1, 1], [0.25, 2]],
  Pow: [[0.1, 3], [-2, 2]],
};

runCases(
  'binary ops with broadcasting',
  ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min'].flatMap((op) =>
    broadcastShapes.map(({ name, shapes, kernel }) => ({ name, op, data: shapes, kernel, range: binaryRanges[op] })),
  ),
);

runCases('binary ops with a constant operand and legacy broadcasting', [
  { name: 'constant per-channel bias', op: 'Add', data: [[1, 13, 7, 7]], constants: [fromNumbers('float32', [13, 1, 1], Array.from({ length: 13 }, (_, i) => i - 6))], kernel: 'binaryChannel' },
  { name: 'constant scalar divisor', op: 'Div', data: [[2, 57]], constants: [fromNumbers('float32', [], [3])], kernel: 'binaryScalar' },
  { name: 'opset 6 broadcast=1 axis=1', op: 'Mul', data: [[2, 13, 5, 7], [13]], attrs: { broadcast: int(1), axis: int(1) }, opset: 6, kernel: 'binaryChannel' },
  { name: 'opset 6 broadcast=1 trailing', op: 'Sub', data: [[2, 3, 7], [3, 7]], attrs: { broadcast: int(1) }, opset: 6 },
  { name: 'opset 6 equal shapes', op: 'Add', data: [[3, 7], [3, 7]], opset: 6 },
]);

runCases('variadic Sum, Max, Min', ['Sum', 'Max', 'Min'].flatMap((op): Case[] => [
  { name: 'one input', op, data: [[57]], kernel: 'copyBytes' },
  { name: 'two same', op, data: [[4097], [4097]], kernel: 'binarySame' },
  { name: 'three broadcast to a larger output', op, data: [[3], [1], [2, 3]], kernel: 'binaryStrided' },
  { name: 'four, per-channel and scalar', op, data: [[1, 13, 7, 7], [13, 1, 1], [1], [1, 13, 7, 7]], opset: 8 },
]));

runCases('PRelu', [
  { name: 'slope per channel', op: 'PRelu', data: [[1, 13, 7, 7], [13, 1, 1]], kernel: 'binaryChannel' },
  { name: 'one slope', op: 'PRelu', data: [[2, 3, 57], [1]], kernel: 'binaryScalar' },
  { name: 'full slope', op: 'PRelu', data: [[4097], [4097]], kernel: 'binarySame' },
  { name: 'slope on the last axis', op: 'PRelu', data: [[2, 3, 7], [7]], kernel: 'binaryStrided' },
  { name: 'constant slope per channel', op: 'PRelu', data: [[1, 3, 5, 13]], constants: [fromNumbers('float32', [3, 1, 1], [0.1, -0.5, 2])], kernel: 'binaryChannel' },
]);

// --- typed kernels: Cast and comparisons on float32, int32 and bool run-time values -----------

interface TypedInput {
  dtype: DType;
  shape: number[];
  /** Values (default: seeded, integers in [-300, 300) or floats in [-3e9, 3e9) with small ones mixed in, bools 0/1). */
  values?: number[];
  /** Largest float magnitude of the seeded values (default 3e9). */
  floatRange?: number;
}

function typedFeed(input: TypedInput, rng: () => number): Tensor {
  const n = input.shape.reduce((a, b) => a * b, 1);
  const values = input.values ?? Array.from({ length: n }, (_, i) => {
    const u = rng();
    if (input.dtype === 'bool') return u < 0.5 ? 0 : 1;
    if (input.dtype === 'float32') return i % 3 === 0 ? (u - 0.5) * 2 * (input.floatRange ?? 3e9) : (u - 0.5) * 600;
    return Math.floor((u - 0.5) * 600);
  });
  return fromNumbers(input.dtype, input.shape, values);
}

/** One node on typed run-time inputs: the planned kernel, then the engine against the reference. */
async function checkTyped(op: string, inputs: TypedInput[], attrs: Record<string, Attr>, kernel: string): Promise<void> {
  const model = singleNodeModel({ op, inputs: inputs.map((x, i) => ({ name: `x${i}`, dtype: x.dtype, shape: x.shape })), outputs: ['y'], attrs });
  model.graph.name = `${op} on ${inputs.map((x) => `${x.dtype}[${x.shape.join(', ')}]`).join(', ')}`;
  const n = model.graph.nodes[0]!;
  const ctx: OpContext = { node: n, opset: 17, inputs: inputs.map((x) => ({ dtype: x.dtype, shape: x.shape })), constants: [] };
  const plan = opFor(n).plan?.({ ...ctx, outputs: opFor(n).inferTypes(ctx) });
  expect(plan === undefined ? 'host' : plan.calls[0]?.fn, model.graph.name).toBe(kernel);
  const rng = seededRandom(11);
  // NaN and infinities are part of what these kernels are proved on: the session lets them in.
  await expectEngineMatchesReference(model, Object.fromEntries(inputs.map((x, i) => [`x${i}`, typedFeed(x, rng)])), 1e-4, { nonFinite: 'allow' });
}

describe('Cast on the cast kernel', () => {
  const targets: [string, number][] = [['float32', 1], ['uint8', 2], ['int8', 3], ['int32', 6], ['int64', 7], ['bool', 9], ['float64', 11]];
  for (const from of ['float32', 'int32', 'bool'] as DType[]) {
    for (const [to, code] of targets) {
      for (const shape of [[1], [7], [1, 57, 57, 3]]) {
        // Run-time int64 values are int32 (saturated), so int64 targets get values in int32's range here.
        const floatRange = to === 'int64' ? 2e9 : 3e9;
        it(`${from} -> ${to} on [${shape.join(', ')}]`, () => checkTyped('Cast', [{ dtype: from, shape, floatRange }], { to: int(code) }, 'cast'));
      }
    }
  }
  it('float32 -> int saturates, truncates toward zero and takes NaN to 0; -> bool takes NaN to true', async () => {
    const values = [-2.7, 2.7, -0, 0.5, -0.5, NaN, Infinity, -Infinity, 3e9, -3e9, 255.9, 256, -128.5, 127.9, 1e-30];
    for (const code of [2, 3, 6, 9]) await checkTyped('Cast', [{ dtype: 'float32', shape: [values.length], values }], { to: int(code) }, 'cast');
    // int64 holds int32 at run time: beyond its range the values saturate there, as on the host.
    const model = singleNodeModel({ op: 'Cast', inputs: [{ name: 'x0', dtype: 'float32', shape: [values.length] }], outputs: ['y'], attrs: { to: int(7) } });
    const y = (await runEngine(model, { x0: fromNumbers('float32', [values.length], values) }, { nonFinite: 'allow' })).y!;
    expect(Array.from(y)).toEqual([-2, 2, 0, 0, 0, 0, 2147483647, -2147483648, 2147483647, -2147483648, 255, 256, -128, 127, 0]);
  });
  it('int32 -> uint8 and int8 wrap', () => checkTyped('Cast', [{ dtype: 'int32', shape: [8], values: [-1, 255, 256, 257, -129, 128, 127, -2147483648] }], { to: int(3) }, 'cast'));
  it('float16 on either side runs on the host', async () => {
    await checkTyped('Cast', [{ dtype: 'float32', shape: [13], values: Array.from({ length: 13 }, (_, i) => i / 3) }], { to: int(10) }, 'host');
    await checkTyped('Cast', [{ dtype: 'float16', shape: [13], values: Array.from({ length: 13 }, (_, i) => i / 4) }], { to: int(1) }, 'host');
  });
});

describe('comparisons on the compare kernel', () => {
  const shapes: [number[], number[]][] = [
    [[4097], [4097]], [[7], [7]], [[1], [1]], [[13, 57], []], [[1, 1], [3, 57]], [[1, 13, 7, 7], [13, 1, 1]],
    [[2, 3, 5, 7, 4], [3, 1, 7, 1]], [[13, 1], [1, 57]], [[64, 64, 1], [1, 1, 6]],
  ];
  for (const op of ['Equal', 'Less', 'Greater']) {
    for (const dtype of ['float32', 'int32'] as DType[]) {
      for (const [a, b] of shapes) {
        it(`${op} ${dtype} [${a.join(', ')}] with [${b.join(', ')}]`, () => checkTyped(op, [{ dtype, shape: a }, { dtype, shape: b }], {}, 'compare'));
      }
    }
  }
  for (const op of ['GreaterOrEqual', 'LessOrEqual']) {
    for (const [a, b] of shapes.slice(3, 6)) {
      it(`${op} (select family) float32 [${a.join(', ')}] with [${b.join(', ')}]`, () => checkTyped(op, [{ dtype: 'float32', shape: a }, { dtype: 'float32', shape: b }], {}, 'compare'));
    }
  }
  for (const op of ['And', 'Or', 'Xor']) {
    it(`${op} (select family) on bools with broadcasting`, () => checkTyped(op, [{ dtype: 'bool', shape: [13, 7] }, { dtype: 'bool', shape: [7] }], {}, 'compare'));
  }
  it('Equal on float32 holds for equal values, never for NaN; on int32 on exact values', async () => {
    await checkTyped('Equal', [{ dtype: 'float32', shape: [6], values: [1, NaN, -0, 2.5, 3, 7] }, { dtype: 'float32', shape: [6], values: [1, NaN, 0, 2.5, -3, 7.0000005] }], {}, 'compare');
    await checkTyped('Less', [{ dtype: 'int32', shape: [5], values: [-16777216, 5, -1, 0, 16777216] }, { dtype: 'int32', shape: [1], values: [0] }], {}, 'compare');
    await checkTyped('Equal', [{ dtype: 'bool', shape: [2, 3] }, { dtype: 'bool', shape: [3] }], {}, 'compare');
  });
});

// --- unary ops --------------------------------------------------------------------------------

const unaryOps: { op: string; range?: [number, number]; attrs?: Record<string, Attr>[] }[] = [
  { op: 'Relu' },
  { op: 'LeakyRelu', attrs: [{}, { alpha: float(0.2) }, { alpha: float(-1.5) }] },
  { op: 'Elu', range: [-10, 3], attrs: [{}, { alpha: float(0.5) }] },
  { op: 'Selu', range: [-10, 3], attrs: [{}, { alpha: float(2), gamma: float(0.5) }] },
  { op: 'Sigmoid', range: [-20, 20] },
  { op: 'Tanh', range: [-12, 12] },
  { op: 'Softplus', range: [-30, 30] },
  { op: 'HardSigmoid', range: [-6, 6], attrs: [{}, { alpha: float(0.5), beta: float(0.25) }] },
  { op: 'HardSwish', range: [-5, 5] },
  { op: 'Exp', range: [-10, 10] },
  { op: 'Sqrt', range: [0, 9] },
  { op: 'Neg' },
  { op: 'Abs' },
  { op: 'Erf', range: [-4, 4] },
  { op: 'Floor', range: [-9, 9] },
  { op: 'Ceil', range: [-9, 9] },
  { op: 'Round', range: [-9, 9] },
  { op: 'Reciprocal', range: [0.5, 4] },
];

runCases('unary ops and activations', unaryOps.flatMap(({ op, range, attrs = [{}] }) =>
  [[1], [7], [13, 57], [4097]].flatMap((shape) =>
    attrs.map((a): Case => ({ name: `${JSON.stringify(a)} on [${shape.join(', ')}]`, op, data: [shape], range, attrs: a, kernel: 'unary' })),
  ),
));

const f32 = (values: number[]) => fromNumbers('float32', [], values);
runCases('Clip, every opset form', [
  { name: 'opset 6 attributes', op: 'Clip', data: [[4097]], attrs: { min: float(-0.5), max: float(0.25) }, opset: 6, kernel: 'unary' },
  { name: 'opset 6 min only', op: 'Clip', data: [[57]], attrs: { min: float(0) }, opset: 6, kernel: 'unary' },
  { name: 'opset 6 no bounds', op: 'Clip', data: [[7]], opset: 6, kernel: 'unary' },
  { name: 'opset 11 both inputs', op: 'Clip', data: [[13, 57]], constants: [f32([-0.3]), f32([0.6])], opset: 11, kernel: 'unary' },
  { name: 'opset 13 max only', op: 'Clip', data: [[1, 13, 7]], constants: [undefined, f32([0.1])], opset: 13, kernel: 'unary' },
  { name: 'opset 13 min only', op: 'Clip', data: [[7]], constants: [f32([0])], opset: 13, kernel: 'unary' },
  { name: 'opset 13 no bounds', op: 'Clip', data: [[7]], opset: 13, kernel: 'unary' },
  { name: 'opset 13 min > max', op: 'Clip', data: [[13]], constants: [f32([0.5]), f32([-0.5])], opset: 13, kernel: 'unary' },
  { name: 'opset 13 bounds at run time (host)', op: 'Clip', data: [[13], [], []], opset: 13, kernel: 'host' },
]);

describe('vector math accuracy', () => {
  it('exp is within 1e-6 relative of Math.exp over the float32 range, +inf beyond it', async () => {
    const n = 4099;
    const xs = Array.from({ length: n }, (_, i) => -87 + (175.5 * i) / (n - 1));
    xs.push(89, 100, -100);
    const model = caseModel({ name: 'range', op: 'Exp', data: [[xs.length]] });
    const y = (await runEngine(model, { x0: fromNumbers('float32', [xs.length], xs) })).y!;
    const input = new Float32Array(xs);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i]! - Math.exp(input[i]!)) / Math.exp(input[i]!));
    expect(worst).toBeLessThan(1e-6);
    expect([y[n], y[n + 1]]).toEqual([Infinity, Infinity]);
    expect(y[n + 2]).toBeLessThan(1e-37);
  });

  it('Round takes halves to the even neighbour', async () => {
    const xs = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999, -3.7];
    const model = caseModel({ name: 'halves', op: 'Round', data: [[xs.length]] });
    const y = (await runEngine(model, { x0: fromNumbers('float32', [xs.length], xs) })).y!;
    expect(Array.from(y)).toEqual([-2, -2, -0, 0, 2, 2, 4, 2, -4]);
  });
});

// --- Softmax ----------------------------------------------------------------------------------

runCases('Softmax and LogSoftmax', ['Softmax', 'LogSoftmax'].flatMap((op): Case[] => [
  { name: 'opset 11 default axis 1 (coerced to 2-D)', op, data: [[2, 3, 7, 5]], opset: 11, range: [-50, 50], kernel: 'softmax' },
  { name: 'opset 11 axis 2', op, data: [[2, 3, 7, 5]], attrs: { axis: int(2) }, opset: 11 },
  { name: 'opset 11 axis -1, 4097 wide', op, data: [[3, 4097]], attrs: { axis: int(-1) }, opset: 11 },
  { name: 'opset 13 default axis -1', op, data: [[2, 13, 57]], opset: 13, range: [-50, 50] },
  { name: 'opset 13 channels of NCHW', op, data: [[1, 13, 7, 7]], attrs: { axis: int(1) }, opset: 13 },
  { name: 'opset 13 axis 0, inner 7', op, data: [[5, 7]], attrs: { axis: int(0) }, opset: 13 },
  { name: 'opset 13 axis 1 of batch 2, inner 57', op, data: [[2, 3, 57]], attrs: { axis: int(1) }, opset: 13 },
  { name: 'opset 13 single element', op, data: [[1]], opset: 13 },
]));

// --- reductions -------------------------------------------------------------------------------

/** Every subset of [0, rank). */
function axisSets(rank: number): number[][] {
  return Array.from({ length: 1 << rank }, (_, mask) => Array.from({ length: rank }, (_, i) => i).filter((i) => mask & (1 << i)));
}

const reduceShape = [2, 3, 7, 5];
const reduceCases: Case[] = [];
for (const axes of axisSets(reduceShape.length)) {
  for (const keepdims of [0, 1]) {
    const name = `axes [${axes}] keepdims ${keepdims}`;
    const attrs = { keepdims: int(keepdims) };
    // ReduceSum takes axes as an input from 13; ReduceMean and ReduceMax from 18.
    reduceCases.push({ name, op: 'ReduceSum', data: [reduceShape], constants: axes.length ? [int64([axes.length], axes)] : [], attrs, opset: 13 });
    reduceCases.push({ name, op: 'ReduceMean', data: [reduceShape], attrs: axes.length ? { ...attrs, axes: ints(axes) } : attrs, opset: 13 });
    reduceCases.push({ name, op: 'ReduceMax', data: [reduceShape], constants: axes.length ? [int64([axes.length], axes.map((a) => a - 4))] : [], attrs, opset: 18 });
  }
}
runCases('reductions over every axis set', reduceCases);

runCases('reductions: kernels, opsets, large extents', [
  { name: 'spatial mean of NCHW (contiguous rows)', op: 'ReduceMean', data: [[1, 64, 57, 57]], attrs: { axes: ints([2, 3]) }, opset: 11, kernel: 'reduceAxis' },
  { name: 'channel sum (columns)', op: 'ReduceSum', data: [[2, 13, 7, 57]], constants: [int64([1], [1])], opset: 13, kernel: 'reduceAxis' },
  { name: 'all of 4097 (attribute, opset 11)', op: 'ReduceSum', data: [[4097]], attrs: { keepdims: int(0) }, opset: 11, kernel: 'reduceAxis' },
  { name: 'max over channels', op: 'ReduceMax', data: [[1, 13, 7, 7]], attrs: { axes: ints([1]) }, opset: 13, kernel: 'reduceAxis' },
  { name: 'axes with a size-1 gap are one run', op: 'ReduceMean', data: [[3, 7, 1, 5]], constants: [int64([2], [1, 3])], opset: 18, kernel: 'reduceAxis' },
  { name: 'separate axes run on the host', op: 'ReduceSum', data: [[3, 7, 5]], constants: [int64([2], [0, 2])], opset: 13, kernel: 'host' },
  { name: 'noop_with_empty_axes', op: 'ReduceSum', data: [[3, 7]], attrs: { noop_with_empty_axes: int(1) }, opset: 13, kernel: 'copyBytes' },
  { name: 'empty axes input means all', op: 'ReduceMean', data: [[3, 7]], constants: [int64([0], [])], opset: 18, kernel: 'reduceAxis' },
]);

// --- references on hand-worked values ---------------------------------------------------------

function node(op: string, attrs: Record<string, Attr> = {}, inputs = 2): Node {
  return { name: `${op}_0`, op, domain: '', inputs: Array.from({ length: inputs }, (_, i) => `x${i}`), outputs: ['y'], attrs };
}

function reference(op: string, inputs: (Tensor | undefined)[], attrs: Record<string, Attr> = {}, opset = 17): Tensor {
  return opFor(node(op, attrs, inputs.length)).reference({ node: node(op, attrs, inputs.length), opset, inputs })[0]!;
}

const i64 = (values: (number | bigint)[], shape = [values.length]): Tensor => ({ dtype: 'int64', shape, data: BigInt64Array.from(values, BigInt) });
const typed = (dtype: DType, values: number[], shape = [values.length]): Tensor => fromNumbers(dtype, shape, values);

describe('references', () => {
  it('int64 arithmetic is exact, wraps, and divides truncating toward zero', () => {
    expect(Array.from(reference('Div', [i64([-7, 7, -7, 9]), i64([2, -2, -2, 3])]).data as BigInt64Array)).toEqual([-3n, -3n, 3n, 3n]);
    expect(Array.from(reference('Add', [i64([0x7fffffffffffffffn]), i64([1])]).data as BigInt64Array)).toEqual([-0x8000000000000000n]);
    expect(Array.from(reference('Sub', [i64([9007199254740993n]), i64([1])]).data as BigInt64Array)).toEqual([9007199254740992n]);
    const product = reference('Mul', [i64([2, 3, 4], [3]), i64([5], [])]);
    expect(product.dtype).toBe('int64');
    expect(toNumbers(product)).toEqual([10, 15, 20]);
    expect(() => reference('Div', [i64([1]), i64([0])])).toThrow(WasmposeError);
  });

  it('int32 and uint8 arithmetic wrap to their width', () => {
    expect(toNumbers(reference('Mul', [typed('int32', [65536, -3]), typed('int32', [65536, 5])]))).toEqual([0, -15]);
    expect(toNumbers(reference('Add', [typed('uint8', [250]), typed('uint8', [10])]))).toEqual([4]);
    expect(toNumbers(reference('Div', [typed('int32', [-9]), typed('int32', [4])]))).toEqual([-2]);
  });

  it('float32 results round to float32; Pow keeps the base type', () => {
    expect(Array.from(reference('Add', [typed('float32', [0.1]), typed('float32', [0.2])]).data as Float32Array)).toEqual([Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
    expect(toNumbers(reference('Pow', [i64([2, 3, -2]), typed('float32', [10, 0.5, 3])]))).toEqual([1024, 1, -8]);
    expect(toNumbers(reference('Pow', [typed('float32', [4, 2]), i64([-1, 3])]))).toEqual([0.25, 8]);
  });

  it('variadic ops broadcast every input and work on int64', () => {
    expect(toNumbers(reference('Sum', [i64([1, 2, 3]), i64([10]), i64([100, 200, 300, 400, 500, 600], [2, 3])]))).toEqual([111, 212, 313, 411, 512, 613]);
    expect(toNumbers(reference('Max', [i64([1, 5]), i64([3])]))).toEqual([3, 5]);
    expect(toNumbers(reference('Min', [typed('float32', [1, -5]), typed('float32', [0]), typed('float32', [-1, 2])]))).toEqual([-1, -5]);
  });

  it('Cast truncates toward zero, saturates, and wraps between integers', () => {
    const xs = typed('float32', [-2.7, 2.7, 0, NaN, 3e9, -3e9, 0.5]);
    expect(toNumbers(reference('Cast', [xs], { to: int(7) }))).toEqual([-2, 2, 0, 0, 3000000000, -3000000000, 0]);
    expect(toNumbers(reference('Cast', [xs], { to: int(6) }))).toEqual([-2, 2, 0, 0, 2147483647, -2147483648, 0]);
    expect(toNumbers(reference('Cast', [xs], { to: int(9) }))).toEqual([1, 1, 0, 1, 1, 1, 1]);
    expect(toNumbers(reference('Cast', [i64([4294967297n, -1])], { to: int(6) }))).toEqual([1, -1]);
    expect(toNumbers(reference('Cast', [i64([7, -3])], { to: int(1) }))).toEqual([7, -3]);
    expect(reference('Cast', [typed('float32', [1.5])], { to: int(10) }).dtype).toBe('float16');
    expect(toNumbers(reference('Cast', [typed('bool', [1, 0])], { to: int(1) }))).toEqual([1, 0]);
    expect(() => reference('Cast', [xs], { to: int(8) })).toThrow(UnsupportedOpError);
  });

  it('comparisons, Where and Not', () => {
    expect(toNumbers(reference('Equal', [i64([1, 2, 3]), i64([2])]))).toEqual([0, 1, 0]);
    expect(toNumbers(reference('Less', [typed('float32', [1, 2], [2, 1]), typed('float32', [1.5, 0.5, 3], [3])]))).toEqual([1, 0, 1, 0, 0, 1]);
    expect(toNumbers(reference('Greater', [i64([5, -1]), i64([0])]))).toEqual([1, 0]);
    expect(reference('Equal', [i64([1]), i64([1])]).dtype).toBe('bool');
    const chosen = reference('Where', [typed('bool', [1, 0, 1]), i64([10, 20, 30]), i64([-1])]);
    expect([chosen.dtype, toNumbers(chosen)]).toEqual(['int64', [10, -1, 30]]);
    expect(toNumbers(reference('Not', [typed('bool', [1, 0])]))).toEqual([0, 1]);
  });

  it('Clip on integers leaves absent bounds open; Relu, Neg, Abs take integers', () => {
    expect(toNumbers(reference('Clip', [i64([-5, 0, 9]), undefined, i64([3], [])], {}, 13))).toEqual([-5, 0, 3]);
    expect(toNumbers(reference('Relu', [typed('int32', [-3, 4])]))).toEqual([0, 4]);
    expect(toNumbers(reference('Neg', [i64([-3, 4])]))).toEqual([3, -4]);
    expect(toNumbers(reference('Abs', [i64([-3, 4])]))).toEqual([3, 4]);
    expect(() => reference('Sigmoid', [i64([1])])).toThrow(UnsupportedOpError);
  });

  it('reductions on int64 truncate the mean', () => {
    const x = i64([1, 2, 4, -7, 0, 6], [2, 3]);
    expect(toNumbers(reference('ReduceMean', [x], { axes: ints([1]), keepdims: int(0) }, 13))).toEqual([2, 0]);
    expect(toNumbers(reference('ReduceSum', [x, i64([0])], { keepdims: int(1) }, 13))).toEqual([-6, 2, 10]);
    expect(toNumbers(reference('ReduceMax', [x], {}, 13))).toEqual([6]);
  });
});

describe('shape errors', () => {
  const infer = (op: string, shapes: number[][], opset = 17, dtypes: DType[] = []) => {
    const n = node(op, {}, shapes.length);
    return opFor(n).inferTypes({ node: n, opset, inputs: shapes.map((shape, i) => ({ dtype: dtypes[i] ?? 'float32', shape })), constants: [] });
  };

  it('names both shapes when they cannot broadcast', () => {
    expect(() => infer('Add', [[2, 3], [4]])).toThrow(new ShapeError("Add node 'Add_0': cannot broadcast [2, 3] with [4]"));
    expect(() => infer('Sum', [[2, 3], [1, 3], [2, 2]])).toThrow(ShapeError);
    expect(() => infer('PRelu', [[1, 3, 5, 5], [5, 1, 1]])).toThrow(/cannot broadcast slope \[5, 1, 1\] to \[1, 3, 5, 5\]/);
    expect(() => infer('Where', [[3], [2], [3]], 17, ['bool'])).toThrow(ShapeError);
  });

  it('infers broadcast shapes and types', () => {
    expect(infer('Mul', [[2, 1, 7], [3, 1]])).toEqual([{ dtype: 'float32', shape: [2, 3, 7] }]);
    expect(infer('Less', [[4, 1], [5]])).toEqual([{ dtype: 'bool', shape: [4, 5] }]);
    expect(() => infer('Add', [[2], [2]], 17, ['float32', 'int64'])).toThrow(/input 1 is int64 but input 0 is float32/);
  });

  it('refuses bad axes and non-scalar Clip bounds', () => {
    expect(() => infer('Softmax', [[2, 3]], 13).length).not.toThrow();
    const softmax = node('Softmax', { axis: int(2) }, 1);
    expect(() => opFor(softmax).inferTypes({ node: softmax, opset: 13, inputs: [{ dtype: 'float32', shape: [2, 3] }], constants: [] })).toThrow(/axis 2 is out of range for rank 2/);
    const reduce = node('ReduceSum', { axes: ints([0, -2]) }, 1);
    expect(() => opFor(reduce).inferTypes({ node: reduce, opset: 11, inputs: [{ dtype: 'float32', shape: [2, 3] }], constants: [] })).toThrow(/repeat an axis/);
    expect(() => infer('Clip', [[3], [2]], 13)).toThrow(/min must be a scalar/);
  });

  it('refuses axes computed at run time', () => {
    const reduce = node('ReduceSum', {}, 2);
    expect(() => opFor(reduce).inferTypes({ node: reduce, opset: 13, inputs: [{ dtype: 'float32', shape: [2, 3] }, { dtype: 'int64', shape: [1] }], constants: [] })).toThrow(UnsupportedOpError);
  });
});
