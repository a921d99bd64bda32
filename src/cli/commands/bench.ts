// `wasmpose bench <model>`: times `Session.run` on seeded random inputs. With --profile, also
// the time of every node (summed over the runs), sorted, with its GFLOP/s. With --baseline, a
// result stored earlier (--out or --json) is compared with this run by the test of
// eval/regression.ts, and the command exits 1 when the model is slower beyond the noise;
// --tracker writes the run as CI benchmark trackers read it (customSmallerIsBetter).
import { readFileSync, writeFileSync } from 'node:fs';
import { compareTimes, describeTimeTest, median, timeComparisonTable, timeTrackerEntries } from '../../eval/regression.js';
import { InputError } from '../../nn/errors.js';
import { loadModelFile } from '../../nn/formats/load-file.js';
import { seededFeeds } from '../../nn/random.js';
import { Session, type StepTiming } from '../../nn/session.js';
import { intFlag, parseArgs, parseInputShapes, UsageError, type ParsedArgs } from '../args.js';

export const benchUsage =
  'wasmpose bench <model> [--threads N] [--runs N] [--warmup N] [--input-shape <name>=<d,d,...>] [--profile] [--json] [--out <result.json>] ' +
  '[--baseline <result.json>] [--min-effect <fraction>] [--alpha <p>] [--tracker <file.json>]';

export interface BenchResult {
  model: string;
  /** Every timed run, in order: what --baseline compares. */
  times_ms: number[];
  median_ms: number;
  min_ms: number;
  runs: number;
  threads: number;
  peak_bytes: number;
}


export interface NodeProfile {
  node: string;
  op: string;
  ms: number;
  gflops: number;
}

export function summarize(timings: StepTiming[], runs: number): NodeProfile[] {
  const byNode = new Map<string, StepTiming>();
  for (const t of timings) {
    const acc = byNode.get(t.node);
    if (acc) acc.ms += t.ms;
    else byNode.set(t.node, { ...t });
  }
  return [...byNode.values()]
    .map((t) => ({ node: t.node, op: t.op, ms: t.ms / runs, gflops: t.ms > 0 ? (2 * t.macs * runs) / (t.ms * 1e6) : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

export async function benchCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, {
    threads: { kind: 'string' }, runs: { kind: 'string' }, warmup: { kind: 'string' },
    'input-shape': { kind: 'list' }, profile: { kind: 'boolean' }, json: { kind: 'boolean' },
    out: { kind: 'string' }, baseline: { kind: 'string' }, 'min-effect': { kind: 'string' }, alpha: { kind: 'string' }, tracker: { kind: 'string' },
  });
  const [modelPath] = args.positionals;
  if (modelPath === undefined) throw new UsageError(`usage: ${benchUsage}`);
  const threads = intFlag(args, 'threads', 1, 1);
  const runs = intFlag(args, 'runs', 10, 1);
  const warmup = intFlag(args, 'warmup', 2, 0);
  const inputShapes = parseInputShapes(args);
  const baselinePath = args.strings.get('baseline');
  const baseline = baselinePath === undefined ? undefined : readBenchResult(baselinePath);
  const testOptions = { minEffect: numberFlag(args, 'min-effect'), alpha: numberFlag(args, 'alpha') };
  const session = await Session.create(loadModelFile(modelPath, { inputShapes }), { inputShapes, threads });
  const feeds = Object.fromEntries(seededFeeds(session.inputs).map((input) => [input.name, input.data]));
  const outputs = session.allocateOutputs();
  for (let i = 0; i < warmup; i++) session.runInto(feeds, outputs);
  const times: number[] = [];
  const timings: StepTiming[] = [];
  const profile = args.booleans.has('profile');
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    session.runInto(feeds, outputs, profile ? timings : undefined);
    times.push(performance.now() - start);
  }
  session.dispose();
  const result: BenchResult = { model: modelPath, times_ms: times, median_ms: median(times), min_ms: Math.min(...times), runs, threads: session.threads, peak_bytes: session.peakBytes };
  const nodes = profile ? summarize(timings, runs) : undefined;
  const outPath = args.strings.get('out');
  if (outPath !== undefined) writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
  const trackerPath = args.strings.get('tracker');
  const name = `${modelPath} x${session.threads}`;
  if (trackerPath !== undefined) writeFileSync(trackerPath, `${JSON.stringify(timeTrackerEntries([{ name, medianMs: result.median_ms, runs }]), null, 2)}\n`);
  const comparison = baseline === undefined ? undefined : compareTimes(name, baseline.times_ms, times, testOptions);
  if (args.booleans.has('json')) {
    console.log(JSON.stringify({ ...result, ...(nodes ? { profile: nodes } : {}), ...(comparison ? { comparison } : {}) }));
    return comparison?.verdict === 'slower' ? 1 : 0;
  }
  console.log(`${modelPath}: median ${result.median_ms.toFixed(2)} ms, min ${result.min_ms.toFixed(2)} ms over ${runs} runs, ${threads} thread(s), activations ${(result.peak_bytes / 2 ** 20).toFixed(1)} MiB`);
  if (nodes) {
    console.log('| node | op | ms | GFLOP/s |\n| --- | --- | ---: | ---: |');
    for (const n of nodes) console.log(`| ${n.node} | ${n.op} | ${n.ms.toFixed(3)} | ${n.gflops ? n.gflops.toFixed(1) : ''} |`);
  }
  if (comparison !== undefined) {
    console.log(`\nagainst ${baselinePath} (${describeTimeTest(testOptions)}):\n${timeComparisonTable([comparison])}`);
    if (comparison.verdict === 'slower') console.log(`${modelPath} is slower than the baseline beyond the noise`);
  }
  return comparison?.verdict === 'slower' ? 1 : 0;
}

function numberFlag(args: ParsedArgs, name: string): number | undefined {
  const text = args.strings.get(name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${text}'`);
  return n;
}

/** A stored `wasmpose bench --out/--json` result; it must carry the per-run times. */
export function readBenchResult(path: string): BenchResult {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the baseline '${path}': ${(e as Error).message}`);
  }
  const times = (json as { times_ms?: unknown }).times_ms;
  if (!Array.isArray(times) || times.some((t) => typeof t !== 'number')) {
    throw new InputError(`the baseline '${path}' has no per-run times (times_ms): write it with 'wasmpose bench <model> --out <file>'`);
  }
  return json as BenchResult;
}
