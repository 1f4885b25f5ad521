// canary.call records how long the handler took, on the delivery's clock, for both sides and for handlers that
// throw or reject: a sync handler that moves the manual clock, and async handlers settled after the test moves it.
import { afterEach, describe, expect, it } from 'vitest';
import { MIN, setup, type Env, type Req } from './helpers.js';

let env: Env | undefined;
afterEach(async () => {
  await env?.delivery.close();
  env = undefined;
});

type CallReq = Req & { fail?: boolean };

/** Log-linear buckets: a quantile is the bucket's value, within a few percent of the recorded duration. */
const expectNear = (actual: number, ms: number): void => expect(Math.abs(actual - ms)).toBeLessThanOrEqual(ms * 0.05);

describe('canary.call records the handler duration', () => {
  it('sync and async handlers, succeeding or failing, on both sides', async () => {
    env = await setup();
    const { clock } = env;
    const settle: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
    const c = env.delivery.rollouts.canary<CallReq, string>({
      name: 'checkout',
      // the stable handler takes its time on the clock itself: 40 ms, or 250 ms before throwing
      stable: (r) => {
        clock.advance(r.fail ? 250 : 40);
        if (r.fail) throw new Error('stable failure');
        return 'v1';
      },
      // the canary answers later: the test moves the clock, then settles the promise
      canary: () => new Promise<string>((resolve, reject) => settle.push({ resolve, reject })),
      match: [(r) => r.beta === true],
      analysis: { interval: '1m', threshold: 3, iterations: 10, metrics: [{ name: 'q', thresholdRange: { min: 1 }, query: () => 1 }] },
    });
    await c.load();
    await c.runAnalysis(); // Progressing: match rules route beta users to the canary
    expect(c.route({ user: 'x', beta: true })).toBe('canary');

    for (let i = 0; i < 3; i++) expect(await c.call({ user: `s${i}` })).toBe('v1');
    await expect(c.call({ user: 's3', fail: true })).rejects.toThrow('stable failure');

    for (let i = 0; i < 4; i++) {
      const out = c.call({ user: `c${i}`, beta: true });
      const p = settle.shift()!;
      clock.advance(i < 3 ? 120 : 600);
      if (i < 3) {
        p.resolve('v2');
        expect(await out).toBe('v2');
      } else {
        p.reject(new Error('canary failure'));
        await expect(out).rejects.toThrow('canary failure');
      }
    }

    const stable = env.delivery.metrics.snapshot('checkout', 'stable', MIN);
    expect(stable).toMatchObject({ requests: 4, errors: 1, meanMs: (3 * 40 + 250) / 4 });
    expectNear(stable.p50, 40);
    expectNear(stable.p99, 250);
    const canary = env.delivery.metrics.snapshot('checkout', 'canary', MIN);
    expect(canary).toMatchObject({ requests: 4, errors: 1, meanMs: (3 * 120 + 600) / 4 });
    expectNear(canary.p50, 120);
    expectNear(canary.p99, 600);
  });
});
