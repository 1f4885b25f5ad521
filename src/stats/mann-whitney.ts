// Mann-Whitney U on raw samples or on value/count buckets: one merge over sorted runs gives the mid-rank sum
// of A and the tie term, so the bucket form costs O(buckets log buckets), not O(samples).

import { exactFeasible, exactUpperTail } from './mann-whitney-exact.js';
import { normalSf } from './normal.js';
import type { MannWhitneyOptions, MannWhitneyResult, ValueCount } from './types.js';
import { checkValues, Issues } from './validate.js';

/** Distinct sorted values with their multiplicities. */
interface Runs {
  values: Float64Array;
  counts: Float64Array;
  total: number;
}

function runsFromSorted(sorted: Float64Array): Runs {
  const values = new Float64Array(sorted.length);
  const counts = new Float64Array(sorted.length);
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (k >= 0 && values[k] === v) counts[k] = (counts[k] as number) + 1;
    else {
      k++;
      values[k] = v;
      counts[k] = 1;
    }
  }
  return { values: values.subarray(0, k + 1), counts: counts.subarray(0, k + 1), total: sorted.length };
}

function runsFromBuckets(buckets: readonly ValueCount[]): Runs {
  const sorted = buckets.filter((b) => b.count > 0).sort((x, y) => x.value - y.value);
  const values = new Float64Array(sorted.length);
  const counts = new Float64Array(sorted.length);
  let k = -1;
  let total = 0;
  for (const b of sorted) {
    total += b.count;
    if (k >= 0 && values[k] === b.value) counts[k] = (counts[k] as number) + b.count;
    else {
      k++;
      values[k] = b.value;
      counts[k] = b.count;
    }
  }
  return { values: values.subarray(0, k + 1), counts: counts.subarray(0, k + 1), total };
}

/** Merges A's and B's runs: U of A (from A's mid-rank sum) and the tie term sum(t^3 - t). */
function rankSums(a: Runs, b: Runs): { u: number; tie: number } {
  let i = 0;
  let j = 0;
  let below = 0; // observations ranked before the current group
  let rankSumA = 0;
  let tie = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? (a.values[i] as number) : Infinity;
    const vb = j < b.values.length ? (b.values[j] as number) : Infinity;
    const v = Math.min(va, vb);
    const ca = va === v && i < a.values.length ? (a.counts[i++] as number) : 0;
    const cb = vb === v && j < b.values.length ? (b.counts[j++] as number) : 0;
    const t = ca + cb;
    rankSumA += ca * (below + (t + 1) / 2);
    if (t > 1) tie += t * t * t - t;
    below += t;
  }
  return { u: rankSumA - (a.total * (a.total + 1)) / 2, tie };
}

function finish(u: number, tie: number, nA: number, nB: number, method: MannWhitneyOptions['method']): MannWhitneyResult {
  const pairs = nA * nB;
  const uB = pairs - u;
  const n = nA + nB;
  const base = { u, uB, nA, nB, tieCorrection: tie, probabilityBGreater: pairs > 0 ? uB / pairs : NaN };
  if (pairs === 0) return { ...base, pValue: NaN, z: NaN, method: 'asymptotic' };
  const sigma = Math.sqrt((pairs / 12) * (n + 1 - tie / (n * (n - 1))));
  const z = sigma > 0 ? (Math.abs(u - pairs / 2) - 0.5) / sigma : NaN;
  const wantExact = method === 'exact' || (method === 'auto' && Math.min(nA, nB) <= 8);
  if (wantExact && tie === 0 && exactFeasible(nA, nB)) {
    return { ...base, z, pValue: Math.min(1, 2 * exactUpperTail(nA, nB, Math.max(u, uB))), method: 'exact' };
  }
  // Every value tied: U equals its mean exactly, nothing distinguishes the samples (scipy's clipped p = 1).
  const pValue = sigma > 0 ? Math.min(1, 2 * normalSf(z)) : 1;
  return { ...base, z, pValue, method: 'asymptotic' };
}

/**
 * Mann-Whitney U test (two-sided) of two raw samples: U of the first sample, mid-ranks for ties, p-value from
 * the normal approximation with tie and continuity correction (scipy's `method='asymptotic'`), or the exact null
 * distribution with `method: 'exact' | 'auto'` when there are no ties. O(n log n). Non-finite values throw a
 * ValidationError; an empty sample gives NaN.
 *
 * @example
 * const r = mannWhitneyU([1.2, 3.4, 2.2, 5.0], [4.1, 6.3, 5.5, 7.0]);
 * r.u;       // 1
 * r.pValue;  // 0.0606...
 */
export function mannWhitneyU(a: number[], b: number[], opts?: MannWhitneyOptions): MannWhitneyResult {
  const issues = new Issues();
  checkValues(issues, a, 'a');
  checkValues(issues, b, 'b');
  checkMethod(issues, opts?.method);
  issues.throwIfAny('mannWhitneyU');
  const ra = runsFromSorted(Float64Array.from(a).sort());
  const rb = runsFromSorted(Float64Array.from(b).sort());
  const { u, tie } = rankSums(ra, rb);
  return finish(u, tie, a.length, b.length, opts?.method ?? 'asymptotic');
}

/**
 * The same test on data given as value/count buckets (e.g. latency histogram buckets, value = the bucket's
 * representative): every observation in a bucket shares its value, so buckets are groups of ties. Equals
 * `mannWhitneyU` on the expanded samples, in O(buckets log buckets). Counts must be whole, finite and >= 0.
 *
 * @example
 * mannWhitneyUFromCounts(
 *   [{ value: 10, count: 900 }, { value: 50, count: 100 }],
 *   [{ value: 10, count: 800 }, { value: 50, count: 200 }],
 * ).pValue; // 3.8e-10: B (the canary) is slower
 */
export function mannWhitneyUFromCounts(
  a: ValueCount[],
  b: ValueCount[],
  opts?: MannWhitneyOptions,
): MannWhitneyResult {
  const issues = new Issues();
  checkBuckets(issues, a, 'a');
  checkBuckets(issues, b, 'b');
  checkMethod(issues, opts?.method);
  issues.throwIfAny('mannWhitneyUFromCounts');
  const ra = runsFromBuckets(a);
  const rb = runsFromBuckets(b);
  const { u, tie } = rankSums(ra, rb);
  return finish(u, tie, ra.total, rb.total, opts?.method ?? 'asymptotic');
}

function checkMethod(issues: Issues, method: unknown): void {
  if (method !== undefined && method !== 'asymptotic' && method !== 'exact' && method !== 'auto') {
    issues.add('opts.method', `must be 'asymptotic', 'exact' or 'auto', got ${String(method)}`);
  }
}

function checkBuckets(issues: Issues, buckets: unknown, path: string): void {
  if (!Array.isArray(buckets)) {
    issues.add(path, 'must be an array of { value, count }');
    return;
  }
  buckets.forEach((bucket: unknown, i) => {
    if (typeof bucket !== 'object' || bucket === null) {
      issues.add(`${path}[${i}]`, 'must be an object { value, count }');
      return;
    }
    const { value, count } = bucket as Partial<ValueCount>;
    issues.finite(value, `${path}[${i}].value`);
    issues.count(count, `${path}[${i}].count`);
  });
}
