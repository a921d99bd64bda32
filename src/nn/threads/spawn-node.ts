// Worker threads in Node (worker_threads), where there is no Web Worker. The module comes from
// process.getBuiltinModule rather than an import, so that bundling wasmpose for a browser never
// meets `node:worker_threads`. Workers are unref'd, so an undisposed session never keeps the
// process alive.
import type { WorkerHandle } from './pool.js';
import { nodeWorkerSource } from './worker-source.js';

export function spawnNodeWorker(): WorkerHandle {
  const { Worker } = process.getBuiltinModule('node:worker_threads') as typeof import('node:worker_threads');
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
