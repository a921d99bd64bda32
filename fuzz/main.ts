// The fuzz campaign driver:
//   npm run fuzz -- --format <onnx|openvino|caffe|tfjs|pytorch|npy|tensorproto|jpeg|png|all>
//                   [--seconds 60] [--cases N] [--seed 1] [--jobs 1] [--batch 2000]
//                   [--case-timeout 30] [--memory-mb 3072] [--corpus test/fuzz-corpus]
// Cases run in child processes, many per child; a child that dies (V8 fatal error, out of
// memory), runs one case past --case-timeout CPU seconds, waits blocked that many seconds, or
// grows past --memory-mb of RSS is
// killed and replaced, and its case becomes a finding. Every finding (those, and exceptions that
// are not WasmposeErrors) is written as a reproducer: <corpus>/<format>/<kind>-<seed>-<case>/
// holding the case's files and finding.json; the test suite replays every reproducer.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './child.js';
import { TARGETS, caseOf } from './targets.js';

interface Options {
  formats: string[];
  seconds: number;
  cases: number;
  seed: number;
  jobs: number;
  batch: number;
  caseTimeout: number;
  memoryMb: number;
  corpus: string;
}

type FindingKind = 'untyped' | 'crash' | 'hang' | 'memory';

interface Tally {
  cases: number;
  typed: number;
  findings: Record<FindingKind, number>;
  peakRssMb: number;
  signatures: Set<string>;
}

function parse(argv: readonly string[]): Options {
  const o: Options = { formats: [], seconds: 60, cases: Infinity, seed: 1, jobs: 1, batch: 2000, caseTimeout: 30, memoryMb: 3072, corpus: 'test/fuzz-corpus' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const n = Number(value);
    switch (flag) {
      case '--format': o.formats = value === 'all' ? [...TARGETS.keys()] : value.split(','); break;
      case '--seconds': o.seconds = n; break;
      case '--cases': o.cases = n; break;
      case '--seed': o.seed = n; break;
      case '--jobs': o.jobs = n; break;
      case '--batch': o.batch = n; break;
      case '--case-timeout': o.caseTimeout = n; break;
      case '--memory-mb': o.memoryMb = n; break;
      case '--corpus': o.corpus = value; break;
      default: throw new Error(`unknown flag ${flag}`);
    }
  }
  for (const f of o.formats) if (!TARGETS.has(f)) throw new Error(`unknown format '${f}'; formats: ${[...TARGETS.keys()].join(', ')}, all`);
  if (o.formats.length === 0) throw new Error(`--format is required: ${[...TARGETS.keys()].join(', ')}, all`);
  return o;
}

/** CPU seconds (user + system) the process has used: a case's time limit counts these, not the wall clock, so a loaded machine does not turn slow cases into hangs. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Whether the process is running or waiting for a core (state R): starved by load, not blocked. */
function runnable(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').startsWith('R');
  } catch {
    return false;
  }
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

/** One line that says what went wrong where: the message without numbers, and the top frame. */
function signature(error: string, stack: string): string {
  const frame = stack.split('\n').find((l) => l.trim().startsWith('at ')) ?? '';
  return `${error.replace(/\d+/g, 'N').slice(0, 120)} @ ${frame.trim().replace(/:\d+:\d+\)?$/, '')}`;
}

