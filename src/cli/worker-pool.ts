// `--workers N`: N estimator sessions on worker threads, each with its own model and memory, for
// throughput over a folder or a video. Jobs go to the least busy worker; results come back in
// submission order whatever order the workers finish in.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Pose } from '../decode/pose.js';
import type { RgbImage } from '../image/image.js';
import { WasmposeError } from '../nn/errors.js';
import type { CreateEstimatorOptions } from '../pipeline/create.js';
import type { StageTimings } from '../pipeline/estimator.js';
import type { WorkerJob, WorkerReply, WorkerSetup } from './estimate-worker.js';

export interface PoolResult {
  poses: Pose[];
  width: number;
  height: number;
  /** Milliseconds the worker spent decoding the photo (0 for a frame). */
  decode: number;
  /** The overlay PNG, when asked for one. */
  overlay?: Uint8Array;
  /** Milliseconds the worker spent drawing and encoding it. */
  render: number;
  timings: StageTimings;
}

/** A worker's error, rethrown on the main thread with the worker's message and kind. */
export class WorkerJobError extends WasmposeError {
  constructor(message: string, readonly kind: string) {
    super(message);
  }
}

/** The built worker script: next to this module when running from dist/, else dist/'s copy. */
function workerScript(): URL {
  const here = new URL('./estimate-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/src/cli/estimate-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new WasmposeError('--workers needs the built package (dist/src/cli/estimate-worker.js): run `npm run build`');
}

interface Slot {
  worker: Worker;
  busy: number;
}

export class EstimatorPool {
  private seq = 0;
  private readonly waiting = new Map<number, { slot: Slot; resolve: (r: PoolResult) => void; reject: (e: Error) => void }>();

  private constructor(private readonly slots: Slot[]) {
    for (const slot of slots) {
      slot.worker.on('message', (reply: WorkerReply) => {
        const job = this.waiting.get(reply.seq);
        if (job === undefined) return;
        this.waiting.delete(reply.seq);
        slot.busy--;
        if (reply.ok) job.resolve({ poses: reply.poses as Pose[], width: reply.width, height: reply.height, decode: reply.decode, overlay: reply.overlay, render: reply.render, timings: reply.timings });
        else job.reject(new WorkerJobError(reply.error.message, reply.error.name));
      });
      slot.worker.on('error', (e) => {
        for (const [seq, job] of this.waiting) {
          if (job.slot !== slot) continue;
          this.waiting.delete(seq);
          job.reject(e);
        }
      });
    }
  }

  /** Starts `count` workers and waits until each has loaded its model. */
  static async start(count: number, model: string, options: CreateEstimatorOptions): Promise<EstimatorPool> {
    const script = workerScript();
    const slots = Array.from({ length: count }, () => ({ worker: new Worker(script, { workerData: { model, options } satisfies WorkerSetup }), busy: 0 }));
    try {
      await Promise.all(slots.map(({ worker }) => new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', (m: 'ready' | { failed: { name: string; message: string } }) => {
          worker.off('error', reject);
          if (m === 'ready') resolve();
          else reject(new WorkerJobError(m.failed.message, m.failed.name));
        });
      })));
    } catch (e) {
      for (const { worker } of slots) void worker.terminate();
      throw e;
    }
    return new EstimatorPool(slots);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Estimates a photo file (decoded, and rendered if asked, on the worker) or a decoded frame (copied to the worker). */
  submit(input: { file: string; render?: boolean } | { image: RgbImage }): Promise<PoolResult> {
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const seq = this.seq++;
    slot.busy++;
    return new Promise<PoolResult>((resolve, reject) => {
      this.waiting.set(seq, { slot, resolve, reject });
      const job: WorkerJob = 'file' in input ? { seq, file: input.file, render: input.render === true } : { seq, image: input.image };
      slot.worker.postMessage(job);
    });
  }

  close(): void {
    for (const { worker } of this.slots) void worker.terminate();
  }
}
