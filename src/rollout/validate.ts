// Validation of canary options: every problem with its path and a hint, as one ValidationError; nothing is created
// on error. Produces the resolved settings the machine and the shell use.
import { parseDuration } from '../core/duration.js';
import type { ValidationError, ValidationIssue } from '../core/errors.js';
import { BUILTIN_METRICS, isBuiltin } from './builtin-metrics.js';
import type { ResolvedMetric } from './analysis.js';
import type { MachineConfig } from './machine.js';
import { checkHandler, checkName, isObj, orThrow, requireObject } from './option-checks.js';
import type { Analysis, CanaryOptions, MetricCheck, Webhook, WebhookType } from './types.js';

export { NAME_PATTERN } from './option-checks.js';
const HOOK_TYPES: readonly WebhookType[] = ['pre-rollout', 'rollout', 'confirm-rollout', 'confirm-promotion', 'post-rollout', 'rollback', 'event'];

/** A metric with its query function kept beside the resolved numbers. */
export interface ResolvedMetricCheck extends ResolvedMetric {
  query: MetricCheck['query'];
}

/** The analysis settings, resolved. */
export interface ResolvedAnalysis {
  intervalMs: number;
  minRequests: number;
  noData: 'hold' | 'fail';
  metrics: ResolvedMetricCheck[];
  webhooks: Webhook[];
  machine: MachineConfig;
}

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isWeight = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100;

function duration(v: unknown, path: string, issues: ValidationIssue[], positive: boolean): number | undefined {
  try {
    const ms = parseDuration(v as number | string, path);
    if (positive && ms <= 0) issues.push({ path, message: 'must be greater than 0' });
    return ms;
  } catch (err) {
    issues.push(...(err as ValidationError).issues);
    return undefined;
  }
}

function checkMetrics(metrics: unknown, defaultWindow: number, issues: ValidationIssue[]): ResolvedMetricCheck[] {
  if (!Array.isArray(metrics)) {
    issues.push({ path: 'analysis.metrics', message: 'must be an array of metric checks (it may be empty)' });
    return [];
  }
  const out: ResolvedMetricCheck[] = [];
  const seen = new Set<string>();
  metrics.forEach((m: unknown, i) => {
    const p = `analysis.metrics[${i}]`;
    if (!isObj(m)) return void issues.push({ path: p, message: 'must be an object { name, thresholdRange, interval?, query? }' });
    const name = m.name;
    if (typeof name !== 'string' || !name) return void issues.push({ path: `${p}.name`, message: 'must be a non-empty string' });
    if (seen.has(name)) issues.push({ path: `${p}.name`, message: `duplicate metric '${name}': give each check its own name` });
    seen.add(name);
    if (m.query !== undefined && typeof m.query !== 'function') issues.push({ path: `${p}.query`, message: 'must be a function (window) => number | undefined' });
    if (m.query === undefined && !isBuiltin(name)) {
      issues.push({ path: `${p}.name`, message: `unknown metric '${name}': built-ins are ${BUILTIN_METRICS.join(', ')}; a custom metric needs a query` });
    }
    const range = m.thresholdRange;
    let min: number | undefined;
    let max: number | undefined;
    if (!isObj(range)) issues.push({ path: `${p}.thresholdRange`, message: 'must be an object { min?, max? }' });
    else {
      for (const k of ['min', 'max'] as const) {
        const v = range[k];
        if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) issues.push({ path: `${p}.thresholdRange.${k}`, message: 'must be a finite number' });
      }
      min = typeof range.min === 'number' ? range.min : undefined;
      max = typeof range.max === 'number' ? range.max : undefined;
      if (min !== undefined && max !== undefined && min > max) issues.push({ path: `${p}.thresholdRange`, message: `min ${min} is greater than max ${max}` });
      if (name === 'latency-regression' && min === undefined && max === undefined) min = 0.01;
      else if (min === undefined && max === undefined && range.min === undefined && range.max === undefined) {
        issues.push({ path: `${p}.thresholdRange`, message: 'needs min or max (a check without bounds always passes)' });
      }
    }
    const windowMs = m.interval === undefined ? defaultWindow : duration(m.interval, `${p}.interval`, issues, true);
    out.push({ name, min, max, windowMs: windowMs ?? defaultWindow, custom: m.query !== undefined, query: m.query as MetricCheck['query'] });
  });
  return out;
}

