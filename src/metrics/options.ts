import { parseDuration } from '../core/duration.js';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import type { MetricsOptions } from './types.js';

/** Prometheus `le` bounds in seconds (the client libraries' defaults, widened at both ends). */
export const DEFAULT_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface ResolvedMetricsOptions {
  flushIntervalMs: number;
  resolutionMs: number;
  retentionMs: number;
  maxTargets: number;
  maxVersions: number;
  bucketsSeconds: number[];
}

const MAX_SLOTS = 10_000;

/** Validates and fills in defaults; throws one ValidationError listing every problem. */
export function resolveMetricsOptions(o: MetricsOptions = {}): ResolvedMetricsOptions {
  const issues: ValidationIssue[] = [];
  const duration = (v: unknown, path: string, dflt: string): number => {
    try {
      return parseDuration((v ?? dflt) as string, path);
    } catch (err) {
      issues.push(...(err as ValidationError).issues);
      return parseDuration(dflt);
    }
  };
  const flushIntervalMs = duration(o.flushInterval, 'metrics.flushInterval', '5s');
  const resolutionMs = duration(o.resolution, 'metrics.resolution', '5s');
  const retentionMs = duration(o.retention, 'metrics.retention', '10m');
  if (resolutionMs < 100) issues.push({ path: 'metrics.resolution', message: `resolution ${resolutionMs} ms is below the minimum of 100 ms` });
  if (retentionMs < resolutionMs) issues.push({ path: 'metrics.retention', message: `retention ${retentionMs} ms is shorter than the resolution (${resolutionMs} ms)` });
  else if (resolutionMs >= 100 && retentionMs / resolutionMs > MAX_SLOTS) {
    issues.push({ path: 'metrics.retention', message: `retention / resolution is ${Math.ceil(retentionMs / resolutionMs)} slots; at most ${MAX_SLOTS}: raise the resolution or shorten the retention` });
  }
  if (o.flushInterval !== undefined && flushIntervalMs > 0 && flushIntervalMs < 100) {
    issues.push({ path: 'metrics.flushInterval', message: `flushInterval ${flushIntervalMs} ms is below the minimum of 100 ms (0 turns periodic flushing off)` });
  }
  const count = (v: unknown, path: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 100_000) {
      issues.push({ path, message: `must be an integer from 1 to 100000, got ${JSON.stringify(v)}` });
      return dflt;
    }
    return v;
  };
  const maxTargets = count(o.maxTargets, 'metrics.maxTargets', 100);
  const maxVersions = count(o.maxVersions, 'metrics.maxVersions', 10);
  let bucketsSeconds = DEFAULT_BUCKETS_SECONDS;
  if (o.buckets !== undefined) {
    const b: unknown = o.buckets;
    if (!Array.isArray(b) || b.length === 0 || b.length > 50) {
      issues.push({ path: 'metrics.buckets', message: 'must be a non-empty array of at most 50 upper bounds in seconds' });
    } else {
      b.forEach((x, i) => {
        if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) issues.push({ path: `metrics.buckets[${i}]`, message: `must be a finite number of seconds > 0, got ${JSON.stringify(x)}` });
        else if (i > 0 && !(x > (b[i - 1] as number))) issues.push({ path: `metrics.buckets[${i}]`, message: 'bounds must be strictly ascending' });
      });
      bucketsSeconds = [...(b as number[])];
    }
  }
  if (issues.length) throw new ValidationError(issues, { subject: 'metrics options' });
  return { flushIntervalMs, resolutionMs, retentionMs, maxTargets, maxVersions, bucketsSeconds };
}
