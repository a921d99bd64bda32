// Constant folding at load: the shape chains exporters emit (Shape -> Gather -> Unsqueeze ->
// Concat -> Reshape, Shape -> ConstantOfShape, Shape -> Slice -> Concat -> Resize sizes) are
// computed once when the session is created; no node of them is left to run, and the outputs
// still match the reference interpreter and ONNX Runtime.
import { describe, expect, it } from 'vitest';
import { emptyGraph, emptyModel, type Attr, type Model, type Node } from '../src/nn/graph.js';
import { hasOp } from '../src/nn/ops/registry.js';
import { Session } from '../src/nn/session.js';
import { float32, int64, type Tensor } from '../src/nn/tensor.js';
import { expectEngineMatchesReference, randomTensor, seededRandom } from './support/harness.js';
import { expectEngineMatchesOrt } from './support/ort.js';

const SHAPE_OPS = ['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Slice', 'ConstantOfShape', 'Squeeze', 'Cast'];

function node(op: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): Node {
  return { name: `${op}_${outputs[0]}`, op, domain: '', inputs, outputs, attrs };
}

function model(name: string, inputShape: number[], nodes: Node[], initializers: Record<string, Tensor>, opset = 13): Model {
  const graph = emptyGraph(name);
  graph.inputs = [{ name: 'x', dtype: 'float32', shape: inputShape }];
  graph.outputs = [{ name: 'y', dtype: 'float32' }];
  graph.nodes = nodes;
  for (const [k, v] of Object.entries(initializers)) graph.initializers.set(k, v);
  return emptyModel(graph, opset);
}

async function expectFolded(m: Model, shape: number[], runtimeOps: string[]): Promise<void> {
  const session = await Session.create(m);
  const ops = session.nodes.map((n) => n.op);
  expect(ops).toEqual(runtimeOps);
  expect(ops.filter((op) => SHAPE_OPS.includes(op) && !runtimeOps.includes(op))).toEqual([]);
  const x = randomTensor(shape, seededRandom(7));
  await expectEngineMatchesReference(m, { x });
  await expectEngineMatchesOrt(m, { x });
}

describe('shape chains fold at load', () => {
  it('Shape -> Gather -> Unsqueeze -> Concat -> Reshape (flatten to [N, C, -1])', async () => {
    // The PyTorch exporter's `x.view(x.size(0), x.size(1), -1)`.
    const m = model('view', [2, 3, 5, 7], [
      node('Shape', ['x'], ['s']),
      node('Gather', ['s', 'i0'], ['n'], { axis: { kind: 'int', value: 0 } }),
      node('Gather', ['s', 'i1'], ['c']),
      node('Unsqueeze', ['n', 'axis0'], ['n1']),
      node('Unsqueeze', ['c', 'axis0'], ['c1']),
      node('Concat', ['n1', 'c1', 'minus1'], ['target'], { axis: { kind: 'int', value: 0 } }),
      node('Reshape', ['x', 'target'], ['r']),
      node('Transpose', ['r'], ['y'], { perm: { kind: 'ints', value: [0, 2, 1] } }),
    ], { i0: int64([], [0]), i1: int64([], [1]), axis0: int64([1], [0]), minus1: int64([1], [-1]) });
    await expectFolded(m, [2, 3, 5, 7], ['Transpose']);
  });

  it('Shape -> ConstantOfShape feeding a run-time Concat', async () => {
    const m = model('constant-of-shape', [1, 3, 5, 7], [
      node('Shape', ['x'], ['s']),
      node('ConstantOfShape', ['s'], ['fill'], { value: { kind: 'tensor', value: float32([1], [0.5]) } }),
      node('Concat', ['x', 'fill'], ['y'], { axis: { kind: 'int', value: 1 } }),
    ], {});
    await expectFolded(m, [1, 3, 5, 7], ['Concat']);
  });

  it('Shape (start/end, opset 15) -> Slice -> Concat -> Reshape', async () => {
    const m = model('shape-slice', [1, 13, 4, 6], [
      node('Shape', ['x'], ['s'], { start: { kind: 'int', value: 1 } }),
      node('Slice', ['s', 'zero', 'one'], ['c']),
      node('Concat', ['one', 'c', 'minus1'], ['target'], { axis: { kind: 'int', value: 0 } }),
      node('Reshape', ['x', 'target'], ['r']),
      node('Transpose', ['r'], ['y'], { perm: { kind: 'ints', value: [0, 2, 1] } }),
    ], { zero: int64([1], [0]), one: int64([1], [1]), minus1: int64([1], [-1]) }, 15);
    await expectFolded(m, [1, 13, 4, 6], ['Transpose']);
  });

  it.skipIf(!hasOp('Resize'))('Shape -> Slice -> Concat -> Resize sizes (upsample x2)', async () => {
    const m = model('resize-sizes', [1, 3, 5, 7], [
      node('Shape', ['x'], ['s']),
      node('Slice', ['s', 'zero', 'two'], ['nc']),
      node('Concat', ['nc', 'hw'], ['sizes'], { axis: { kind: 'int', value: 0 } }),
      node('Resize', ['x', '', '', 'sizes'], ['y'], { mode: { kind: 'string', value: 'nearest' } }),
    ], { zero: int64([1], [0]), two: int64([1], [2]), hw: int64([2], [10, 14]) });
    await expectFolded(m, [1, 3, 5, 7], ['Resize']);
  });
  if (!hasOp('Resize')) console.log('folding.test: Resize is not implemented yet; the Resize-sizes chain test is skipped');
});
