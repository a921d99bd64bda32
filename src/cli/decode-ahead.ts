// Decoding a folder's next photo on a worker thread while the current one goes through the
// network: over a folder, `estimate` then takes about the network's time per image instead of the
// network's plus the decoder's (a 640x480 JPEG takes 7-15 ms, a MoveNet Lightning pass ~15 ms).
// The worker runs the built decoder (dist/src/image/codec.js). Where it cannot start (the CLI run
// from its TypeScript sources, as the tests do) or fails on a file, that file is decoded on this
// thread, which also gives a broken file exactly the error the plain path gives.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { decodeImage } from '../image/codec.js';
import type { RgbImage } from '../image/image.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
import(workerData.codec).then(({ decodeImage }) => {
  parentPort.on('message', (file) => {
    try {
      const { width, height, data } = decodeImage(readFileSync(file));
      parentPort.postMessage({ file, width, height, data }, [data.buffer]);
    } catch {
      parentPort.postMessage({ file });
    }
  });
  parentPort.postMessage('ready');
}, () => parentPort.postMessage('unavailable'));
`;

type Decoded = { file: string; width?: number; height?: number; data?: Uint8Array };

export class DecodeAhead {
  private readonly worker: Worker | undefined;
  /** Whether the worker can decode (false: every file is decoded on this thread). */
  private readonly ready: Promise<boolean>;
  private readonly pending = new Map<string, Promise<RgbImage | undefined>>();
  private readonly waiting = new Map<string, (image: RgbImage | undefined) => void>();

  constructor() {
    let worker: Worker | undefined;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { codec: new URL('../image/codec.js', import.meta.url).href } });
      worker.unref();
    } catch {
      worker = undefined;
    }
    this.worker = worker;
    this.ready = worker === undefined
      ? Promise.resolve(false)
      : new Promise<boolean>((resolve) => {
        worker.once('error', () => resolve(false));
        worker.once('message', (m) => resolve(m === 'ready'));
      }).then((ok) => {
        if (!ok) void worker.terminate();
        return ok;
      });
    worker?.on('message', (m: Decoded | string) => {
      if (typeof m === 'string') return;
      const image = m.data === undefined ? undefined : { width: m.width!, height: m.height!, data: m.data };
      this.waiting.get(m.file)?.(image);
      this.waiting.delete(m.file);
    });
    // A worker that dies leaves its files to this thread.
    worker?.on('error', () => {
      for (const settle of this.waiting.values()) settle(undefined);
      this.waiting.clear();
    });
  }

  /** Starts decoding `file` on the worker (ask for the next image before running the current one). */
  request(file: string): void {
    if (this.pending.has(file)) return;
    this.pending.set(file, this.ready.then((ok) => {
      if (!ok) return undefined;
      return new Promise<RgbImage | undefined>((resolve) => {
        this.waiting.set(file, resolve);
        this.worker!.postMessage(file);
      });
    }));
  }

  /** The image of `file`, from the worker if it was requested and decoded there, else decoded now. */
  async take(file: string): Promise<RgbImage> {
    const ahead = this.pending.get(file);
    this.pending.delete(file);
    return (ahead === undefined ? undefined : await ahead) ?? decodeImage(readFileSync(file));
  }

  close(): void {
    void this.worker?.terminate();
  }
}