function writeReproducer(o: Options, format: string, kind: FindingKind, index: number, detail: object): string {
  const target = TARGETS.get(format)!;
  const files = caseOf(target, target.seeds(), o.seed, index);
  const dir = join(o.corpus, format, `${kind}-${o.seed}-${index}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'finding.json'), `${JSON.stringify({ kind, format, seed: o.seed, case: index, ...detail }, null, 2)}\n`);
  return dir;
}

const childPath = join(fileURLToPath(new URL('.', import.meta.url)), 'child.js');

/** Runs cases [first, end) of one format in a sequence of children; resolves with the next case. */
function runChild(o: Options, format: string, first: number, end: number, tally: Tally): Promise<number> {
  return new Promise((resolve) => {
    const count = Math.min(o.batch, end - first);
    const child: ChildProcess = fork(childPath, [format, String(o.seed), String(first), String(count)], {
      execArgv: [`--max-old-space-size=${o.memoryMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    let current = first - 1;
    let caseStart = 0;
    let verdict: FindingKind | undefined;
    let finished = false;
    // A case that waits forever uses no CPU, so the CPU-time limit alone would never end it: a
    // child that is neither running nor using CPU for --case-timeout wall seconds is blocked.
    let cpuSeen = 0;
    let blockedSince = Date.now();
    const watchdog = setInterval(() => {
      const rss = rssMb(child.pid!);
      const cpu = cpuSeconds(child.pid!);
      if (cpu !== cpuSeen || runnable(child.pid!)) blockedSince = Date.now();
      cpuSeen = cpu;
      tally.peakRssMb = Math.max(tally.peakRssMb, rss);
      if (rss > o.memoryMb) verdict = 'memory';
      else if (current >= first && (cpu - caseStart > o.caseTimeout || Date.now() - blockedSince > o.caseTimeout * 1000)) verdict = 'hang';
      if (verdict !== undefined) child.kill('SIGKILL');
    }, 100);
    child.on('message', (m: ChildMessage) => {
      if (m.kind === 'case') {
        current = m.index;
        caseStart = cpuSeconds(child.pid!);
        tally.cases++;
      } else if (m.kind === 'untyped') {
        tally.findings.untyped++;
        const sig = signature(m.error, m.stack);
        if (!tally.signatures.has(sig)) {
          tally.signatures.add(sig);
          const dir = writeReproducer(o, format, 'untyped', m.index, { error: m.error, stack: m.stack.split('\n').slice(0, 8) });
          console.log(`[${format}] untyped exception at case ${m.index}: ${m.error.slice(0, 200)} -> ${dir}`);
        }
      } else {
        finished = true;
        tally.typed += m.typed;
      }
    });
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (finished && verdict === undefined) return resolve(first + count);
      // Died before its first case (killed from outside, or at start-up): not a finding; retry.
      if (current < first) return resolve(first);
      const kind = verdict ?? 'crash';
      tally.findings[kind]++;
      const dir = writeReproducer(o, format, kind, current, { exit: code, signal, stderr: stderr.split('\n').slice(-12) });
      console.log(`[${format}] ${kind} at case ${current} (exit ${code ?? signal}) -> ${dir}`);
      resolve(current + 1);
    });
  });
}

async function campaign(o: Options, format: string): Promise<void> {
  const tally: Tally = { cases: 0, typed: 0, findings: { untyped: 0, crash: 0, hang: 0, memory: 0 }, peakRssMb: 0, signatures: new Set() };
  const started = Date.now();
  const deadline = started + o.seconds * 1000;
  // Jobs take interleaved blocks of cases: job j runs blocks j, j + jobs, ...
  const block = o.batch;
  let nextBlock = 0;
  const job = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const first = nextBlock++ * block;
      if (first >= o.cases) return;
      const end = Math.min(first + block, o.cases);
      for (let at = first; at < end && Date.now() < deadline;) at = await runChild({ ...o, batch: end - at }, format, at, end, tally);
    }
  };
  // A progress line now and then: a campaign stopped early still reports what it ran.
  const progress = setInterval(() => console.log(JSON.stringify(summary(o, format, tally, started, 'running'))), 60_000);
  await Promise.all(Array.from({ length: o.jobs }, job));
  clearInterval(progress);
  console.log(JSON.stringify(summary(o, format, tally, started, 'done')));
}

function summary(o: Options, format: string, tally: Tally, started: number, state: string): object {
  const seconds = (Date.now() - started) / 1000;
  return {
    state,
    format, seed: o.seed, cases: tally.cases, typedErrors: tally.typed, ...tally.findings,
    distinctUntyped: tally.signatures.size, peakChildRssMb: Math.round(tally.peakRssMb), seconds: Math.round(seconds), casesPerSecond: Math.round(tally.cases / seconds),
  };
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}`);
    process.exitCode = 2;
    return;
  }
  for (const format of o.formats) await campaign(o, format);
}

await main();
