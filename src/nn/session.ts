// The executor. Creating a session runs the passes, asks every op for its kernel plan, lays out
// one WebAssembly memory (module data, packed constants, activations, scratch) sized before the
// run, and resolves every kernel call to plain numbers. A run then only copies the inputs in,
// calls the kernels in order, and copies the outputs out.
import { InputError, SessionDisposedError, ShapeError } from './errors.js';
import { limits } from './limits.js';
import type { Model, Node } from './graph.js';
import { ALIGNMENT, alignUp, planMemory, type BufferRequest } from './memory-plan.js';
import { opFor } from './ops/registry.js';
import type { Arg, DeferredPacking, KernelPlan, OpDef, ValueType, WasmCall } from './ops/types.js';
import { optimize } from './passes/optimize.js';
import { prepareGraph } from './passes/prepare-graph.js';
import { qdqToQLinear } from './passes/qdq-to-qlinear.js';
import { removeDeadNodes, type TypedGraph } from './passes/typed-graph.js';
import { instantiateKernels, kernelModule, MAX_MEMORY_BYTES, resolveBuild, sharedMemorySupported, type KernelBuild, type KernelFunction, type KernelInstance } from './runtime/kernels.js';
import { ThreadPool, type SpawnWorker } from './threads/pool.js';
import { spawnBrowserWorker } from './threads/spawn-browser.js';
import { spawnNodeWorker } from './threads/spawn-node.js';
import type { WorkerInit } from './threads/worker-source.js';
import { fromNumbers, isFloatType, shapeString, sizeOf, toFloat32, toNumbers, type DType, type Tensor } from './tensor.js';

export interface SessionOptions {
  /** Concrete shapes for inputs whose declared shape has symbolic or unknown dimensions. */
  inputShapes?: Record<string, readonly number[]>;
  /** 'simd' (strict, the default: bit-for-bit the build the golden tests prove), 'relaxed' or 'auto'. */
  build?: KernelBuild | 'auto';
  /** Graph optimizations (BatchNorm folding, activation fusion); on by default. */
  optimize?: boolean;
  /**
   * Threads sharing the work of each heavy kernel (default 1). Needs shared WebAssembly memory;
   * where there is none (a browser page that is not cross-origin isolated) the session says so
   * once and runs on one thread. More threads than the cores the runtime reports (the
   * maxThreads limit) are clamped to that, with a notice.
   */
  threads?: number;
  /** How to start a worker; defaults to worker_threads in Node and Web Workers in browsers. */
  spawnWorker?: SpawnWorker;
  /**
   * What `run` does with NaN or infinite values in a float input: 'reject' (the default) throws
   * an InputError naming the input and the first such element, before any kernel runs; 'allow'
   * runs them (they propagate through the network as IEEE arithmetic says).
   */
  nonFinite?: 'reject' | 'allow';
}

/** Run-time values are float32, or int32 for integer and boolean values. */
export type RuntimeData = Float32Array | Int32Array;

export interface OutputTensor {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: RuntimeData;
}

export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: number[];
}

/** What `Session.run` does besides computing the outputs. */
export interface RunOptions {
  /**
   * Intermediate values to return along with the outputs, by value name (see `Session.values`).
   * Each is copied out of the activation arena right after the step that writes it, before the
   * memory plan hands its bytes to a later value: keeping values changes neither the plan nor
   * the outputs, and costs the kept values' own bytes and nothing else.
   */
  keep?: readonly string[];
  /** Per-step timings are appended here. */
  timings?: StepTiming[];
}

export interface StepTiming {
  node: string;
  op: string;
  ms: number;
  macs: number;
}

interface ResolvedCall {
  f: KernelFunction;
  /** Arguments for thread 0, without the (begin, end) of a parallel call. */
  args: number[];
  call: WasmCall;
  /** Index in the thread pool's call list, for parallel calls. */
  poolIndex: number;
}

/** Where a run-time value lives: its byte offset in the memory. */
interface Placed {
  offset: number;
  type: ValueType;
}

/** A run-time value that can be kept: where it lives and the step after which it holds its result. */
interface Keepable {
  placed: Placed;
  /** Index into the steps; -1 for graph inputs (ready before the first step). */
  readyAfter: number;
}

