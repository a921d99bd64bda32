// The tensor family: WASM kernels (block copies, strided copies, 2-D transposes, gathers) against
// the TypeScript references on odd shapes, every attribute and opset variant; the references
// themselves on hand-worked cases (every dtype, slice clamping); and the load-time refusals.
import { describe, expect, it } from 'vitest';
import { ShapeError, UnsupportedOpError } from '../src/nn/errors.js';
import type { Attr, Node } from '../src/nn/graph.js';
import { runReference } from '../src/nn/reference.js';
import { opFor } from '../src/nn/ops/registry.js';
import type { OpContext, ValueType } from '../src/nn/ops/types.js';
import { Session } from '../src/nn/session.js';
import { fromNumbers, int64, toNumbers, type DType, type Tensor } from '../src/nn/tensor.js';
import { expectEngineMatchesReference, randomTensor, seededRandom, singleNodeModel } from './support/harness.js';
import { opCaseFeeds, opCaseModel, type OpCase } from './support/op-case.js';

const INT64_MAX = 9223372036854775807;
const INT64_MIN = -9223372036854775808;

const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const int = (value: number): Attr => ({ kind: 'int', value });

type Case = OpCase & { name: string };

const caseModel = opCaseModel;

const feedsFor = opCaseFeeds;

async function check(c: Case, seed = 1): Promise<void> {
  await expectEngineMatchesReference(caseModel(c), feedsFor(c, seed));
}

/** What the op plans for a case: the kernel names it calls, or 'host'. */
async function plannedKernels(c: Case): Promise<string[] | 'host'> {
  const model = caseModel(c);
  const node = model.graph.nodes[0]!;
  const feeds = feedsFor(c, 1);
  const inputs = node.inputs.map((n): ValueType | undefined => {
    const t = model.graph.initializers.get(n) ?? feeds[n];
    return t === undefined ? undefined : { dtype: t.dtype, shape: [...t.shape] };
  });
  const constants = node.inputs.map((n) => model.graph.initializers.get(n));
  const ctx: OpContext = { node, opset: c.opset ?? 17, inputs, constants };
  const op = opFor(node);
  const outputs = op.inferTypes(ctx);
  const plan = op.plan?.({ ...ctx, outputs });
  return plan === undefined ? 'host' : plan.calls.map((call) => call.fn);
}

const concatCases: Case[] = [
  { name: 'NCHW channels (one block per input)', op: 'Concat', data: [[1, 3, 5, 7], [1, 13, 5, 7], [1, 1, 5, 7]], attrs: { axis: int(1) } },
  { name: 'batch 2 channels', op: 'Concat', data: [[2, 3, 1, 57], [2, 64, 1, 57]], attrs: { axis: int(1) } },
  { name: 'negative axis', op: 'Concat', data: [[2, 3, 7], [2, 3, 1], [2, 3, 13]], attrs: { axis: int(-1) } },
  { name: 'axis 0', op: 'Concat', data: [[1, 13], [3, 13]], attrs: { axis: int(0) } },
  { name: 'with a constant input', op: 'Concat', data: [[1, 3, 7]], constants: [fromNumbers('float32', [1, 2, 7], Array.from({ length: 14 }, (_, i) => i))], attrs: { axis: int(1) } },
  { name: 'single input', op: 'Concat', data: [[3, 7]], attrs: { axis: int(0) } },
];

const splitCases: Case[] = [
  { name: 'split attribute (opset 11)', op: 'Split', data: [[1, 13, 3, 7]], attrs: { axis: int(1), split: ints([2, 5, 6]) }, outputs: 3, opset: 11 },
  { name: 'split input (opset 13)', op: 'Split', data: [[2, 13, 57]], constants: [int64([3], [1, 0, 12])], attrs: { axis: int(1) }, outputs: 3, opset: 13 },
  { name: 'equal, no split (opset 13)', op: 'Split', data: [[3, 64]], attrs: { axis: int(-1) }, outputs: 4, opset: 13 },
  { name: 'equal, default axis 0 (opset 11)', op: 'Split', data: [[6, 7]], outputs: 2, opset: 11 },
  { name: 'num_outputs, uneven (opset 18)', op: 'Split', data: [[1, 13, 7]], attrs: { axis: int(1), num_outputs: int(3) }, outputs: 3, opset: 18 },
];

