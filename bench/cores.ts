// Each CPU's speed on one network, one thread, the process pinned to that CPU with taskset
// (Linux). The cores of a virtual machine need not be equal: a vCPU whose physical core is shared
// runs slower. N threads can then finish at best in 1 / (sum of the N fastest cores' rates), so
// their speedup over one thread on the fastest core is capped at that sum over the fastest rate:
// the ceiling against which the models suite's multi-thread ratios are to be read.
//   npm run bench -- cores [--network name] [--rounds N]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from '../src/eval/regression.js';
import { InputError } from '../src/nn/errors.js';
import { seededFeeds } from '../src/nn/random.js';
import { Session, type RuntimeData } from '../src/nn/session.js';
import { MODELS } from '../src/models/registry.js';
import { feedSpecs } from './models.js';
import { hostInfo, writeResults } from './report.js';

export interface CoresOptions {
  quick: boolean;
  network?: string;
  rounds?: number;
}

interface CoreTime {
  cpu: number;
  medianMs: number;
  minMs: number;
}

const WARMUP = 2;

/** In the pinned child: one-thread run times of the network, as one JSON line on stdout. */
async function timeNetwork(name: string, rounds: number): Promise<void> {
  const seed = MODELS.find((m) => m.name === name);
  if (seed === undefined) throw new InputError(`unknown network '${name}'; networks: ${MODELS.map((m) => m.name).join(', ')}`);
  const model = seed.build();
  const session = await Session.create(model, { threads: 1 });
  const feeds: Record<string, RuntimeData> = Object.fromEntries(seededFeeds(feedSpecs(model), 1).map((f) => [f.name, f.data]));
  const outputs = session.allocateOutputs();
  const times: number[] = [];
  for (let i = 0; i < WARMUP + rounds; i++) {
    const start = performance.now();
    session.runInto(feeds, outputs);
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  session.dispose();
  console.log(JSON.stringify({ medianMs: median(times), minMs: Math.min(...times) }));
}

export async function coresSuite(options: CoresOptions): Promise<void> {
  const network = options.network ?? 'human-pose-estimation-0001';
  const rounds = options.rounds ?? (options.quick ? 3 : 8);
  const probe = spawnSync('taskset', ['-c', '0', 'true']);
  if (process.platform !== 'linux' || probe.status !== 0) {
    console.log('\n## cores: skipped (pinning a process to a CPU needs Linux and taskset)\n');
    return;
  }
  const times: CoreTime[] = [];
  for (let cpu = 0; cpu < cpus().length; cpu++) {
    const child = spawnSync('taskset', ['-c', String(cpu), process.execPath, fileURLToPath(import.meta.url), '--child', network, String(rounds)], { encoding: 'utf8' });
    const last = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !last.startsWith('{')) throw new Error(`cores: the run pinned to CPU ${cpu} failed: ${child.stderr.trim() || last}`);
    times.push({ cpu, ...(JSON.parse(last) as { medianMs: number; minMs: number }) });
  }
  const fastest = Math.min(...times.map((t) => t.medianMs));
  const byRate = [...times].sort((a, b) => a.medianMs - b.medianMs);
  console.log(`\n## cores: ${network}, one thread pinned to each CPU, ${rounds} runs after ${WARMUP} warm-up\n`);
  console.log('| CPU | ms median | ms min | speed vs the fastest |\n| ---: | ---: | ---: | ---: |');
  for (const t of times) console.log(`| ${t.cpu} | ${t.medianMs.toFixed(1)} | ${t.minMs.toFixed(1)} | ${(fastest / t.medianMs).toFixed(2)} |`);
  const ceilings = byRate.slice(1).map((_, i) => {
    const threads = i + 2;
    return { threads, ceiling: byRate.slice(0, threads).reduce((sum, t) => sum + fastest / t.medianMs, 0) };
  });
  console.log(`\nspeedup ceiling over one thread on the fastest CPU: ${ceilings.map((c) => `${c.threads} threads ${c.ceiling.toFixed(2)}x`).join(', ')}`);
  const path = writeResults('cores', { suite: 'cores', date: new Date().toISOString(), network, rounds, warmup: WARMUP, host: hostInfo(), cores: times, ceilings });
  console.log(`results: ${path}`);
}

if (process.argv[2] === '--child') await timeNetwork(process.argv[3]!, Number(process.argv[4]));
