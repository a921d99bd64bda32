// The statistics of `--baseline`: Mann-Whitney U against values computed by hand (and by
// scipy.stats.mannwhitneyu, quoted), the verdict needing both significance and a minimum effect.
import { describe, expect, it } from 'vitest';
import { compareAp, compareTimes, mannWhitney } from '../src/eval/regression.js';
import { seededRandom } from './support/harness.js';

describe('Mann-Whitney U', () => {
  it('exact p-values without ties', () => {
    // Complete separation of 5 and 5: one arrangement of C(10, 5) = 252.
    const r = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.u).toBe(0);
    expect(r.pLess).toBeCloseTo(1 / 252, 12);
    expect(r.pGreater).toBe(1);
    // x = [1, 4], y = [2, 3]: U = 2 (4 > 2, 4 > 3); of the 6 arrangements U >= 2 in 4 (U = 0, 1, 2, 2, 3, 4).
    const m = mannWhitney([1, 4], [2, 3]);
    expect(m.u).toBe(2);
    expect(m.pGreater).toBeCloseTo(4 / 6, 12);
    expect(m.pLess).toBeCloseTo(4 / 6, 12);
  });

  it('the normal approximation with ties (scipy, method asymptotic: U = 3.5, p = 0.0038300)', () => {
    // scipy.stats.mannwhitneyu([1,2,2,3,3,3,4], [3,4,4,5,5,6,7], alternative='less', method='asymptotic')
    const r = mannWhitney([1, 2, 2, 3, 3, 3, 4], [3, 4, 4, 5, 5, 6, 7]);
    expect(r.u).toBe(3.5);
    expect(r.pLess).toBeCloseTo(0.00382999, 6);
  });
});

describe('compareTimes', () => {
  const rng = seededRandom(4);
  const noisy = (center: number, n: number) => Array.from({ length: n }, () => center * (1 + 0.04 * (rng() - 0.5)) + (rng() < 0.15 ? center * 0.5 * rng() : 0));

  it('flags a 20 % slowdown, not the same distribution, and names a speed-up', () => {
    expect(compareTimes('a', noisy(100, 15), noisy(120, 15)).verdict).toBe('slower');
    expect(compareTimes('b', noisy(100, 15), noisy(100, 15)).verdict).toBe('same');
    expect(compareTimes('c', noisy(100, 15), noisy(70, 15)).verdict).toBe('faster');
  });

  it('a significant change below the minimum effect is not a regression', () => {
    const base = Array.from({ length: 30 }, (_, i) => 100 + i * 0.01);
    const cur = base.map((t) => t * 1.02);
    const r = compareTimes('d', base, cur);
    expect(r.pSlower).toBeLessThan(0.01);
    expect(r.ratio).toBeCloseTo(1.02, 2);
    expect(r.verdict).toBe('same');
    expect(compareTimes('d', base, cur, { minEffect: 0.01 }).verdict).toBe('slower');
  });

  it('refuses too few runs and non-positive times', () => {
    expect(() => compareTimes('e', [1], [1, 2])).toThrow(/at least 2/);
    expect(() => compareTimes('e', [1, 0], [1, 2])).toThrow(/positive/);
  });
});

describe('compareAp', () => {
  it('worse only beyond the tolerance', () => {
    expect(compareAp('m', 0.7, 0.69).verdict).toBe('worse');
    expect(compareAp('m', 0.7, 0.698).verdict).toBe('same');
    expect(compareAp('m', 0.7, 0.71).verdict).toBe('better');
  });
});
