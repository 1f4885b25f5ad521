// Numeric edge cases never throw: undefined quantities are NaN and `significant` is false.
import { describe, expect, it } from 'vitest';
import {
  mannWhitneyU,
  mannWhitneyUFromCounts,
  sampleSizeTwoProportions,
  srmTest,
  studentTCdf,
  studentTQuantile,
  studentTSf,
  summarize,
  twoProportionZTest,
  welchTTest,
} from '../../src/stats/index.js';

describe('twoProportionZTest edges', () => {
  it('empty arms give NaN everywhere', () => {
    const r = twoProportionZTest({ users: 0, conversions: 0 }, { users: 0, conversions: 0 });
    expect([r.rateA, r.rateB, r.zScore, r.pValue, r.difference, r.relativeLift]).toEqual([NaN, NaN, NaN, NaN, NaN, NaN]);
    expect(r.significant).toBe(false);
  });
  it('a custom alpha changes the interval and the verdict', () => {
    const a = { users: 1000, conversions: 100 };
    const b = { users: 1000, conversions: 125 };
    const r05 = twoProportionZTest(a, b);
    const r10 = twoProportionZTest(a, b, { alpha: 0.1 });
    expect(r05.pValue).toBe(r10.pValue);
    expect(r10.ci[1] - r10.ci[0]).toBeLessThan(r05.ci[1] - r05.ci[0]);
    expect(r05.significant).toBe(false);
    expect(r10.significant).toBe(true);
  });
  it('a p-value that underflows is 0 and significant', () => {
    const r = twoProportionZTest({ users: 1e6, conversions: 1000 }, { users: 1e6, conversions: 900000 });
    expect(r.pValue).toBe(0);
    expect(r.significant).toBe(true);
  });
});

describe('welchTTest edges', () => {
  it('n < 2 in an arm gives NaN', () => {
    const r = welchTTest([1], [1, 2, 3]);
    expect(r.tStatistic).toBeNaN();
    expect(r.pValue).toBeNaN();
    expect(r.significant).toBe(false);
    expect(welchTTest([], []).difference).toBeNaN();
  });
  it('keeps digits for values near 1e8 with a small spread', () => {
    // Exactly representable inputs, so the expected values are exact: var of [1, 2, 3, 4] / 8.
    const a = [1e8 + 0.125, 1e8 + 0.25, 1e8 + 0.375, 1e8 + 0.5];
    const s = summarize(a);
    expect(s.mean).toBe(1e8 + 0.3125);
    expect(s.variance).toBe(5 / 3 / 64);
  });
  it('a zero-variance arm takes df from the other arm', () => {
    const r = welchTTest({ mean: 1, variance: 0, n: 10 }, { mean: 2, variance: 4, n: 21 });
    expect(r.degreesOfFreedom).toBeCloseTo(20, 12);
  });
  it('relative lift is NaN for a zero control mean', () => {
    expect(welchTTest([0, 0, 1, -1], [1, 2, 3, 4]).relativeLift).toBeNaN();
  });
});

describe('srmTest edges', () => {
  it('no units: NaN, no mismatch', () => {
    const r = srmTest([0, 0], [1, 1]);
    expect(r.chiSquare).toBeNaN();
    expect(r.mismatch).toBe(false);
  });
  it('relative weights are normalised', () => {
    const a = srmTest([480, 520], [50, 50]);
    const b = srmTest([480, 520], [0.5, 0.5]);
    expect(a.chiSquare).toBeCloseTo(b.chiSquare, 12);
    expect(a.expected).toEqual([500, 500]);
  });
  it('a gross mismatch is flagged', () => {
    expect(srmTest([10000, 9000], [1, 1]).mismatch).toBe(true);
    expect(srmTest([10000, 9000], [1, 1], { threshold: 1e-100 }).mismatch).toBe(false);
  });
});