type Step =
  | { kind: 'wasm'; node: Node; calls: ResolvedCall[]; macs: number }
  | { kind: 'host'; node: Node; op: OpDef; opset: number; inputs: (Placed | Tensor | undefined)[]; outputs: (Placed | undefined)[] };

const ELEMENT_BYTES = 4;

function runtimeDType(dtype: DType): 'float32' | 'int32' {
  return isFloatType(dtype) ? 'float32' : 'int32';
}

function byteSize(type: ValueType): number {
  return sizeOf(type.shape) * ELEMENT_BYTES;
}

export class Session {
  /** Use Session.create. */
  constructor(
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
    /** Bytes of the activation arena: the peak of simultaneously live intermediate values. */
    readonly peakBytes: number,
    /** Bytes of weights and other constants held in memory (after packing). */
    readonly constantBytes: number,
    readonly build: KernelBuild,
    /** Threads the session runs on (1 when shared memory was unavailable). */
    readonly threads: number,
    private readonly kernels: KernelInstance,
    private readonly pool: ThreadPool | undefined,
    private readonly steps: Step[],
    private readonly placedInputs: Map<string, Placed>,
    private readonly resultSources: Map<string, Placed | Tensor>,
    private readonly keepable: Map<string, Keepable>,
    /** Values of the loaded model that the graph optimizations folded or fused away. */
    private readonly optimizedAway: ReadonlySet<string>,
    private readonly nonFinite: 'reject' | 'allow',
  ) {}

  private disposed = false;

  /** Names of the values `run` can keep (inputs and every value a step writes), in run order. */
  get values(): string[] {
    return [...this.keepable.keys()];
  }

  /** The shape of a value `run` can keep (see `values`), or undefined. */
  shapeOf(name: string): number[] | undefined {
    const value = this.keepable.get(name);
    return value === undefined ? undefined : [...value.placed.type.shape];
  }

  /** Total bytes of the WebAssembly memory. */
  get memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  /** The optimized graph's nodes, in run order (what `run` executes). */
  get nodes(): readonly Node[] {
    return this.steps.map((s) => s.node);
  }

  static async create(model: Model, options: SessionOptions = {}): Promise<Session> {
    if (model === null || typeof model !== 'object' || model.graph === null || typeof model.graph !== 'object') throw new InputError('Session.create needs a Model (from one of the readers)');
    if (options.nonFinite !== undefined && options.nonFinite !== 'reject' && options.nonFinite !== 'allow') throw new InputError(`nonFinite must be 'reject' or 'allow', got ${String(options.nonFinite)}`);
    // QDQ onto the integer kernels before folding, which would turn dequantized weights into floats.
    const optimizing = options.optimize !== false;
    const graph = prepareGraph(optimizing ? { ...model, graph: qdqToQLinear(model.graph, model.opsets) } : model, options.inputShapes);
    if (optimizing) optimize(graph);
    removeDeadNodes(graph);
    const build = resolveBuild(options.build ?? 'simd');
    const remaining = new Set(graph.nodes.flatMap((n) => n.outputs));
    const optimizedAway = new Set(model.graph.nodes.flatMap((n) => n.outputs).filter((name) => name !== '' && !remaining.has(name) && !graph.constants.has(name)));
    return layOut(graph, build, usableThreads(options.threads ?? 1), options.spawnWorker, optimizedAway, options.nonFinite ?? 'reject');
  }

  /** Stops the worker threads, if any. `run` afterwards throws a SessionDisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.stop();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Runs the model. Inputs are float32 (or int32 for integer inputs) in row-major order. The
   * outputs are fresh arrays the caller owns; to run a model again and again without allocating
   * them each time, use `runInto`. Returns the outputs, plus the intermediate values named in
   * `options.keep` (an array instead of options collects per-step timings, as `{ timings }` does).
   */
  run(feeds: Record<string, RuntimeData | readonly number[]>, options: RunOptions | StepTiming[] = {}): Record<string, OutputTensor> {
    return this.runInto(feeds, this.allocateOutputs(), options);
  }

  /** One array per output, of its type and size, for `runInto` to fill run after run. */
  allocateOutputs(): Record<string, RuntimeData> {
    return Object.fromEntries(this.outputs.map((info) => {
      const n = sizeOf(info.shape);
      return [info.name, runtimeDType(info.dtype) === 'float32' ? new Float32Array(n) : new Int32Array(n)];
    }));
  }

