// Regression checks against a stored run: is this run slower than the baseline beyond the noise?
//
// Times: a one-sided Mann-Whitney U test over the per-run times of the two runs (rank-based, so
// a burst of load that slows a few runs, the usual noise on a shared machine, moves it little;
// exact for small samples without ties, the normal approximation with tie correction
// otherwise), together with a minimum effect: the Hodges-Lehmann estimate of the slowdown (the
// median of all pairwise ratios current/baseline, i.e. the shift between the log times) must
// exceed `minEffect`. A network is "slower" only when both hold: significance alone flags a
// 0.3 % change measured over many runs, a ratio alone flags noise.
//
// AP: inference is deterministic (the same weights and photos give the same AP to the last
// digit), so there is no run-to-run noise to test against: a drop larger than `tolerance`
// is a regression.
//
// trackerEntries writes what github-action-benchmark (customSmallerIsBetter /
// customBiggerIsBetter) and similar CI trackers read: [{ name, unit, value, extra? }].
import { InputError } from '../nn/errors.js';

export interface TimeComparisonOptions {
  /** One-sided significance level (default 0.01). */
  alpha?: number;
  /** Smallest slowdown that counts, as a fraction (default 0.05: 5 %). */
  minEffect?: number;
}

export type Verdict = 'slower' | 'faster' | 'same';

export interface TimeComparison {
  name: string;
  baselineMedianMs: number;
  currentMedianMs: number;
  /** Hodges-Lehmann estimate of current / baseline (> 1: slower). */
  ratio: number;
  /** One-sided p-value of "current is slower" (Mann-Whitney U). */
  pSlower: number;
  /** One-sided p-value of "current is faster". */
  pFaster: number;
  verdict: Verdict;
}

export interface TrackerEntry {
  name: string;
  unit: string;
  value: number;
  extra?: string;
}

/** The stated test, for reports. */
export function describeTimeTest(options: TimeComparisonOptions = {}): string {
  const { alpha, minEffect } = withDefaults(options);
  return `one-sided Mann-Whitney U over per-run times at alpha ${alpha}, and a Hodges-Lehmann slowdown above ${(minEffect * 100).toFixed(1)} %`;
}

function withDefaults(options: TimeComparisonOptions): Required<TimeComparisonOptions> {
  const alpha = options.alpha ?? 0.01;
  const minEffect = options.minEffect ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new InputError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(minEffect >= 0)) throw new InputError(`the minimum effect must be >= 0, got ${minEffect}`);
  return { alpha, minEffect };
}

/** The median (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Compares the per-run times of a run against those of a baseline run. */
export function compareTimes(name: string, baseline: readonly number[], current: readonly number[], options: TimeComparisonOptions = {}): TimeComparison {
  const { alpha, minEffect } = withDefaults(options);
  for (const [label, times] of [['baseline', baseline], ['current', current]] as const) {
    if (times.length < 2) throw new InputError(`${name}: the ${label} run has ${times.length} timed run(s); a comparison needs at least 2 per side`);
    if (times.some((t) => !(t > 0) || !Number.isFinite(t))) throw new InputError(`${name}: the ${label} run has a time that is not a positive number`);
  }
  const ratios: number[] = [];
  for (const c of current) for (const b of baseline) ratios.push(c / b);
  const ratio = median(ratios);
  const { pGreater, pLess } = mannWhitney(current, baseline);
  let verdict: Verdict = 'same';
  if (pGreater < alpha && ratio > 1 + minEffect) verdict = 'slower';
  else if (pLess < alpha && ratio < 1 / (1 + minEffect)) verdict = 'faster';
  return { name, baselineMedianMs: median(baseline), currentMedianMs: median(current), ratio, pSlower: pGreater, pFaster: pLess, verdict };
}

