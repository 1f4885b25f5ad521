import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';
import { rig } from './helpers.js';

const rec = (success = true, durationMs = 10) => ({ target: 'checkout', version: 'canary', success, durationMs, status: success ? 200 : 500 });

/** A real MemoryStore whose writes and reads fail while `down` is set (a store outage). */
function flakyStore(clock = createManualClock(1_000_000)) {
  const inner = new MemoryStore({ clock });
  const state = { down: false, puts: 0 };
  const store: Store = Object.create(inner);
  store.put = async (...args: Parameters<Store['put']>) => {
    state.puts++;
    if (state.down) throw new Error('connection refused');
    return inner.put(...args);
  };
  store.list = async (prefix: string) => {
    if (state.down) throw new Error('connection refused');
    return inner.list(prefix);
  };
  return { store, inner, state, clock };
}

function fleetOf(n: number, options = {}) {
  const clock = createManualClock(1_000_000);
  const store = new MemoryStore({ clock });
  return { clock, store, rigs: Array.from({ length: n }, (_, i) => rig({ clock, store, instanceId: `instance-${i}`, options })) };
}

describe('fleet windows', () => {
  it('merges every instance: two instances recording 1,000 requests each -> 2,000', async () => {
    const { rigs } = fleetOf(2);
    const [a, b] = rigs as [ReturnType<typeof rig>, ReturnType<typeof rig>];
    for (let i = 0; i < 1000; i++) a.metrics.record(rec(i % 100 !== 0, 10));
    for (let i = 0; i < 1000; i++) b.metrics.record(rec(true, 20));
    await a.metrics.flush();
    await b.metrics.flush();
    for (const r of [a, b]) {
      const w = await r.metrics.fleetWindow('checkout', 'canary', '1m');
      expect(w.requests).toBe(2000);
      expect(w.errors).toBe(10);
      expect(w.instances).toBe(2);
      expect(w.histogram.count).toBe(2000);
      expect(w.statusClasses['2xx']).toBe(1990);
      expect(Math.abs(w.p50 - 10) / 10).toBeLessThanOrEqual(0.01);
      expect(Math.abs(w.p99 - 20) / 20).toBeLessThanOrEqual(0.01);
    }
  });

  it('never double-counts: own data comes from memory, flushed or not; a rewritten slot replaces the old document', async () => {
    const { rigs } = fleetOf(2);
    const [a, b] = rigs as [ReturnType<typeof rig>, ReturnType<typeof rig>];
    for (let i = 0; i < 10; i++) a.metrics.record(rec());
    await a.metrics.flush();
    for (let i = 0; i < 5; i++) a.metrics.record(rec()); // unflushed
    expect((await a.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(15);
    expect((await b.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(10);
    await a.metrics.flush(); // rewrites the same slot with 15
    expect((await b.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(15);
    await a.metrics.flush(); // nothing new: nothing written
    expect(a.metrics.stats().flushedSlots).toBe(2);
  });

  it('snapshot() sees other instances as of the last fleetWindow() call, plus all local data', async () => {
    const { rigs } = fleetOf(2);
    const [a, b] = rigs as [ReturnType<typeof rig>, ReturnType<typeof rig>];
    for (let i = 0; i < 100; i++) b.metrics.record(rec());
    await b.metrics.flush();
    a.metrics.record(rec());
    expect(a.metrics.snapshot('checkout', 'canary', '1m').requests).toBe(1); // nothing fetched yet
    await a.metrics.fleetWindow('checkout', 'canary', '1m');
    for (let i = 0; i < 50; i++) b.metrics.record(rec());
    await b.metrics.flush();
    a.metrics.record(rec());
    const s = a.metrics.snapshot('checkout', 'canary', '1m');
    expect(s.requests).toBe(102); // b's later 50 are not fetched yet; a's own second record is
    expect(s.instances).toBe(2);
    expect((await a.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(152);
  });

  it('reads a series this instance never recorded', async () => {
    const { rigs } = fleetOf(2);
    const [a, b] = rigs as [ReturnType<typeof rig>, ReturnType<typeof rig>];
    for (let i = 0; i < 7; i++) b.metrics.record(rec());
    await b.metrics.flush();
    const w = await a.metrics.fleetWindow('checkout', 'canary', '10s');
    expect(w.requests).toBe(7);
    expect(w.instances).toBe(1);
    expect(a.metrics.series()).toEqual([]);
  });

  it('windows apply to remote slots too, and remote documents expire with the retention', async () => {
    const { rigs, clock } = fleetOf(2, { resolution: '1s', retention: '30s' });
    const [a, b] = rigs as [ReturnType<typeof rig>, ReturnType<typeof rig>];
    b.metrics.record(rec());
    clock.advance(20_000);
    b.metrics.record(rec());
    await b.metrics.flush();
    expect((await a.metrics.fleetWindow('checkout', 'canary', '5s')).requests).toBe(1);
    expect((await a.metrics.fleetWindow('checkout', 'canary', '30s')).requests).toBe(2);
    clock.advance(15_000);
    expect((await a.metrics.fleetWindow('checkout', 'canary', '30s')).requests).toBe(1);
    clock.advance(30_000);
    expect((await a.metrics.fleetWindow('checkout', 'canary', '30s')).requests).toBe(0);
    expect(await b.store.list('metrics/')).toEqual([]); // TTL
  });

  it('the timer flushes completed slots every flushInterval, through the clock; close() stops it', async () => {
    const { rigs, clock, store } = fleetOf(2, { resolution: '5s', flushInterval: '5s' });
    const [a, b] = rigs as [ReturnType<typeof rig>, ReturnType<typeof rig>];
    await a.metrics.load();
    clock.advance(5_000 - (clock.now() % 5_000));
    for (let i = 0; i < 30; i++) a.metrics.record(rec());
    await clock.advanceAsync(4_000);
    expect(await store.list('metrics/')).toHaveLength(0); // the slot is still in progress
    await clock.advanceAsync(6_000);
    expect(await store.list('metrics/')).toHaveLength(1);
    expect((await b.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(30);
    for (let i = 0; i < 3; i++) a.metrics.record(rec());
    await clock.advanceAsync(10_000);
    expect((await b.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(33);
    expect(clock.pending()).toBe(1);
    await a.metrics.close();
    expect(clock.pending()).toBe(0);
  });

  it('flushInterval defaults to 5 s: completed slots reach the store at 5 s, not before', async () => {
    // a 1 s resolution, so slots complete long before the flush: only the timer decides when they are written
    const { rigs, clock, store } = fleetOf(1, { resolution: '1s' });
    const a = rigs[0]!;
    await a.metrics.load();
    a.metrics.record(rec());
    await clock.advanceAsync(4_999);
    expect(await store.list('metrics/')).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(await store.list('metrics/')).toHaveLength(1);
    await clock.advanceAsync(1_000);
    a.metrics.record(rec());
    await clock.advanceAsync(3_999);
    expect(await store.list('metrics/')).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(await store.list('metrics/')).toHaveLength(2);
    await a.metrics.close();
  });

  it('flushInterval 0 turns the timer off; flush() still writes', async () => {
    const { rigs, clock, store } = fleetOf(1, { flushInterval: 0 });
    await rigs[0]!.metrics.load();
    expect(clock.pending()).toBe(0);
    rigs[0]!.metrics.record(rec());
    await rigs[0]!.metrics.flush();
    expect(await store.list('metrics/')).toHaveLength(1);
  });

  it('skips documents it cannot read (another layout, garbage) without failing', async () => {
    const { rigs, store } = fleetOf(2);
    const [a, b] = rigs as [ReturnType<typeof rig>, ReturnType<typeof rig>];
    b.metrics.record(rec());
    await b.metrics.flush();
    const [doc] = await store.list('metrics/');
    await store.put(`${doc!.key}-x`, { ...(doc!.value as object), layout: 'log-linear/32/0/10' });
    await store.put(`${doc!.key}-y`, 'garbage');
    await store.put(`${doc!.key}-z`, { ...(doc!.value as object), instance: 'z', i: [99999], c: [1] });
    expect((await a.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(1);
  });

  it('keys are safe for any target and version (slashes, unicode), and series with unstorable names stay local', async () => {
    const { rigs } = fleetOf(2);
    const [a, b] = rigs as [ReturnType<typeof rig>, ReturnType<typeof rig>];
    const target = 'api/v1/orders?x="1"';
    const version = 'grün/ü';
    b.metrics.record({ target, version, success: true, durationMs: 1 });
    b.metrics.record({ target: 'api', version: 'v1/orders', success: true, durationMs: 1 }); // must not collide
    const long = '€'.repeat(128); // 128 characters, 3 bytes each, 9 once encoded: too long for a store key
    b.metrics.record({ target: long, version: long, success: true, durationMs: 1 });
    await b.metrics.flush();
    expect((await a.metrics.fleetWindow(target, version, '1m')).requests).toBe(1);
    expect((await a.metrics.fleetWindow('api', 'v1/orders', '1m')).requests).toBe(1);
    expect((await a.metrics.fleetWindow('api', 'v1', '1m')).requests).toBe(0);
    b.metrics.record({ target: 'lone\uD800surrogate', version: 'v', success: true, durationMs: 1 });
    await b.metrics.flush();
    expect(b.metrics.stats()).toMatchObject({ pendingSlots: 0, lostSlots: 0 }); // local-only series are not pending
    expect(b.metrics.snapshot('lone\uD800surrogate', 'v', '1m').requests).toBe(1);
    expect(b.warnings.filter((w) => w.includes('kept local only'))).toHaveLength(2);
    await expect(a.metrics.fleetWindow('lone\uD800surrogate', 'v', '1m')).rejects.toThrow(/well-formed/);
    expect(b.errors).toEqual([]);
  });
});

describe('store failures', () => {
  it('keeps unwritten slots, retries them, reports once per outage and never throws', async () => {
    const { store, state, clock } = flakyStore();
    const a = rig({ store, clock, instanceId: 'a' });
    const b = rig({ store, clock, instanceId: 'b' });
    state.down = true;
    for (let i = 0; i < 20; i++) a.metrics.record(rec());
    await expect(a.metrics.flush()).resolves.toBeUndefined();
    await a.metrics.flush();
    clock.advance(5_000);
    a.metrics.record(rec());
    await a.metrics.flush();
    expect(a.errors).toHaveLength(1);
    expect(a.errors[0]!.message).toMatch(/retried/);
    expect(a.metrics.stats()).toMatchObject({ pendingSlots: 2, flushErrors: 4 });
    state.down = false;
    await a.metrics.flush();
    expect(a.metrics.stats()).toMatchObject({ pendingSlots: 0, flushedSlots: 2 });
    expect((await b.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(21);
    // a second outage is a second event
    state.down = true;
    a.metrics.record(rec());
    await a.metrics.flush();
    expect(a.errors).toHaveLength(2);
  });

  it('a failed fleet read reports once and answers with the last fetched data', async () => {
    const { store, state, clock } = flakyStore();
    const a = rig({ store, clock, instanceId: 'a' });
    const b = rig({ store, clock, instanceId: 'b' });
    for (let i = 0; i < 4; i++) b.metrics.record(rec());
    await b.metrics.flush();
    expect((await a.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(4);
    state.down = true;
    a.metrics.record(rec());
    await expect(a.metrics.fleetWindow('checkout', 'canary', '1m')).resolves.toMatchObject({ requests: 5 });
    await a.metrics.fleetWindow('checkout', 'canary', '1m');
    expect(a.errors).toHaveLength(1);
    expect(a.errors[0]!.message).toMatch(/last fetched/);
  });

  it('flush never rejects, even when the store is closed', async () => {
    const { metrics, store, errors } = rig();
    metrics.record(rec());
    await store.close();
    await expect(metrics.flush()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('flushes are serialised: concurrent calls never write one slot twice at once', async () => {
    const { store, state, clock } = flakyStore();
    const a = rig({ store, clock, instanceId: 'a' });
    a.metrics.record(rec());
    await Promise.all([a.metrics.flush(), a.metrics.flush(), a.metrics.flush()]);
    expect(state.puts).toBe(1);
  });
});
