import { chiSquareSf } from './chi-square.js';
import type { SrmResult } from './types.js';
import { Issues } from './validate.js';

/**
 * Sample ratio mismatch check: Pearson's chi-square goodness of fit of the observed units per variant against
 * the planned split (`weights` are relative; they need not sum to 1), df = k - 1. `mismatch` when
 * p < `threshold` (default 0.001, the usual SRM alarm). No units at all: NaN and no mismatch.
 *
 * @example
 * srmTest([5000, 5200], [50, 50]); // { chiSquare: 3.92..., pValue: 0.0477..., mismatch: false, ... }
 */
export function srmTest(counts: number[], weights: number[], opts?: { threshold?: number }): SrmResult {
  const issues = new Issues();
  if (!Array.isArray(counts)) issues.add('counts', 'must be an array of unit counts');
  if (!Array.isArray(weights)) issues.add('weights', 'must be an array of positive weights');
  if (Array.isArray(counts) && Array.isArray(weights)) {
    if (counts.length !== weights.length) {
      issues.add('weights', `must have one weight per count (${weights.length} weights, ${counts.length} counts)`);
    }
    if (counts.length < 2) issues.add('counts', 'needs at least two variants');
    counts.forEach((c, i) => issues.count(c, `counts[${i}]`));
    weights.forEach((w, i) => {
      if (typeof w !== 'number' || !Number.isFinite(w) || !(w > 0)) {
        issues.add(`weights[${i}]`, `must be a finite number > 0, got ${String(w)}`);
      }
    });
  }
  const threshold = opts?.threshold ?? 0.001;
  if (!(threshold > 0 && threshold < 1)) issues.add('opts.threshold', `must be strictly between 0 and 1, got ${String(threshold)}`);
  issues.throwIfAny('srmTest');

  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < counts.length; i++) {
    total += counts[i] as number;
    weightSum += weights[i] as number;
  }
  const expected = weights.map((w) => (weightSum === 1 ? total * w : (total * w) / weightSum));
  const degreesOfFreedom = counts.length - 1;
  if (total === 0) return { chiSquare: NaN, pValue: NaN, mismatch: false, degreesOfFreedom, total, expected };
  let chiSquare = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = expected[i] as number;
    const d = (counts[i] as number) - e;
    chiSquare += (d * d) / e;
  }
  const pValue = chiSquareSf(chiSquare, degreesOfFreedom);
  return { chiSquare, pValue, mismatch: pValue < threshold, degreesOfFreedom, total, expected };
}
