// 'wasmpose/worker': createEstimator with the same signature and Promise API as the main entry's,
// but the estimator runs in a Web Worker (browsers, Deno, Bun) or a Node worker thread, so the
// calling thread (a page's) never blocks on inference. Images are transferred, not copied: a pixel
// buffer given to estimate() is detached from the caller (copy it first to keep it); img, canvas
// and video elements are read into an ImageBitmap here, which is transferred.
import type { Pose } from '../decode/pose.js';
import type { BrowserImage, ImageInput, PixelImage } from '../image/input.js';
import { ImageError, InputError, ModelFormatError, SessionDisposedError, ShapeError, UnsupportedOpError, WasmposeError, WeightsError } from '../nn/errors.js';
import type { ModelSource } from '../nn/formats/model-source.js';
import type { CreateEstimatorOptions } from '../pipeline/create.js';
import type { EstimateConfig, StageTimings } from '../pipeline/estimator.js';
import type { NetworkSpec } from '../pipeline/network-spec.js';
import type { WorkerCreateOptions, WorkerReply, WorkerRequest } from './protocol.js';

const ERRORS: Record<string, new (message: string) => Error> = {
  WasmposeError, ModelFormatError, UnsupportedOpError, ShapeError, InputError, ImageError, WeightsError, SessionDisposedError,
};

interface Channel {
  post(request: WorkerRequest, transfer: Transferable[]): void;
  onReply(handler: (reply: WorkerReply) => void): void;
  terminate(): void;
}

const WORKER_URL = new URL('./estimator-worker.js', import.meta.url);

function startWorker(): Channel {
  if (typeof Worker === 'function') {
    const worker = new Worker(WORKER_URL, { type: 'module' });
    return {
      post: (request, transfer) => worker.postMessage(request, transfer),
      onReply: (handler) => worker.addEventListener('message', (e: MessageEvent<WorkerReply>) => handler(e.data)),
      terminate: () => worker.terminate(),
    };
  }
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  if (getBuiltinModule === undefined) throw new WasmposeError('this runtime has neither Web Workers nor worker threads');
  const { Worker: NodeWorker } = getBuiltinModule('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new NodeWorker(WORKER_URL);
  worker.unref();
  return {
    post: (request, transfer) => worker.postMessage(request, transfer as never),
    onReply: (handler) => worker.on('message', handler),
    terminate: () => void worker.terminate(),
  };
}

/** A model source as it can cross to a worker: functions cannot, page-relative URLs are made absolute. */
function crossingSource(source: ModelSource | undefined): WorkerCreateOptions['weights'] {
  if (source === undefined) return undefined;
  if (typeof source === 'function') throw new InputError('a weights function cannot be sent to a worker: pass a URL, a path or the bytes');
  if (source instanceof URL) return source.href;
  if (typeof source === 'string') {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    return base !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(source) ? new URL(source, base).href : source;
  }
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (source instanceof Uint8Array) return source;
  return Object.fromEntries(Object.entries(source).map(([name, data]) => [name, data instanceof Uint8Array ? data : new Uint8Array(data)]));
}

/** The image as it crosses, and what to transfer. */
async function crossingImage(image: ImageInput): Promise<{ image: PixelImage | BrowserImage; transfer: Transferable[] }> {
  if (typeof image !== 'object' || image === null) throw new ImageError('an image must be an object');
  if ('data' in image && image.data !== undefined) {
    const { width, height } = image;
    let data = image.data;
    // Transfer the whole buffer only when the image owns it; a view into a larger buffer is copied first.
    if (!(data.buffer instanceof ArrayBuffer) || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
    return { image: { width, height, data }, transfer: [data.buffer as ArrayBuffer] };
  }
  const g = globalThis as unknown as { ImageBitmap?: new () => object; VideoFrame?: new () => object; createImageBitmap?: (image: unknown) => Promise<object> };
  if ((g.ImageBitmap !== undefined && image instanceof g.ImageBitmap) || (g.VideoFrame !== undefined && image instanceof g.VideoFrame)) {
    return { image, transfer: [image as unknown as Transferable] };
  }
  if (g.createImageBitmap === undefined) throw new ImageError('this runtime cannot read a browser image: pass { data, width, height } pixels');
  const bitmap = (await g.createImageBitmap(image)) as BrowserImage;
  return { image: bitmap, transfer: [bitmap as unknown as Transferable] };
}

/** An estimator running in a worker: the same calls as PoseEstimator, every one a Promise. */
export class WorkerEstimator {
  /** Milliseconds of each stage of the last `estimate` call, as the worker measured them. */
  timings: StageTimings = { preprocess: 0, infer: 0, postprocess: 0 };
  private disposed = false;

  private constructor(
    readonly spec: NetworkSpec,
    private readonly call: (request: WorkerRequest, transfer?: Transferable[]) => Promise<WorkerReply & { ok: true }>,
    private readonly terminate: () => void,
  ) {}

  /** Starts a worker and creates the estimator there (see the main entry's createEstimator). */
  static async create(name?: string, options: CreateEstimatorOptions = {}): Promise<WorkerEstimator> {
    if (options.fetch !== undefined) throw new InputError('a fetch function cannot be sent to a worker: pass URLs the worker can fetch itself');
    const channel = startWorker();
    const pending = new Map<number, { resolve(reply: WorkerReply & { ok: true }): void; reject(error: Error): void }>();
    channel.onReply((reply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply);
      else {
        const error = new (ERRORS[reply.error.name] ?? Error)(reply.error.message);
        waiting?.reject(error);
      }
    });
    let next = 0;
    const call = (request: WorkerRequest, transfer: Transferable[] = []) =>
      new Promise<WorkerReply & { ok: true }>((resolve, reject) => {
        pending.set(request.id, { resolve, reject });
        channel.post(request, transfer);
      });
    const id = () => next++;
    const weights = crossingSource(options.weights);
    try {
      const reply = await call({ id: id(), kind: 'create', name, options: {
          weights, file: options.file, threads: options.threads, boxesFrom: options.boxesFrom,
          weightsBase: options.weightsBase === undefined ? undefined : (crossingSource(options.weightsBase) as string),
        } });
      return new WorkerEstimator(reply.spec!, (request, transfer) => call({ ...request, id: id() }, transfer), () => channel.terminate());
    } catch (e) {
      channel.terminate();
      throw e;
    }
  }

  /** People in `image`, keypoints in its pixel coordinates. A pixel buffer is transferred (detached here). */
  async estimate(image: ImageInput, config: EstimateConfig = {}): Promise<Pose[]> {
    if (this.disposed) throw new SessionDisposedError('estimate() after dispose()');
    const crossing = await crossingImage(image);
    const reply = await this.call({ id: 0, kind: 'estimate', image: crossing.image, config }, crossing.transfer);
    this.timings = reply.timings!;
    return reply.poses!;
  }

  /** Frees the estimator and ends the worker. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.call({ id: 0, kind: 'dispose' }).finally(() => this.terminate());
  }
}

/** createEstimator of the main entry, run in a worker. */
export function createEstimator(name?: string, options: CreateEstimatorOptions = {}): Promise<WorkerEstimator> {
  return WorkerEstimator.create(name, options);
}

export type { CreateEstimatorOptions, EstimateConfig, ImageInput, NetworkSpec, Pose, StageTimings };
