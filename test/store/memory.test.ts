// MemoryStore's own promises beyond the contract: watchers are called in a microtask, and no timer is ever set.
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { StoreChange } from '../../src/store/types.js';

/** Lets already-queued microtasks run; no timer (the manual clock's or Node's) can fire in between. */
const microtask = () => Promise.resolve();

describe('MemoryStore', () => {
  it('calls a watcher in a microtask after each write: not synchronously, and with no timer advancing', async () => {
    const clock = createManualClock(1_000);
    const s = new MemoryStore({ clock });
    const seen: StoreChange[] = [];
    s.watch('k/', (c) => seen.push(c));

    // not awaited: the write queues its notification while it runs, so one microtask later it has been delivered
    const put = s.put('k/a', { n: 1 });
    expect(seen).toEqual([]);
    await microtask();
    expect(seen).toEqual([{ key: 'k/a', value: { n: 1 }, version: 1, deleted: false }]);
    await put;

    const deleted = s.delete('k/a');
    expect(seen).toHaveLength(1);
    await microtask();
    expect(seen[1]).toMatchObject({ key: 'k/a', version: 2, deleted: true });
    await deleted;

    const added = s.setIfAbsent('k/b', 'x');
    await microtask();
    expect(seen[2]).toMatchObject({ key: 'k/b', value: 'x', deleted: false });
    await added;
    expect(clock.pending()).toBe(0);
  });

  it('leaves no timer behind: TTLs, counters and leases expire lazily, on access', async () => {
    const clock = createManualClock(1_000);
    const s = new MemoryStore({ clock });
    const seen: StoreChange[] = [];
    s.watch('', (c) => seen.push(c));
    await s.put('t/a', 1, { ttlMs: 100 });
    await s.setIfAbsent('t/b', 2, { ttlMs: 100 });
    await s.increment('c/hits', 'n', 1, { ttlMs: 100 });
    expect(await s.acquireLease('leader', 'me', 100)).toBe(true);
    expect(clock.pending()).toBe(0);

    clock.advance(100);
    expect(seen.map((c) => c.key)).toEqual(['t/a', 't/b']); // expiry is not pushed: nothing runs until a read
    const read = s.get('t/a');
    await microtask();
    expect(seen[2]).toMatchObject({ key: 't/a', deleted: true });
    expect(await read).toBeUndefined();
    expect(await s.counters('c/hits')).toEqual({});
    expect(await s.acquireLease('leader', 'someone-else', 100)).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('a watcher unsubscribed between a write and its microtask is not called', async () => {
    const s = new MemoryStore({ clock: createManualClock() });
    const seen: StoreChange[] = [];
    const stop = s.watch('k/', (c) => seen.push(c));
    const put = s.put('k/a', 1);
    stop();
    await put;
    await microtask();
    expect(seen).toEqual([]);
  });
});
