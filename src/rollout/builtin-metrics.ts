// The built-in metrics: plain functions of fleet windows. Each returns a number, or undefined for no data.
import type { FleetWindow } from '../metrics/types.js';
import { mannWhitneyUFromCounts } from '../stats/index.js';

export const BUILTIN_METRICS = ['request-success-rate', 'request-duration', 'latency-ratio', 'error-rate-diff', 'latency-regression'] as const;
export type BuiltinMetric = (typeof BUILTIN_METRICS)[number];

/** Built-ins that compare the canary with the stable side (they need both windows). */
export const RELATIVE_METRICS: ReadonlySet<string> = new Set(['latency-ratio', 'error-rate-diff', 'latency-regression']);

export const isBuiltin = (name: string): name is BuiltinMetric => (BUILTIN_METRICS as readonly string[]).includes(name);

const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);

const errorRate = (w: FleetWindow): number => (w.errors / w.requests) * 100;

/**
 * The regression p-value: the two-sided Mann-Whitney U p-value of canary against stable latencies when the canary's
 * latencies rank higher (it is slower), and 1 when they do not. Small means "the canary is slower, significantly".
 */
export function latencyRegressionPValue(canary: FleetWindow, stable: FleetWindow): number | undefined {
  const a = canary.histogram.buckets().map((b) => ({ value: b.valueMs, count: b.count }));
  const b = stable.histogram.buckets().map((x) => ({ value: x.valueMs, count: x.count }));
  const na = a.reduce((s, x) => s + x.count, 0);
  const nb = b.reduce((s, x) => s + x.count, 0);
  if (na === 0 || nb === 0) return undefined;
  let r: { u: number; pValue: number };
  try {
    r = mannWhitneyUFromCounts(a, b);
  } catch {
    return undefined; // malformed buckets: no data rather than a throw in the analysis
  }
  if (!Number.isFinite(r.pValue)) return undefined;
  // U counts the pairs where the canary's sample is the larger: above n1*n2/2 the canary is slower.
  return r.u > (na * nb) / 2 ? r.pValue : 1;
}

/**
 * The value of a built-in metric over the canary's (and for relative metrics the stable side's) window, or undefined
 * for no data: fewer than `minRequests` requests on a side it reads, or an undefined quantity (a stable p99 of 0).
 */
export function builtinValue(name: BuiltinMetric, canary: FleetWindow, stable: FleetWindow | undefined, minRequests: number): number | undefined {
  if (canary.requests < minRequests || canary.requests === 0) return undefined;
  switch (name) {
    case 'request-success-rate':
      return finite(((canary.requests - canary.errors) / canary.requests) * 100);
    case 'request-duration':
      return finite(canary.p99);
  }
  if (!stable || stable.requests < minRequests || stable.requests === 0) return undefined;
  switch (name) {
    case 'latency-ratio':
      return stable.p99 > 0 ? finite(canary.p99 / stable.p99) : undefined;
    case 'error-rate-diff':
      return finite(errorRate(canary) - errorRate(stable));
    case 'latency-regression':
      return latencyRegressionPValue(canary, stable);
  }
}
