// Several deliveries on one real Redis: one leader per rollout, takeover within the lease TTL, CAS fencing
// (no step applied twice or skipped) and every instance converging on the weight. Real time: Redis expires leases.
import { describe, expect, it } from 'vitest';
import { parseDoc, type RolloutStateDoc } from '../../src/rollout/state-doc.js';
import { requestRolloutAction } from '../../src/rollout/commands.js';
import type { Canary } from '../../src/rollout/canary.js';
import type { Analysis } from '../../src/rollout/types.js';
import { RedisStore } from '../../src/store/redis.js';
import { SHARED_REDIS_URL } from '../helpers/redis.js';
import { available, redisFleet } from './redis-fleet.js';

const LEASE_MS = 900;
const { fleet, prefixes, prefix: newPrefix, delivery } = redisFleet('pd-rollout');

const until = async (cond: () => boolean | Promise<boolean>, ms = 3000): Promise<number> => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - t0;
};

async function makeFleet(n: number, analysis: Partial<Analysis> = {}): Promise<{ stores: RedisStore[]; canaries: Canary<number, number>[]; history: RolloutStateDoc[] }> {
  const prefix = newPrefix();
  const stores: RedisStore[] = [];
  const canaries: Canary<number, number>[] = [];
  for (let i = 0; i < n; i++) {
    const store = new RedisStore({ url: SHARED_REDIS_URL, prefix });
    stores.push(store);
    const d = delivery(prefix, { store, leaseTtl: LEASE_MS });
    canaries.push(
      d.rollouts.canary<number, number>({
        name: 'checkout',
        stable: (x) => x,
        canary: (x) => x + 1,
        analysis: { interval: 150, threshold: 3, stepWeight: 10, maxWeight: 50, metrics: [{ name: 'ok', thresholdRange: { min: 1 }, query: () => 1 }], ...analysis } as Analysis,
      }),
    );
  }
  await Promise.all(fleet.map((d) => d.ready()));
  // the store's own history of the state document, from a separate watcher
  const history: RolloutStateDoc[] = [];
  const observer = new RedisStore({ url: SHARED_REDIS_URL, prefix });
  stores.push(observer);
  observer.watch('rollouts/checkout', (c) => {
    const doc = c.value === undefined ? undefined : parseDoc(c.value);
    if (doc) history.push(doc);
  });
  await new Promise((r) => setTimeout(r, 50)); // let the observer's subscription settle
  return { stores, canaries, history };
}

/** Every write advanced the generation by one and the weight by at most one step. */
function expectFenced(history: RolloutStateDoc[]): void {
  const gens = history.map((h) => h.generation);
  const sorted = [...new Set(gens)].sort((a, b) => a - b);
  expect(gens.length).toBe(sorted.length); // no generation written twice
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]).toBe(sorted[i - 1]! + 1);
  const weights = history.map((h) => h.weight).filter((w, i, a) => i === 0 || w !== a[i - 1]);
  const steps = [10, 20, 30, 40, 50, 100];
  expect(weights).toEqual(steps.slice(steps.indexOf(weights[0]!), steps.indexOf(weights[0]!) + weights.length));
}

describe.skipIf(!available)('canary fleet on a real Redis', () => {
  it('exactly one leader; close it and another takes over within the lease TTL', async () => {
    const { canaries } = await makeFleet(3);
    canaries.forEach((c) => c.start());
    await until(() => canaries.filter((c) => c.isLeader()).length === 1);
    await new Promise((r) => setTimeout(r, LEASE_MS / 2));
    expect(canaries.filter((c) => c.isLeader())).toHaveLength(1);
    const leader = canaries.findIndex((c) => c.isLeader());
    const t0 = Date.now();
    await fleet[leader]!.close();
    const rest = canaries.filter((_, i) => i !== leader);
    await until(() => rest.filter((c) => c.isLeader()).length === 1, LEASE_MS * 2);
    expect(Date.now() - t0).toBeLessThanOrEqual(LEASE_MS);
    expect(rest.filter((c) => c.isLeader())).toHaveLength(1);
  });

  it('a leader that dies without releasing its lease is replaced once the lease expires', async () => {
    const { canaries, stores } = await makeFleet(2);
    canaries.forEach((c) => c.start());
    await until(() => canaries.filter((c) => c.isLeader()).length === 1);
    const leader = canaries.findIndex((c) => c.isLeader());
    const other = canaries[1 - leader]!;
    const t0 = Date.now();
    await stores[leader]!.close(); // its connection is gone: no renewal, no release (a crash, as far as Redis knows)
    await until(() => other.isLeader(), LEASE_MS * 3);
    const took = Date.now() - t0;
    expect(took).toBeLessThanOrEqual(2 * LEASE_MS); // TTL + a third in theory; slack for a loaded machine
  });

  it('racing iterations never apply a step twice or skip one (CAS fencing)', async () => {
    const { canaries, history } = await makeFleet(3);
    await Promise.all(canaries.map((c) => c.load()));
    for (let round = 0; round < 8; round++) await Promise.all(canaries.map((c) => c.runAnalysis()));
    await until(() => canaries.every((c) => c.status().phase === 'Succeeded'));
    await until(() => history.at(-1)?.phase === 'Succeeded');
    expectFenced(history);
    expect(history.map((h) => h.weight).filter((w, i, a) => w !== a[i - 1])).toEqual([10, 20, 30, 40, 50, 100]);
  });

  it('the schedule advances once per interval across a leader change; every instance sees every weight', async () => {
    const { canaries, history } = await makeFleet(3, { interval: 200 });
    const seen: number[][] = canaries.map(() => []);
    canaries.forEach((c, i) => c.on('weight', (st) => void seen[i]!.push(st.weight)));
    canaries.forEach((c) => c.start());
    let closed = -1;
    await until(async () => {
      if (closed < 0 && history.at(-1)?.weight === 20) {
        closed = canaries.findIndex((c) => c.isLeader());
        if (closed >= 0) await fleet[closed]!.close();
      }
      return history.at(-1)?.phase === 'Succeeded';
    }, 15_000);
    expect(closed).toBeGreaterThanOrEqual(0);
    expectFenced(history);
    expect(history.map((h) => h.weight).filter((w, i, a) => w !== a[i - 1])).toEqual([10, 20, 30, 40, 50, 100]);
    // every surviving instance converges, seeing each weight in order (none skipped, none repeated)
    const survivors = canaries.map((_, i) => i).filter((i) => i !== closed);
    await until(() => survivors.every((i) => canaries[i]!.status().weight === 100));
    for (const i of survivors) expect(seen[i]).toEqual([10, 20, 30, 40, 50, 100]);
  });

  it('a command from a process holding only the store reaches the leader, which applies it once', async () => {
    const { canaries, stores, history } = await makeFleet(2, { interval: 60_000 });
    canaries.forEach((c) => c.start());
    await until(() => canaries.some((c) => c.isLeader()));
    await canaries[0]!.runAnalysis();
    await until(() => canaries.every((c) => c.status().weight === 10));
    const cli = new RedisStore({ url: SHARED_REDIS_URL, prefix: prefixes.at(-1)! });
    stores.push(cli);
    await requestRolloutAction(cli, 'checkout', 'abort', { reason: 'ops' });
    await until(() => canaries.every((c) => c.status().phase === 'Failed'));
    expect(canaries.map((c) => c.status().message)).toEqual(['aborted: ops', 'aborted: ops']);
    await until(() => history.at(-1)?.requestedAction === null && history.at(-1)?.phase === 'Failed');
    expect(history.filter((h) => h.phase === 'Failed')).toHaveLength(1);
    await cli.close();
  });
});
