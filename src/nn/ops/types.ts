// The contract between the engine and one operator. An op file provides:
//   inferTypes  output dtypes and static shapes from the input types (and constant inputs),
//   reference   a plain TypeScript implementation: readable, used for constant folding, for
//               ops that run on the host, and as the ground truth the WASM kernels are tested on,
//   plan        (optional) how the op runs on the WASM kernels: a list of calls into the module
//               with symbolic pointer arguments the executor resolves after memory planning.
import type { Node } from '../graph.js';
import type { KernelParameters, RangedKernel } from '../runtime/generated/kernel-signatures.js';
import type { KernelName } from '../runtime/kernels.js';
import type { DType, Tensor } from '../tensor.js';

export interface ValueType {
  dtype: DType;
  shape: number[];
}

export interface OpContext {
  node: Node;
  /** The model's default-domain opset version. */
  opset: number;
  /** One entry per node input; undefined for an omitted optional input. */
  inputs: (ValueType | undefined)[];
  /** The value of each input that is known before the run (initializers, folded values). */
  constants: (Tensor | undefined)[];
}

export interface ReferenceContext {
  node: Node;
  opset: number;
  inputs: (Tensor | undefined)[];
}

/**
 * A call argument: a number is passed as is; the others are byte pointers the executor fills in
 * once memory is planned: a node input or output buffer, a packed constant of this plan, or this
 * thread's scratch area.
 */
export type Arg = number | { input: number } | { output: number } | { packed: number } | 'scratch';

/** A kernel's parameters as a plan passes them: an Arg in each place, in order. */
type ArgsOf<P extends number[]> = { [I in keyof P]: Arg };

/** A ranged kernel's parameters without the trailing (begin, end), which the executor appends. */
type WithoutRange<P extends number[]> = P extends [...infer Rest extends number[], number, number] ? Rest : never;

interface KernelCall<K extends KernelName, A> {
  /** Export name in assembly/index.ts. */
  fn: K;
  /** The kernel's arguments in its parameter order: the count is checked against assembly/. */
  args: A;
  /**
   * Set exactly for the kernels that take (begin, end) after `args`: a range over their outermost
   * independent loop of this extent, which the executor may split across threads.
   */
  parallel?: number;
  /** Multiply-adds of this call, for profiles and benchmarks (0 for data movement). */
  macs?: number;
}

/** One call into the WASM module: a kernel's name and its arguments, checked against its signature. */
export type WasmCall = {
  [K in KernelName]: K extends RangedKernel
    ? KernelCall<K, ArgsOf<WithoutRange<KernelParameters[K]>>> & { parallel: number }
    : KernelCall<K, ArgsOf<KernelParameters[K]>> & { parallel?: undefined };
}[KernelName];

/** A packing kernel's parameters after (source, target) and before (begin, end). */
type PackingArgs<P extends number[]> = P extends [number, number, ...infer Rest extends number[], number, number] ? Rest : never;

/** A ranged kernel that packs `source` into a constant: fn(source, target, ...args, begin, end). */
export type PackingCall = {
  [K in RangedKernel]: { fn: K; source: Float32Array; args: PackingArgs<KernelParameters[K]>; extent: number };
}[RangedKernel];

/**
 * A packed constant the session writes straight into its memory, so that the packed copy of the
 * weights never exists in JavaScript as well: `length` floats, which `write` puts into a view of
 * exactly that length, zero-filled beforehand.
 */
export interface DeferredPacking {
  readonly length: number;
  write(target: Float32Array): void;
  /**
   * The same packing by a WASM kernel, which a session prefers: `source` is copied into memory
   * past the target, then fn(source, target, ...args, begin, end) packs units [begin, end) of
   * `extent`, a slice at a time (the plain `write` stays the reference the kernel is tested
   * against).
   */
  readonly kernel?: PackingCall;
}

export interface KernelPlan {
  calls: WasmCall[];
  /** Constants prepared once at load (e.g. weights packed for the micro-kernel). */
  packed?: (Float32Array | Int32Array | DeferredPacking)[];
  /** Bytes of per-thread scratch the calls use. */
  scratchBytes?: number;
}

export interface OpDef {
  readonly type: string;
  inferTypes(ctx: OpContext): ValueType[];
  reference(ctx: ReferenceContext): Tensor[];
  /** Absent, or returning undefined: the op runs `reference` on the host. */
  plan?(ctx: OpContext & { outputs: ValueType[] }): KernelPlan | undefined;
  /**
   * Outputs known at load from the input types alone, though the input values are not (Shape,
   * Size): the fold pass makes them constants, so the shape chains after them fold too.
   */
  valuesFromTypes?(ctx: OpContext): Tensor[];
  /** Output 0 is input 0's bytes under another shape (Reshape, Flatten, ...): no copy, no kernel. */
  readonly aliasesInput?: boolean;
}