  /**
   * Runs the model and copies every output into the caller's array for it (from
   * `allocateOutputs`, or any array of the output's type and size); the returned tensors view
   * those arrays. A fresh array of megabytes per output and run is what a run would otherwise
   * cost beyond its kernels: allocated, zeroed and collected again (a 3.7 MB output cost ~10 ms
   * a run, against 0.1 ms for a copy into a kept array). Kept values (options.keep) come back
   * in fresh arrays.
   */
  runInto(feeds: Record<string, RuntimeData | readonly number[]>, outputs: Record<string, RuntimeData>, options: RunOptions | StepTiming[] = {}): Record<string, OutputTensor> {
    if (this.disposed) throw new SessionDisposedError('this session was disposed: create a new one to run the model again');
    if (feeds === null || typeof feeds !== 'object' || Array.isArray(feeds)) {
      throw new InputError(`run takes an object of inputs by name (${[...this.placedInputs.keys()].join(', ')}), got ${feeds === null ? 'null' : Array.isArray(feeds) ? 'an array' : typeof feeds}`);
    }
    for (const name of Object.keys(feeds)) {
      if (!this.placedInputs.has(name)) throw new InputError(`'${name}' is not an input of this model; inputs: ${[...this.placedInputs.keys()].join(', ')}`);
    }
    const { keep = [], timings } = Array.isArray(options) ? { timings: options } : (options as RunOptions);
    const copiesAfter = this.keepPlan(keep);
    for (const info of this.outputs) {
      const target = Object.hasOwn(outputs, info.name) ? outputs[info.name] : undefined;
      const dtype = runtimeDType(info.dtype);
      if (target === undefined || target.length !== sizeOf(info.shape) || (dtype === 'float32') !== target instanceof Float32Array) {
        throw new InputError(`output '${info.name}' needs a ${dtype === 'float32' ? 'Float32Array' : 'Int32Array'} of ${sizeOf(info.shape)} values (shape ${shapeString(info.shape)})`);
      }
    }
    const buffer = this.kernels.memory.buffer;
    for (const [name, placed] of this.placedInputs) {
      const given = Object.hasOwn(feeds, name) ? feeds[name] : undefined;
      if (given === undefined) throw new InputError(`input '${name}' (shape ${shapeString(placed.type.shape)}) was not given`);
      checkFeed(name, given, placed, this.nonFinite);
      viewOf(buffer, placed).set(given);
    }
    const kept: Record<string, OutputTensor> = {};
    const copyOut = (step: number): void => {
      for (const name of copiesAfter?.get(step) ?? []) {
        const { type } = this.keepable.get(name)!.placed;
        setOwn(kept, name, { name, dtype: runtimeDType(type.dtype), shape: [...type.shape], data: viewOf(buffer, this.keepable.get(name)!.placed).slice() });
      }
    };
    copyOut(-1);
    try {
      this.steps.forEach((step, i) => {
        const start = timings ? performance.now() : 0;
        if (step.kind === 'wasm') {
          for (const c of step.calls) this.runCall(c);
        } else {
          runHostStep(step, buffer);
        }
        if (timings) timings.push({ node: step.node.name, op: step.node.op, ms: performance.now() - start, macs: step.kind === 'wasm' ? step.macs : 0 });
        if (copiesAfter !== undefined) copyOut(i);
      });
    } finally {
      this.pool?.park();
    }
    const results: Record<string, OutputTensor> = kept;
    for (const info of this.outputs) {
      const source = this.resultSources.get(info.name)!;
      const data = outputs[info.name]!;
      data.set('offset' in source ? viewOf(buffer, source) : toRuntimeData(source));
      setOwn(results, info.name, { name: info.name, dtype: runtimeDType(info.dtype), shape: [...info.shape], data });
    }
    return results;
  }

