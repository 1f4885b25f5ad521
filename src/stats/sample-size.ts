import { normalQuantile } from './normal.js';
import type { SampleSizeOptions, SampleSizePlan } from './types.js';
import { Issues } from './validate.js';

/**
 * The per-arm sample size of a two-sided two-proportion test, with its parts:
 * n = (z(1-alpha/2) sqrt(2 pbar (1 - pbar)) + z(power) sqrt(p1 (1 - p1) + p2 (1 - p2)))^2 / (p2 - p1)^2,
 * pbar = (p1 + p2) / 2 (pooled variance under the null, unpooled under the alternative).
 *
 * @example
 * sampleSizePlan({ baselineRate: 0.1, minimumDetectableEffect: 0.02 }).nPerArmUnrounded; // 3840.847...
 */
export function sampleSizePlan(opts: SampleSizeOptions): SampleSizePlan {
  const issues = new Issues();
  if (typeof opts !== 'object' || opts === null) {
    issues.add('', 'must be an object { baselineRate, minimumDetectableEffect, alpha?, power? }');
    issues.throwIfAny('sampleSizeTwoProportions');
  }
  const { baselineRate: p1, minimumDetectableEffect: mde, alpha = 0.05, power = 0.8 } = opts;
  issues.openUnit(p1, 'baselineRate');
  if (typeof mde !== 'number' || !Number.isFinite(mde) || mde === 0) {
    issues.add('minimumDetectableEffect', `must be a finite non-zero absolute difference, got ${String(mde)}`);
  } else if (typeof p1 === 'number' && p1 > 0 && p1 < 1 && !(p1 + mde >= 0 && p1 + mde <= 1)) {
    issues.add('minimumDetectableEffect', `baselineRate + minimumDetectableEffect must lie in [0, 1], got ${p1 + mde}`);
  }
  issues.openUnit(alpha, 'alpha');
  issues.openUnit(power, 'power');
  issues.throwIfAny('sampleSizeTwoProportions');

  const p2 = p1 + mde;
  const pbar = (p1 + p2) / 2;
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zBeta = normalQuantile(power);
  const root = zAlpha * Math.sqrt(2 * pbar * (1 - pbar)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  const d = p2 - p1;
  const nPerArmUnrounded = (root * root) / (d * d);
  const nPerArm = Math.ceil(nPerArmUnrounded);
  return { nPerArm, nPerArmUnrounded, total: 2 * nPerArm, p1, p2, zAlpha, zBeta };
}

/**
 * Units needed per arm to detect an absolute change `minimumDetectableEffect` from `baselineRate` with a
 * two-sided test at `alpha` (default 0.05) and `power` (default 0.8), rounded up. Invalid input throws a
 * ValidationError listing every problem.
 *
 * @example
 * sampleSizeTwoProportions({ baselineRate: 0.1, minimumDetectableEffect: 0.02 }); // 3841
 */
export function sampleSizeTwoProportions(opts: SampleSizeOptions): number {
  return sampleSizePlan(opts).nPerArm;
}
