// Each CPU's speed on one network, one thread, the process pinned to that CPU with taskset
// (Linux): first each CPU alone, then all of them at once, one process each. The cores of a
// virtual machine need not be equal, nor independent: a vCPU whose physical core is shared runs
// slower, alone or only while its sibling is busy. N threads can finish at best in 1 / (sum of
// the cores' rates while all run), so their speedup over one thread on the fastest core alone is
// capped at that sum over the fastest lone rate: the ceiling against which the models suite's
// multi-thread ratios are to be read.
//   npm run bench -- cores [--network name] [--rounds N]
import { spawn, spawnSync } from 'node:child_process';
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

/** The registry network `name` (the seed networks: built here, no files to read). */
function seedNetwork(name: string): (typeof MODELS)[number] {
  const seed = MODELS.find((m) => m.name === name);
  if (seed === undefined) throw new InputError(`unknown network '${name}'; networks: ${MODELS.map((m) => m.name).join(', ')}`);
  return seed;
}

/** In the pinned child: one-thread run times of the network, as one JSON line on stdout. */
async function timeNetwork(name: string, rounds: number): Promise<void> {
  const model = seedNetwork(name).build();
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
  // Checked here, once, rather than failing in every pinned child.
  const network = seedNetwork(options.network ?? 'human-pose-estimation-0001').name;
  const rounds = options.rounds ?? (options.quick ? 3 : 8);
  const probe = spawnSync('taskset', ['-c', '0', 'true']);
  if (process.platform !== 'linux' || probe.status !== 0) {
    console.log('\n## cores: skipped (pinning a process to a CPU needs Linux and taskset)\n');
    return;
  }
  const cpuCount = cpus().length;
  const pinned = (cpu: number): string[] => ['-c', String(cpu), process.execPath, fileURLToPath(import.meta.url), '--child', network, String(rounds)];
  const parse = (cpu: number, status: number | null, stdout: string, stderr: string): CoreTime => {
    const last = stdout.trim().split('\n').pop() ?? '';
    if (status !== 0 || !last.startsWith('{')) throw new Error(`cores: the run pinned to CPU ${cpu} failed: ${stderr.trim() || last}`);
    return { cpu, ...(JSON.parse(last) as { medianMs: number; minMs: number }) };
  };
  const alone: CoreTime[] = [];
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    const child = spawnSync('taskset', pinned(cpu), { encoding: 'utf8' });
    alone.push(parse(cpu, child.status, child.stdout, child.stderr));
  }
  const together = await Promise.all(Array.from({ length: cpuCount }, (_, cpu) => new Promise<CoreTime>((resolve, reject) => {
    const child = spawn('taskset', pinned(cpu));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (status) => { try { resolve(parse(cpu, status, stdout, stderr)); } catch (e) { reject(e); } });
  })));
  const fastest = Math.min(...alone.map((t) => t.medianMs));
  console.log(`\n## cores: ${network}, one thread pinned to each CPU, alone and all at once, ${rounds} runs after ${WARMUP} warm-up\n`);
  console.log('| CPU | ms median alone | ms median all at once | speed vs the fastest alone, all at once |\n| ---: | ---: | ---: | ---: |');
  for (let cpu = 0; cpu < cpuCount; cpu++) console.log(`| ${cpu} | ${alone[cpu]!.medianMs.toFixed(1)} | ${together[cpu]!.medianMs.toFixed(1)} | ${(fastest / together[cpu]!.medianMs).toFixed(2)} |`);
  const ceiling = together.reduce((sum, t) => sum + fastest / t.medianMs, 0);
  console.log(`\nspeedup ceiling of ${cpuCount} threads over one thread on the fastest CPU: ${ceiling.toFixed(2)}x`);
  const path = writeResults('cores', { suite: 'cores', date: new Date().toISOString(), network, rounds, warmup: WARMUP, host: hostInfo(), alone, together, ceiling });
  console.log(`results: ${path}`);
}

if (process.argv[2] === '--child') await timeNetwork(process.argv[3]!, Number(process.argv[4]));