function checkWebhooks(hooks: unknown, issues: ValidationIssue[]): Webhook[] {
  if (hooks === undefined) return [];
  if (!Array.isArray(hooks)) {
    issues.push({ path: 'analysis.webhooks', message: 'must be an array of webhooks' });
    return [];
  }
  hooks.forEach((h: unknown, i) => {
    const p = `analysis.webhooks[${i}]`;
    if (!isObj(h)) return void issues.push({ path: p, message: 'must be an object { name, type, url | run, timeoutMs?, metadata? }' });
    if (typeof h.name !== 'string' || !h.name) issues.push({ path: `${p}.name`, message: 'must be a non-empty string' });
    if (!HOOK_TYPES.includes(h.type as WebhookType)) issues.push({ path: `${p}.type`, message: `must be one of ${HOOK_TYPES.join(', ')}` });
    if ((h.url === undefined) === (h.run === undefined)) issues.push({ path: p, message: 'needs exactly one of url (HTTP POST) or run (a function)' });
    if (h.run !== undefined && typeof h.run !== 'function') issues.push({ path: `${p}.run`, message: 'must be a function (payload) => boolean | void' });
    if (h.url !== undefined) {
      let ok = false;
      try {
        ok = typeof h.url === 'string' && /^https?:$/.test(new URL(h.url).protocol);
      } catch {
        ok = false;
      }
      if (!ok) issues.push({ path: `${p}.url`, message: `must be an absolute http(s) URL, got ${JSON.stringify(h.url)}` });
    }
    if (h.timeoutMs !== undefined && !(typeof h.timeoutMs === 'number' && Number.isFinite(h.timeoutMs) && h.timeoutMs > 0)) {
      issues.push({ path: `${p}.timeoutMs`, message: 'must be a positive number of milliseconds' });
    }
    if (h.metadata !== undefined && !(isObj(h.metadata) && Object.values(h.metadata).every((v) => typeof v === 'string'))) {
      issues.push({ path: `${p}.metadata`, message: 'must be an object of string values' });
    }
  });
  return hooks as Webhook[];
}

