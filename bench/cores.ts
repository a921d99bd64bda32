// Each CPU's speed on one network, one thread, the process pinned to that CPU with taskset
// (Linux): first each CPU alone, then all of them at once, one process each. The cores of a
// virtual machine need not be equal, nor independent: a vCPU whose physical core is shared runs
// slower, alone or only while its sibling is busy. N threads can finish at best in 1 / (sum of
// the cores' rates while all run), so their speedup over one thread on the fastest core alone is
// capped at that sum over the fastest lone rate: the ceiling against which the models suite's
// multi-thread ratios are to be read.
//
// It also times a cache line's round trip between two threads pinned to CPU 0 and CPU c. A
// virtual machine's vCPUs may sit in one core complex (sharing its L3) or in two, and the host may
// move them between the two placements while a benchmark runs: on this project's 2-vCPU EPYC VM
// the round trip is either ~140 ns or ~480 ns, in streaks of minutes. In the second placement
// every line one thread writes and the other reads crosses between the complexes:
// human-pose-estimation-0001 on two threads took ~122 ms there against ~112 ms in one complex
// before the thread pool kept each thread on its own band of the image
// (src/nn/threads/worker-source.ts), and ~119 against ~114 after.
//   npm run bench -- cores [--network name] [--rounds N]
import { spawn, spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
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
/** Round trips of one batch of the cache-line ping-pong; the first of the batches warms up. */
const PING_PONGS = 200_000;
const PING_PONG_BATCHES = 6;

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

/**
 * In the child pinned to two CPUs: the median round trip, in ns, of one Int32 handed back and
 * forth between this thread and a worker, both spinning (so they occupy both CPUs), over the
 * batches after the first; as one JSON line.
 */
async function timeRoundTrip(): Promise<void> {
  const word = new Int32Array(new SharedArrayBuffer(64));
  const total = 2 * PING_PONGS * PING_PONG_BATCHES;
  const worker = new Worker(`const w = new Int32Array(require('node:worker_threads').workerData);
    for (let i = 1; i < ${total}; i += 2) { while (Atomics.load(w, 0) !== i) {} Atomics.store(w, 0, i + 1); }`, { eval: true, workerData: word.buffer });
  const batches: number[] = [];
  let value = 0;
  for (let batch = 0; batch < PING_PONG_BATCHES; batch++) {
    const start = performance.now();
    for (let i = 0; i < PING_PONGS; i++) {
      Atomics.store(word, 0, ++value);
      while (Atomics.load(word, 0) !== value + 1) { /* the worker's answer */ }
      value++;
    }
    if (batch > 0) batches.push(((performance.now() - start) * 1e6) / PING_PONGS);
  }
  await worker.terminate();
  console.log(JSON.stringify({ roundTripNs: median(batches) }));
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
  const roundTrips = Array.from({ length: cpuCount - 1 }, (_, i) => {
    const child = spawnSync('taskset', ['-c', `0,${i + 1}`, process.execPath, fileURLToPath(import.meta.url), '--round-trip'], { encoding: 'utf8' });
    const last = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !last.startsWith('{')) throw new Error(`cores: the round trip between CPUs 0 and ${i + 1} failed: ${child.stderr.trim() || last}`);
    return { cpus: [0, i + 1], ...(JSON.parse(last) as { roundTripNs: number }) };
  });
  const fastest = Math.min(...alone.map((t) => t.medianMs));
  console.log(`\n## cores: ${network}, one thread pinned to each CPU, alone and all at once, ${rounds} runs after ${WARMUP} warm-up\n`);
  console.log('| CPU | ms median alone | ms median all at once | speed vs the fastest alone, all at once |\n| ---: | ---: | ---: | ---: |');
  for (let cpu = 0; cpu < cpuCount; cpu++) console.log(`| ${cpu} | ${alone[cpu]!.medianMs.toFixed(1)} | ${together[cpu]!.medianMs.toFixed(1)} | ${(fastest / together[cpu]!.medianMs).toFixed(2)} |`);
  const ceiling = together.reduce((sum, t) => sum + fastest / t.medianMs, 0);
  console.log(`\nspeedup ceiling of ${cpuCount} threads over one thread on the fastest CPU: ${ceiling.toFixed(2)}x`);
  for (const r of roundTrips) console.log(`cache-line round trip between threads on CPUs ${r.cpus.join(' and ')}: ${r.roundTripNs.toFixed(0)} ns`);
  const path = writeResults('cores', { suite: 'cores', date: new Date().toISOString(), network, rounds, warmup: WARMUP, host: hostInfo(), alone, together, ceiling, roundTrips });
  console.log(`results: ${path}`);
}

if (process.argv[2] === '--child') await timeNetwork(process.argv[3]!, Number(process.argv[4]));
if (process.argv[2] === '--round-trip') await timeRoundTrip();
