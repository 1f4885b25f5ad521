// The exact null distribution of the Mann-Whitney U statistic (no ties), by the recurrence
// N(i, j, u) = N(i - 1, j, u - j) + N(i, j - 1, u) over the smaller sample's size i: additions only, no cancellation.

/** Work budget (n * m * (m n + 1) cell updates) above which the exact distribution is not computed. */
export const EXACT_BUDGET = 50_000_000;

/** Whether the exact distribution for these sizes fits the work budget. */
export function exactFeasible(nA: number, nB: number): boolean {
  const m = Math.min(nA, nB);
  const n = Math.max(nA, nB);
  return m >= 1 && n * m * (m * n + 1) <= EXACT_BUDGET;
}

/** P(U >= k) under the null for sample sizes nA, nB (U of either sample: the distribution is symmetric). */
export function exactUpperTail(nA: number, nB: number, k: number): number {
  const m = Math.min(nA, nB);
  const n = Math.max(nA, nB);
  const size = m * n + 1;
  const counts: Float64Array[] = [];
  for (let i = 0; i <= m; i++) {
    const row = new Float64Array(size);
    row[0] = 1;
    counts.push(row);
  }
  for (let j = 1; j <= n; j++) {
    for (let i = 1; i <= m; i++) {
      const row = counts[i] as Float64Array;
      const below = counts[i - 1] as Float64Array;
      const top = i * j;
      for (let u = top; u >= j; u--) row[u] = (row[u] as number) + (below[u - j] as number);
    }
  }
  const dist = counts[m] as Float64Array;
  let total = 0;
  let tail = 0;
  const from = Math.ceil(k - 1e-9);
  for (let u = 0; u < size; u++) {
    const c = dist[u] as number;
    total += c;
    if (u >= from) tail += c;
  }
  return tail / total;
}