const sliceCases: Case[] = [
  { name: 'opset 1 attributes', op: 'Slice', data: [[1, 13, 7, 5]], attrs: { starts: ints([2, 1]), ends: ints([9, -1]), axes: ints([1, 3]) }, opset: 1 },
  { name: 'opset 1 without axes', op: 'Slice', data: [[13, 7]], attrs: { starts: ints([-5, 0]), ends: ints([100, 3]) }, opset: 1 },
  { name: 'channels (contiguous rows)', op: 'Slice', data: [[1, 64, 7, 7]], constants: [int64([1], [3]), int64([1], [16]), int64([1], [1])] },
  { name: 'steps 2 and 3', op: 'Slice', data: [[1, 13, 57]], constants: [int64([2], [1, 0]), int64([2], [13, 57]), int64([2], [1, 2]), int64([2], [2, 3])] },
  { name: 'negative step reverses', op: 'Slice', data: [[3, 57]], constants: [int64([1], [-1]), int64([1], [INT64_MIN]), int64([1], [-1]), int64([1], [-1])] },
  { name: 'negative step 2 from the middle', op: 'Slice', data: [[2, 13, 7]], constants: [int64([2], [10, 5]), int64([2], [0, -100]), int64([2], [1, 2]), int64([2], [-2, -3])] },
  { name: 'INT64_MAX end, negative axes', op: 'Slice', data: [[2, 3, 13]], constants: [int64([2], [1, 4]), int64([2], [INT64_MAX, INT64_MAX]), int64([2], [-3, -1])] },
  { name: 'INT64_MIN start clamps to 0', op: 'Slice', data: [[7, 5]], constants: [int64([1], [INT64_MIN]), int64([1], [4]), int64([1], [0])] },
  { name: 'huge step keeps one element', op: 'Slice', data: [[7, 5]], constants: [int64([1], [2]), int64([1], [INT64_MAX]), int64([1], [1]), int64([1], [INT64_MAX])] },
  { name: 'empty result', op: 'Slice', data: [[7, 5]], constants: [int64([1], [5]), int64([1], [2]), int64([1], [0])] },
  { name: 'axes omitted, steps given', op: 'Slice', data: [[7, 5]], constants: [int64([2], [0, 1]), int64([2], [7, 5]), undefined, int64([2], [3, 1])] },
];

const transposeCases: Case[] = [
  { name: 'NCHW -> NHWC', op: 'Transpose', data: [[1, 13, 7, 57]], attrs: { perm: ints([0, 2, 3, 1]) } },
  { name: 'NCHW -> NHWC batch 2, 64 channels', op: 'Transpose', data: [[2, 64, 3, 5]], attrs: { perm: ints([0, 2, 3, 1]) } },
  { name: 'NHWC -> NCHW', op: 'Transpose', data: [[1, 7, 57, 3]], attrs: { perm: ints([0, 3, 1, 2]) } },
  { name: 'NHWC -> NCHW one channel', op: 'Transpose', data: [[2, 7, 1, 1]], attrs: { perm: ints([0, 3, 1, 2]) } },
  { name: 'default reverses', op: 'Transpose', data: [[3, 5, 7]] },
  { name: '2-D', op: 'Transpose', data: [[13, 57]] },
  { name: 'general (swap pairs)', op: 'Transpose', data: [[3, 2, 7, 5]], attrs: { perm: ints([1, 0, 3, 2]) } },
  { name: 'general (rotate)', op: 'Transpose', data: [[3, 13, 7]], attrs: { perm: ints([2, 0, 1]) } },
  { name: 'identity', op: 'Transpose', data: [[3, 7]], attrs: { perm: ints([0, 1]) } },
];

const tileCases: Case[] = [
  { name: 'repeats on several axes', op: 'Tile', data: [[3, 1, 7]], constants: [int64([3], [2, 3, 1])] },
  { name: 'repeat the inner axis', op: 'Tile', data: [[2, 3, 5]], constants: [int64([3], [1, 2, 2])] },
  { name: 'no repeat', op: 'Tile', data: [[1, 13]], constants: [int64([2], [1, 1])] },
  { name: 'zero repeat', op: 'Tile', data: [[2, 3]], constants: [int64([2], [0, 2])] },
];

