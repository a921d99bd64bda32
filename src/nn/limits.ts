// Resource budgets: what one file, one image or one session may make wasmpose allocate. Every
// reader checks a size a file declares against these (and against the bytes actually present)
// BEFORE allocating, so a few hundred hostile bytes cannot claim gigabytes or minutes.
//
// The defaults hold every network and photo the project knows with a wide margin; a program that
// needs more (or wants less, e.g. a server) changes them once with setLimits.
import { InputError } from './errors.js';

export interface Limits {
  /**
   * Elements of any one tensor (declared, folded or planned). Default 2^26 (256 MiB of float32);
   * at most 10^8, because constant folding holds values in JavaScript arrays, which V8 cannot
   * grow past ~1.3e8 elements without a fatal, uncatchable error.
   */
  maxTensorElements: number;
  /** Bytes of one session's WebAssembly memory: weights, activations and scratch. Default 3 GiB. */
  maxSessionBytes: number;
  /** Pixels of a decoded image. Default 100 megapixels. */
  maxImagePixels: number;
  /** Components (colour channels) of a JPEG frame. Default 4 (grey, YCbCr, CMYK/YCCK). */
  maxJpegComponents: number;
  /** Threads a session may run on; more are clamped to this with a notice. Default: the cores the runtime reports. */
  maxThreads: number;
  /** Bytes an archive (tar, tar.gz, zip) may expand to. Default 4 GiB. */
  maxArchiveBytes: number;
  /** Entries an archive may list. Default 100000. */
  maxArchiveEntries: number;
  /** Spatial geometry attributes (kernel, stride, dilation, pad) of a conv or pool. Default 65536. */
  maxGeometry: number;
  /**
   * Objects a pickle (a PyTorch checkpoint) may build: every value pushed, every memo reference
   * and every item put into a list, tuple or dict. Default 2^24; a state dict uses a few per tensor.
   */
  maxPickleObjects: number;
}

/** The cores the runtime reports: navigator.hardwareConcurrency, or Node's os.availableParallelism (Node 20 has no navigator). */
export function reportedCores(): number {
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined };
  };
  const cores = g.navigator?.hardwareConcurrency ?? g.process?.getBuiltinModule?.('node:os')?.availableParallelism?.();
  return typeof cores === 'number' && Number.isInteger(cores) && cores > 0 ? cores : 1;
}

/** The highest maxTensorElements may be set to (see Limits.maxTensorElements). */
const MAX_TENSOR_ELEMENTS = 100_000_000;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxTensorElements: 2 ** 26,
  maxSessionBytes: 3 * 2 ** 30,
  maxImagePixels: 100_000_000,
  maxJpegComponents: 4,
  maxThreads: reportedCores(),
  maxArchiveBytes: 4 * 2 ** 30,
  maxArchiveEntries: 100_000,
  maxGeometry: 65536,
  maxPickleObjects: 2 ** 24,
});

const current: Limits = { ...DEFAULT_LIMITS };

/** The budgets in force. */
export function limits(): Readonly<Limits> {
  return current;
}

/** Changes some budgets (the rest stay); returns the previous values, to restore them later. */
export function setLimits(changes: Partial<Limits>): Limits {
  const previous = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) throw new InputError(`unknown limit '${key}'; limits: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    if (typeof value !== 'number' || !(value > 0) || !Number.isSafeInteger(value)) throw new InputError(`limit ${key} must be a positive integer, got ${String(value)}`);
    if (key === 'maxTensorElements' && value > MAX_TENSOR_ELEMENTS) throw new InputError(`limit maxTensorElements is at most ${MAX_TENSOR_ELEMENTS}, got ${value}`);
    current[key as keyof Limits] = value;
  }
  return previous;
}
