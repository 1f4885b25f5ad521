// Pure evaluation of an analysis: metric values -> pass / fail / no data per metric -> the iteration's outcome.
// No I/O: the shell (iteration.ts) fetches the windows and runs the queries and hooks, then asks these functions.
import type { FleetWindow } from '../metrics/types.js';
import { builtinValue, isBuiltin } from './builtin-metrics.js';

/** A metric's result in one iteration. */
export type MetricOutcome = 'pass' | 'fail' | 'no-data';

export interface MetricResult {
  name: string;
  outcome: MetricOutcome;
  /** The measured value (absent for no data or a failed query). */
  value?: number;
  /** Why, in words: `request-success-rate 95 < min 99`. */
  message: string;
}

/** What an iteration concluded: every check passed, one failed, or (without failures) one had no data. */
export type IterationOutcome = 'pass' | 'fail' | 'hold';

/** A metric check with its window resolved to milliseconds. */
export interface ResolvedMetric {
  name: string;
  min: number | undefined;
  max: number | undefined;
  windowMs: number;
  custom: boolean;
}

/** What a metric was measured from: fleet windows for built-ins, a query's answer for custom metrics. */
export type MetricInput =
  | { kind: 'windows'; canary: FleetWindow; stable?: FleetWindow }
  | { kind: 'query'; value: number | undefined }
  | { kind: 'error'; error: string }
  /** The windows could not be read (a store outage): no data, never a failure. */
  | { kind: 'missing'; reason: string };

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1e4) / 1e4));

/** Classifies a value against a threshold range. Not-finite values are no data. */
export function classify(metric: Pick<ResolvedMetric, 'name' | 'min' | 'max'>, value: number | undefined): MetricResult {
  const { name, min, max } = metric;
  if (value === undefined || !Number.isFinite(value)) return { name, outcome: 'no-data', message: `${name}: no data` };
  if (min !== undefined && value < min) return { name, outcome: 'fail', value, message: `${name} ${fmt(value)} < min ${fmt(min)}` };
  if (max !== undefined && value > max) return { name, outcome: 'fail', value, message: `${name} ${fmt(value)} > max ${fmt(max)}` };
  return { name, outcome: 'pass', value, message: `${name} ${fmt(value)} ok` };
}

/** Evaluates one metric from its input. */
export function evaluateMetric(metric: ResolvedMetric, input: MetricInput, minRequests: number): MetricResult {
  if (input.kind === 'error') return { name: metric.name, outcome: 'fail', message: `${metric.name}: query failed: ${input.error}` };
  if (input.kind === 'query') return classify(metric, input.value);
  if (input.kind === 'missing') return { name: metric.name, outcome: 'no-data', message: `${metric.name}: no data (${input.reason})` };
  if (!isBuiltin(metric.name)) return { name: metric.name, outcome: 'no-data', message: `${metric.name}: not a built-in metric and no query` };
  const r = classify(metric, builtinValue(metric.name, input.canary, input.stable, minRequests));
  if (r.outcome === 'no-data') {
    const counts = `canary ${input.canary.requests}${input.stable ? `, stable ${input.stable.requests}` : ''} requests`;
    return { ...r, message: `${metric.name}: no data (${counts}, minRequests ${minRequests})` };
  }
  return r;
}

/**
 * The iteration's outcome from hook failures and metric results: any failure fails; otherwise any no data holds
 * (or fails with noData 'fail', as Flagger does); otherwise it passes. `detail` says why, for the status message.
 */
export function iterationOutcome(hooksFailed: string[], metrics: MetricResult[], noData: 'hold' | 'fail'): { outcome: IterationOutcome; detail: string } {
  const failed = metrics.filter((m) => m.outcome === 'fail');
  const missing = metrics.filter((m) => m.outcome === 'no-data');
  const reasons = [...(hooksFailed.length ? [`rollout hooks failed: ${hooksFailed.join(', ')}`] : []), ...failed.map((m) => m.message)];
  if (noData === 'fail') reasons.push(...missing.map((m) => m.message));
  if (reasons.length) return { outcome: 'fail', detail: reasons.join('; ') };
  if (missing.length) return { outcome: 'hold', detail: missing.map((m) => m.message).join('; ') };
  return { outcome: 'pass', detail: metrics.length ? metrics.map((m) => m.message).join('; ') : 'no metrics' };
}
