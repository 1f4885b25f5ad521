// The seed's DeploymentController (InitialWeight, MaxWeight, StepWeight, Interval, SuccessThreshold) as a preset
// that builds canary options with the same behaviour.
import type { Duration } from '../core/duration.js';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import type { Analysis } from './types.js';

/** The seed's RolloutConfig. */
export interface ProgressiveRolloutConfig {
  /** The first weight (percent). */
  initialWeight: number;
  /** No step goes beyond this weight (percent). */
  maxWeight: number;
  /** Added after each passing check (percent). */
  stepWeight: number;
  /** Time between checks: '5m', '30s' or ms. */
  interval: Duration;
  /** Minimum success rate: a fraction (0.995) as in the seed, or a percent (99.5) when above 1. */
  successThreshold: number;
}

const weight = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100;

/**
 * Builds the canary `analysis` that behaves like the seed's `DeploymentController.ProgressiveRollout`: weights
 * initialWeight, initialWeight + stepWeight, ... while <= maxWeight, each held for one interval and checked;
 * a success rate below successThreshold rolls back at once (threshold 1); after the last weight passes, promote.
 * Differences from the seed: no data holds the weight instead of passing it, and the rollout state is shared by the fleet.
 * @example
 * const c = delivery.rollouts.canary({ name: 'checkout', stable: v1, canary: v2,
 *   ...progressiveRollout({ initialWeight: 10, maxWeight: 50, stepWeight: 10, interval: '5m', successThreshold: 0.995 }) });
 */
export function progressiveRollout(config: ProgressiveRolloutConfig): { analysis: Analysis } {
  const issues: ValidationIssue[] = [];
  const c = (config ?? {}) as Partial<ProgressiveRolloutConfig>;
  for (const k of ['initialWeight', 'maxWeight', 'stepWeight'] as const) {
    if (!weight(c[k])) issues.push({ path: k, message: 'must be a number in (0, 100]' });
  }
  if (weight(c.initialWeight) && weight(c.maxWeight) && c.initialWeight > c.maxWeight) {
    issues.push({ path: 'initialWeight', message: `${c.initialWeight} exceeds maxWeight ${c.maxWeight}` });
  }
  const st = c.successThreshold;
  if (typeof st !== 'number' || !Number.isFinite(st) || st <= 0 || st > 100) {
    issues.push({ path: 'successThreshold', message: 'must be a fraction in (0, 1] (0.995) or a percent in (1, 100] (99.5)' });
  }
  if (c.interval === undefined) issues.push({ path: 'interval', message: "is required: '5m', '30s' or milliseconds" });
  if (issues.length) throw new ValidationError(issues, { subject: 'progressiveRollout' });
  const steps: number[] = [];
  for (let w = c.initialWeight!; w <= c.maxWeight! + 1e-9 && steps.length < 1000; w += c.stepWeight!) steps.push(Math.round(w * 1000) / 1000);
  return {
    analysis: {
      interval: c.interval!,
      threshold: 1,
      stepWeights: steps,
      metrics: [{ name: 'request-success-rate', thresholdRange: { min: st! <= 1 ? st! * 100 : st! } }],
    },
  };
}
