import { studentTQuantile, studentTSf } from './student-t.js';
import { welchSummaries } from './welch-summaries.js';
import type { Summary, TestOptions, WelchResult } from './types.js';
import { checkAlpha, checkSample, Issues } from './validate.js';

/**
 * Welch's two-sided t-test of B against A (unequal variances) from summaries `{ mean, variance (ddof 1), n }`
 * or raw arrays. Degrees of freedom by Welch-Satterthwaite; the interval uses t(1 - alpha/2, df). With both
 * variances 0 (or n < 2 in an arm) t, df, p and the interval are NaN and `significant` is false.
 *
 * @example
 * const r = welchTTest({ mean: 10, variance: 4, n: 50 }, { mean: 11, variance: 5, n: 60 });
 * r.tStatistic; // 2.4744...
 * welchTTest([1, 2, 3, 4], [2, 3, 4, 5]).difference; // 1
 */
export function welchTTest(a: Summary | number[], b: Summary | number[], opts?: TestOptions): WelchResult {
  const issues = new Issues();
  checkSample(issues, a, 'a');
  checkSample(issues, b, 'b');
  const alpha = checkAlpha(issues, opts?.alpha);
  issues.throwIfAny('welchTTest');

  const { sa, sb, va, vb, v } = welchSummaries(a, b);
  const difference = sb.mean - sa.mean;
  const stdErr = Math.sqrt(v);
  let tStatistic = NaN;
  let df = NaN;
  let pValue = NaN;
  let tCritical = NaN;
  if (v > 0) {
    tStatistic = difference / stdErr;
    // Welch-Satterthwaite, scaled by the larger variance so tiny variances do not underflow when squared.
    const m = Math.max(va, vb);
    const ra = va / m;
    const rb = vb / m;
    df = ((ra + rb) * (ra + rb)) / ((ra * ra) / (sa.n - 1) + (rb * rb) / (sb.n - 1));
    pValue = Math.min(1, 2 * studentTSf(Math.abs(tStatistic), df));
    tCritical = studentTQuantile(1 - alpha / 2, df);
  }
  return {
    tStatistic,
    degreesOfFreedom: df,
    pValue,
    difference,
    ci: [difference - tCritical * stdErr, difference + tCritical * stdErr],
    significant: pValue < alpha,
    meanA: sa.mean,
    meanB: sb.mean,
    varianceA: sa.variance,
    varianceB: sb.variance,
    nA: sa.n,
    nB: sb.n,
    stdErr,
    tCritical,
    relativeLift: sa.mean !== 0 ? difference / sa.mean : NaN,
    alpha,
  };
}