  /** For each step index (-1: before the first), the kept values that are final once it has run. */
  private keepPlan(keep: readonly string[]): Map<number, string[]> | undefined {
    if (keep.length === 0) return undefined;
    const plan = new Map<number, string[]>();
    for (const name of new Set(keep)) {
      const value = this.keepable.get(name);
      if (value === undefined) {
        if (this.outputs.some((o) => o.name === name)) continue; // an output that is a constant: returned anyway
        const why = this.optimizedAway.has(name)
          ? 'the graph optimizations folded or fused it into the node that now writes a later value (create the session with optimize: false to keep it)'
          : 'no step of this session writes it (unknown name, a constant, or a value no output depends on)';
        throw new InputError(`cannot keep '${name}': ${why}; the session's values are listed by Session.values`);
      }
      plan.set(value.readyAfter, [...(plan.get(value.readyAfter) ?? []), name]);
    }
    return plan;
  }

  private runCall(c: ResolvedCall): void {
    const extent = c.call.parallel;
    if (extent === undefined) c.f(...c.args);
    else if (this.pool === undefined) c.f(...c.args, 0, extent);
    else this.pool.run(c.poolIndex, extent, (begin, end) => c.f(...c.args, begin, end));
  }
}

/** record[key] = value as an own entry, even for a key like '__proto__' (legal in every format). */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A feed checked before it is copied in: a numeric array of the planned length, finite unless allowed. */
function checkFeed(name: string, given: unknown, placed: Placed, nonFinite: 'reject' | 'allow'): asserts given is RuntimeData | readonly number[] {
  const expected = sizeOf(placed.type.shape);
  const isTyped = ArrayBuffer.isView(given) && !(given instanceof DataView) && !(given instanceof BigInt64Array) && !(given instanceof BigUint64Array);
  if (!isTyped && !Array.isArray(given)) {
    throw new InputError(`input '${name}' must be a Float32Array, Int32Array or array of numbers, got ${given === null ? 'null' : typeof given}`);
  }
  const values = given as ArrayLike<unknown>;
  if (values.length !== expected) {
    throw new InputError(`input '${name}': expected shape ${shapeString(placed.type.shape)} (${expected} values), given ${values.length} values`);
  }
  if (!isTyped) {
    for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'number') throw new InputError(`input '${name}': element ${i} is ${typeof values[i]}, not a number`);
  }
  if (nonFinite === 'reject' && !(given instanceof Int32Array)) {
    const numbers = values as ArrayLike<number>;
    for (let i = 0; i < numbers.length; i++) {
      if (!Number.isFinite(numbers[i])) throw new InputError(`input '${name}': element ${i} is ${numbers[i]} (non-finite inputs are rejected; create the session with nonFinite: 'allow' to run them)`);
    }
  }
}

let warnedNoSharedMemory = false;
let warnedThreadClamp = false;

function usableThreads(requested: number): number {
  if (!Number.isInteger(requested) || requested < 1) throw new InputError(`threads must be a positive integer, got ${requested}`);
  const cores = limits().maxThreads;
  if (requested > cores) {
    if (!warnedThreadClamp) {
      warnedThreadClamp = true;
      console.warn(`wasmpose: ${requested} threads requested, the runtime reports ${cores} cores: running on ${cores} (limit maxThreads)`);
    }
    requested = cores;
  }
  if (requested === 1 || sharedMemorySupported()) return requested;
  if (!warnedNoSharedMemory) {
    warnedNoSharedMemory = true;
    console.warn(
      'wasmpose: shared WebAssembly memory is unavailable here, so sessions run on one thread ' +
        '(a page needs cross-origin isolation: Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)',
    );
  }
  return 1;
}

/** Web Workers where the runtime has them (browsers, Deno, Bun), else Node's worker threads. */
function defaultSpawner(): SpawnWorker {
  return typeof Worker === 'function' ? spawnBrowserWorker : spawnNodeWorker;
}

function viewOf(buffer: ArrayBufferLike, placed: Placed): RuntimeData {
  const n = sizeOf(placed.type.shape);
  return runtimeDType(placed.type.dtype) === 'float32' ? new Float32Array(buffer, placed.offset, n) : new Int32Array(buffer, placed.offset, n);
}

function toRuntimeData(t: Tensor): RuntimeData {
  return runtimeDType(t.dtype) === 'float32' ? toFloat32(t).slice() : Int32Array.from(toNumbers(t), clampInt32);
}

function clampInt32(v: number): number {
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)));
}

