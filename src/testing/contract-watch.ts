import { expect, it } from 'vitest';
import type { Store, StoreChange } from '../store/types.js';
import { eventually, type ContractEnv } from './contract-util.js';

/** Change notification: put and delete events, unsubscribe, prefix filtering, other clients, copies. */
export function watchContract(env: () => ContractEnv): void {
  it('watch sees puts (value and version) and deletes under its prefix, in order', async () => {
    const { store, ns, watchTimeoutMs } = env();
    const s = await store();
    const seen: StoreChange[] = [];
    const stop = s.watch(`${ns}w/`, (c) => seen.push(c));
    await settle(s, ns);
    const v1 = await s.put(`${ns}w/a`, { on: true });
    const v2 = await s.put(`${ns}w/a`, { on: false });
    const v3 = await s.put(`${ns}w/b`, 'b');
    await s.delete(`${ns}w/a`);
    expect(await eventually(() => seen.length >= 4, watchTimeoutMs)).toBe(true);
    expect(seen.slice(0, 3)).toEqual([
      { key: `${ns}w/a`, value: { on: true }, version: v1, deleted: false },
      { key: `${ns}w/a`, value: { on: false }, version: v2, deleted: false },
      { key: `${ns}w/b`, value: 'b', version: v3, deleted: false },
    ]);
    expect(seen[3]).toMatchObject({ key: `${ns}w/a`, deleted: true });
    expect(seen[3]!.value).toBeUndefined();
    expect(seen[3]!.version).toBeGreaterThan(v2);
    stop();
  });

  it('watch filters by prefix, and unsubscribe stops the notifications', async () => {
    const { store, ns, watchTimeoutMs } = env();
    const s = await store();
    const mine: string[] = [];
    const all: string[] = [];
    const stop = s.watch(`${ns}p/x`, (c) => mine.push(c.key));
    const stopAll = s.watch(ns, (c) => all.push(c.key));
    await settle(s, ns);
    await s.put(`${ns}p/y`, 1);
    await s.put(`${ns}p/x1`, 1);
    await s.put(`${ns}q/x`, 1);
    expect(await eventually(() => all.length >= 3, watchTimeoutMs)).toBe(true);
    expect(mine).toEqual([`${ns}p/x1`]);
    stop();
    await s.put(`${ns}p/x2`, 2);
    await s.put(`${ns}end`, 'sentinel');
    expect(await eventually(() => all.includes(`${ns}end`), watchTimeoutMs)).toBe(true);
    expect(mine).toEqual([`${ns}p/x1`]);
    stopAll();
    stop(); // a second unsubscribe is harmless
  });

  it('a watcher sees writes made through another client of the same backend', async () => {
    const { store, other, ns, watchTimeoutMs } = env();
    const a = await store();
    const b = await other(a);
    const seen: StoreChange[] = [];
    const stop = b.watch(`${ns}x/`, (c) => seen.push(c));
    await settle(b, ns, a);
    const v = await a.put(`${ns}x/k`, [1, 2, 3]);
    await a.delete(`${ns}x/k`);
    expect(await eventually(() => seen.length >= 2, watchTimeoutMs)).toBe(true);
    expect(seen[0]).toEqual({ key: `${ns}x/k`, value: [1, 2, 3], version: v, deleted: false });
    expect(seen[1]).toMatchObject({ key: `${ns}x/k`, deleted: true });
    stop();
  });

  it('a listener that throws does not stop the other listeners, and each gets its own copy', async () => {
    const { store, ns, watchTimeoutMs } = env();
    const s = await store();
    const got: unknown[] = [];
    const stop1 = s.watch(`${ns}t/`, (c) => {
      (c.value as number[]).push(99);
      throw new Error('listener failure');
    });
    const stop2 = s.watch(`${ns}t/`, (c) => got.push(c.value));
    await settle(s, ns);
    await s.put(`${ns}t/k`, [1]);
    expect(await eventually(() => got.length === 1, watchTimeoutMs)).toBe(true);
    expect(got[0]).toEqual([1]);
    expect((await s.get(`${ns}t/k`))?.value).toEqual([1]);
    stop1();
    stop2();
  });
}

/**
 * Lets a shared store's subscription come up before the test writes: writes a marker under the namespace through
 * a fresh watcher and waits until it is seen.
 */
export async function settle(watcher: Store, ns: string, writer: Store = watcher): Promise<void> {
  let seen = false;
  const marker = `${ns.slice(0, -1)}-settle`; // beside the namespace, not in it
  const stop = watcher.watch(marker, () => {
    seen = true;
  });
  for (let i = 0; i < 100 && !seen; i++) {
    await writer.put(marker, i);
    await eventually(() => seen, 50);
  }
  stop();
}
