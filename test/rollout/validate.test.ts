import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { progressiveRollout } from '../../src/rollout/presets.js';
import { resolveCanaryOptions } from '../../src/rollout/validate.js';
import type { Analysis, CanaryOptions } from '../../src/rollout/types.js';
import { makeCanary, setup } from './helpers.js';

const base = (analysis: Partial<Analysis>, extra: Partial<CanaryOptions<unknown, unknown>> = {}): CanaryOptions<unknown, unknown> => ({
  name: 'c',
  stable: () => 1,
  canary: () => 2,
  analysis: { interval: '1m', threshold: 2, stepWeight: 10, metrics: [], ...analysis } as Analysis,
  ...extra,
});

const issues = (fn: () => unknown): { path: string; message: string }[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
};

describe('canary options validation', () => {
  it('lists every problem with its path', () => {
    const found = issues(() =>
      resolveCanaryOptions({
        name: 'bad name!',
        stable: 1 as never,
        canary: () => 1,
        progressDeadline: 'soon',
        analysis: {
          interval: '0s',
          threshold: 0,
          stepWeight: 10,
          stepWeights: [5, 5, 200],
          metrics: [
            { name: 'request-success-rate', thresholdRange: { min: 99, max: 1 } },
            { name: 'mystery', thresholdRange: { min: 1 } },
            { name: 'request-duration', thresholdRange: {} },
          ],
          webhooks: [{ name: 'w', type: 'sometimes' as never, url: 'ftp://x', run: () => true }],
        },
      }),
    );
    const paths = found.map((i) => i.path);
    for (const p of [
      'name',
      'stable',
      'analysis.interval',
      'analysis.threshold',
      'analysis',
      'analysis.stepWeights[1]',
      'analysis.stepWeights[2]',
      'analysis.metrics[0].thresholdRange',
      'analysis.metrics[1].name',
      'analysis.metrics[2].thresholdRange',
      'analysis.webhooks[0].type',
      'analysis.webhooks[0]',
      'analysis.webhooks[0].url',
      'progressDeadline',
    ]) {
      expect(paths).toContain(p);
    }
    expect(found.find((i) => i.path === 'analysis.metrics[1].name')?.message).toMatch(/built-ins are request-success-rate.*a custom metric needs a query/);
  });

  it.each([
    [{ stepWeight: undefined }, /needs one of stepWeight, stepWeights/],
    [{ iterations: 3 }, /stepWeight and iterations exclude each other/],
    [{ stepWeight: undefined, stepWeights: [10, 60], maxWeight: 50 }, /60 exceeds maxWeight 50/],
    [{ minRequests: 0 }, /minRequests: must be an integer >= 1/],
    [{ noData: 'skip' as never }, /noData: must be 'hold' or 'fail'/],
    [{ consecutiveFailures: 1.5 }, /consecutiveFailures/],
  ])('rejects %#', (a, re) => {
    expect(() => resolveCanaryOptions(base(a))).toThrow(re);
  });

  it('resolves defaults: maxWeight from stepWeights, latency-regression min 0.01, windows from the interval', () => {
    const r = resolveCanaryOptions(
      base({ stepWeight: undefined, stepWeights: [1, 5, 25], metrics: [{ name: 'latency-regression', thresholdRange: {} }, { name: 'request-duration', thresholdRange: { max: 500 }, interval: '5m' }] }),
    );
    expect(r.machine).toMatchObject({ steps: [1, 5, 25], maxWeight: 25, threshold: 2, iterations: null });
    expect(r.metrics.map((m) => [m.name, m.min, m.max, m.windowMs])).toEqual([
      ['latency-regression', 0.01, undefined, 60_000],
      ['request-duration', undefined, 500, 300_000],
    ]);
    expect(r.noData).toBe('hold');
    expect(r.minRequests).toBe(1);
  });

  it('nothing is created on error', async () => {
    const env = await setup();
    expect(() => makeCanary(env, { stepWeight: -1, metrics: [] })).toThrow(ValidationError);
    expect(env.delivery.rollouts.status()).toEqual([]);
    expect(await env.store.list('rollouts/')).toEqual([]);
    await env.delivery.close();
  });
});

describe('progressiveRollout (the seed DeploymentController preset)', () => {
  it('maps InitialWeight, MaxWeight, StepWeight, Interval, SuccessThreshold', () => {
    expect(progressiveRollout({ initialWeight: 10, maxWeight: 50, stepWeight: 10, interval: '5m', successThreshold: 0.995 })).toEqual({
      analysis: { interval: '5m', threshold: 1, stepWeights: [10, 20, 30, 40, 50], metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99.5 } }] },
    });
    expect(progressiveRollout({ initialWeight: 5, maxWeight: 50, stepWeight: 10, interval: 300_000, successThreshold: 99 }).analysis).toMatchObject({
      stepWeights: [5, 15, 25, 35, 45],
      metrics: [{ thresholdRange: { min: 99 } }],
    });
  });

  it('validates its config and builds valid canary options', async () => {
    expect(() => progressiveRollout({ initialWeight: 60, maxWeight: 50, stepWeight: 0, interval: '1m', successThreshold: 2000 })).toThrow(/stepWeight: must be[\s\S]*initialWeight: 60 exceeds maxWeight 50[\s\S]*successThreshold/);
    const env = await setup();
    const c = env.delivery.rollouts.canary({ name: 'seed', stable: () => 1, canary: () => 2, ...progressiveRollout({ initialWeight: 10, maxWeight: 30, stepWeight: 10, interval: '5m', successThreshold: 0.995 }) });
    await c.load();
    await c.runAnalysis();
    expect(c.status().weight).toBe(10);
    for (let i = 0; i < 100; i++) await c.call(undefined);
    await c.runAnalysis();
    expect(c.status().weight).toBe(20);
    await env.delivery.close();
  });
});
