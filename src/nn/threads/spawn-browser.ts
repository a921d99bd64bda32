// Web Workers (browsers, Deno, Bun), started from a Blob URL so no separate worker file has to be
// served. Module workers, the only kind Deno has; the source imports nothing, so it runs as one.
import type { WorkerHandle } from './pool.js';
import { browserWorkerSource } from './worker-source.js';

export function spawnBrowserWorker(): WorkerHandle {
  const url = URL.createObjectURL(new Blob([browserWorkerSource()], { type: 'text/javascript' }));
  const worker = new Worker(url, { type: 'module' });
  return {
    start: (init) =>
      new Promise((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage(init);
      }),
    terminate: () => {
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
}
