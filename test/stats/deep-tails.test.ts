// The precision targets, beyond the SciPy fixture (|z| <= 8): p-values down to 1e-300 computed from the
// upper tail, quantiles from 1e-300 to 1 - 1e-16. Reference: mpmath at 60 digits (fixtures/gen-deep-tails.py).
import { describe, expect, it } from 'vitest';
import {
  chiSquareSf,
  logGamma,
  normalCdf,
  normalQuantile,
  normalSf,
  regularizedGammaP,
  regularizedGammaQ,
  regularizedIncompleteBeta,
  studentTQuantile,
  studentTSf,
} from '../../src/stats/index.js';
import { deepTails, relErr } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;
const families: [string, (c: Row) => [number, number], number][] = [
  ['normalSf', (c) => [normalSf(c.z), c.sf], 1e-13],
  ['normalCdf', (c) => [normalCdf(c.z), c.cdf], 1e-13],
  ['normalQuantile', (c) => [normalQuantile(c.p), c.z], 1e-13],
  ['studentTSf', (c) => [studentTSf(c.t, c.nu), c.sf], 1e-12],
  ['studentTQuantile', (c) => [studentTQuantile(c.p, c.nu), c.t], 1e-12],
  ['chiSquareSf', (c) => [chiSquareSf(c.x, c.df), c.sf], 1e-12],
  ['regularizedIncompleteBeta', (c) => [regularizedIncompleteBeta(c.x, c.a, c.b), c.value], 1e-12],
  ['regularizedGammaP', (c) => [regularizedGammaP(c.a, c.x), c.value], 1e-12],
  ['regularizedGammaQ', (c) => [regularizedGammaQ(c.a, c.x), c.value], 1e-12],
];

describe('deep tails against mpmath', () => {
  it.each(families)('%s: every case within its relative bound (issue target 1e-9)', (name, fn, bound) => {
    const rows: Row[] = deepTails[name];
    expect(rows.length).toBeGreaterThan(30);
    const bad = rows
      .map((c) => {
        const [actual, expected] = fn(c);
        return { c, actual, expected, err: relErr(actual, expected) };
      })
      .filter((r) => !(r.err <= bound));
    expect(bad, JSON.stringify(bad.slice(0, 3))).toEqual([]);
  });

  it('covers p-values down to 1e-300 and quantiles up to 1 - 1e-16', () => {
    expect(Math.min(...deepTails.normalSf.map((c: Row) => c.sf))).toBeLessThan(1e-290);
    expect(Math.min(...deepTails.studentTSf.map((c: Row) => c.sf))).toBeLessThan(1e-290);
    expect(Math.min(...deepTails.chiSquareSf.map((c: Row) => c.sf))).toBeLessThan(1e-280);
    const ps = deepTails.normalQuantile.map((c: Row) => c.p);
    expect(Math.min(...ps)).toBeLessThanOrEqual(1e-300);
    expect(Math.max(...ps)).toBeGreaterThanOrEqual(1 - 1e-16);
  });

  it('logGamma: absolute error below 1e-14, relative below 1e-13', () => {
    for (const c of deepTails.logGamma as Row[]) {
      const err = Math.abs(logGamma(c.x) - c.value);
      expect(err <= Math.max(1e-14, 1e-13 * Math.abs(c.value)), `logGamma(${c.x}) = ${logGamma(c.x)} vs ${c.value}`).toBe(true);
    }
  });

  it('computes upper tails directly, never as 1 - cdf', () => {
    // 1 - cdf would give exactly 0 here.
    expect(normalSf(20)).toBeGreaterThan(0);
    expect(relErr(normalSf(37.5), 4.605353e-308)).toBeLessThan(1e-6);
    expect(normalCdf(-37)).toBeGreaterThan(0);
    expect(studentTSf(1e6, 50)).toBeGreaterThan(0);
    expect(chiSquareSf(1300, 1)).toBeGreaterThan(0);
  });

  it('edge inputs give NaN or the limits, never a throw', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(NaN)).toBeNaN();
    expect(normalSf(Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalSf(NaN)).toBeNaN();
    expect(studentTSf(1, 0)).toBeNaN();
    expect(studentTSf(1, Infinity)).toBe(normalSf(1));
    expect(studentTQuantile(0.975, -1)).toBeNaN();
    expect(chiSquareSf(-1, 2)).toBe(1);
    expect(chiSquareSf(1, 0)).toBeNaN();
    expect(regularizedIncompleteBeta(1.5, 1, 1)).toBeNaN();
    expect(regularizedGammaQ(-1, 1)).toBeNaN();
    expect(logGamma(0)).toBe(Infinity);
    expect(logGamma(-2.5)).toBeCloseTo(-0.05624371649767405, 13);
  });
});
