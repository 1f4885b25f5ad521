import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';
import { MIN, makeCanary, setup, type Env } from './helpers.js';

/** A real MemoryStore whose calls fail while `down` is set (a store outage). */
function outageStore(inner: MemoryStore): Store & { down: boolean } {
  const s = { down: false } as Store & { down: boolean };
  for (const m of ['get', 'list', 'put', 'delete', 'increment', 'counters', 'setIfAbsent', 'acquireLease', 'releaseLease'] as const) {
    (s as unknown as Record<string, unknown>)[m] = (...args: unknown[]) =>
      s.down ? Promise.reject(new StoreUnavailableError('store down (test outage)')) : (inner[m] as (...a: unknown[]) => unknown).apply(inner, args);
  }
  s.watch = (p, l) => inner.watch(p, l);
  s.close = () => inner.close();
  return s;
}

let env: Env | undefined;
afterEach(async () => {
  await env?.delivery.close();
});

describe('a store outage', () => {
  it('keeps routing with the last weight, reports once, never throws from the schedule, and resumes', async () => {
    const clock = createManualClock(1_700_000_000_000);
    const store = outageStore(new MemoryStore({ clock }));
    env = await setup({ clock, store });
    const c = makeCanary(env, { stepWeight: 20, metrics: [{ name: 'q', thresholdRange: { min: 1 }, query: () => 1 }] });
    await c.load();
    c.start();
    await clock.advanceAsync(MIN);
    await clock.advanceAsync(MIN);
    expect(c.status().weight).toBe(40);
    const before = Array.from({ length: 500 }, (_, i) => c.route({ user: `u${i}` }));
    store.down = true;
    await clock.advanceAsync(3 * MIN);
    expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 40 });
    expect(Array.from({ length: 500 }, (_, i) => c.route({ user: `u${i}` }))).toEqual(before);
    const reported = env.errors.map((e) => (e as Error).message);
    // the lease cannot be renewed: this instance stops leading (reported once) instead of failing every tick
    // (36 failed renewals in 3 minutes, one report; the flags module reports its own outage)
    expect(reported.filter((m) => m === 'store down (test outage)')).toHaveLength(1);
    expect(c.isLeader()).toBe(false);
    // an explicit iteration reaches the store and rejects
    await expect(c.runAnalysis()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(c.promote()).rejects.toBeInstanceOf(StoreUnavailableError);
    store.down = false;
    await clock.advanceAsync(MIN); // the lease comes back within a third of its TTL; the next tick steps
    expect(c.isLeader()).toBe(true);
    expect(c.status().weight).toBe(60);
  });
});