const gatherCases: Case[] = [
  { name: 'axis 0 rows', op: 'Gather', data: [[13, 7]], constants: [int64([4], [0, 12, -1, 3])] },
  { name: 'axis 1 with 2-D indices', op: 'Gather', data: [[2, 13, 5]], constants: [int64([2, 3], [1, -13, 4, 4, 0, 12])], attrs: { axis: int(1) } },
  { name: 'axis -1, scalar index', op: 'Gather', data: [[3, 57]], constants: [int64([], [-2])], attrs: { axis: int(-1) } },
  { name: 'int32 indices', op: 'Gather', data: [[1, 64, 3]], constants: [fromNumbers('int32', [2], [63, 0])], attrs: { axis: int(1) } },
];

const expandCases: Case[] = [
  { name: 'column to a larger rank', op: 'Expand', data: [[3, 1]], constants: [int64([3], [2, 3, 7])] },
  { name: 'per-channel to NCHW', op: 'Expand', data: [[1, 13, 1, 1]], constants: [int64([4], [2, 13, 5, 7])] },
  { name: 'target of ones keeps the input', op: 'Expand', data: [[2, 3, 4]], constants: [int64([2], [3, 1])] },
  { name: 'scalar', op: 'Expand', data: [[]], constants: [int64([2], [3, 5])] },
];

const aliasCases: Case[] = [
  { name: 'Reshape 0 and -1', op: 'Reshape', data: [[1, 13, 5, 7]], constants: [int64([2], [0, -1])] },
  { name: 'Reshape allowzero (opset 14)', op: 'Reshape', data: [[2, 3, 7]], constants: [int64([3], [7, 3, 2])], attrs: { allowzero: int(1) }, opset: 14 },
  { name: 'Flatten axis 2', op: 'Flatten', data: [[2, 3, 5, 7]], attrs: { axis: int(2) } },
  { name: 'Flatten axis 0', op: 'Flatten', data: [[2, 3, 5]], attrs: { axis: int(0) } },
  { name: 'Flatten axis -1', op: 'Flatten', data: [[2, 3, 5]], attrs: { axis: int(-1) } },
  { name: 'Squeeze attribute (opset 11)', op: 'Squeeze', data: [[1, 3, 1, 7]], attrs: { axes: ints([0, -2]) }, opset: 11 },
  { name: 'Squeeze input (opset 13)', op: 'Squeeze', data: [[1, 3, 1, 7]], constants: [int64([1], [2])], opset: 13 },
  { name: 'Squeeze all (opset 13)', op: 'Squeeze', data: [[1, 3, 1, 7]], opset: 13 },
  { name: 'Unsqueeze attribute (opset 11)', op: 'Unsqueeze', data: [[3, 7]], attrs: { axes: ints([0, 3]) }, opset: 11 },
  { name: 'Unsqueeze input, negative (opset 13)', op: 'Unsqueeze', data: [[3, 7]], constants: [int64([2], [-1, 1])], opset: 13 },
];

describe.each([
  ['Concat', concatCases],
  ['Split', splitCases],
  ['Slice', sliceCases],
  ['Transpose', transposeCases],
  ['Tile', tileCases],
  ['Gather', gatherCases],
  ['Expand', expandCases],
  ['zero-copy reshapes', aliasCases],
])('%s: engine vs reference', (_, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await check(c);
  });
});

describe('random permutations and windows (seeded)', () => {
  const rng = seededRandom(2024);
  const pick = (n: number): number => Math.floor(rng() * n);
  const randomShape = (): number[] => Array.from({ length: 1 + pick(5) }, () => [1, 2, 3, 4, 5, 7, 13][pick(7)]!);

  it('Transpose on 40 random shapes and permutations', async () => {
    for (let t = 0; t < 40; t++) {
      const shape = randomShape();
      const perm = shape.map((_, i) => i).sort(() => rng() - 0.5);
      await check({ name: `transpose ${t}`, op: 'Transpose', data: [shape], attrs: { perm: ints(perm) } }, t);
    }
  });

  it('Slice on 40 random windows, steps of both signs', async () => {
    for (let t = 0; t < 40; t++) {
      const shape = randomShape();
      const axes = shape.map((_, i) => i).filter(() => rng() < 0.7);
      const starts = axes.map((a) => pick(2 * shape[a]! + 3) - shape[a]! - 1);
      const ends = axes.map((a) => pick(2 * shape[a]! + 3) - shape[a]! - 1);
      const steps = axes.map(() => (rng() < 0.5 ? -1 : 1) * (1 + pick(3)));
      const n = axes.length;
      await check({ name: `slice ${t}`, op: 'Slice', data: [shape], constants: [int64([n], starts), int64([n], ends), int64([n], axes), int64([n], steps)] }, t);
    }
  });
});

