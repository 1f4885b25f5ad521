import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** The SciPy reference vectors (a copy of the shared fixture, kept in test/fixtures). */
export const reference = JSON.parse(readFileSync(new URL('../fixtures/stats-reference.json', import.meta.url), 'utf8'));

/** mpmath deep-tail vectors (test/stats/fixtures/gen-deep-tails.py). */
export const deepTails = JSON.parse(readFileSync(new URL('./fixtures/deep-tails.json', import.meta.url), 'utf8')).cases;

export const CLOSED = { rel: 1e-9, abs: 1e-12 };
/**
 * The target, stricter than the fixture's suggested 1e-6 / 1e-12 (whose absolute floor would pass any
 * p-value below 1e-12 unchecked). An exact 0 in the fixture is SciPy's underflow: the true p-value lies below the
 * target's range (p >= 1e-300), so there anything below 1e-300 is right.
 */
export const PVALUE = { rel: 1e-9, abs: 0, zero: 1e-300 };
export const NORMAL = { rel: 1e-9, abs: 1e-15 };

/**
 * |actual - expected| <= max(abs, rel |expected|), or <= `zero` when expected is exactly 0; a null expectation
 * (undefined quantity) must be NaN.
 */
export function expectClose(actual: number, expected: number | null, tol: { rel: number; abs: number; zero?: number }, what: string): void {
  if (expected === null) {
    expect(actual, `${what} should be NaN (undefined)`).toBeNaN();
    return;
  }
  const err = Math.abs(actual - expected);
  const bound = expected === 0 && tol.zero !== undefined ? tol.zero : Math.max(tol.abs, tol.rel * Math.abs(expected));
  expect(err <= bound, `${what}: got ${actual}, expected ${expected} (error ${err}, bound ${bound})`).toBe(true);
}

/** Relative error, 0 when equal (both zero included). */
export function relErr(actual: number, expected: number): number {
  return actual === expected ? 0 : Math.abs(actual - expected) / Math.abs(expected);
}
