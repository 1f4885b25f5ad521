// Mixture sequential probability ratio tests (Robbins' normal mixture; Johari et al., "Always valid inference").
// The estimated difference D with variance V is compared with a N(0, tau^2) mixture over the true difference:
//   Lambda = sqrt(V / (V + tau^2)) * exp(tau^2 D^2 / (2 V (V + tau^2)))
// Under the null, Lambda is a martingale, so by Ville's inequality P(Lambda ever >= 1/alpha) <= alpha: the
// p-value min(1, 1/Lambda) and the confidence sequence {d : Lambda(d) < 1/alpha} stay valid under any peeking.

import { welchSummaries } from './welch-summaries.js';
import type { ProportionArm, SequentialOptions, SequentialResult, Summary } from './types.js';
import { checkAlpha, checkSample, Issues } from './validate.js';
import { checkArms } from './z-test.js';

/** Default planned units per arm at which the confidence sequence is tightest. */
export const DEFAULT_PLANNED_UNITS_PER_ARM = 10_000;

function checkOptions(issues: Issues, opts: SequentialOptions | undefined): number {
  const alpha = checkAlpha(issues, opts?.alpha);
  const tau2 = opts?.mixingVariance;
  if (tau2 !== undefined && !(typeof tau2 === 'number' && Number.isFinite(tau2) && tau2 > 0)) {
    issues.add('opts.mixingVariance', `must be a finite number > 0 (tau^2, squared units of the difference), got ${String(tau2)}`);
  }
  const planned = opts?.plannedUnitsPerArm;
  if (planned !== undefined && !(typeof planned === 'number' && Number.isFinite(planned) && planned >= 2)) {
    issues.add('opts.plannedUnitsPerArm', `must be a finite number >= 2, got ${String(planned)}`);
  }
  return alpha;
}

/**
 * tau^2 = sigma^2 * rho^2 with rho^2 = (2 ln(1/alpha) + ln(1 + 2 ln(1/alpha))) / (n / 2): the mixture whose
 * boundary is tightest when each arm holds n units (Howard, Ramdas, McAuliffe, Sekhon 2021, eq. 3.4).
 */
export function defaultMixingVariance(perUnitVariance: number, alpha: number, plannedUnitsPerArm = DEFAULT_PLANNED_UNITS_PER_ARM): number {
  const l = 2 * Math.log(1 / alpha);
  return (perUnitVariance * (l + Math.log(1 + l))) / (plannedUnitsPerArm / 2);
}

/** The mixture test on an estimated difference: V for the p-value, vCi for the confidence sequence. */
function mixture(difference: number, v: number, vCi: number, tau2: number, alpha: number): SequentialResult {
  if (!(v > 0) || !(tau2 > 0) || !Number.isFinite(difference)) {
    return { pValue: NaN, ci: [NaN, NaN], significant: false, mixingVariance: tau2, difference, stdErr: Math.sqrt(v), likelihoodRatio: NaN, alpha };
  }
  const logLambda = 0.5 * Math.log(v / (v + tau2)) + (tau2 * difference * difference) / (2 * v * (v + tau2));
  const pValue = Math.min(1, Math.exp(-logLambda));
  let ci: [number, number] = [NaN, NaN];
  if (vCi > 0) {
    const radius = Math.sqrt(((vCi * (vCi + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((vCi + tau2) / vCi)));
    ci = [difference - radius, difference + radius];
  }
  return {
    pValue,
    ci,
    significant: pValue < alpha,
    mixingVariance: tau2,
    difference,
    stdErr: Math.sqrt(v),
    likelihoodRatio: Math.exp(logLambda),
    alpha,
  };
}

/**
 * Always-valid test of rateB - rateA (mixture SPRT with a normal mixture of variance `mixingVariance`). The
 * p-value uses the pooled variance (as the z-test), the confidence sequence the unpooled one. You may look after
 * every unit and stop whenever `significant` turns true: the false-positive rate stays <= alpha.
 *
 * @example
 * const r = mixtureSprtProportions({ users: 20000, conversions: 2000 }, { users: 20000, conversions: 2250 });
 * r.significant; // true
 * r.ci;          // always-valid interval for the difference, wider than the z-test's
 */
export function mixtureSprtProportions(a: ProportionArm, b: ProportionArm, opts?: SequentialOptions): SequentialResult {
  const issues = new Issues();
  checkArms(issues, a, b);
  const alpha = checkOptions(issues, opts);
  issues.throwIfAny('mixtureSprtProportions');
  const rateA = a.conversions / a.users;
  const rateB = b.conversions / b.users;
  const pooled = (a.conversions + b.conversions) / (a.users + b.users);
  const sigma2 = pooled * (1 - pooled);
  const v = sigma2 * (1 / a.users + 1 / b.users);
  const vCi = (rateA * (1 - rateA)) / a.users + (rateB * (1 - rateB)) / b.users;
  const tau2 = opts?.mixingVariance ?? defaultMixingVariance(sigma2, alpha, opts?.plannedUnitsPerArm);
  return mixture(rateB - rateA, v, vCi, tau2, alpha);
}

/**
 * Always-valid test of meanB - meanA from summaries `{ mean, variance (ddof 1), n }` or raw arrays, with the
 * Welch variance V = varA / nA + varB / nB for both the p-value and the confidence sequence.
 *
 * @example
 * mixtureSprtMeans({ mean: 10, variance: 25, n: 5000 }, { mean: 10.4, variance: 25, n: 5000 }).pValue; // 0.0037...
 */
export function mixtureSprtMeans(a: Summary | number[], b: Summary | number[], opts?: SequentialOptions): SequentialResult {
  const issues = new Issues();
  checkSample(issues, a, 'a');
  checkSample(issues, b, 'b');
  const alpha = checkOptions(issues, opts);
  issues.throwIfAny('mixtureSprtMeans');
  const { sa, sb, v } = welchSummaries(a, b);
  const sigma2 = (sa.variance + sb.variance) / 2;
  const tau2 = opts?.mixingVariance ?? defaultMixingVariance(sigma2, alpha, opts?.plannedUnitsPerArm);
  return mixture(sb.mean - sa.mean, v, v, tau2, alpha);
}
