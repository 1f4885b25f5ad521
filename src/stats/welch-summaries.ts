import { summarize } from './summarize.js';
import type { Summary } from './types.js';

/** A summary as given, or computed from raw values. */
export function toSummary(sample: Summary | readonly number[]): Summary {
  return Array.isArray(sample) ? summarize(sample as readonly number[]) : (sample as Summary);
}

/** Both summaries and the per-arm variances of the means (NaN for an arm with n < 2). */
export function welchSummaries(a: Summary | readonly number[], b: Summary | readonly number[]): { sa: Summary; sb: Summary; va: number; vb: number; v: number } {
  const sa = toSummary(a);
  const sb = toSummary(b);
  const va = sa.n >= 2 ? sa.variance / sa.n : NaN;
  const vb = sb.n >= 2 ? sb.variance / sb.n : NaN;
  return { sa, sb, va, vb, v: va + vb };
}
