// `wasmpose bench <model>`: times `Session.run` on seeded random inputs. With --profile, also
// the time of every node (summed over the runs), sorted, with its GFLOP/s.
import { loadModelFile } from '../../nn/formats/load-file.js';
import { seededRandom, uniform } from '../../nn/random.js';
import { Session, type RuntimeData, type StepTiming } from '../../nn/session.js';
import { isFloatType, sizeOf } from '../../nn/tensor.js';
import { intFlag, parseArgs, UsageError, type ParsedArgs } from '../args.js';

export const benchUsage = 'wasmpose bench <model> [--threads N] [--runs N] [--warmup N] [--input-shape <name>=<d,d,...>] [--profile] [--json]';

export interface BenchResult {
  median_ms: number;
  min_ms: number;
  runs: number;
  threads: number;
  peak_bytes: number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Seeded inputs: floats uniform in [-1, 1), integers in [0, 255] (pixel-like). */
export function seededFeeds(session: Session, seed = 1): Record<string, RuntimeData> {
  const rng = seededRandom(seed);
  return Object.fromEntries(
    session.inputs.map((info) => {
      const n = sizeOf(info.shape);
      const data = isFloatType(info.dtype) ? uniform(n, rng) : Int32Array.from({ length: n }, () => Math.floor(rng() * 256));
      return [info.name, data];
    }),
  );
}

export function parseInputShapes(args: ParsedArgs): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of args.lists.get('input-shape') ?? []) {
    const eq = spec.indexOf('=');
    const dims = spec.slice(eq + 1).split(',').map(Number);
    if (eq <= 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new UsageError(`--input-shape expects <name>=<d,d,...>, got '${spec}'`);
    shapes[spec.slice(0, eq)] = dims;
  }
  return shapes;
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
  });
  const [modelPath] = args.positionals;
  if (modelPath === undefined) throw new UsageError(`usage: ${benchUsage}`);
  const threads = intFlag(args, 'threads', 1, 1);
  const runs = intFlag(args, 'runs', 10, 1);
  const warmup = intFlag(args, 'warmup', 2, 0);
  const inputShapes = parseInputShapes(args);
  const session = await Session.create(loadModelFile(modelPath, { inputShapes }), { inputShapes, threads });
  const feeds = seededFeeds(session);
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
  const result: BenchResult = { median_ms: median(times), min_ms: Math.min(...times), runs, threads: session.threads, peak_bytes: session.peakBytes };
  const nodes = profile ? summarize(timings, runs) : undefined;
  if (args.booleans.has('json')) {
    console.log(JSON.stringify(nodes ? { ...result, profile: nodes } : result));
    return 0;
  }
  console.log(`${modelPath}: median ${result.median_ms.toFixed(2)} ms, min ${result.min_ms.toFixed(2)} ms over ${runs} runs, ${threads} thread(s), activations ${(result.peak_bytes / 2 ** 20).toFixed(1)} MiB`);
  if (nodes) {
    console.log('| node | op | ms | GFLOP/s |\n| --- | --- | ---: | ---: |');
    for (const n of nodes) console.log(`| ${n.node} | ${n.op} | ${n.ms.toFixed(3)} | ${n.gflops ? n.gflops.toFixed(1) : ''} |`);
  }
  return 0;
}
