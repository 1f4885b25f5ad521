// Guarded flag rollouts and rings on a real Redis: the leader's flag writes reach every instance's flag snapshot,
// a human edit made on another instance pauses the rollout everywhere, and ring openings converge.
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { guardedServe } from '../../src/rollout/guarded-flag.js';
import { available, redisFleet } from './redis-fleet.js';

const { prefix: newPrefix, delivery } = redisFleet('pd-guarded');

const until = async (cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function deliveries(n: number): Promise<Delivery[]> {
  const prefix = newPrefix();
  const out: Delivery[] = [];
  for (let i = 0; i < n; i++) {
    const d = delivery(prefix);
    await d.ready();
    out.push(d);
  }
  return out;
}

describe.skipIf(!available)('guarded flag rollout on a real Redis', () => {
  it("the leader's steps reach every instance's flag; a human edit on another instance pauses it everywhere", async () => {
    const [a, b] = await deliveries(2);
    await a!.flags.put(booleanFlag('checkout'));
    const analysis = { interval: 60_000, threshold: 2, metrics: [{ name: 'ok', thresholdRange: { min: 1 }, query: () => 1 }] };
    const ga = a!.rollouts.guardedFlag({ flag: 'checkout', steps: [10, 50, 100], analysis });
    const gb = b!.rollouts.guardedFlag({ flag: 'checkout', steps: [10, 50, 100], analysis });
    await ga.load();
    await gb.load();
    await ga.runAnalysis();
    await until(() => JSON.stringify(b!.flags.get('checkout')?.fallthrough) === JSON.stringify(guardedServe('on', 'off', 10)));
    await until(() => gb.status().weight === 10);
    await gb.runAnalysis(); // whoever runs the iteration, the step is applied once
    await until(() => JSON.stringify(a!.flags.get('checkout')?.fallthrough) === JSON.stringify(guardedServe('on', 'off', 50)));
    expect(ga.status().weight).toBe(50);
    await b!.flags.update('checkout', (d) => ({ ...d, fallthrough: { variant: 'off' } }));
    await until(() => JSON.stringify(a!.flags.get('checkout')?.fallthrough) === JSON.stringify({ variant: 'off' }));
    await ga.runAnalysis();
    await until(() => ga.status().phase === 'Paused' && gb.status().phase === 'Paused');
    expect(gb.status().message).toContain("flag 'checkout' was edited outside the rollout");
    expect(b!.flags.get('checkout')?.fallthrough).toEqual({ variant: 'off' });
  });
});

describe.skipIf(!available)('guarded flag rollout baseline on a real Redis', () => {
  it("another instance's traffic on a variant other than the offVariant counts in the baseline", async () => {
    const [a, b] = await deliveries(2);
    await a!.flags.put({
      key: 'theme',
      enabled: true,
      variants: { dark: 'dark', light: 'light', classic: 'classic' },
      offVariant: 'light',
      fallthrough: { variant: 'light' },
      rules: [{ conditions: [{ attribute: 'groups', operator: 'in', values: ['legacy'] }], serve: { variant: 'classic' } }],
    });
    const analysis = { interval: 60_000, threshold: 1, minRequests: 20, metrics: [{ name: 'error-rate-diff', thresholdRange: { max: 1 } }] };
    const g = a!.rollouts.guardedFlag({ flag: 'theme', variant: 'dark', steps: [10, 50], analysis });
    await g.load();
    await g.runAnalysis(); // 10%
    await until(() => JSON.stringify(b!.flags.get('theme')?.fallthrough) === JSON.stringify(guardedServe('dark', 'light', 10)));
    const counts: Record<string, number> = {};
    /** Serves `n` users on `d`; every `failEvery`-th request of `failing` fails. */
    const serve = (d: Delivery, from: number, n: number, groups: string[], failing: string, failEvery: number): void => {
      for (let i = from; i < from + n; i++) {
        const version = d.flags.variant('theme', { userId: `u${i}`, groups })!;
        counts[version] = (counts[version] ?? 0) + 1;
        d.metrics.record({ target: 'theme', version, success: !(version === failing && counts[version] % failEvery === 0), durationMs: 5 });
      }
    };
    serve(a!, 0, 3000, [], 'dark', 25); // dark 4% errors, light none: 4 points worse than the offVariant alone
    serve(b!, 3000, 1000, ['legacy'], 'classic', 5); // classic, on the other instance: 20% errors
    expect(counts.dark).toBeGreaterThan(20);
    expect(counts.classic).toBe(1000);
    await b!.metrics.flush();
    await g.runAnalysis();
    expect(g.status()).toMatchObject({ phase: 'Progressing', weight: 50, failedChecks: 0 });
  });
});

describe.skipIf(!available)('rings on a real Redis', () => {
  it('a ring opened on one instance routes the same on every instance', async () => {
    const [a, b] = await deliveries(2);
    const opts = {
      name: 'search',
      stable: () => 'v1',
      next: () => 'v2',
      rings: [{ name: 'internal', audience: [{ attribute: 'groups', operator: 'in' as const, values: ['employees'] }] }, { name: 'half', percentage: 50 }],
      context: (u: string) => ({ userId: u, groups: u.startsWith('emp') ? ['employees'] : [] }),
    };
    const ra = a!.rollouts.rings<string, string>(opts);
    const rb = b!.rollouts.rings<string, string>(opts);
    await ra.load();
    await rb.load();
    await ra.advance();
    await until(() => rb.route('emp-1') === 'next');
    expect(rb.route('someone')).toBe('stable');
    await rb.advance();
    await until(() => ra.status().ring === 'half');
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    expect(users.map((u) => ra.route(u))).toEqual(users.map((u) => rb.route(u)));
    expect(rb.status().phase).toBe('Succeeded');
    await ra.rollback();
    await until(() => rb.route('emp-1') === 'stable');
  });
});
