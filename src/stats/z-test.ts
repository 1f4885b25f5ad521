import { normalQuantile, normalSf } from './normal.js';
import type { ProportionArm, TestOptions, TwoProportionResult } from './types.js';
import { checkAlpha, Issues } from './validate.js';

/** Validates two binomial arms (counts are whole, finite, >= 0, conversions <= users). */
export function checkArms(issues: Issues, a: unknown, b: unknown): void {
  for (const [name, arm] of [['a', a], ['b', b]] as const) {
    if (typeof arm !== 'object' || arm === null) {
      issues.add(name, 'must be an object { users, conversions }');
      continue;
    }
    const { users, conversions } = arm as Partial<ProportionArm>;
    issues.count(users, `${name}.users`);
    issues.count(conversions, `${name}.conversions`);
    if (typeof users === 'number' && typeof conversions === 'number' && conversions > users) {
      issues.add(`${name}.conversions`, `cannot exceed users (${conversions} > ${users}); count converting units once each`);
    }
  }
}

let lastAlpha = 0.05;
let lastZ = normalQuantile(0.975);

/** z(1 - alpha/2), remembering the last alpha (nearly always the same one). */
export function criticalZ(alpha: number): number {
  if (alpha !== lastAlpha) {
    lastZ = normalQuantile(1 - alpha / 2);
    lastAlpha = alpha;
  }
  return lastZ;
}

/**
 * Two-sided two-proportion z-test of B against A: z from the pooled standard error, the Wald interval of the
 * difference from the unpooled one. Undefined figures (nobody or everybody converted; rate A = 0 for the lift)
 * are NaN and `significant` is false. Counts that are negative, fractional, non-finite, or conversions above
 * users throw a ValidationError listing every problem.
 *
 * @example
 * const r = twoProportionZTest({ users: 10000, conversions: 1000 }, { users: 10000, conversions: 1100 });
 * r.difference; // 0.01
 * r.pValue;     // 0.0211...
 */
export function twoProportionZTest(a: ProportionArm, b: ProportionArm, opts?: TestOptions): TwoProportionResult {
  const issues = new Issues();
  checkArms(issues, a, b);
  const alpha = checkAlpha(issues, opts?.alpha);
  issues.throwIfAny('twoProportionZTest');

  const rateA = a.conversions / a.users;
  const rateB = b.conversions / b.users;
  const difference = rateB - rateA;
  const pooledRate = (a.conversions + b.conversions) / (a.users + b.users);
  const stdErr = Math.sqrt(pooledRate * (1 - pooledRate) * (1 / a.users + 1 / b.users));
  const zScore = stdErr > 0 ? difference / stdErr : NaN;
  const pValue = Number.isNaN(zScore) ? NaN : Math.min(1, 2 * normalSf(Math.abs(zScore)));
  const unpooledStdErr = Math.sqrt((rateA * (1 - rateA)) / a.users + (rateB * (1 - rateB)) / b.users);
  const zCrit = criticalZ(alpha);
  const ci: [number, number] = [difference - zCrit * unpooledStdErr, difference + zCrit * unpooledStdErr];
  return {
    rateA,
    rateB,
    zScore,
    pValue,
    difference,
    relativeLift: rateA > 0 ? difference / rateA : NaN,
    ci,
    significant: pValue < alpha,
    pooledRate,
    stdErr,
    unpooledStdErr,
    alpha,
  };
}
