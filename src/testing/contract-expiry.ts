import { expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { rejection, type ContractEnv } from './contract-util.js';

/** TTLs, counters, setIfAbsent and leases. TTLs are short; `advance` makes the store's time pass. */
export function expiryContract(env: () => ContractEnv): void {
  it('a value written with ttlMs disappears after it (get and list)', async () => {
    const { store, ns, advance } = env();
    const s = await store();
    await s.put(`${ns}ttl/short`, 'gone soon', { ttlMs: 60 });
    await s.put(`${ns}ttl/long`, 'stays');
    expect((await s.get(`${ns}ttl/short`))?.value).toBe('gone soon');
    await advance(200);
    expect(await s.get(`${ns}ttl/short`)).toBeUndefined();
    expect((await s.list(`${ns}ttl/`)).map((e) => e.key)).toEqual([`${ns}ttl/long`]);
    await s.put(`${ns}ttl/short`, 'back', { expectedVersion: 0 });
  });

  it('a put without ttlMs makes a value permanent again', async () => {
    const { store, ns, advance } = env();
    const s = await store();
    await s.put(`${ns}ttl2`, 1, { ttlMs: 60 });
    await s.put(`${ns}ttl2`, 2);
    await advance(200);
    expect((await s.get(`${ns}ttl2`))?.value).toBe(2);
  });

  it('counters: increment is atomic, returns the new value, and counters() returns every field', async () => {
    const { store, other, ns } = env();
    const a = await store();
    const b = await other(a);
    expect(await a.counters(`${ns}c`)).toEqual({});
    expect(await a.increment(`${ns}c`, 'hits', 1)).toBe(1);
    expect(await a.increment(`${ns}c`, 'hits', 41)).toBe(42);
    expect(await a.increment(`${ns}c`, 'misses', -2)).toBe(-2);
    expect(await a.increment(`${ns}c`, 'latency', 0.5)).toBe(0.5);
    expect(await a.increment(`${ns}c`, 'latency', 0.25)).toBe(0.75);
    expect(await a.increment(`${ns}c`, 'hits', 0.5)).toBe(42.5);
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).increment(`${ns}c`, 'race', 1)));
    expect(await b.counters(`${ns}c`)).toEqual({ hits: 42.5, misses: -2, latency: 0.75, race: 50 });
    expect(await rejection(() => a.increment(`${ns}c`, '', 1))).toBeInstanceOf(ValidationError);
    expect(await rejection(() => a.increment(`${ns}c`, 'f', Number.NaN))).toBeInstanceOf(ValidationError);
  });

  it('counters with ttlMs expire as a whole', async () => {
    const { store, ns, advance } = env();
    const s = await store();
    await s.increment(`${ns}ce`, 'a', 1, { ttlMs: 60 });
    await s.increment(`${ns}ce`, 'b', 2, { ttlMs: 60 });
    await s.increment(`${ns}keep`, 'a', 1);
    expect(await s.counters(`${ns}ce`)).toEqual({ a: 1, b: 2 });
    await advance(200);
    expect(await s.counters(`${ns}ce`)).toEqual({});
    expect(await s.counters(`${ns}keep`)).toEqual({ a: 1 });
    expect(await s.increment(`${ns}ce`, 'a', 5)).toBe(5);
  });

  it('setIfAbsent writes only when the key is absent (or deleted, or expired)', async () => {
    const { store, other, ns, advance } = env();
    const a = await store();
    const b = await other(a);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).setIfAbsent(`${ns}once`, i)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect((await a.get(`${ns}once`))?.value).toBe(winner);
    await a.delete(`${ns}once`);
    expect(await b.setIfAbsent(`${ns}once`, 'again')).toBe(true);
    expect(await a.setIfAbsent(`${ns}short`, 1, { ttlMs: 60 })).toBe(true);
    expect(await a.setIfAbsent(`${ns}short`, 2, { ttlMs: 60 })).toBe(false);
    await advance(200);
    expect(await a.setIfAbsent(`${ns}short`, 3)).toBe(true);
    expect((await a.get(`${ns}short`))?.value).toBe(3);
  });

  it('leases: acquire, renew by the owner, refused to others, released, expired', async () => {
    const { store, other, ns, advance } = env();
    const a = await store();
    const b = await other(a);
    const lease = `${ns}leader`;
    expect(await a.acquireLease(lease, 'owner-a', 150)).toBe(true);
    expect(await b.acquireLease(lease, 'owner-b', 150)).toBe(false);
    expect(await a.acquireLease(lease, 'owner-a', 150)).toBe(true); // renewal
    await b.releaseLease(lease, 'owner-b'); // not the holder: no effect
    expect(await b.acquireLease(lease, 'owner-b', 150)).toBe(false);
    await a.releaseLease(lease, 'owner-a');
    expect(await b.acquireLease(lease, 'owner-b', 60)).toBe(true);
    expect(await a.acquireLease(lease, 'owner-a', 60)).toBe(false);
    await advance(200);
    expect(await a.acquireLease(lease, 'owner-a', 1000)).toBe(true);
    expect(await b.acquireLease(lease, 'owner-b', 1000)).toBe(false);
    const race = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquireLease(`${ns}race`, `o${i}`, 1000)));
    expect(race.filter(Boolean)).toHaveLength(1);
    for (const bad of [() => a.acquireLease(lease, '', 100), () => a.acquireLease(lease, 'x', 0), () => a.acquireLease('', 'x', 100)]) {
      expect(await rejection(bad)).toBeInstanceOf(ValidationError);
    }
  });
}
