import { describe, expect, it } from 'vitest';
import { setLimits } from '../src/nn/limits.js';
import { Session } from '../src/nn/session.js';
import { CONTROL, controlLength, homeWord, shareOf, takeChunks } from '../src/nn/threads/worker-source.js';
import { randomTensor, seededRandom, singleNodeModel } from './support/harness.js';
import { toFloat32 } from '../src/nn/tensor.js';

describe('threads', () => {
  it('splits a range into contiguous shares that cover it exactly', () => {
    for (const [extent, threads] of [[0, 2], [1, 2], [7, 2], [57, 3], [1000, 4]] as const) {
      let next = 0;
      for (let t = 0; t < threads; t++) {
        const [b, e] = shareOf(extent, t, threads);
        expect(b).toBe(next);
        expect(e - b).toBeGreaterThanOrEqual(Math.floor(extent / threads));
        next = e;
      }
      expect(next).toBe(extent);
    }
  });

  it('takes its own home from the front, then steals from the back of the others, each chunk once', () => {
    // Three threads, 11 chunks: homes [0, 4), [4, 8), [8, 11). Thread 1 runs alone (the others
    // descheduled): its own home in order, then thread 2's and thread 0's from their ends.
    const threads = 3;
    const chunks = 11;
    const generation = 5;
    const control = new Int32Array(new SharedArrayBuffer(controlLength(threads) * 4));
    for (let t = 0; t < threads; t++) {
      const [first, end] = shareOf(chunks, t, threads);
      control[CONTROL.HOMES + 16 * t] = homeWord(generation, first, end);
    }
    control[CONTROL.CHUNKS] = chunks;
    const taken: number[] = [];
    expect(takeChunks(control, generation, 1, threads, (_call, chunk) => taken.push(chunk))).toBe(chunks);
    expect(taken).toEqual([4, 5, 6, 7, 10, 9, 8, 3, 2, 1, 0]);
    expect(control[CONTROL.DONE]).toBe(chunks);
    // A thread still in an earlier generation finds nothing to take.
    expect(takeChunks(control, generation - 1, 0, threads, () => expect.unreachable())).toBe(0);
  });

  it('gives the same outputs on two threads as on one', async () => {
    const shape = [1, 13, 57, 7];
    const model = singleNodeModel({ op: 'Relu', inputs: [{ name: 'x', dtype: 'float32', shape }], outputs: ['y'] });
    const x = toFloat32(randomTensor(shape, seededRandom(3)));
    const one = await Session.create(model);
    const two = await Session.create(model, { threads: 2 });
    try {
      expect(two.threads).toBe(2);
      for (let run = 0; run < 3; run++) expect(Array.from(two.run({ x }).y!.data)).toEqual(Array.from(one.run({ x }).y!.data));
    } finally {
      two.dispose();
    }
  });

  it('splits broadcast rows narrower than a vector mid-dimension the same as one thread', async () => {
    // 91 rows of (x, y) pairs over 13 x 7: three threads start at rows 31 and 61, inside the 7s.
    const model = singleNodeModel({
      op: 'Sub',
      inputs: [{ name: 'a', dtype: 'float32', shape: [13, 7, 2] }, { name: 'b', dtype: 'float32', shape: [2] }],
      outputs: ['y'],
    });
    const a = toFloat32(randomTensor([13, 7, 2], seededRandom(5)));
    const b = toFloat32(randomTensor([2], seededRandom(6)));
    const one = await Session.create(model);
    const previous = setLimits({ maxThreads: 3 });
    const three = await Session.create(model, { threads: 3 }).finally(() => setLimits(previous));
    try {
      expect(Array.from(three.run({ a, b }).y!.data)).toEqual(Array.from(one.run({ a, b }).y!.data));
      expect(Array.from(one.run({ a, b }).y!.data)).toEqual(Array.from(a, (v, i) => Math.fround(v - b[i % 2]!)));
    } finally {
      three.dispose();
    }
  });
});
