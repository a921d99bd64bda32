// Loads the AssemblyScript kernels. Four builds are embedded (scripts/build-wasm.js): strict
// SIMD or relaxed SIMD (fused multiply-add), each with a private or a shared memory. Modules are
// compiled once per process; each session instantiates its own copy over its own memory.
import { WasmposeError } from '../errors.js';
import type { KernelParameters } from './generated/kernel-signatures.js';
import { relaxedBase64, relaxedSharedBase64, simdBase64, simdSharedBase64 } from './generated/kernels-wasm.js';

export type KernelBuild = 'simd' | 'relaxed';

/** A kernel export of assembly/index.ts (the generated signatures list each with its parameters). */
export type KernelName = keyof KernelParameters;

export type KernelFunction = (...args: number[]) => void;

export interface KernelInstance {
  readonly build: KernelBuild;
  readonly memory: WebAssembly.Memory;
  /** First byte past the module's own static data: the engine's buffers start here. */
  readonly heapBase: number;
  fn(name: KernelName): KernelFunction;
}

const WASM_PAGE = 65536;
/** wasm32 addresses 4 GiB; the kernels declare this maximum. */
export const MAX_MEMORY_BYTES = 65536 * WASM_PAGE;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// A minimal module whose one function returns f32x4.relaxed_madd of three constant vectors: it
// validates only on hosts that implement relaxed SIMD.
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const v128Const = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...v128Const, ...v128Const, ...v128Const, 0xfd, 0x85, 0x02, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
    0x03, 0x02, 0x01, 0x00, // function section
    0x0a, body.length + 2, 0x01, body.length, ...body, // code section
  ]);
}

export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(relaxedProbe());
  } catch {
    return false;
  }
}

/**
 * Whether worker threads can share a WebAssembly memory here: SharedArrayBuffer exists, a shared
 * memory can be made, and its buffer can be posted (cloned). Browsers allow that only on a cross-origin
 * isolated page (COOP: same-origin, COEP: require-corp), yet Chromium lets any page construct a
 * shared memory, so constructing one alone proves nothing.
 */
export function sharedMemorySupported(): boolean {
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false || typeof SharedArrayBuffer !== 'function') return false;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return structuredClone(memory.buffer) instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

const modules = new Map<string, Promise<WebAssembly.Module>>();

export function kernelModule(build: KernelBuild, shared: boolean): Promise<WebAssembly.Module> {
  const key = `${build}-${shared}`;
  let module = modules.get(key);
  if (module === undefined) {
    const base64 = build === 'simd' ? (shared ? simdSharedBase64 : simdBase64) : shared ? relaxedSharedBase64 : relaxedBase64;
    module = WebAssembly.compile(decodeBase64(base64));
    modules.set(key, module);
  }
  return module;
}

export function resolveBuild(requested: KernelBuild | 'auto'): KernelBuild {
  if (requested === 'auto') return relaxedSimdSupported() ? 'relaxed' : 'simd';
  if (requested === 'relaxed' && !relaxedSimdSupported()) {
    throw new WasmposeError('the relaxed-SIMD kernels were requested but this WebAssembly host does not support relaxed SIMD');
  }
  return requested;
}

/** Makes a memory of at least `bytes` (rounded up to pages) and instantiates the kernels over it. */
export async function instantiateKernels(
  build: KernelBuild,
  bytes: number,
  shared = false,
): Promise<KernelInstance> {
  if (bytes > MAX_MEMORY_BYTES) {
    throw new WasmposeError(`the model needs ${bytes} bytes of memory, more than the 4 GiB a WebAssembly memory can hold`);
  }
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared });
  const module = await kernelModule(build, shared);
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: abortFromWasm } });
  const exports = instance.exports as Record<string, unknown>;
  const heapBase = (exports['heapBase'] as () => number)();
  return {
    build,
    memory,
    heapBase,
    fn(name: KernelName): KernelFunction {
      const f = exports[name];
      if (typeof f !== 'function') throw new WasmposeError(`kernel '${name}' is missing from the ${build} build`);
      return f as KernelFunction;
    },
  };
}

function abortFromWasm(): never {
  throw new WasmposeError('a WebAssembly kernel aborted');
}
