// The rollout lease on the manual clock and a real MemoryStore: renewed every third of its TTL, and lost to another
// instance once its holder has stopped renewing for a whole TTL.
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { LeaderLease } from '../../src/rollout/leader.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';
import { testContext } from '../helpers/context.js';

const TTL = 15_000; // testContext's leaseTtlMs

const leases: LeaderLease[] = [];
afterEach(async () => {
  for (const l of leases.splice(0)) await l.stop();
});

/**
 * The shared store as one instance sees it: every acquireLease call is logged with the time it was made, and
 * `cut()` makes that instance's acquires fail (a network partition), so it stops renewing without releasing.
 */
function instanceView(store: Store, now: () => number) {
  const acquires: number[] = [];
  let partitioned = false;
  const view = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'acquireLease') {
        return (name: string, owner: string, ttlMs: number) => {
          acquires.push(now());
          return partitioned ? Promise.reject(new Error('partitioned')) : target.acquireLease(name, owner, ttlMs);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { view, acquires, cut: () => void (partitioned = true) };
}

function lease(store: Store, clock: ReturnType<typeof createManualClock>, instanceId: string) {
  const inst = instanceView(store, () => clock.now());
  const { ctx } = testContext({ clock, store: inst.view, instanceId });
  const changes: boolean[] = [];
  const l = new LeaderLease(ctx, 'checkout', (leading) => changes.push(leading));
  leases.push(l);
  return { lease: l, changes, ...inst };
}

/** Two instances on one MemoryStore and manual clock; `a` starts first and holds the lease. */
async function aThenB(): Promise<{ clock: ReturnType<typeof createManualClock>; a: ReturnType<typeof lease>; b: ReturnType<typeof lease> }> {
  const clock = createManualClock(1_000_000);
  const store = new MemoryStore({ clock });
  const a = lease(store, clock, 'a');
  const b = lease(store, clock, 'b');
  a.lease.start();
  await clock.advanceAsync(0);
  b.lease.start();
  await clock.advanceAsync(0);
  return { clock, a, b };
}

describe('rollout leader lease', () => {
  it('is renewed at a third of its TTL, not later, and kept for as long as its holder runs', async () => {
    const { clock, a, b } = await aThenB();
    expect([a.lease.isLeader(), b.lease.isLeader()]).toEqual([true, false]);
    expect(a.acquires).toEqual([1_000_000]);
    await clock.advanceAsync(TTL / 3 - 1);
    expect(a.acquires).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(a.acquires).toEqual([1_000_000, 1_000_000 + TTL / 3]);
    // a minute of renewals, one every TTL / 3: the lease never lapses, so the other instance never takes it
    await clock.advanceAsync(60_000);
    expect(a.acquires.slice(1).map((t, i) => t - a.acquires[i]!)).toEqual(Array(13).fill(TTL / 3));
    expect(a.changes).toEqual([true]);
    expect(b.changes).toEqual([]);
  });

  it('a holder that stops renewing loses the lease to another instance once its TTL has run out, not before', async () => {
    const { clock, a, b } = await aThenB();
    expect(a.lease.isLeader()).toBe(true);
    const lastRenewal = clock.now();
    a.cut();
    // b keeps trying every TTL / 3; the stored lease still belongs to a until lastRenewal + TTL
    await clock.advanceAsync(TTL - 1);
    expect(b.lease.isLeader()).toBe(false);
    expect(b.acquires.length).toBeGreaterThanOrEqual(3);
    await clock.advanceAsync(1);
    expect(b.lease.isLeader()).toBe(true);
    expect(b.acquires.at(-1)).toBe(lastRenewal + TTL);
    expect(b.changes).toEqual([true]);
    expect(a.lease.isLeader()).toBe(false); // its failed renewals count as not leading
  });
});
