// Symmetry and inversion properties of the tests and distributions (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chiSquareCdf,
  chiSquareSf,
  mannWhitneyU,
  mannWhitneyUFromCounts,
  normalCdf,
  normalPdf,
  normalQuantile,
  normalSf,
  regularizedGammaP,
  regularizedGammaQ,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTQuantile,
  studentTSf,
  twoProportionZTest,
  welchTTest,
} from '../../src/stats/index.js';
import { relErr } from './helpers.js';

const arm = fc.integer({ min: 1, max: 100_000 }).chain((users) => fc.record({ users: fc.constant(users), conversions: fc.integer({ min: 0, max: users }) }));
const sample = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 40 });

describe('symmetry: swapping A and B', () => {
  it('z-test: z and the difference change sign, the p-value stays', () => {
    fc.assert(
      fc.property(arm, arm, (a, b) => {
        const ab = twoProportionZTest(a, b);
        const ba = twoProportionZTest(b, a);
        // === rather than toBe: equal arms give z = 0 one way and -0 the other, and both are right.
        expect(ba.difference === -ab.difference).toBe(true);
        if (Number.isNaN(ab.zScore)) expect(ba.zScore).toBeNaN();
        else expect(ba.zScore === -ab.zScore).toBe(true);
        expect(Object.is(ba.pValue, ab.pValue) || ba.pValue === ab.pValue).toBe(true);
        expect(ba.ci[0]).toBeCloseTo(-ab.ci[1], 12);
        expect(ba.ci[1]).toBeCloseTo(-ab.ci[0], 12);
      }),
    );
  });

  it('Welch: t changes sign, df and p stay', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = welchTTest(a, b);
        const ba = welchTTest(b, a);
        if (Number.isNaN(ab.tStatistic)) return;
        expect(relErr(ba.tStatistic, -ab.tStatistic)).toBeLessThan(1e-12);
        expect(relErr(ba.degreesOfFreedom, ab.degreesOfFreedom)).toBeLessThan(1e-12);
        expect(relErr(ba.pValue, ab.pValue)).toBeLessThan(1e-9);
      }),
    );
  });

  it('Mann-Whitney: U of A and U of B swap, p stays, U counts pairs a > b plus half the ties', () => {
    const small = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 25 });
    fc.assert(
      fc.property(small, small, (a, b) => {
        const ab = mannWhitneyU(a, b);
        const ba = mannWhitneyU(b, a);
        expect(ba.u).toBe(ab.uB);
        expect(ba.pValue).toBe(ab.pValue);
        let pairs = 0;
        for (const x of a) for (const y of b) pairs += x > y ? 1 : x === y ? 0.5 : 0;
        expect(ab.u).toBe(pairs);
      }),
    );
  });
});

describe('mannWhitneyUFromCounts equals mannWhitneyU on the expanded samples', () => {
  const buckets = fc.array(fc.record({ value: fc.integer({ min: 0, max: 30 }).map((v) => v * 2.5), count: fc.integer({ min: 0, max: 40 }) }), {
    minLength: 1,
    maxLength: 15,
  });
  const expand = (bs: { value: number; count: number }[]): number[] => bs.flatMap((b) => Array<number>(b.count).fill(b.value));

  it('for random histograms (repeated values, empty buckets, any order)', () => {
    fc.assert(
      fc.property(buckets, buckets, (a, b) => {
        const ea = expand(a);
        const eb = expand(b);
        fc.pre(ea.length > 0 && eb.length > 0);
        const fromCounts = mannWhitneyUFromCounts(a, b);
        const raw = mannWhitneyU(ea, eb);
        expect(fromCounts.u).toBe(raw.u);
        expect(fromCounts.uB).toBe(raw.uB);
        expect(fromCounts.tieCorrection).toBe(raw.tieCorrection);
        expect(fromCounts.nA).toBe(ea.length);
        expect(relErr(fromCounts.pValue, raw.pValue)).toBeLessThan(1e-12);
        if (Number.isNaN(raw.z)) expect(fromCounts.z).toBeNaN();
        else expect(relErr(fromCounts.z, raw.z)).toBeLessThan(1e-12);
      }),
    );
  });

  it('handles latency-sized counts in O(buckets)', () => {
    const stable = [1, 2, 5, 10, 25, 50, 100, 250].map((value, i) => ({ value, count: [5e5, 3e5, 1e5, 5e4, 3e4, 1.5e4, 4e3, 1e3][i] as number }));
    const canary = stable.map((b, i) => ({ value: b.value, count: i < 3 ? b.count * 0.9 : b.count * 1.5 }));
    const r = mannWhitneyUFromCounts(stable, canary);
    expect(r.pValue).toBeLessThan(1e-10);
    expect(r.probabilityBGreater).toBeGreaterThan(0.5); // the canary is slower
    const same = mannWhitneyUFromCounts(stable, stable);
    expect(same.pValue).toBeCloseTo(1, 6);
  });
});

describe('distribution identities', () => {
  it('normal: cdf(z) + sf(z) = 1, quantile inverts the cdf', () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 37, noNaN: true }), (z) => {
        expect(Math.abs(normalCdf(z) + normalSf(z) - 1)).toBeLessThan(2e-16);
        // p itself is rounded: allow its half-ulp, mapped through the density, on top of 1e-13 relative.
        const slack = (p: number) => 1e-13 * Math.abs(z) + (1.2e-16 * p) / normalPdf(z);
        const p = normalCdf(z);
        if (p > 1e-300 && p < 0.5) expect(Math.abs(normalQuantile(p) - z)).toBeLessThanOrEqual(slack(p));
        const q = normalSf(z);
        if (q > 1e-300 && q < 0.5) expect(Math.abs(-normalQuantile(q) - z)).toBeLessThanOrEqual(slack(q));
      }),
    );
  });

  it('Student t: symmetric, quantile inverts the cdf, tends to the normal', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.5, max: 1e5, noNaN: true }), (t, nu) => {
        expect(relErr(studentTCdf(-t, nu), studentTSf(t, nu))).toBeLessThan(1e-15);
        const p = studentTSf(Math.abs(t), nu);
        if (p > 1e-290 && Math.abs(t) > 1e-3) expect(relErr(-studentTQuantile(p, nu), Math.abs(t))).toBeLessThan(1e-10);
      }),
    );
    expect(relErr(studentTSf(3, 1e9), normalSf(3))).toBeLessThan(1e-7);
  });

  it('chi-square and incomplete gamma / beta: the two tails add to 1', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 500, noNaN: true }), fc.double({ min: 0.1, max: 300, noNaN: true }), (x, k) => {
        expect(Math.abs(chiSquareCdf(x, k) + chiSquareSf(x, k) - 1)).toBeLessThan(1e-13);
        expect(Math.abs(regularizedGammaP(k, x) + regularizedGammaQ(k, x) - 1)).toBeLessThan(1e-13);
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1 - 1e-3, noNaN: true }), fc.double({ min: 0.1, max: 200, noNaN: true }), fc.double({ min: 0.1, max: 200, noNaN: true }), (x, a, b) => {
        expect(Math.abs(regularizedIncompleteBeta(x, a, b) + regularizedIncompleteBeta(1 - x, b, a) - 1)).toBeLessThan(1e-12);
      }),
    );
  });
});
