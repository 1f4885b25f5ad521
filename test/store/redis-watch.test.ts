import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { WatchHub, type RawEntry } from '../../src/store/redis-watch.js';
import type { StoreChange } from '../../src/store/types.js';

/** A fake backend for the hub: a map of entries whose listing the test controls, one deferred call at a time. */
function backend() {
  const data = new Map<string, { version: number; raw: string }>();
  let failing = false;
  const pending: (() => void)[] = [];
  let hold = false;
  const list = (prefix: string): Promise<RawEntry[]> => {
    const snapshot = () =>
      [...data]
        .filter(([k]) => k.startsWith(prefix))
        .map(([key, e]) => ({ key, ...e }))
        .sort((a, b) => (a.key < b.key ? -1 : 1));
    if (failing) return Promise.reject(new Error('down'));
    if (!hold) return Promise.resolve(snapshot());
    return new Promise((resolve) => pending.push(() => resolve(snapshot())));
  };
  return {
    data,
    list,
    set: (key: string, version: number, value: unknown) => data.set(key, { version, raw: JSON.stringify(value) }),
    fail: (f: boolean) => (failing = f),
    hold: (h: boolean) => (hold = h),
    release: () => pending.splice(0).forEach((f) => f()),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

/** A hub on `b` that is live (subscribed) and watches 'f/' into `seen`, after its first listing settled. */
async function liveHub(b: ReturnType<typeof backend>, clock = createManualClock()) {
  const hub = new WatchHub(b.list, clock);
  const seen: StoreChange[] = [];
  hub.subscribed();
  hub.add('f/', (c) => seen.push(c));
  await tick();
  return { hub, seen };
}
const summary = (cs: StoreChange[]) => cs.map((c) => (c.deleted ? `-${c.key}@${c.version}` : `${c.key}@${c.version}=${JSON.stringify(c.value)}`));

describe('WatchHub (the watch side of RedisStore)', () => {
  it('seeds silently from the first listing, then emits each change once, skipping echoes and older versions', async () => {
    const b = backend();
    b.set('f/a', 1, 'a1');
    const { hub, seen } = await liveHub(b);
    expect(seen).toEqual([]);
    hub.apply({ key: 'f/a', version: 2, deleted: false, raw: '"a2"' });
    hub.apply({ key: 'f/a', version: 2, deleted: false, raw: '"a2"' }); // pub/sub echo of a local write
    hub.apply({ key: 'f/a', version: 1, deleted: false, raw: '"a1"' }); // late
    hub.apply({ key: 'g/a', version: 1, deleted: false, raw: '1' }); // other prefix
    hub.apply({ key: 'f/a', version: 3, deleted: true });
    expect(summary(seen)).toEqual(['f/a@2="a2"', '-f/a@3']);
  });

  it('emits the changes made between watch() and a live subscription (early listing vs baseline)', async () => {
    const b = backend();
    b.set('f/old', 1, 'unchanged');
    b.set('f/edit', 1, 'before');
    const hub = new WatchHub(b.list, createManualClock());
    const seen: StoreChange[] = [];
    hub.add('f/', (c) => seen.push(c)); // not live yet: takes an early listing now
    await tick();
    b.set('f/edit', 2, 'after');
    b.set('f/new', 1, 'n');
    b.data.delete('f/old');
    hub.subscribed();
    await tick();
    await tick();
    expect(summary(seen).sort()).toEqual(['-f/old@2', 'f/edit@2="after"', 'f/new@1="n"']);
  });

  it('after a reconnect, emits by content what it missed, including deletes, and accepts restarted versions', async () => {
    const b = backend();
    const { hub, seen } = await liveHub(b);
    hub.apply({ key: 'f/same', version: 4, deleted: false, raw: '"s"' });
    hub.apply({ key: 'f/changed', version: 7, deleted: false, raw: '"x"' });
    hub.apply({ key: 'f/gone', version: 2, deleted: false, raw: '"g"' });
    seen.length = 0;
    hub.disconnected();
    // the server came back empty and was rewritten: versions restarted
    b.data.clear();
    b.set('f/same', 4, 's');
    b.set('f/changed', 1, 'y');
    b.set('f/new', 1, { n: 1 });
    hub.subscribed();
    await tick();
    expect(summary(seen).sort()).toEqual(['-f/gone@3', 'f/changed@1="y"', 'f/new@1={"n":1}']);
    seen.length = 0;
    hub.apply({ key: 'f/changed', version: 2, deleted: false, raw: '"z"' });
    hub.apply({ key: 'f/gone', version: 1, deleted: false, raw: '"back"' });
    expect(summary(seen)).toEqual(['f/changed@2="z"', 'f/gone@1="back"']);
  });

  it('a message that arrives while the resync listing is in flight wins over the (older) listing', async () => {
    const b = backend();
    const { hub, seen } = await liveHub(b);
    hub.apply({ key: 'f/k', version: 1, deleted: false, raw: '"one"' });
    hub.disconnected();
    b.set('f/k', 2, 'two');
    b.hold(true);
    hub.subscribed();
    await tick();
    hub.apply({ key: 'f/k', version: 3, deleted: false, raw: '"three"' });
    b.release();
    await tick();
    expect(summary(seen)).toEqual(['f/k@1="one"', 'f/k@3="three"']);
  });

  it('retries a failed resync through the clock, and stops everything on close()', async () => {
    const b = backend();
    const clock = createManualClock();
    const { hub, seen } = await liveHub(b, clock);
    hub.disconnected();
    b.set('f/k', 1, 'missed');
    b.fail(true);
    hub.subscribed();
    await tick();
    expect(seen).toEqual([]);
    expect(clock.pending()).toBe(1);
    b.fail(false);
    await clock.advanceAsync(1000);
    expect(summary(seen)).toEqual(['f/k@1="missed"']);
    b.fail(true);
    hub.disconnected();
    hub.subscribed();
    await tick();
    expect(clock.pending()).toBe(1);
    hub.close();
    expect(clock.pending()).toBe(0);
  });

  it('unsubscribing the last listener of a prefix forgets it; a throwing listener does not stop the others', async () => {
    const b = backend();
    const hub = new WatchHub(b.list, createManualClock());
    hub.subscribed();
    const got: unknown[] = [];
    const stop1 = hub.add('f/', () => {
      throw new Error('boom');
    });
    const stop2 = hub.add('f/', (c) => got.push(c.value));
    expect(hub.size).toBe(1);
    hub.apply({ key: 'f/a', version: 1, deleted: false, raw: '{"a":1}' });
    expect(got).toEqual([{ a: 1 }]);
    stop1();
    stop2();
    expect(hub.size).toBe(0);
  });
});
