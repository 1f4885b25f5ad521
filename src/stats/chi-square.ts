import { gammaTails } from './incomplete-gamma.js';

/**
 * Upper tail of the chi-square distribution with `df` degrees of freedom: P(X >= x) = Q(df / 2, x / 2),
 * computed directly (keeps its digits down to 1e-300). NaN for df <= 0.
 *
 * @example
 * chiSquareSf(3.841458820694124, 1); // 0.05
 */
export function chiSquareSf(x: number, df: number): number {
  if (Number.isNaN(x) || Number.isNaN(df) || !(df > 0)) return NaN;
  if (x <= 0) return 1;
  return gammaTails(df / 2, x / 2)[1];
}

/**
 * The chi-square CDF P(X <= x) = P(df / 2, x / 2).
 *
 * @example
 * chiSquareCdf(3.841458820694124, 1); // 0.95
 */
export function chiSquareCdf(x: number, df: number): number {
  if (Number.isNaN(x) || Number.isNaN(df) || !(df > 0)) return NaN;
  if (x <= 0) return 0;
  return gammaTails(df / 2, x / 2)[0];
}
