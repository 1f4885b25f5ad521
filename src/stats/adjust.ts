import type { AdjustMethod } from './types.js';
import { Issues } from './validate.js';

/**
 * Adjusts p-values for multiple comparisons, in the input order. 'holm': Holm's step-down (controls the
 * family-wise error like Bonferroni, never less powerful), made monotone and capped at 1; 'bonferroni':
 * min(1, m p); 'none': a copy. NaN entries stay NaN and do not count in m. Values outside [0, 1] throw.
 *
 * @example
 * adjustPValues([0.01, 0.04, 0.03], 'holm'); // [0.03, 0.06, 0.06]
 */
export function adjustPValues(pValues: number[], method: AdjustMethod): number[] {
  const issues = new Issues();
  if (!Array.isArray(pValues)) issues.add('pValues', 'must be an array of p-values');
  else {
    pValues.forEach((p, i) => {
      if (typeof p !== 'number' || (!Number.isNaN(p) && !(p >= 0 && p <= 1))) {
        issues.add(`pValues[${i}]`, `must be a p-value in [0, 1] (or NaN), got ${String(p)}`);
      }
    });
  }
  if (method !== 'holm' && method !== 'bonferroni' && method !== 'none') {
    issues.add('method', `must be 'holm', 'bonferroni' or 'none', got ${String(method)}`);
  }
  issues.throwIfAny('adjustPValues');

  const out = pValues.slice();
  if (method === 'none') return out;
  const order: number[] = [];
  for (let i = 0; i < pValues.length; i++) if (!Number.isNaN(pValues[i])) order.push(i);
  const m = order.length;
  if (method === 'bonferroni') {
    for (const i of order) out[i] = Math.min(1, m * (pValues[i] as number));
    return out;
  }
  order.sort((x, y) => (pValues[x] as number) - (pValues[y] as number));
  let running = 0;
  for (let k = 0; k < m; k++) {
    const i = order[k] as number;
    running = Math.max(running, Math.min(1, (m - k) * (pValues[i] as number)));
    out[i] = running;
  }
  return out;
}

