import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { NS } from '../../src/core/context.js';
import { StoreUnavailableError, type DeliveryError } from '../../src/core/errors.js';
import type { JsonValue } from '../../src/core/json.js';
import { defaultRandom } from '../../src/core/random.js';
import { createDelivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { encode } from '../../src/flags/codec.js';
import { FlagClient } from '../../src/flags/client.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { PutOptions, Store, StoreChange } from '../../src/store/types.js';
import { testContext } from '../helpers/context.js';

/** A MemoryStore behind a switch: while `down`, every call rejects and no change reaches watchers (as with a lost connection). */
class FlakyStore implements Store {
  down = false;
  constructor(readonly inner: MemoryStore) {}
  #gate<T>(fn: () => Promise<T>): Promise<T> {
    return this.down ? Promise.reject(new StoreUnavailableError('store down (test)')) : fn();
  }
  get(key: string) { return this.#gate(() => this.inner.get(key)); }
  list(prefix: string) { return this.#gate(() => this.inner.list(prefix)); }
  put(key: string, value: JsonValue, opts?: PutOptions) { return this.#gate(() => this.inner.put(key, value, opts)); }
  delete(key: string, opts?: { expectedVersion?: number }) { return this.#gate(() => this.inner.delete(key, opts)); }
  watch(prefix: string, listener: (c: StoreChange) => void) { return this.inner.watch(prefix, (c) => { if (!this.down) listener(c); }); }
  increment(key: string, field: string, by: number, opts?: { ttlMs?: number }) { return this.#gate(() => this.inner.increment(key, field, by, opts)); }
  counters(key: string) { return this.#gate(() => this.inner.counters(key)); }
  setIfAbsent(key: string, value: JsonValue, opts?: { ttlMs?: number }) { return this.#gate(() => this.inner.setIfAbsent(key, value, opts)); }
  acquireLease(name: string, owner: string, ttlMs: number) { return this.#gate(() => this.inner.acquireLease(name, owner, ttlMs)); }
  releaseLease(name: string, owner: string) { return this.#gate(() => this.inner.releaseLease(name, owner)); }
  close() { return this.inner.close(); }
}

describe('FlagClient during a store outage', () => {
  it('keeps serving the last snapshot, reports once per outage, resyncs what it missed when the store returns', async () => {
    const clock = createManualClock(0);
    const inner = new MemoryStore({ clock });
    const store = new FlakyStore(inner);
    const d = createDelivery({ store, clock });
    const errors: DeliveryError[] = [];
    d.on('error', (e) => errors.push(e));
    const changes: string[] = [];
    d.flags.on('change', (k, def) => changes.push(`${k}:${def ? def.enabled : 'deleted'}`));
    await d.ready();
    await d.flags.put(booleanFlag('checkout', { percentage: 100 }));
    await d.flags.put(booleanFlag('old', {}));

    store.down = true;
    for (let i = 0; i < 5; i++) await clock.advanceAsync(5000);
    const outageErrors = errors.filter((e) => /flags: store unavailable/.test(e.message));
    expect(outageErrors).toHaveLength(1);
    expect(outageErrors[0]!.code).toBe('STORE_UNAVAILABLE');
    for (let i = 0; i < 1000; i++) expect(d.flags.isEnabled('checkout', { userId: `u${i}` })).toBe(true);
    await expect(d.flags.put(booleanFlag('new', {}))).rejects.toBeInstanceOf(StoreUnavailableError);
    // changes made elsewhere while this instance cannot see them
    await inner.put(NS.flags + 'checkout', encode({ ...booleanFlag('checkout'), enabled: false }));
    await inner.delete(NS.flags + 'old');
    expect(d.flags.isEnabled('checkout', { userId: 'u1' })).toBe(true);

    store.down = false;
    await clock.advanceAsync(5000);
    expect(d.flags.isEnabled('checkout', { userId: 'u1' })).toBe(false);
    expect(d.flags.get('old')).toBeUndefined();
    expect(changes).toEqual(['checkout:true', 'old:true', 'checkout:false', 'old:deleted']);

    store.down = true; // a second outage is reported again
    await clock.advanceAsync(5000);
    expect(errors.filter((e) => /flags: store unavailable/.test(e.message))).toHaveLength(2);
    store.down = false;
    await d.close();
  });

  it('ready() rejects when the store cannot be read at start', async () => {
    const store = new FlakyStore(new MemoryStore());
    store.down = true;
    const d = createDelivery({ store });
    await expect(d.ready()).rejects.toBeInstanceOf(StoreUnavailableError);
    store.down = false;
    await d.close();
  });
});

describe('evaluation counting', () => {
  it('counts evaluations by flag, variant and reason, monotonic across updates and deletes', async () => {
    const { ctx, collectors } = testContext({ store: new MemoryStore(), random: defaultRandom });
    const flags = new FlagClient(ctx);
    await flags.load();
    await flags.put(booleanFlag('f', { userIds: ['u1'] }));
    flags.isEnabled('f', { userId: 'u1' });
    flags.isEnabled('f', { userId: 'u2' });
    flags.evaluate('f', { userId: 'u2' }, false);
    flags.value('missing', {}, 1); // unknown keys are not counted
    await flags.update('f', (d) => ({ ...d, enabled: false }));
    flags.variant('f', { userId: 'u1' });
    const sample = () => Object.fromEntries(collectors.flatMap((c) => c()).flatMap((f) => f.samples.map((s) => [`${f.name}{${s.labels.flag},${s.labels.variant},${s.labels.reason}}`, s.value])));
    expect(sample()).toEqual({
      'progressive_delivery_flag_evaluations_total{f,on,TARGET_MATCH}': 1,
      'progressive_delivery_flag_evaluations_total{f,off,DEFAULT}': 2,
      'progressive_delivery_flag_evaluations_total{f,off,DISABLED}': 1,
    });
    await flags.delete('f');
    expect(Object.values(sample()).reduce((a, b) => a + b, 0)).toBe(4);
    await flags.close();
  });

  it('can be switched off', async () => {
    const { ctx, collectors } = testContext({ store: new MemoryStore(), random: defaultRandom });
    const flags = new FlagClient(ctx, { evaluationCounting: false });
    await flags.load();
    expect(collectors).toHaveLength(0);
    await flags.close();
  });
});
