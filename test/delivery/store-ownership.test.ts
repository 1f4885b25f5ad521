// delivery.close() closes only a store it created: a store passed in belongs to the caller, who may share it.
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createDelivery } from '../../src/delivery.js';
import { MemoryStore } from '../../src/store/memory.js';
import { RedisStore } from '../../src/store/redis.js';
import { deleteKeys, redisAvailable, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const haveRedis = await redisAvailable();

describe('delivery.close() and the store', () => {
  it('leaves a MemoryStore passed in open: it keeps its data and serves another delivery', async () => {
    const clock = createManualClock(1_000);
    const store = new MemoryStore({ clock });
    const first = createDelivery({ store, clock });
    await first.ready();
    await first.flags.put({ key: 'dark-mode', enabled: true });
    await first.close();

    expect((await store.get('flags/dark-mode'))?.value).toMatchObject({ definition: { key: 'dark-mode', enabled: true } });
    expect(await store.put('plain/key', 1)).toBe(1);
    const seen: string[] = [];
    store.watch('plain/', (c) => seen.push(c.key));
    await store.put('plain/key', 2);
    expect(seen).toEqual(['plain/key']);

    const second = createDelivery({ store, clock });
    await second.ready();
    expect(second.flags.isEnabled('dark-mode', { userId: 'u1' })).toBe(true);
    await second.flags.put({ key: 'dark-mode', enabled: false });
    expect((await store.get('flags/dark-mode'))?.value).toMatchObject({ definition: { enabled: false } });
    await second.close();
    await store.close();
  });

  it('closes the default store it created: its calls then reject with STORE_CLOSED', async () => {
    const delivery = createDelivery({ clock: createManualClock(1_000) });
    await delivery.ready();
    await delivery.flags.put({ key: 'dark-mode', enabled: true });
    // the default store is reachable only through the adapters' context
    const store = delivery.context.store;
    expect(store).toBeInstanceOf(MemoryStore);
    expect((await store.get('flags/dark-mode'))?.version).toBe(1);
    await delivery.close();

    for (const call of [() => store.get('flags/dark-mode'), () => store.put('flags/other', 1), () => store.list('')]) {
      await expect(call()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    }
  });

  it.skipIf(!haveRedis)('leaves a RedisStore passed in connected (127.0.0.1:6379)', async () => {
    const prefix = uniquePrefix('pd-ownership');
    const store = new RedisStore({ url: SHARED_REDIS_URL, prefix });
    try {
      const delivery = createDelivery({ store });
      await delivery.ready();
      await delivery.flags.put({ key: 'dark-mode', enabled: true });
      await delivery.close();
      expect((await store.get('flags/dark-mode'))?.value).toMatchObject({ definition: { key: 'dark-mode' } });
      expect(await store.put('plain/key', 1)).toBeGreaterThan(0);
    } finally {
      await store.close();
      await deleteKeys(prefix);
    }
  });
});
