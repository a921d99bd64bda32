// A pool of worker threads sharing the session's WebAssembly memory. The main thread is thread 0:
// for each parallel kernel call it wakes the workers, takes chunks of the range with them, and
// waits for the chunks they took.
import { WasmposeError } from '../errors.js';
import { SoloGate } from './solo-gate.js';
import { CONTROL, MAX_CHUNKS, SPIN_MILLISECONDS, controlLength, homeWord, shareOf, takeChunks, type WorkerInit } from './worker-source.js';

/** A started worker: post it its init message; resolves once it is ready. */
export interface WorkerHandle {
  start(init: WorkerInit): Promise<void>;
  terminate(): void;
}

export type SpawnWorker = () => WorkerHandle;

/** Chunks per thread of each call: enough that a descheduled thread holds up only a small part. */
const CHUNKS_PER_THREAD = 8;
/** Only Node lets the main thread block in Atomics.wait; a browser's main thread must spin. */
const mainThreadCanWait = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

export class ThreadPool {
  private generation = 0;

  private constructor(
    readonly threads: number,
    private readonly control: Int32Array,
    private readonly workers: WorkerHandle[],
    private readonly gate: SoloGate,
  ) {}

  static async start(
    threads: number,
    spawn: SpawnWorker,
    base: Omit<WorkerInit, 'thread' | 'threads' | 'control' | 'calls'>,
    callsFor: (thread: number) => WorkerInit['calls'],
  ): Promise<ThreadPool> {
    const control = new Int32Array(new SharedArrayBuffer(controlLength(threads) * 4));
    const workers = Array.from({ length: threads - 1 }, spawn);
    const calls = workers.map((_, i) => callsFor(i + 1));
    await Promise.all(workers.map((w, i) => w.start({ ...base, control, calls: calls[i]!, thread: i + 1, threads })));
    return new ThreadPool(threads, control, workers, new SoloGate(calls[0]?.length ?? 0));
  }

  /** Runs call `index` across all threads; `own` runs a range on the main thread. */
  run(index: number, extent: number, own: (begin: number, end: number) => void): void {
    if (this.gate.runsAlone()) {
      const start = performance.now();
      own(0, extent);
      this.gate.recordAlone(index, performance.now() - start);
      return;
    }
    const c = this.control;
    const started = performance.now();
    const generation = ++this.generation;
    const chunks = Math.max(1, Math.min(extent, this.threads * CHUNKS_PER_THREAD, MAX_CHUNKS));
    // The homes first (see takeChunks), then what they refer to, then the generation that wakes
    // the workers.
    Atomics.store(c, CONTROL.DONE, 0);
    for (let t = 0; t < this.threads; t++) {
      const [first, end] = shareOf(chunks, t, this.threads);
      Atomics.store(c, CONTROL.HOMES + 16 * t, homeWord(generation, first, end));
    }
    Atomics.store(c, CONTROL.CALL, index);
    Atomics.store(c, CONTROL.CHUNKS, chunks);
    Atomics.store(c, CONTROL.PARKED, 0);
    Atomics.store(c, CONTROL.GENERATION, generation);
    Atomics.notify(c, CONTROL.GENERATION);
    takeChunks(c, generation, 0, this.threads, (_call, chunk, parts) => {
      const [begin, end] = shareOf(extent, chunk, parts);
      if (begin < end) own(begin, end);
    });
    // Wait for the chunks workers took: spin briefly, then block (Node) so a worker the OS has
    // descheduled does not cost this core as well.
    const ownDone = performance.now();
    const spinUntil = ownDone + SPIN_MILLISECONDS;
    let spins = 0;
    for (let done = Atomics.load(c, CONTROL.DONE); done < chunks; done = Atomics.load(c, CONTROL.DONE)) {
      if (mainThreadCanWait && (++spins & 255) === 0 && performance.now() > spinUntil) Atomics.wait(c, CONTROL.DONE, done, 10);
    }
    if (Atomics.load(c, CONTROL.FAILED) === 1) throw new WasmposeError('a kernel failed in a worker thread');
    this.gate.recordThreaded(index, ownDone - started, performance.now() - ownDone);
  }

  /**
   * Ends a run: the workers block as soon as they are done instead of spinning for a next call,
   * which would take the cores from whatever the program does between runs (or another engine).
   * The next run's first call wakes them.
   */
  park(): void {
    Atomics.store(this.control, CONTROL.PARKED, 1);
  }

  stop(): void {
    Atomics.store(this.control, CONTROL.STOP, 1);
    Atomics.add(this.control, CONTROL.GENERATION, 1);
    Atomics.notify(this.control, CONTROL.GENERATION);
    for (const w of this.workers) w.terminate();
  }
}
