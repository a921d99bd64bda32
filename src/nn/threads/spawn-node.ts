// Worker threads in Node (worker_threads). Workers are unref'd, so an undisposed session never
// keeps the process alive.
import { Worker } from 'node:worker_threads';
import type { WorkerHandle } from './pool.js';
import { nodeWorkerSource } from './worker-source.js';

export function spawnNodeWorker(): WorkerHandle {
  const worker = new Worker(nodeWorkerSource(), { eval: true });
  worker.unref();
  return {
    start: (init) =>
      new Promise((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.postMessage(init);
      }),
    terminate: () => void worker.terminate(),
  };
}
