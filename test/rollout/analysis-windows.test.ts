// Each metric of an analysis is read over its own window: `interval` when it has one, else the analysis interval.
// Custom queries get { from, to } spanning that window; built-ins read the real metrics' fleetWindow over it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeCanary, MIN, setup, type Env } from './helpers.js';

let env: Env | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await env?.delivery.close();
  env = undefined;
});

describe('the window each metric is read over', () => {
  it('a custom query gets to - from = its interval, or the analysis interval without one, ending now', async () => {
    env = await setup();
    const calls: Record<string, { from: number; to: number; now: number }[]> = { own: [], dflt: [] };
    const query = (name: 'own' | 'dflt') => (w: { from: number; to: number }) => {
      calls[name]!.push({ ...w, now: env!.clock.now() });
      return 1;
    };
    const c = makeCanary(env, {
      interval: '2m',
      iterations: 10,
      metrics: [
        { name: 'own', interval: '7m', thresholdRange: { min: 1 }, query: query('own') },
        { name: 'dflt', thresholdRange: { min: 1 }, query: query('dflt') },
      ],
    });
    await c.load();
    for (let i = 0; i < 3; i++) {
      await c.runAnalysis();
      env.clock.advance(2 * MIN);
    }
    expect(calls.own!.length).toBeGreaterThanOrEqual(2);
    expect(calls.dflt!.length).toBe(calls.own!.length);
    for (const w of calls.own!) expect(w).toEqual({ from: w.now - 7 * MIN, to: w.now, now: w.now });
    for (const w of calls.dflt!) expect(w).toEqual({ from: w.now - 2 * MIN, to: w.now, now: w.now });
  });

  it('a built-in with its own interval reads fleetWindow over that window, the others over the analysis interval', async () => {
    env = await setup();
    const { delivery, clock } = env;
    const reads = vi.spyOn(delivery.metrics, 'fleetWindow'); // calls through to the real metrics
    const c = makeCanary(env, {
      interval: '1m',
      iterations: 10,
      metrics: [
        { name: 'request-success-rate', interval: '5m', thresholdRange: { min: 99 } },
        { name: 'request-duration', thresholdRange: { max: 1000 } },
      ],
    });
    await c.load();
    await c.runAnalysis(); // Progressing
    // four minutes ago: slow failures, seen only by a 5-minute window; this last minute: fast successes
    for (let i = 0; i < 20; i++) delivery.metrics.record({ target: 'checkout', version: 'canary', success: false, durationMs: 2000 });
    clock.advance(4 * MIN);
    for (let i = 0; i < 20; i++) delivery.metrics.record({ target: 'checkout', version: 'canary', success: true, durationMs: 10 });
    reads.mockClear();
    await c.runAnalysis();
    expect(reads.mock.calls).toEqual(expect.arrayContaining([['checkout', 'canary', 5 * MIN], ['checkout', 'canary', MIN]]));
    expect(reads.mock.calls).toHaveLength(2);
    // the success rate saw the old failures (50%); the p99 saw only the last minute's 10 ms
    expect(c.status().message).toMatch(/request-success-rate 50 < min 99/);
    expect(c.status().message).not.toMatch(/request-duration/);
    expect(c.status().failedChecks).toBe(1);
  });
});
