// Carries out what a plan asks for: runs the gates and hooks, fetches the fleet windows and custom queries, and
// hands the pure analysis its inputs. The result feeds the pure transition; nothing here writes state.
import type { FleetWindow } from '../metrics/types.js';
import type { RecordInput } from '../metrics/types.js';
import { evaluateMetric, iterationOutcome, type MetricInput, type MetricResult } from './analysis.js';
import { RELATIVE_METRICS } from './builtin-metrics.js';
import type { Effect, IterationResult, Plan } from './machine.js';
import type { RolloutStateDoc } from './state-doc.js';
import type { ResolvedAnalysis, ResolvedMetricCheck } from './validate.js';
import { runWebhooks, type HookRunner } from './webhooks.js';

/** What the canary needs from the metrics module: recording calls and reading fleet-wide windows. */
export interface CanaryMetrics {
  record(o: RecordInput): void;
  fleetWindow(target: string, version: string, windowMs: number): Promise<FleetWindow>;
}

/**
 * Windows for a kind whose versions have their own names: the analysis asks for 'canary' (the new version) and
 * 'stable' (the old one); `version(side)` names the version read under `target` for each. Records pass through.
 */
export function versionWindows(metrics: CanaryMetrics, target: string, version: (side: 'canary' | 'stable') => string): CanaryMetrics {
  return {
    record: (o) => metrics.record(o),
    fleetWindow: (_target, side, ms) => metrics.fleetWindow(target, version(side === 'canary' ? 'canary' : 'stable'), ms),
  };
}

export interface IterationDeps {
  name: string;
  analysis: ResolvedAnalysis;
  metrics: CanaryMetrics;
  hooks: HookRunner;
  now: () => number;
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Measures every metric of the analysis for one iteration. */
export async function measureMetrics(d: IterationDeps): Promise<MetricResult[]> {
  const windows = new Map<string, Promise<FleetWindow>>();
  const window = (version: 'canary' | 'stable', ms: number): Promise<FleetWindow> => {
    const k = `${version}:${ms}`;
    let w = windows.get(k);
    if (!w) {
      w = d.metrics.fleetWindow(d.name, version, ms);
      windows.set(k, w);
    }
    return w;
  };
  const input = async (m: ResolvedMetricCheck): Promise<MetricInput> => {
    if (m.query) {
      const to = d.now();
      try {
        return { kind: 'query', value: await m.query({ from: to - m.windowMs, to }) };
      } catch (err) {
        d.hooks.reporter.report(err, `${d.hooks.subject}: metric query '${m.name}'`, 'USER_CODE');
        return { kind: 'error', error: errText(err) };
      }
    }
    try {
      const canary = await window('canary', m.windowMs);
      const stable = RELATIVE_METRICS.has(m.name) ? await window('stable', m.windowMs) : undefined;
      return stable ? { kind: 'windows', canary, stable } : { kind: 'windows', canary };
    } catch (err) {
      d.hooks.reporter.once(`${d.hooks.subject}:metrics`, err, `${d.hooks.subject}: reading metrics`, 'STORE_UNAVAILABLE');
      return { kind: 'missing', reason: `metrics unavailable: ${errText(err)}` };
    }
  };
  const out: MetricResult[] = [];
  for (const m of d.analysis.metrics) out.push(evaluateMetric(m, await input(m), d.analysis.minRequests));
  return out;
}

/** Runs the gates, hooks and metrics `plan` needs for the state `s`; returns what the transition consumes. */
export async function carryOut(plan: Exclude<Plan, { kind: 'idle' }>, s: RolloutStateDoc, d: IterationDeps): Promise<IterationResult> {
  const payload = { name: d.name, phase: s.phase, weight: s.weight, failedChecks: s.failedChecks };
  const hooks = d.analysis.webhooks;
  switch (plan.kind) {
    case 'deadline':
      return { kind: 'deadline', sinceStepMs: plan.sinceStepMs };
    case 'finalize':
      await runWebhooks(hooks, 'post-rollout', payload, d.hooks);
      return { kind: 'finalize' };
    case 'start': {
      const gatesFailed = await runWebhooks(hooks, 'confirm-rollout', payload, d.hooks);
      const hooksFailed = gatesFailed.length ? [] : await runWebhooks(hooks, 'pre-rollout', payload, d.hooks);
      return { kind: 'start', gatesFailed, hooksFailed };
    }
    case 'analyse': {
      const hooksFailed = await runWebhooks(hooks, 'rollout', payload, d.hooks);
      const metrics = await measureMetrics(d);
      const { outcome, detail } = iterationOutcome(hooksFailed, metrics, d.analysis.noData);
      if (outcome !== 'pass' || !plan.promotionCandidate) return { kind: 'analyse', outcome, detail };
      const promotionGatesFailed = await runWebhooks(hooks, 'confirm-promotion', payload, d.hooks);
      return { kind: 'analyse', outcome, detail, promotionGatesFailed };
    }
  }
}

/** Runs the notification hooks a transition asked for, in order. Failures are reported, never thrown. */
export async function runEffects(effects: Effect[], d: IterationDeps): Promise<void> {
  for (const e of effects) {
    const metadata: Record<string, string> = e.hook === 'event' ? { message: e.message, previousPhase: e.previousPhase } : {};
    await runWebhooks(d.analysis.webhooks, e.hook, { name: d.name, phase: e.phase, weight: e.weight, failedChecks: e.failedChecks, metadata }, d.hooks);
  }
}
