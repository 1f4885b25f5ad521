import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { seededRandom, type Random } from '../../src/core/random.js';
import { createDelivery } from '../../src/delivery.js';
import { classify, evaluateMetric, iterationOutcome, type MetricResult, type ResolvedMetric } from '../../src/rollout/analysis.js';
import { builtinValue, latencyRegressionPValue } from '../../src/rollout/builtin-metrics.js';

const metric = (name: string, min?: number, max?: number): ResolvedMetric => ({ name, min, max, windowMs: 60_000, custom: false });
const r = (name: string, outcome: MetricResult['outcome']): MetricResult => ({ name, outcome, message: `${name} ${outcome}` });

function lognormal(rand: Random, median: number, sigma: number): number {
  const u = Math.max(rand(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  return median * Math.exp(sigma * z);
}

/** Real metrics: records the samples for both sides and reads the fleet windows. */
async function windows(stable: { d: number; ok?: boolean }[], canary: { d: number; ok?: boolean }[]) {
  const clock = createManualClock(1_700_000_000_000);
  const delivery = createDelivery({ clock });
  await delivery.ready();
  for (const s of stable) delivery.metrics.record({ target: 't', version: 'stable', success: s.ok ?? true, durationMs: s.d });
  for (const s of canary) delivery.metrics.record({ target: 't', version: 'canary', success: s.ok ?? true, durationMs: s.d });
  const out = { stable: await delivery.metrics.fleetWindow('t', 'stable', 60_000), canary: await delivery.metrics.fleetWindow('t', 'canary', 60_000) };
  await delivery.close();
  return out;
}

describe('classify and the iteration outcome', () => {
  it.each([
    [metric('m', 99), 99, 'pass'],
    [metric('m', 99), 98.9, 'fail'],
    [metric('m', undefined, 500), 500, 'pass'],
    [metric('m', undefined, 500), 501, 'fail'],
    [metric('m', 1, 2), 1.5, 'pass'],
    [metric('m', 1, 2), undefined, 'no-data'],
    [metric('m', 1, 2), Number.NaN, 'no-data'],
  ])('classify %#', (m, v, outcome) => {
    expect(classify(m, v).outcome).toBe(outcome);
  });

  it.each([
    [[], [r('a', 'pass'), r('b', 'pass')], 'hold', 'pass'],
    [[], [r('a', 'pass'), r('b', 'no-data')], 'hold', 'hold'],
    [[], [r('a', 'pass'), r('b', 'no-data')], 'fail', 'fail'],
    [[], [r('a', 'fail'), r('b', 'no-data')], 'hold', 'fail'],
    [['load'], [r('a', 'pass')], 'hold', 'fail'],
    [['load'], [r('a', 'no-data')], 'hold', 'fail'],
    [[], [], 'hold', 'pass'],
  ] as const)('iterationOutcome %#', (hooks, metrics, noData, outcome) => {
    expect(iterationOutcome([...hooks], [...metrics], noData).outcome).toBe(outcome);
  });

  it('a failed query is a failed check; missing windows are no data', () => {
    expect(evaluateMetric({ ...metric('q', 1), custom: true }, { kind: 'error', error: 'boom' }, 1)).toMatchObject({ outcome: 'fail', message: 'q: query failed: boom' });
    expect(evaluateMetric(metric('request-duration', undefined, 100), { kind: 'missing', reason: 'store down' }, 1).outcome).toBe('no-data');
  });
});

describe('built-in metrics from real fleet windows', () => {
  it('success rate, p99, latency ratio and error rate difference', async () => {
    const stable = Array.from({ length: 1000 }, (_, i) => ({ d: 10 + (i % 10), ok: i % 100 !== 0 })); // 1% errors, p99 ~19
    const canary = Array.from({ length: 1000 }, (_, i) => ({ d: 20 + 2 * (i % 10), ok: i % 20 !== 0 })); // 5% errors, p99 ~38
    const w = await windows(stable, canary);
    expect(builtinValue('request-success-rate', w.canary, w.stable, 1)).toBeCloseTo(95, 6);
    expect(builtinValue('request-duration', w.canary, w.stable, 1)).toBeCloseTo(38, 0);
    expect(builtinValue('latency-ratio', w.canary, w.stable, 1)).toBeCloseTo(2, 1);
    expect(builtinValue('error-rate-diff', w.canary, w.stable, 1)).toBeCloseTo(4, 6);
    expect(builtinValue('request-success-rate', w.canary, w.stable, 1001)).toBeUndefined();
    expect(evaluateMetric(metric('error-rate-diff', undefined, 1), { kind: 'windows', canary: w.canary, stable: w.stable }, 1500)).toMatchObject({
      outcome: 'no-data',
      message: 'error-rate-diff: no data (canary 1000, stable 1000 requests, minRequests 1500)',
    });
    expect(evaluateMetric(metric('error-rate-diff', undefined, 1), { kind: 'windows', canary: w.canary, stable: w.stable }, 1).outcome).toBe('fail');
  });

  it('latency-regression catches a 10% median regression at 2,000 requests per side', async () => {
    const rand = seededRandom(42);
    const stable = Array.from({ length: 2000 }, () => ({ d: lognormal(rand, 50, 0.5) }));
    const canary = Array.from({ length: 2000 }, () => ({ d: lognormal(rand, 55, 0.5) }));
    const w = await windows(stable, canary);
    const p = latencyRegressionPValue(w.canary, w.stable)!;
    expect(p).toBeLessThan(0.01);
    const res = evaluateMetric(metric('latency-regression', 0.01), { kind: 'windows', canary: w.canary, stable: w.stable }, 1);
    expect(res.outcome).toBe('fail');
  });

  it('latency-regression passes the same distribution and a faster canary', async () => {
    const rand = seededRandom(7);
    const same = await windows(
      Array.from({ length: 2000 }, () => ({ d: lognormal(rand, 50, 0.5) })),
      Array.from({ length: 2000 }, () => ({ d: lognormal(rand, 50, 0.5) })),
    );
    expect(latencyRegressionPValue(same.canary, same.stable)!).toBeGreaterThanOrEqual(0.01);
    const faster = await windows(
      Array.from({ length: 2000 }, () => ({ d: lognormal(rand, 50, 0.5) })),
      Array.from({ length: 2000 }, () => ({ d: lognormal(rand, 40, 0.5) })),
    );
    expect(latencyRegressionPValue(faster.canary, faster.stable)).toBe(1);
    expect(evaluateMetric(metric('latency-regression', 0.01), { kind: 'windows', canary: faster.canary, stable: faster.stable }, 1).outcome).toBe('pass');
  });

  it('catches the regression in most seeds (power check over 20 seeds)', async () => {
    let caught = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rand = seededRandom(seed * 7919);
      const w = await windows(
        Array.from({ length: 2000 }, () => ({ d: lognormal(rand, 50, 0.5) })),
        Array.from({ length: 2000 }, () => ({ d: lognormal(rand, 55, 0.5) })),
      );
      if (latencyRegressionPValue(w.canary, w.stable)! < 0.01) caught++;
    }
    expect(caught).toBeGreaterThanOrEqual(19);
  });
});
