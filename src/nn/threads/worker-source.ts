// The code each worker thread runs, kept free of imports and closures so it can be shipped as
// source text: a Node worker evaluates it, a browser runs it from a Blob URL. The worker
// instantiates the shared-memory kernels over the session's memory, then waits on a control
// block for "run call i", takes chunks of that call's range until none are left, and counts
// each chunk done.
//
// Chunks are taken, not assigned: a thread the OS has descheduled (another process busy on its
// core) simply takes fewer, and the others run the rest, instead of everyone waiting for it.
// Each thread first takes, from the front, the chunks of its own contiguous share of the range
// (its home), and only then steals from the back of the others' homes, as pthreadpool does. Every
// kernel splits its range along the image (rows, pixel blocks, tiles), so a thread keeps the same
// part of the image from one layer to the next and mostly reads what it wrote itself: when the
// host places two vCPUs on different core complexes, a line the other thread wrote costs a trip
// across them (a round trip of ~480 ns against ~140 ns on this VM; see bench/cores.ts).
//
// Control block (Int32Array over a SharedArrayBuffer):
//   [GENERATION] bumped by the main thread for every parallel call
//   [CALL]       index of the call to run
//   [DONE]       chunks finished of the current call
//   [STOP]       1: leave the loop
//   [FAILED]     1: a kernel threw in some worker
//   [PARKED]     1: the run is over, block at once instead of spinning for the next call
//   [CHUNKS]     chunks of the current call
//   [HOMES + 16 t] thread t's home chunks not yet taken, tagged with the generation:
//                (generation & 0x7fff) << 16 | first << 8 | end; one cache line per thread
export const CONTROL = { GENERATION: 0, CALL: 1, DONE: 2, STOP: 3, FAILED: 4, PARKED: 5, CHUNKS: 6, HOMES: 16 } as const;

/** Chunks of one call at most: a home's bounds are 8-bit fields of its word. */
export const MAX_CHUNKS = 255;

/** Int32 words of the control block for `threads` threads. */
export function controlLength(threads: number): number {
  return CONTROL.HOMES + 16 * threads;
}

/** The tagged home word of a thread whose home is chunks [first, end) of generation `generation`. */
export function homeWord(generation: number, first: number, end: number): number {
  return ((generation & 0x7fff) << 16) | (first << 8) | end;
}

/** How long a thread spins for the next call before it blocks (a wake-up costs tens of µs). */
export const SPIN_MILLISECONDS = 0.2;

/** What a worker is sent once, at start. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: Int32Array;
  /** This worker's copy of the session's calls: args resolved for its own scratch area. */
  calls: { fn: string; args: number[]; extent: number }[];
  thread: number;
  threads: number;
}

/** The [begin, end) share of `extent` for part `part` of `parts` (a thread's share, or a chunk). */
export function shareOf(extent: number, part: number, parts: number): [number, number] {
  const base = Math.floor(extent / parts);
  const rest = extent % parts;
  const begin = part * base + Math.min(part, rest);
  return [begin, begin + base + (part < rest ? 1 : 0)];
}

/**
 * Takes chunks of the current call (generation `generation`) and runs them with `runChunk`
 * until none are left: first this thread's home from the front, then the others' from the back.
 * Counts them into DONE once, at the end; returns how many it ran. Shared by the main thread and
 * the workers (inlined into the worker source by its text, so it must not use anything from
 * outside: the numbers are CONTROL's).
 */
export function takeChunks(control: Int32Array, generation: number, thread: number, threads: number, runChunk: (call: number, chunk: number, chunks: number) => void): number {
  const tag = (generation & 0x7fff) << 16;
  let ran = 0;
  for (let k = 0; k < threads; k++) {
    const at = 16 + 16 * ((thread + k) % threads);
    for (;;) {
      // The home word is read before CALL and CHUNKS, and the main thread writes them after the
      // home words: a successful exchange below proves they belong to this generation.
      const home = Atomics.load(control, at);
      if ((home & ~0xffff) !== tag) break;
      const first = (home >> 8) & 0xff;
      const end = home & 0xff;
      if (first >= end) break;
      const call = Atomics.load(control, 1);
      const chunks = Atomics.load(control, 6);
      const fromFront = k === 0;
      if (Atomics.compareExchange(control, at, home, fromFront ? home + 0x100 : home - 1) !== home) continue;
      runChunk(call, fromFront ? first : end - 1, chunks);
      ran++;
    }
  }
  if (ran > 0) {
    Atomics.add(control, 2, ran);
    Atomics.notify(control, 2);
  }
  return ran;
}

function workerLoop(init: WorkerInit, ready: () => void, take: typeof takeChunks, spinMilliseconds: number): void {
  const { control, calls } = init;
  const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory, abort: () => { throw new Error('kernel abort'); } } });
  const exports = instance.exports as Record<string, (...args: number[]) => void>;
  const fns = calls.map((c) => exports[c.fn]!);
  ready();
  let generation = 0;
  const runChunk = (index: number, chunk: number, chunks: number): void => {
    const call = calls[index]!;
    const base = Math.floor(call.extent / chunks);
    const rest = call.extent % chunks;
    const begin = chunk * base + Math.min(chunk, rest);
    const end = begin + base + (chunk < rest ? 1 : 0);
    try {
      if (begin < end) fns[index]!(...call.args, begin, end);
    } catch {
      Atomics.store(control, 4, 1);
    }
  };
  for (;;) {
    // Spin briefly between the calls of one run (a wake-up costs more than a short call); then,
    // or at once when the run is over, block, leaving the core to the rest of the machine.
    const spinUntil = performance.now() + spinMilliseconds;
    let spins = 0;
    while (Atomics.load(control, 0) === generation) {
      if (Atomics.load(control, 5) === 1 || ((++spins & 255) === 0 && performance.now() > spinUntil)) Atomics.wait(control, 0, generation);
    }
    generation = Atomics.load(control, 0);
    if (Atomics.load(control, 3) === 1) return;
    take(control, generation, init.thread, init.threads, runChunk);
  }
}

function workerMain(): string {
  return `(${workerLoop.toString()})(init, ready, ${takeChunks.toString()}, ${SPIN_MILLISECONDS})`;
}

/** Worker source for Node's worker_threads (evaluated with `eval: true`). */
export function nodeWorkerSource(): string {
  return `const { parentPort } = require('node:worker_threads');
parentPort.once('message', (init) => { const ready = () => parentPort.postMessage('ready'); ${workerMain()}; });`;
}

/** Worker source for browsers' Web Workers. */
export function browserWorkerSource(): string {
  return `self.onmessage = (e) => { const init = e.data; const ready = () => self.postMessage('ready'); ${workerMain()}; };`;
}
