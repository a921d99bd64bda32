// Benchmark reports: the markdown tables printed at the end of a suite, and the same rows as
// JSON in bench/results/<date>-<suite>.json (results are per machine: not committed).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One engine on one network. Timing fields are absent when the engine failed (see `error`). */
export interface EngineRow {
  network: string;
  /** Engine and variant, as shown in the table (e.g. 'wasmpose (simd)'). */
  engine: string;
  /** Threads asked for. */
  threads: number;
  /** Threads the engine reported it runs on, where it differs from `threads`. */
  actualThreads?: number;
  medianMs?: number;
  minMs?: number;
  /** 2 x multiply-adds / median time. */
  gflops?: number;
  /** This engine's median / wasmpose (simd build, same threads) median: > 1 means wasmpose is faster. */
  ratio?: number;
  loadMs?: number;
  /** The first inference after load (the first warm-up run). */
  firstRunMs?: number;
  /** Maximum resident set of the engine's process minus its resident set before the engine was loaded. */
  peakBytes?: number;
  /**
   * Whether the first run's outputs match wasmpose's (simd build): same element counts, sums of
   * absolute values within 1e-3 relative. 'ok', or what differs.
   */
  outputCheck?: string;
  /** Timed runs the median is taken over. */
  runs: number;
  /** Every timed run, in order: what `--baseline` compares. */
  timesMs?: number[];
  error?: string;
}

export interface HostInfo {
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  /** One-minute load average when the suite started and ended: above ~0 the CPU was shared. */
  loadAverage: { start: number; end?: number };
}

export function hostInfo(): HostInfo {
  const cpu = cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    loadAverage: { start: loadavg()[0]! },
  };
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? '' : value.toFixed(digits);
}

/** Keeps table cells on one line and short; the JSON keeps the full message. */
function cell(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function engineTable(rows: readonly EngineRow[]): string {
  const lines = [
    '| network | engine | threads | ms median | ms min | GFLOP/s | ratio | load ms | first run ms | peak MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const threads = r.actualThreads !== undefined && r.actualThreads !== r.threads ? `${r.threads} (ran ${r.actualThreads})` : String(r.threads);
    if (r.error !== undefined) {
      lines.push(`| ${r.network} | ${r.engine} | ${threads} | error: ${cell(r.error)} | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${r.network} | ${r.engine} | ${threads} | ${fixed(r.medianMs, 1)} | ${fixed(r.minMs, 1)} | ${fixed(r.gflops, 1)} | ${fixed(r.ratio, 2)} | ` +
        `${fixed(r.loadMs, 0)} | ${fixed(r.firstRunMs, 1)} | ${r.peakBytes === undefined ? '' : (r.peakBytes / 2 ** 20).toFixed(0)} |`,
    );
  }
  const differing = rows.filter((r) => r.outputCheck !== undefined && r.outputCheck !== 'ok');
  for (const r of differing) lines.push(`${r === differing[0] ? '\n' : ''}- ${r.network}, ${r.engine} x${r.threads}: outputs differ from wasmpose's: ${r.outputCheck}`);
  return lines.join('\n');
}

/** The repository root: the nearest directory above this file with wasmpose's package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'wasmpose') return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot find the wasmpose repository root above bench/report');
    dir = parent;
  }
}

/** Writes bench/results/<date>-<suite><suffix>.json (suffix e.g. '.tracker') and returns its path. */
export function writeResults(suite: string, report: object, suffix = ''): string {
  const dir = join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
  const path = join(dir, `${stamp}-${suite}${suffix}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

/** The row's name in comparisons and tracker files: network, engine, threads. */
export function rowName(row: Pick<EngineRow, 'network' | 'engine' | 'threads'>): string {
  return `${row.network} / ${row.engine} x${row.threads}`;
}
