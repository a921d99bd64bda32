import { describe, expect, it } from 'vitest';
import { setLimits } from '../src/nn/limits.js';
import { Session } from '../src/nn/session.js';
import { CONTROL, controlLength, homeWord, shareOf, takeChunks } from '../src/nn/threads/worker-source.js';
import { SoloGate } from '../src/nn/threads/solo-gate.js';
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

  it('runs calls alone after threads lose a window, judged against the same calls alone once it has their times', () => {
    // Two calls per run, 64 calls a window. Counts how many of the next `n` calls run alone.
    const gate = new SoloGate(2);
    const aloneOf = (n: number, aloneMs = 1): number => {
      let alone = 0;
      for (let i = 0; i < n; i++) if (gate.runsAlone()) { alone++; gate.recordAlone(i % 2, aloneMs); }
      return alone;
    };
    const window = (ownMs: number, waitMs: number): void => {
      for (let i = 0; i < 64; i++) gate.recordThreaded(i % 2, ownMs, waitMs);
    };
    // No times alone yet: waiting past 0.3 of the own work sends the next 512 calls alone.
    window(0.5, 0.1);
    expect(aloneOf(600)).toBe(0);
    window(0.5, 0.2);
    expect(aloneOf(600)).toBe(512);
    // Now known alone at 1 ms: small calls that wait as long again but take 0.8 ms stay threaded.
    window(0.4, 0.4);
    expect(aloneOf(600)).toBe(0);
    // Threads slower than alone: alone again, for twice as long after a second losing window.
    window(0.8, 0.4);
    expect(aloneOf(2000)).toBe(512);
    window(0.8, 0.4);
    expect(aloneOf(2000)).toBe(1024);
    window(0.4, 0.1);
    window(0.8, 0.4);
    expect(aloneOf(2000)).toBe(512);
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
