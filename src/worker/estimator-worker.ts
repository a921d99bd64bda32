// The worker side of 'wasmpose/worker': a Web Worker (browsers, Deno, Bun) or a Node worker thread
// that creates one estimator and answers estimate calls. It imports the same main entry code, so
// its estimator is the one createEstimator gives on the main thread.
import { createEstimator } from '../pipeline/create.js';
import type { PoseEstimator } from '../pipeline/estimator.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

interface Port {
  post(reply: WorkerReply): void;
  listen(handler: (request: WorkerRequest) => void): void;
}

function port(): Port {
  const scope = globalThis as unknown as { WorkerGlobalScope?: unknown; postMessage(m: unknown): void; addEventListener(t: 'message', h: (e: { data: WorkerRequest }) => void): void };
  if (scope.WorkerGlobalScope !== undefined) {
    return { post: (reply) => scope.postMessage(reply), listen: (handler) => scope.addEventListener('message', (e) => handler(e.data)) };
  }
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  const parentPort = (getBuiltinModule?.('node:worker_threads') as typeof import('node:worker_threads') | undefined)?.parentPort;
  if (parentPort == null) throw new Error('estimator-worker.js runs as a Web Worker or a Node worker thread');
  return { post: (reply) => parentPort.postMessage(reply), listen: (handler) => parentPort.on('message', handler) };
}

const channel = port();
let estimator: PoseEstimator | undefined;

async function answer(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.kind) {
    case 'create':
      estimator = await createEstimator(request.name, request.options);
      return { id: request.id, ok: true, spec: estimator.spec };
    case 'estimate': {
      if (estimator === undefined) throw new Error('no estimator in this worker');
      const poses = await estimator.estimate(request.image, request.config);
      if ('close' in request.image && typeof request.image.close === 'function') request.image.close(); // a transferred ImageBitmap or VideoFrame
      return { id: request.id, ok: true, poses, timings: estimator.timings };
    }
    case 'dispose':
      estimator?.dispose();
      estimator = undefined;
      return { id: request.id, ok: true };
  }
}

// One request at a time, in order: the engine is synchronous, so nothing would run in parallel anyway.
let queue = Promise.resolve();
channel.listen((request) => {
  queue = queue.then(async () => {
    try {
      channel.post(await answer(request));
    } catch (e) {
      const error = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      channel.post({ id: request.id, ok: false, error });
    }
  });
});