describe('split across two threads', () => {
  it('every kernel gives the same result on sub-ranges', async () => {
    const cases = [concatCases[1]!, splitCases[1]!, sliceCases[3]!, transposeCases[1]!, transposeCases[6]!, tileCases[0]!, gatherCases[1]!, expandCases[1]!];
    for (const c of cases) {
      await expectEngineMatchesReference(caseModel(c), feedsFor(c, 5), 1e-4, { threads: 2 });
    }
  });
});

describe('kernel choice', () => {
  it('permutations that swap two groups of axes (NCHW <-> NHWC, 2-D) take the SIMD 2-D path; others the strided copy', async () => {
    const kernels = await Promise.all(transposeCases.map(plannedKernels));
    const chosen = Object.fromEntries(transposeCases.map((c, i) => [c.name, (kernels[i] as string[]).join()]));
    expect(chosen).toEqual({
      'NCHW -> NHWC': 'transpose2d',
      'NCHW -> NHWC batch 2, 64 channels': 'transpose2d',
      'NHWC -> NCHW': 'transpose2d',
      'NHWC -> NCHW one channel': 'copyStrided',
      'default reverses': 'copyStrided',
      '2-D': 'transpose2d',
      'general (swap pairs)': 'copyStrided',
      'general (rotate)': 'transpose2d',
      identity: 'copyStrided',
    });
  });

  it('Concat and Split make one block copy per piece; Gather with constant indices copies slices', async () => {
    expect(await plannedKernels(concatCases[0]!)).toEqual(['copyBlocks', 'copyBlocks', 'copyBlocks']);
    expect(await plannedKernels(splitCases[0]!)).toEqual(['copyBlocks', 'copyBlocks', 'copyBlocks']);
    expect(await plannedKernels(gatherCases[1]!)).toEqual(['gatherBlocks']);
    expect(await plannedKernels(sliceCases[2]!)).toEqual(['copyStrided']);
    expect(await plannedKernels(sliceCases[9]!)).toEqual([]);
  });
});

describe('Gather with run-time indices (host path)', () => {
  it('matches the reference and refuses an out-of-range index', async () => {
    const model = singleNodeModel({
      op: 'Gather',
      inputs: [{ name: 'x', dtype: 'float32', shape: [5, 3] }, { name: 'i', dtype: 'int64', shape: [3] }],
      outputs: ['y'],
    });
    const x = randomTensor([5, 3], seededRandom(3));
    await expectEngineMatchesReference(model, { x, i: int64([3], [4, -5, 2]) });
    const session = await Session.create(model, { inputShapes: { x: [5, 3], i: [3] } });
    expect(() => session.run({ x: x.data as Float32Array, i: [0, 5, 1] })).toThrow(ShapeError);
  });
});

/** Runs one node's reference on host tensors. */
function runNode(op: string, inputs: (Tensor | undefined)[], attrs: Record<string, Attr> = {}, outputs = 1, opset = 17): Tensor[] {
  const node: Node = { name: `${op}_ref`, op, domain: '', inputs: inputs.map((t, i) => (t === undefined ? '' : `i${i}`)), outputs: Array.from({ length: outputs }, (_, i) => `o${i}`), attrs };
  return opFor(node).reference({ node, opset, inputs });
}