describe('mannWhitneyU edges', () => {
  it('an empty sample gives NaN', () => {
    const r = mannWhitneyU([], [1, 2]);
    expect(r.pValue).toBeNaN();
    expect(r.u).toBe(0);
    expect(mannWhitneyUFromCounts([{ value: 1, count: 0 }], [{ value: 1, count: 3 }]).pValue).toBeNaN();
  });
  it('all values tied: U at its mean, z undefined, p = 1', () => {
    const r = mannWhitneyU([3, 3, 3], [3, 3]);
    expect(r.u).toBe(3);
    expect(r.z).toBeNaN();
    expect(r.pValue).toBe(1);
  });
  it('exact method: full separation of 4 vs 4 gives 2 / C(8, 4)', () => {
    const r = mannWhitneyU([1, 2, 3, 4], [5, 6, 7, 8], { method: 'exact' });
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(2 / 70, 15);
  });
  it('exact method falls back to asymptotic with ties or beyond its budget', () => {
    expect(mannWhitneyU([1, 1, 2], [2, 3], { method: 'exact' }).method).toBe('asymptotic');
    const big = Array.from({ length: 400 }, (_, i) => i);
    expect(mannWhitneyU(big, big.map((x) => x + 0.5), { method: 'exact' }).method).toBe('asymptotic');
  });
  it('exact p matches brute-force enumeration of every split of 5 + 6 ranks', () => {
    const a = [0.3, 1.7, 2.2, 5.1, 9.4];
    const b = [0.1, 0.9, 3.3, 4.4, 6.6, 7.7];
    const r = mannWhitneyU(a, b, { method: 'exact' });
    const n = 11;
    const observed = Math.max(r.u, r.uB);
    let total = 0;
    let extreme = 0;
    for (let mask = 0; mask < 1 << n; mask++) {
      let bits = 0;
      for (let i = 0; i < n; i++) if (mask & (1 << i)) bits++;
      if (bits !== 5) continue;
      total++;
      // U of the chosen 5 ranks = rank sum - 15 (ranks 1..11).
      let rankSum = 0;
      for (let i = 0; i < n; i++) if (mask & (1 << i)) rankSum += i + 1;
      const u = rankSum - 15;
      if (Math.max(u, 30 - u) >= observed) extreme++;
    }
    expect(r.pValue).toBeCloseTo(Math.min(1, extreme / total), 14);
  });
});

describe('sampleSizeTwoProportions', () => {
  it('the textbook case and a negative effect', () => {
    expect(sampleSizeTwoProportions({ baselineRate: 0.1, minimumDetectableEffect: 0.02 })).toBe(3841);
    expect(sampleSizeTwoProportions({ baselineRate: 0.1, minimumDetectableEffect: -0.02 })).toBeGreaterThan(0);
    expect(sampleSizeTwoProportions({ baselineRate: 0.1, minimumDetectableEffect: 0.02, power: 0.9 })).toBeGreaterThan(3841);
  });
});

describe('pinned regressions (counterexamples found while building)', () => {
  it('Welch with subnormal variances keeps df finite (squared variances used to underflow)', () => {
    const r = welchTTest([0, 0], [3.1434555694052576e-162, 0]);
    expect(r.degreesOfFreedom).toBeCloseTo(1, 12);
    expect(welchTTest([3.1434555694052576e-162, 0], [0, 0]).pValue).toBe(r.pValue);
  });
  it('Student t at |t| = 5e-324 is 1/2, not NaN', () => {
    expect(studentTCdf(5e-324, 0.5)).toBe(0.5);
    expect(studentTSf(-5e-324, 0.5)).toBe(0.5);
  });
  it('t quantile returns after convergence even when a bisection step intervenes', () => {
    expect(studentTQuantile(0.999, 100)).toBeCloseTo(3.1737394937387826, 12);
    expect(studentTQuantile(0.025, 1000)).toBeCloseTo(-1.9623390808264085, 12);
    expect(studentTQuantile(0.1, 10000)).toBeCloseTo(-1.2816362297304775, 12);
  });
  it('Student t with a million degrees of freedom next to the continued fraction turning point', () => {
    // mpmath: 0.022750266925659603 (the double-precision fraction alone was off by 2e-11 relative).
    expect(Math.abs(studentTSf(2, 1e6) / 0.022750266925659603 - 1)).toBeLessThan(1e-13);
  });
});