function runHostStep(step: Extract<Step, { kind: 'host' }>, buffer: ArrayBufferLike): void {
  const inputs = step.inputs.map((source) => {
    if (source === undefined || !('offset' in source)) return source;
    const view = viewOf(buffer, source);
    return source.type.dtype === 'float32' ? { dtype: 'float32' as const, shape: source.type.shape, data: view.slice() } : fromNumbers(source.type.dtype, source.type.shape, view);
  });
  const values = step.op.reference({ node: step.node, opset: step.opset, inputs });
  step.outputs.forEach((target, i) => {
    if (target === undefined) return;
    const v = values[i]!;
    if (sizeOf(v.shape) !== sizeOf(target.type.shape)) {
      throw new ShapeError(`node '${step.node.name}' produced shape ${shapeString(v.shape)}, planned ${shapeString(target.type.shape)}`);
    }
    viewOf(buffer, target).set(toRuntimeData(v));
  });
}

/** Refuses a memory of `bytes` beyond the session budget (or wasm32's 4 GiB) before it is grown. */
function checkMemoryBudget(bytes: number): void {
  const budget = Math.min(MAX_MEMORY_BYTES, limits().maxSessionBytes);
  if (bytes > budget) throw new ShapeError(`the model needs at least ${bytes} bytes of memory, more than the ${budget} a session may use (limit maxSessionBytes)`);
}

/** Units per call of a packing kernel (see writeConstant). */
const PACKING_SLICE = 4;

/** WebAssembly's page size: memory grows in whole pages. */
const WASM_PAGE = 65536;

/**
 * Grows the memory to at least `bytes`. V8 and the browsers reserve a memory's declared maximum
 * up front, so growing commits pages in place rather than copying what is already there; but
 * each grow costs up to a millisecond, so while constants are written one by one the memory
 * grows by a quarter at a time (pages never written are never resident).
 */
function growTo(memory: WebAssembly.Memory, bytes: number, ahead = false): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  checkMemoryBudget(bytes);
  const target = ahead ? Math.min(MAX_MEMORY_BYTES, Math.max(bytes, have + have / 4)) : bytes;
  memory.grow(Math.ceil((target - have) / WASM_PAGE));
}

/**
 * Writes a constant's values (float32, or int32 for integer types) into the memory at `offset`;
 * a deferred packing packs itself there (the memory past the constants written so far is still
 * zero, as it expects), by its WASM kernel when it has one: the kernel's source goes just past
 * the target, and is zeroed again once packed.
 */
function writeConstant(kernels: KernelInstance, offset: number, data: RuntimeData | DeferredPacking): void {
  const memory = kernels.memory;
  if (data instanceof Int32Array) new Int32Array(memory.buffer, offset, data.length).set(data);
  else if (data instanceof Float32Array) new Float32Array(memory.buffer, offset, data.length).set(data);
  else if (data.kernel === undefined) data.write(new Float32Array(memory.buffer, offset, data.length));
  else {
    const { fn, source, args, extent } = data.kernel;
    const sourceAt = alignUp(offset + data.length * ELEMENT_BYTES);
    growTo(memory, sourceAt + source.byteLength, true);
    new Float32Array(memory.buffer, sourceAt, source.length).set(source);
    // Slices, so that V8 can optimise the kernel between calls (one long call would stay in its
    // baseline code to the end).
    const pack = kernels.fn(fn);
    for (let begin = 0; begin < extent; begin += PACKING_SLICE) pack(sourceAt, offset, ...args, begin, Math.min(extent, begin + PACKING_SLICE));
    new Float32Array(memory.buffer, sourceAt, source.length).fill(0);
  }
}

/** A constant as it is written to memory: float32 data as it is, anything else converted. */
function runtimeDataOf(t: Tensor): RuntimeData {
  return t.dtype === 'float32' ? (t.data as Float32Array) : toRuntimeData(t);
}