describe('references on every dtype (hand-worked)', () => {
  it('Slice clamps sentinels and walks negative steps on int64', () => {
    const x = int64([6], [0, 1, 2, 3, 4, 5]);
    const slice = (starts: number[], ends: number[], steps?: number[]) =>
      toNumbers(runNode('Slice', [x, int64([1], starts), int64([1], ends), undefined, steps && int64([1], steps)])[0]!);
    expect(slice([INT64_MIN], [INT64_MAX])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(slice([INT64_MAX], [INT64_MIN], [-1])).toEqual([5, 4, 3, 2, 1, 0]);
    expect(slice([-2], [0], [-2])).toEqual([4, 2]);
    expect(slice([1], [-1], [3])).toEqual([1, 4]);
    expect(slice([4], [2])).toEqual([]);
  });

  it('Concat, Transpose, Tile, Expand and Gather keep dtypes (int64, uint8, bool, float16)', () => {
    const a = int64([2, 2], [1, 2, 3, 4]);
    const c = runNode('Concat', [a, int64([2, 1], [9, 8])], { axis: int(1) })[0]!;
    expect(c.dtype).toBe('int64');
    expect(c.shape).toEqual([2, 3]);
    expect(toNumbers(c)).toEqual([1, 2, 9, 3, 4, 8]);
    const t = runNode('Transpose', [fromNumbers('uint8', [2, 3], [1, 2, 3, 4, 5, 6])])[0]!;
    expect(t.dtype).toBe('uint8');
    expect(toNumbers(t)).toEqual([1, 4, 2, 5, 3, 6]);
    const tiled = runNode('Tile', [fromNumbers('bool', [2], [1, 0]), int64([1], [2])])[0]!;
    expect(toNumbers(tiled)).toEqual([1, 0, 1, 0]);
    const e = runNode('Expand', [fromNumbers('float16', [2, 1], [1.5, -2]), int64([2], [2, 2])])[0]!;
    expect(e.dtype).toBe('float16');
    expect(toNumbers(e)).toEqual([1.5, 1.5, -2, -2]);
    const g = runNode('Gather', [int64([4], [10, 20, 30, 40]), int64([], [-1])])[0]!;
    expect(g.shape).toEqual([]);
    expect(toNumbers(g)).toEqual([40]);
  });

  it('Split sizes: attribute, input, equal and num_outputs', () => {
    const x = int64([7], [0, 1, 2, 3, 4, 5, 6]);
    const parts = (inputs: (Tensor | undefined)[], attrs: Record<string, Attr>, n: number, opset: number) => runNode('Split', inputs, attrs, n, opset).map(toNumbers);
    expect(parts([x], { split: ints([3, 4]) }, 2, 11)).toEqual([[0, 1, 2], [3, 4, 5, 6]]);
    expect(parts([x, int64([3], [1, 0, 6])], {}, 3, 13)).toEqual([[0], [], [1, 2, 3, 4, 5, 6]]);
    expect(parts([x], { num_outputs: int(3) }, 3, 18)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(() => parts([x], {}, 2, 13)).toThrow(/equal/);
  });

  it('Shape (start/end), Size, ConstantOfShape, Constant, Range', () => {
    const x = fromNumbers('float32', [2, 3, 5, 7], new Float32Array(210));
    expect(toNumbers(runNode('Shape', [x])[0]!)).toEqual([2, 3, 5, 7]);
    expect(toNumbers(runNode('Shape', [x], { start: int(1), end: int(-1) })[0]!)).toEqual([3, 5]);
    expect(toNumbers(runNode('Shape', [x], { start: int(-10), end: int(10) })[0]!)).toEqual([2, 3, 5, 7]);
    expect(toNumbers(runNode('Shape', [x], { start: int(3), end: int(1) })[0]!)).toEqual([]);
    const size = runNode('Size', [x])[0]!;
    expect([size.dtype, size.shape, toNumbers(size)]).toEqual(['int64', [], [210]]);
    const zeros = runNode('ConstantOfShape', [int64([2], [2, 3])])[0]!;
    expect([zeros.dtype, zeros.shape, toNumbers(zeros)]).toEqual(['float32', [2, 3], [0, 0, 0, 0, 0, 0]]);
    const ones = runNode('ConstantOfShape', [int64([1], [3])], { value: { kind: 'tensor', value: int64([1], [1]) } })[0]!;
    expect([ones.dtype, toNumbers(ones)]).toEqual(['int64', [1, 1, 1]]);
    expect(runNode('ConstantOfShape', [int64([0], [])])[0]!.shape).toEqual([]);
    expect(toNumbers(runNode('Constant', [], { value_ints: ints([3, -1]) })[0]!)).toEqual([3, -1]);
    const f = runNode('Constant', [], { value_float: { kind: 'float', value: 0.5 } })[0]!;
    expect([f.dtype, f.shape, toNumbers(f)]).toEqual(['float32', [], [0.5]]);
    expect(() => runNode('Constant', [], { value_string: { kind: 'string', value: 'a' } })).toThrow(UnsupportedOpError);
    const r = runNode('Range', [int64([], [10]), int64([], [1]), int64([], [-3])])[0]!;
    expect([r.dtype, toNumbers(r)]).toEqual(['int64', [10, 7, 4]]);
    expect(toNumbers(runNode('Range', [fromNumbers('float32', [], [0]), fromNumbers('float32', [], [1]), fromNumbers('float32', [], [0.25])])[0]!)).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('Reshape, Flatten, Squeeze and Unsqueeze shapes', () => {
    const x = fromNumbers('int64', [1, 3, 1, 2], [1, 2, 3, 4, 5, 6]);
    expect(runNode('Reshape', [x, int64([2], [-1, 0])])[0]!.shape).toEqual([2, 3]);
    expect(runNode('Reshape', [fromNumbers('float32', [0, 3], []), int64([2], [3, 0])], { allowzero: int(1) })[0]!.shape).toEqual([3, 0]);
    expect(runNode('Flatten', [x], { axis: int(4) })[0]!.shape).toEqual([6, 1]);
    expect(runNode('Squeeze', [x], {}, 1, 13)[0]!.shape).toEqual([3, 2]);
    expect(runNode('Unsqueeze', [x, int64([2], [0, 5])], {}, 1, 13)[0]!.shape).toEqual([1, 1, 3, 1, 2, 1]);
    expect(() => runNode('Reshape', [x, int64([2], [4, -1])])).toThrow(ShapeError);
    expect(() => runNode('Squeeze', [x, int64([1], [1])])).toThrow(/size 3, not 1/);
    expect(() => runNode('Flatten', [x], { axis: int(5) })).toThrow(ShapeError);
  });
});

describe('load-time refusals', () => {
  const runtimeShapeModel = (op: string, extra: { name: string; shape: number[] }[]) =>
    singleNodeModel({ op, inputs: [{ name: 'x', dtype: 'float32', shape: [2, 6] }, ...extra.map((e) => ({ ...e, dtype: 'int64' as DType }))], outputs: ['y'] });

  it('a shape-determining input computed at run time is refused, naming node and input', async () => {
    const cases: [string, { name: string; shape: number[] }[]][] = [
      ['Reshape', [{ name: 's', shape: [2] }]],
      ['Tile', [{ name: 'r', shape: [2] }]],
      ['Expand', [{ name: 's', shape: [2] }]],
      ['Slice', [{ name: 'b', shape: [1] }, { name: 'e', shape: [1] }]],
    ];
    for (const [op, extra] of cases) {
      const model = runtimeShapeModel(op, extra);
      const shapes = Object.fromEntries([['x', [2, 6]], ...extra.map((e) => [e.name, e.shape])]);
      await expect(Session.create(model, { inputShapes: shapes }), op).rejects.toThrow(UnsupportedOpError);
      await expect(Session.create(model, { inputShapes: shapes }), op).rejects.toThrow(new RegExp(`${op}_0.*static shapes`));
    }
  });

  it('bad shapes and attributes are ShapeErrors', async () => {
    const bad: Case[] = [
      { name: 'concat mismatch', op: 'Concat', data: [[2, 3], [3, 3]], attrs: { axis: int(1) } },
      { name: 'slice step 0', op: 'Slice', data: [[7]], constants: [int64([1], [0]), int64([1], [7]), int64([1], [0]), int64([1], [0])] },
      { name: 'gather index out of range', op: 'Gather', data: [[5, 2]], constants: [int64([1], [5])] },
      { name: 'transpose bad perm', op: 'Transpose', data: [[2, 3]], attrs: { perm: ints([0, 0]) } },
      { name: 'split sizes do not add up', op: 'Split', data: [[7]], attrs: { split: ints([3, 3]) }, outputs: 2, opset: 11 },
      { name: 'expand incompatible', op: 'Expand', data: [[3]], constants: [int64([1], [4])] },
      { name: 'reshape wrong count', op: 'Reshape', data: [[2, 3]], constants: [int64([1], [5])] },
      { name: 'tile wrong rank', op: 'Tile', data: [[2, 3]], constants: [int64([1], [5])] },
    ];
    for (const c of bad) {
      const model = caseModel(c);
      await expect(Session.create(model), c.name).rejects.toThrow(ShapeError);
      expect(() => runReference(model, feedsFor(c, 1)), c.name).toThrow(ShapeError);
    }
  });
});
