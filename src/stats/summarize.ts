import type { Summary } from './types.js';

/**
 * Mean and sample variance (ddof 1) of raw values: compensated sum for the mean, then the corrected two-pass
 * formula for the variance, so values near 1e8 with small spread keep their digits. O(n), no allocation.
 *
 * @example
 * summarize([1, 2, 3, 4]); // { mean: 2.5, variance: 1.6666666666666667, n: 4 }
 */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { mean: NaN, variance: NaN, n: 0 };
  // Neumaier summation.
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  const mean = (sum + comp) / n;
  if (n < 2) return { mean, variance: NaN, n };
  let ss = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    ss += d * d;
    s += d;
  }
  return { mean, variance: Math.max(0, (ss - (s * s) / n) / (n - 1)), n };
}