/** Validates and resolves an Analysis; problems go to `issues`. */
export function resolveAnalysis(a: unknown, issues: ValidationIssue[], progressDeadline?: unknown): ResolvedAnalysis | undefined {
  if (!isObj(a)) {
    issues.push({ path: 'analysis', message: 'must be an object { interval, threshold, stepWeight | stepWeights | iterations, metrics }' });
    return undefined;
  }
  const an = a as Partial<Analysis>;
  const intervalMs = duration(an.interval, 'analysis.interval', issues, true) ?? 1;
  if (!isInt(an.threshold, 1)) issues.push({ path: 'analysis.threshold', message: 'must be an integer >= 1 (failed checks before rollback)' });
  const modes = (['stepWeight', 'stepWeights', 'iterations'] as const).filter((k) => an[k] !== undefined);
  if (modes.length === 0) issues.push({ path: 'analysis', message: 'needs one of stepWeight, stepWeights (weighted canary) or iterations (A/B with match rules)' });
  if (modes.length > 1) issues.push({ path: 'analysis', message: `${modes.join(' and ')} exclude each other: choose one` });
  if (an.stepWeight !== undefined && !isWeight(an.stepWeight)) issues.push({ path: 'analysis.stepWeight', message: 'must be a number in (0, 100]' });
  let steps: number[] | null = null;
  if (an.stepWeights !== undefined) {
    if (!Array.isArray(an.stepWeights) || an.stepWeights.length === 0) issues.push({ path: 'analysis.stepWeights', message: 'must be a non-empty array of weights' });
    else {
      an.stepWeights.forEach((w, i) => {
        if (!isWeight(w)) issues.push({ path: `analysis.stepWeights[${i}]`, message: 'must be a number in (0, 100]' });
        else if (i > 0 && !(w > (an.stepWeights![i - 1] as number))) issues.push({ path: `analysis.stepWeights[${i}]`, message: 'weights must increase strictly' });
      });
      steps = an.stepWeights.filter(isWeight);
    }
  }
  if (an.maxWeight !== undefined && !isWeight(an.maxWeight)) issues.push({ path: 'analysis.maxWeight', message: 'must be a number in (0, 100]' });
  if (an.maxWeight !== undefined && an.iterations !== undefined) issues.push({ path: 'analysis.maxWeight', message: 'has no effect with iterations (the weight stays 0): remove it' });
  const maxWeight = isWeight(an.maxWeight) ? an.maxWeight : (steps?.at(-1) ?? 100);
  steps?.forEach((w, i) => {
    if (w > maxWeight) issues.push({ path: `analysis.stepWeights[${i}]`, message: `${w} exceeds maxWeight ${maxWeight}` });
  });
  if (an.iterations !== undefined && !isInt(an.iterations, 1)) issues.push({ path: 'analysis.iterations', message: 'must be an integer >= 1' });
  if (an.minRequests !== undefined && !isInt(an.minRequests, 1)) issues.push({ path: 'analysis.minRequests', message: 'must be an integer >= 1' });
  if (an.noData !== undefined && an.noData !== 'hold' && an.noData !== 'fail') issues.push({ path: 'analysis.noData', message: "must be 'hold' or 'fail'" });
  if (an.consecutiveFailures !== undefined && !isInt(an.consecutiveFailures, 1)) {
    issues.push({ path: 'analysis.consecutiveFailures', message: 'must be an integer >= 1' });
  }
  const metrics = checkMetrics(an.metrics, intervalMs, issues);
  const webhooks = checkWebhooks(an.webhooks, issues);
  const deadline = progressDeadline === undefined ? null : (duration(progressDeadline, 'progressDeadline', issues, true) ?? null);
  return {
    intervalMs,
    minRequests: an.minRequests ?? 1,
    noData: an.noData ?? 'hold',
    metrics,
    webhooks,
    machine: {
      steps,
      stepWeight: an.stepWeight ?? 0,
      maxWeight,
      iterations: an.iterations ?? null,
      threshold: an.threshold ?? 1,
      consecutiveFailures: an.consecutiveFailures ?? null,
      progressDeadlineMs: deadline,
    },
  };
}

/** Validates canary options; throws one ValidationError listing every problem. */
export function resolveCanaryOptions<Req, Res>(opts: CanaryOptions<Req, Res>): ResolvedAnalysis {
  const issues: ValidationIssue[] = [];
  requireObject(opts, 'canary', 'canary');
  checkName(opts.name, issues);
  checkHandler(opts.stable, 'stable', issues);
  checkHandler(opts.canary, 'canary', issues);
  if (opts.stickyBy !== undefined && typeof opts.stickyBy !== 'function') issues.push({ path: 'stickyBy', message: 'must be a function (req) => string | undefined' });
  if (opts.match !== undefined) {
    if (!Array.isArray(opts.match)) issues.push({ path: 'match', message: 'must be an array of functions (req) => boolean' });
    else opts.match.forEach((m, i) => typeof m !== 'function' && issues.push({ path: `match[${i}]`, message: 'must be a function (req) => boolean' }));
  }
  if (opts.revision !== undefined && (typeof opts.revision !== 'string' || !opts.revision)) issues.push({ path: 'revision', message: 'must be a non-empty string' });
  return orThrow(resolveAnalysis(opts.analysis, issues, opts.progressDeadline), issues, 'canary', opts.name);
}
