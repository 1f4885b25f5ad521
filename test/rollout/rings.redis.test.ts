// Rings on a real Redis: two instances share one ring rollout; only the lease holder runs the analysis iterations,
// the other follows the rings it opens, and when the holder closes the other takes the lease and the iterations over.
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/delivery.js';
import type { RingRollout } from '../../src/rollout/rings.js';
import { until } from '../helpers/wait.js';
import { available, redisFleet } from './redis-fleet.js';

const { fleet, prefix: newPrefix, delivery } = redisFleet('pd-rings');

type Req = { user: string; groups?: string[] };

/**
 * `n` instances of the 'search' ring rollout on one Redis prefix. Each instance's probe query counts the iterations
 * that instance ran and answers no data, so the analysis holds at ring 0 and keeps iterating.
 */
async function instances(n: number): Promise<{ rings: RingRollout<Req, string>[]; deliveries: Delivery[]; iterations: number[] }> {
  const prefix = newPrefix();
  const iterations = Array<number>(n).fill(0);
  const rings: RingRollout<Req, string>[] = [];
  const deliveries: Delivery[] = [];
  for (let i = 0; i < n; i++) {
    const d = delivery(prefix);
    deliveries.push(d);
    rings.push(
      d.rollouts.rings<Req, string>({
        name: 'search',
        stable: () => 'v1',
        next: () => 'v2',
        rings: [
          { name: 'internal', audience: [{ attribute: 'groups', operator: 'in', values: ['employees'] }] },
          { name: 'everyone', percentage: 100 },
        ],
        context: (r) => ({ userId: r.user, groups: r.groups ?? [] }),
        analysis: { interval: 150, threshold: 2, metrics: [{ name: 'probe', thresholdRange: { min: 1 }, query: () => void iterations[i]!++ }] },
      }),
    );
    await d.ready();
  }
  return { rings, deliveries, iterations };
}

describe.skipIf(!available)('rings on a real Redis', () => {
  it('only the lease holder runs the iterations; when it closes, the other instance takes over', async () => {
    const { rings, deliveries, iterations } = await instances(2);
    for (const r of rings) r.start();
    await until(() => rings[0]!.isLeader() !== rings[1]!.isLeader(), { what: 'one lease holder' });
    const leader = rings[0]!.isLeader() ? 0 : 1;
    const other = 1 - leader;
    await until(() => iterations[leader]! >= 3, { what: 'three iterations on the leader' });
    expect(iterations[other]).toBe(0);
    expect(rings[other]!.isLeader()).toBe(false);
    // the follower routes by the ring the leader opened
    await until(() => rings[other]!.status().ring === 'internal', { what: 'the follower to see ring 0 open' });
    expect(rings[other]!.route({ user: 'e', groups: ['employees'] })).toBe('next');

    await deliveries[leader]!.close();
    fleet.splice(fleet.indexOf(deliveries[leader]!), 1);
    const ranByOldLeader = iterations[leader];
    await until(() => rings[other]!.isLeader(), { what: 'the other instance to take the lease' });
    await until(() => iterations[other]! >= 2, { what: 'iterations on the new leader' });
    expect(iterations[leader]).toBe(ranByOldLeader);
    expect(rings[other]!.status()).toMatchObject({ phase: 'Progressing', ring: 'internal' });
  });
});
