// The code each worker thread runs, kept free of imports and closures so it can be shipped as
// source text: a Node worker evaluates it, a browser runs it from a Blob URL. The worker
// instantiates the shared-memory kernels over the session's memory, then waits on a control
// block for "run call i", runs its share of that call's range and counts itself done.
//
// Control block (Int32Array over a SharedArrayBuffer):
//   [GENERATION] bumped by the main thread for every parallel call
//   [CALL]       index of the call to run
//   [DONE]       workers finished with the current call
//   [STOP]       1: leave the loop
//   [FAILED]     1: a kernel threw in some worker
//   [PARKED]     1: the run is over, block at once instead of spinning for the next call
export const CONTROL = { GENERATION: 0, CALL: 1, DONE: 2, STOP: 3, FAILED: 4, PARKED: 5, LENGTH: 8 } as const;

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

/** The [begin, end) share of `extent` for one of `threads` threads. */
export function shareOf(extent: number, thread: number, threads: number): [number, number] {
  const base = Math.floor(extent / threads);
  const rest = extent % threads;
  const begin = thread * base + Math.min(thread, rest);
  return [begin, begin + base + (thread < rest ? 1 : 0)];
}

function workerLoop(init: WorkerInit, ready: () => void): void {
  const { control, calls, thread, threads } = init;
  const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory, abort: () => { throw new Error('kernel abort'); } } });
  const exports = instance.exports as Record<string, (...args: number[]) => void>;
  const fns = calls.map((c) => exports[c.fn]!);
  ready();
  let generation = 0;
  for (;;) {
    // Spin between the calls of one run (a wake-up costs more than most calls); once the run is
    // over, or after a long wait, block, leaving the core to the rest of the program.
    let spins = 0;
    while (Atomics.load(control, 0) === generation) {
      if (Atomics.load(control, 5) === 1 || ++spins > 2000000) Atomics.wait(control, 0, generation);
    }
    generation = Atomics.load(control, 0);
    if (Atomics.load(control, 3) === 1) return;
    const index = Atomics.load(control, 1);
    const call = calls[index]!;
    const base = Math.floor(call.extent / threads);
    const rest = call.extent % threads;
    const begin = thread * base + Math.min(thread, rest);
    const end = begin + base + (thread < rest ? 1 : 0);
    try {
      if (begin < end) fns[index]!(...call.args, begin, end);
    } catch {
      Atomics.store(control, 4, 1);
    }
    Atomics.add(control, 2, 1);
    Atomics.notify(control, 2);
  }
}

/** Worker source for Node's worker_threads (evaluated with `eval: true`). */
export function nodeWorkerSource(): string {
  return `const { parentPort } = require('node:worker_threads');
parentPort.once('message', (init) => (${workerLoop.toString()})(init, () => parentPort.postMessage('ready')));`;
}

/** Worker source for browsers' Web Workers. */
export function browserWorkerSource(): string {
  return `self.onmessage = (e) => (${workerLoop.toString()})(e.data, () => self.postMessage('ready'));`;
}
