import { describe, expect, it } from 'vitest';
import { InputError, UnsupportedOpError } from '../src/nn/errors.js';
import { emptyGraph, emptyModel } from '../src/nn/graph.js';
import { planMemory } from '../src/nn/memory-plan.js';
import { Session } from '../src/nn/session.js';
import { float32 } from '../src/nn/tensor.js';
import { expectEngineMatchesReference, randomTensor, seededRandom, singleNodeModel } from './support/harness.js';

describe('memory plan', () => {
  it('shares bytes between buffers whose lifetimes do not overlap', () => {
    const plan = planMemory([
      { bytes: 100, first: 0, last: 1 },
      { bytes: 100, first: 1, last: 2 },
      { bytes: 100, first: 2, last: 3 },
    ]);
    expect(plan.offsets[0]).toBe(plan.offsets[2]);
    expect(plan.offsets[0]).not.toBe(plan.offsets[1]);
    expect(plan.bytes).toBe(256);
  });
});

describe('executor', () => {
  it('runs a chain of nodes and reuses memory', async () => {
    const graph = emptyGraph('chain');
    graph.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 3, 7, 5] }];
    graph.outputs = [{ name: 'y3', dtype: 'float32' }];
    graph.nodes = ['x', 'y1', 'y2'].map((input, i) => ({ name: `relu${i}`, op: 'Relu', domain: '', inputs: [input], outputs: [`y${i + 1}`], attrs: {} }));
    const model = emptyModel(graph);
    const x = randomTensor([1, 3, 7, 5], seededRandom(1));
    await expectEngineMatchesReference(model, { x });
    const session = await Session.create(model);
    // 105 floats round up to 448 bytes; x and y2 (and y1 and y3) share: two buffers live at a time.
    expect(session.peakBytes).toBe(2 * 448);
  });

  it('refuses a wrong input shape, naming both shapes', async () => {
    const session = await Session.create(singleNodeModel({ op: 'Relu', inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }], outputs: ['y'] }));
    expect(() => session.run({ x: new Float32Array(5) })).toThrow(InputError);
    expect(() => session.run({ x: new Float32Array(5) })).toThrow(/\[2, 3\]/);
    expect(() => session.run({})).toThrow(/not given/);
  });

  it('runs into caller arrays: the same values as run, the same arrays run after run, a wrong array refused', async () => {
    const session = await Session.create(singleNodeModel({ op: 'Relu', inputs: [{ name: 'x', dtype: 'float32', shape: [3, 5] }], outputs: ['y'] }));
    const outputs = session.allocateOutputs();
    const target = outputs['y']!;
    const x1 = randomTensor([3, 5], seededRandom(2)).data as Float32Array;
    const x2 = randomTensor([3, 5], seededRandom(3)).data as Float32Array;
    const first = session.runInto({ x: x1 }, outputs);
    expect(first['y']!.data).toBe(target);
    expect(Array.from(target)).toEqual(Array.from(session.run({ x: x1 })['y']!.data));
    session.runInto({ x: x2 }, outputs);
    expect(Array.from(target)).toEqual(Array.from(x2, (v) => Math.max(0, v)));
    expect(() => session.runInto({ x: x1 }, { y: new Float32Array(14) })).toThrow(/output 'y' needs a Float32Array of 15 values/);
    expect(() => session.runInto({ x: x1 }, { y: new Int32Array(15) })).toThrow(InputError);
    expect(() => session.runInto({ x: x1 }, {})).toThrow(InputError);
  });

  it('refuses an unknown op at load, naming op and node', async () => {
    const model = singleNodeModel({ op: 'FancyOp', inputs: [{ name: 'x', dtype: 'float32', shape: [2] }], outputs: ['y'] });
    await expect(Session.create(model)).rejects.toThrow(UnsupportedOpError);
    await expect(Session.create(model)).rejects.toThrow(/FancyOp.*FancyOp_0/);
  });

  it('returns constant outputs folded at load', async () => {
    const model = singleNodeModel({ op: 'Relu', inputs: [{ name: 'c', dtype: 'float32', shape: [3] }], outputs: ['y'], initializers: { c: float32([3], [-1, 0, 2]) } });
    const session = await Session.create(model);
    expect(Array.from(session.run({}).y!.data)).toEqual([0, 0, 2]);
  });
});
