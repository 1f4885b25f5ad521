// Blue-green on a real Redis: two deliveries converge on every switch and rollback through the watch, a restarted
// instance resumes the stored side, and the post-switch analysis runs on the one lease holder.
import { describe, expect, it } from 'vitest';
import type { BlueGreen } from '../../src/rollout/blue-green.js';
import type { BlueGreenOptions } from '../../src/rollout/types.js';
import { available, redisFleet } from './redis-fleet.js';

const { prefix: newPrefix, delivery } = redisFleet('pd-bg');

/** Waits for `cond` (polling); fails after `ms`. Convergence is asserted, not its speed. */
const until = async (cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function instances(n: number, opts: Partial<BlueGreenOptions<number, string>> = {}, prefix = newPrefix()): Promise<BlueGreen<number, string>[]> {
  const out: BlueGreen<number, string>[] = [];
  for (let i = 0; i < n; i++) {
    const d = delivery(prefix);
    out.push(d.rollouts.blueGreen<number, string>({ name: 'api', blue: (x) => `blue:${x}`, green: (x) => `green:${x}`, ...opts }));
    await d.ready();
  }
  return out;
}

describe.skipIf(!available)('blue-green on a real Redis', () => {
  it('every instance follows a switch and a rollback made on one of them', async () => {
    const prefix = newPrefix();
    const [a, b, c] = await instances(3, {}, prefix);
    const switched: string[] = [];
    b!.on('switched', (s) => void switched.push(s.active));
    await a!.switch();
    expect(a!.active()).toBe('green');
    await until(() => b!.active() === 'green' && c!.active() === 'green');
    expect(await b!.call(1)).toBe('green:1');
    await c!.rollback('bad release');
    await until(() => a!.active() === 'blue' && b!.active() === 'blue');
    expect(a!.status()).toMatchObject({ phase: 'Failed', message: 'rolled back to blue: bad release' });
    expect(switched).toEqual(['green', 'blue']);
    // a process started now reads the stored side
    await b!.switch();
    await until(() => a!.active() === 'green');
    const [late] = await instances(1, { active: 'blue' }, prefix);
    expect(late!.active()).toBe('green');
  });

  it('two concurrent switches from the same side: exactly one wins (compare-and-set)', async () => {
    const [a, b] = await instances(2);
    const results = await Promise.allSettled([a!.switch(), b!.switch()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'CONFLICT' });
    await until(() => a!.active() === 'green' && b!.active() === 'green');
  });

  it('the post-switch analysis runs on one lease holder and its rollback reaches every instance', async () => {
    let queries = 0;
    const [a, b] = await instances(2, {
      postSwitchAnalysis: { interval: 150, threshold: 2, iterations: 50, metrics: [{ name: 'probe', thresholdRange: { min: 1 }, query: () => (queries++, 0) }] },
    });
    a!.start();
    b!.start();
    await until(() => a!.isLeader() !== b!.isLeader());
    await b!.switch();
    await until(() => a!.active() === 'green' && b!.active() === 'green');
    await until(() => a!.status().phase === 'Failed' && b!.status().phase === 'Failed');
    await until(() => a!.active() === 'blue' && b!.active() === 'blue');
    expect(a!.status().message).toMatch(/probe 0 < min 1; failed checks 2 reached threshold 2: rolled back/);
    expect(queries).toBe(2); // one iteration per interval on the leader only
  });
});