/** Plans memory and kernels for an optimized graph, then instantiates the kernels over it. */
async function layOut(graph: TypedGraph, build: KernelBuild, threads: number, spawnWorker: SpawnWorker | undefined, optimizedAway: ReadonlySet<string>, nonFinite: 'reject' | 'allow'): Promise<Session> {
  // 1. Buffers of run-time values. An alias shares its source's buffer.
  const ops = graph.nodes.map(opFor);
  const bufferOf = new Map<string, number>();
  const requests: BufferRequest[] = [];
  const touch = (name: string, step: number): void => {
    const r = requests[bufferOf.get(name)!]!;
    r.first = Math.min(r.first, step);
    r.last = Math.max(r.last, step);
  };
  for (const input of graph.inputs) {
    bufferOf.set(input.name, requests.length);
    requests.push({ bytes: byteSize(input.type), first: -1, last: -1 });
  }
  graph.nodes.forEach((node, step) => {
    for (const name of node.inputs) if (name !== '' && bufferOf.has(name)) touch(name, step);
    node.outputs.forEach((name, i) => {
      // An optional output the op does not produce (and nothing reads) gets no buffer.
      if (name === '' || !graph.types.has(name)) return;
      const source = node.inputs[0]!;
      if (ops[step]!.aliasesInput && i === 0 && bufferOf.has(source)) {
        bufferOf.set(name, bufferOf.get(source)!);
        touch(name, step);
        return;
      }
      bufferOf.set(name, requests.length);
      requests.push({ bytes: byteSize(graph.types.get(name)!), first: step, last: step });
    });
  });
  for (const name of graph.outputs) if (bufferOf.has(name)) touch(name, Infinity);
  const memoryPlan = planMemory(requests);
  // The activations alone may already be over budget: refuse before packing any weights.
  checkMemoryBudget(memoryPlan.bytes);

  // 2. One memory: [module data | constants | activations | scratch]. The module's static data
  // ends at heapBase, known only after instantiation; 1 MiB covers it and is checked below. The
  // memory starts with the module data alone and grows as the constants are written.
  const moduleReserve = 1 << 20;
  const constantsStart = alignUp(moduleReserve, ALIGNMENT);
  const kernels = await instantiateKernels(build, constantsStart, threads > 1);
  if (kernels.heapBase > moduleReserve) throw new Error(`kernel module data (${kernels.heapBase} bytes) exceeds the reserved ${moduleReserve}`);
  const memory = kernels.memory;

  // 3. Kernel plans, node by node, each plan's constants written to memory as soon as it is made:
  // inputs the kernels read by pointer, and packed weights. The packed copies in JavaScript are
  // dropped right away, and so is a graph constant once no later node reads it (BatchNorm-folded
  // weights exist only in the graph), so at no point are all weights held twice over.
  // Ops without a plan run their reference on the host and keep the constants they read.
  const readersLeft = new Map<string, number>();
  for (const node of graph.nodes) for (const name of node.inputs) if (graph.constants.has(name)) readersLeft.set(name, (readersLeft.get(name) ?? 0) + 1);
  const constantOffsets = new Map<string, number>();
  let constantBytes = 0;
  const placeConstant = (data: RuntimeData | DeferredPacking): number => {
    const offset = constantBytes;
    constantBytes = alignUp(constantBytes + data.length * ELEMENT_BYTES);
    growTo(memory, constantsStart + constantBytes, true);
    writeConstant(kernels, constantsStart + offset, data);
    return offset;
  };
  let scratchBytes = 0;
  const laidOut = graph.nodes.map((node, i) => {
    const op = ops[i]!;
    const inputs = node.inputs.map((n) => (n === '' ? undefined : graph.types.get(n)));
    const constants = node.inputs.map((n) => (n === '' ? undefined : graph.constants.get(n)));
    const outputs = node.outputs.map((n) => graph.types.get(n) ?? { dtype: 'float32' as const, shape: [0] });
    const plan = op.aliasesInput ? undefined : op.plan?.({ node, opset: graph.opset, inputs, constants, outputs });
    let packedOffsets: number[] = [];
    if (plan !== undefined) {
      for (const call of plan.calls) {
        for (const arg of call.args) {
          if (typeof arg !== 'object' || !('input' in arg)) continue;
          const name = node.inputs[arg.input]!;
          const t = graph.constants.get(name);
          if (t !== undefined && !constantOffsets.has(name)) constantOffsets.set(name, placeConstant(runtimeDataOf(t)));
        }
      }
      packedOffsets = (plan.packed ?? []).map(placeConstant);
      scratchBytes = Math.max(scratchBytes, plan.scratchBytes ?? 0);
    }
    for (const name of node.inputs) {
      const left = readersLeft.get(name);
      if (left === undefined) continue;
      readersLeft.set(name, left - 1);
      if (left === 1 && !graph.outputs.includes(name)) graph.constants.delete(name);
    }
    return { node, op, calls: plan?.calls, packedOffsets, hostConstants: plan === undefined ? constants : [] };
  });

  scratchBytes = alignUp(scratchBytes);
  const arenaStart = alignUp(constantsStart + constantBytes);
  const scratchStart = alignUp(arenaStart + memoryPlan.bytes);
  growTo(memory, scratchStart + scratchBytes * threads);
  const place = (name: string): Placed | undefined => {
    const buffer = bufferOf.get(name);
    if (buffer === undefined) return undefined;
    return { offset: arenaStart + memoryPlan.offsets[buffer]!, type: graph.types.get(name)! };
  };

  // 4. Steps with every pointer resolved; parallel calls also listed for the worker threads.
  // Every value a step writes can be kept: it is final after that step (an alias, which no step
  // writes, once its source is), until the plan reuses its bytes after its last reader.
  const steps: Step[] = [];
  const poolCalls: ((thread: number) => WorkerInit['calls'][number])[] = [];
  const keepable = new Map<string, Keepable>(graph.inputs.map((input) => [input.name, { placed: place(input.name)!, readyAfter: -1 }]));
  for (const { node, op, calls, packedOffsets, hostConstants } of laidOut) {
    const readyAfter = op.aliasesInput ? keepable.get(node.inputs[0]!)?.readyAfter : steps.length;
    node.outputs.forEach((name, i) => {
      const placed = name === '' || readyAfter === undefined || (op.aliasesInput && i > 0) ? undefined : place(name);
      if (placed !== undefined) keepable.set(name, { placed, readyAfter: readyAfter! });
    });
    if (op.aliasesInput) continue;
    if (calls === undefined) {
      steps.push({
        kind: 'host',
        node,
        op,
        opset: graph.opset,
        inputs: node.inputs.map((n, i) => (n === '' ? undefined : (hostConstants[i] ?? place(n)))),
        outputs: node.outputs.map((n) => (n === '' ? undefined : place(n))),
      });
      continue;
    }
    const resolve = (arg: Arg, thread = 0): number => {
      if (typeof arg === 'number') return arg;
      if (arg === 'scratch') return scratchStart + thread * scratchBytes;
      if ('packed' in arg) return constantsStart + packedOffsets[arg.packed]!;
      const name = 'input' in arg ? node.inputs[arg.input]! : node.outputs[arg.output]!;
      const constant = constantOffsets.get(name);
      if (constant !== undefined) return constantsStart + constant;
      return place(name)!.offset;
    };
    const resolved = calls.map((call) => {
      const poolIndex = poolCalls.length;
      if (call.parallel !== undefined) poolCalls.push((thread) => ({ fn: call.fn, args: call.args.map((a) => resolve(a, thread)), extent: call.parallel! }));
      return { f: kernels.fn(call.fn), args: call.args.map((a) => resolve(a)), call, poolIndex };
    });
    steps.push({ kind: 'wasm', node, calls: resolved, macs: calls.reduce((s, c) => s + (c.macs ?? 0), 0) });
  }

  const info = (name: string): TensorInfo => {
    const t = graph.types.get(name)!;
    return { name, dtype: t.dtype, shape: [...t.shape] };
  };
  let pool: ThreadPool | undefined;
  if (threads > 1) {
    const module = await kernelModule(build, true);
    pool = await ThreadPool.start(threads, spawnWorker ?? defaultSpawner(), { module, memory }, (thread) => poolCalls.map((c) => c(thread)));
  }
  const placedInputs = new Map(graph.inputs.map((input) => [input.name, place(input.name)!]));
  const resultSources = new Map(graph.outputs.map((name) => [name, graph.constants.get(name) ?? place(name)!]));
  return new Session(
    graph.inputs.map((i) => info(i.name)),
    graph.outputs.map(info),
    memoryPlan.bytes,
    constantBytes,
    build,
    threads,
    kernels,
    pool,
    steps,
    placedInputs,
    resultSources,
    keepable,
    optimizedAway,
    nonFinite,
  );
}

export type { KernelPlan };