/**
 * Mann-Whitney U of sample x against sample y: one-sided p-values of "x tends to be greater" and
 * "x tends to be smaller". Exact (the null distribution of U by recurrence) when there are no ties
 * and both samples have at most 30 values; otherwise the normal approximation with tie correction
 * and continuity correction.
 */
export function mannWhitney(x: readonly number[], y: readonly number[]): { u: number; pGreater: number; pLess: number } {
  const n1 = x.length;
  const n2 = y.length;
  const all = [...x.map((v) => ({ v, fromX: true })), ...y.map((v) => ({ v, fromX: false }))].sort((a, b) => a.v - b.v);
  // Mid-ranks for ties.
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.fromX) rankSumX += rank;
    i = j + 1;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  if (tieTerm === 0 && n1 <= 30 && n2 <= 30) {
    const counts = exactUCounts(n1, n2);
    const total = counts.reduce((a, b) => a + b, 0);
    let atLeast = 0;
    let atMost = 0;
    counts.forEach((c, k) => {
      if (k >= u) atLeast += c;
      if (k <= u) atMost += c;
    });
    return { u, pGreater: atLeast / total, pLess: atMost / total };
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, pGreater: 1, pLess: 1 };
  const sd = Math.sqrt(variance);
  return { u, pGreater: 1 - normalCdf((u - mean - 0.5) / sd), pLess: normalCdf((u - mean + 0.5) / sd) };
}

/** counts[k] = number of arrangements of n1 x's and n2 y's with U = k (U counts (x, y) pairs with x > y). */
function exactUCounts(n1: number, n2: number): number[] {
  // f[i][j] = distribution for i x's and j y's; adding the largest value as an x adds j to U.
  let prev: number[][] = Array.from({ length: n2 + 1 }, () => [1]);
  for (let i = 1; i <= n1; i++) {
    const cur: number[][] = [[1]];
    for (let j = 1; j <= n2; j++) {
      const withX = prev[j]!;
      const withY = cur[j - 1]!;
      const size = Math.max(withX.length + j, withY.length);
      const dist = new Array<number>(size).fill(0);
      withX.forEach((c, k) => (dist[k + j]! += c));
      withY.forEach((c, k) => (dist[k]! += c));
      cur.push(dist);
    }
    prev = cur;
  }
  return prev[n2]!;
}

/** The standard normal CDF (Abramowitz and Stegun 7.1.26 for erf, error below 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface ApComparison {
  name: string;
  baselineAp: number;
  currentAp: number;
  delta: number;
  verdict: 'worse' | 'better' | 'same';
}

/** AP against a stored AP: worse when it fell by more than `tolerance` (default 0.005). */
export function compareAp(name: string, baselineAp: number, currentAp: number, tolerance = 0.005): ApComparison {
  if (!(tolerance >= 0)) throw new InputError(`the AP tolerance must be >= 0, got ${tolerance}`);
  const delta = currentAp - baselineAp;
  return { name, baselineAp, currentAp, delta, verdict: delta < -tolerance ? 'worse' : delta > tolerance ? 'better' : 'same' };
}

/** A markdown table of time comparisons. */
export function timeComparisonTable(rows: readonly TimeComparison[]): string {
  const lines = ['| network | baseline ms | current ms | ratio (HL) | p slower | p faster | verdict |', '| --- | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.name} | ${r.baselineMedianMs.toFixed(2)} | ${r.currentMedianMs.toFixed(2)} | ${r.ratio.toFixed(3)} | ${r.pSlower.toPrecision(2)} | ${r.pFaster.toPrecision(2)} | ${r.verdict} |`);
  }
  return lines.join('\n');
}

/** github-action-benchmark's customSmallerIsBetter entries: median ms per network. */
export function timeTrackerEntries(rows: readonly { name: string; medianMs: number; runs: number }[]): TrackerEntry[] {
  return rows.map((r) => ({ name: r.name, unit: 'ms', value: r.medianMs, extra: `median of ${r.runs} runs` }));
}
