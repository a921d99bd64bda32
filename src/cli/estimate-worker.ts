// One estimator session on a worker thread, for `estimate --workers N`: it loads its own model
// (its own WebAssembly memory) and answers jobs (a photo file to decode, or a decoded frame) with
// the people in them (and a photo's overlay PNG when asked), the multi-person finder on every job (no state between jobs: tracking runs
// on the main thread, in order).
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeImage } from '../image/codec.js';
import type { RgbImage } from '../image/image.js';
import { createEstimator, type CreateEstimatorOptions } from '../pipeline/create.js';
import { renderOverlay } from './commands/estimate.js';

export interface WorkerSetup {
  model: string;
  options: CreateEstimatorOptions;
}

export type WorkerJob = { seq: number; file: string; render: boolean } | { seq: number; image: RgbImage };

export type WorkerReply =
  | {
    seq: number; ok: true; poses: unknown; width: number; height: number; decode: number; overlay?: Uint8Array; render: number;
    timings: { preprocess: number; infer: number; postprocess: number };
  }
  | { seq: number; ok: false; error: { name: string; message: string } };

const port = parentPort!;
const setup = workerData as WorkerSetup;
createEstimator(setup.model, setup.options).then(
  (estimator) => {
    port.on('message', (job: WorkerJob) => {
      void (async () => {
        try {
          const start = performance.now();
          const image = 'file' in job ? decodeImage(readFileSync(job.file)) : job.image;
          const decode = performance.now() - start;
          const poses = await estimator.estimate(image);
          const timings = estimator.timings;
          const renderStart = performance.now();
          const overlay = 'render' in job && job.render ? renderOverlay(image, poses, estimator.spec.keypoints) : undefined;
          const render = overlay === undefined ? 0 : performance.now() - renderStart;
          const reply: WorkerReply = { seq: job.seq, ok: true, poses, width: image.width, height: image.height, decode, overlay, render, timings };
          port.postMessage(reply, overlay === undefined ? [] : [overlay.buffer as ArrayBuffer]);
        } catch (e) {
          const error = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
          port.postMessage({ seq: job.seq, ok: false, error } satisfies WorkerReply);
        }
      })();
    });
    port.postMessage('ready');
  },
  (e: Error) => port.postMessage({ failed: { name: e.name, message: e.message } }),
);
