// A pool of worker threads sharing the session's WebAssembly memory. The main thread is thread 0:
// for each parallel kernel call it wakes the workers, runs its own share, and waits for theirs.
import { WasmposeError } from '../errors.js';
import { CONTROL, shareOf, type WorkerInit } from './worker-source.js';

/** A started worker: post it its init message; resolves once it is ready. */
export interface WorkerHandle {
  start(init: WorkerInit): Promise<void>;
  terminate(): void;
}

export type SpawnWorker = () => WorkerHandle;

/** Spins before blocking: long enough that threads stay awake between the kernel calls of one run. */
const SPIN_LIMIT = 2_000_000;
/** Only Node lets the main thread block in Atomics.wait; a browser's main thread must spin. */
const mainThreadCanWait = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

export class ThreadPool {
  private constructor(
    readonly threads: number,
    private readonly control: Int32Array,
    private readonly workers: WorkerHandle[],
  ) {}

  static async start(
    threads: number,
    spawn: SpawnWorker,
    base: Omit<WorkerInit, 'thread' | 'threads' | 'control' | 'calls'>,
    callsFor: (thread: number) => WorkerInit['calls'],
  ): Promise<ThreadPool> {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL.LENGTH * 4));
    const workers = Array.from({ length: threads - 1 }, spawn);
    await Promise.all(workers.map((w, i) => w.start({ ...base, control, calls: callsFor(i + 1), thread: i + 1, threads })));
    return new ThreadPool(threads, control, workers);
  }

  /** Runs call `index` across all threads; `own` runs the main thread's share. */
  run(index: number, extent: number, own: (begin: number, end: number) => void): void {
    const c = this.control;
    Atomics.store(c, CONTROL.PARKED, 0);
    Atomics.store(c, CONTROL.DONE, 0);
    Atomics.store(c, CONTROL.CALL, index);
    Atomics.add(c, CONTROL.GENERATION, 1);
    Atomics.notify(c, CONTROL.GENERATION);
    const [begin, end] = shareOf(extent, 0, this.threads);
    if (begin < end) own(begin, end);
    const others = this.threads - 1;
    let spins = 0;
    for (let done = Atomics.load(c, CONTROL.DONE); done < others; done = Atomics.load(c, CONTROL.DONE)) {
      if (mainThreadCanWait && ++spins > SPIN_LIMIT) Atomics.wait(c, CONTROL.DONE, done, 1000);
    }
    if (Atomics.load(c, CONTROL.FAILED) === 1) throw new WasmposeError('a kernel failed in a worker thread');
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
