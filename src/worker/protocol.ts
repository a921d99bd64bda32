// The messages between an estimator's proxy (./index.ts) and the worker that runs it
// (./estimator-worker.ts). Only structured-clonable data crosses; pixels cross as transferred buffers.
import type { Pose } from '../decode/pose.js';
import type { EstimateConfig, StageTimings } from '../pipeline/estimator.js';
import type { NetworkSpec } from '../pipeline/network-spec.js';
import type { BrowserImage, PixelImage } from '../image/input.js';

/** createEstimator's options as they cross: a source is a URL or path string, bytes, or files by name. */
export interface WorkerCreateOptions {
  weights?: string | Uint8Array | Record<string, Uint8Array>;
  file?: string;
  threads?: number;
  boxesFrom?: string;
  weightsBase?: string;
}

export type WorkerRequest =
  | { id: number; kind: 'create'; name: string | undefined; options: WorkerCreateOptions }
  | { id: number; kind: 'estimate'; image: PixelImage | BrowserImage; config: EstimateConfig }
  | { id: number; kind: 'dispose' };

export type WorkerReply =
  | { id: number; ok: true; spec?: NetworkSpec; poses?: Pose[]; timings?: StageTimings }
  | { id: number; ok: false; error: { name: string; message: string } };
