import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { DeliveryError } from '../../src/core/errors.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { RedisStore } from '../../src/store/redis.js';
import { deleteKeys, redisBinaryAvailable, SHARED_REDIS_URL, spawnRedis, uniquePrefix } from '../helpers/redis.js';
import { until as poll } from '../helpers/wait.js';

const available = redisBinaryAvailable();

// reconnecting to a restarted Redis can take seconds on a busy machine
const until = (check: () => boolean): Promise<void> => poll(check, { timeoutMs: 10_000 });

describe.skipIf(!available)('FlagClient on Redis', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('two deliveries on one Redis see each other\'s changes', async () => {
    const prefix = uniquePrefix('flags-test');
    const mk = () => {
      const store = new RedisStore({ url: SHARED_REDIS_URL, prefix });
      const d = createDelivery({ store });
      cleanups.push(async () => {
        await d.close();
        await store.close();
      });
      return d;
    };
    const a = mk();
    const b = mk();
    cleanups.push(() => deleteKeys(prefix));
    await Promise.all([a.ready(), b.ready()]);
    const seenByB: string[] = [];
    b.flags.on('change', (k, def) => seenByB.push(`${k}:${def ? def.enabled : 'deleted'}`));

    await a.flags.put(booleanFlag('shared', { userIds: ['u1'] }));
    expect(a.flags.isEnabled('shared', { userId: 'u1' })).toBe(true); // read-your-writes
    await until(() => b.flags.isEnabled('shared', { userId: 'u1' }));

    await b.flags.update('shared', (d) => ({ ...d, enabled: false }));
    await until(() => !a.flags.isEnabled('shared', { userId: 'u1' }));

    await b.flags.putSegment({ key: 'staff', included: ['u7'] });
    await until(() => a.flags.getSegment('staff') !== undefined);

    await a.flags.delete('shared');
    await until(() => b.flags.get('shared') === undefined);
    expect(seenByB).toEqual(['shared:true', 'shared:false', 'shared:deleted']);
  });

  it('a Redis that is killed and restarted: the last snapshot keeps serving, one error per outage, resync when it returns', async () => {
    const redis = await spawnRedis();
    cleanups.push(() => redis.stop());
    const clock = createManualClock(Date.now());
    const store = new RedisStore({ url: redis.url, commandTimeoutMs: 300 });
    const d: Delivery = createDelivery({ store, clock });
    cleanups.push(async () => {
      await d.close();
      await store.close();
    });
    const errors: DeliveryError[] = [];
    d.on('error', (e) => errors.push(e));
    await d.ready();
    await d.flags.put(booleanFlag('checkout', { percentage: 100 }));
    const outage = () => errors.filter((e) => /flags: store unavailable/.test(e.message));

    await redis.stop();
    await clock.advanceAsync(5000);
    await until(() => outage().length === 1);
    for (let i = 0; i < 3; i++) {
      await clock.advanceAsync(5000);
      await new Promise((r) => setTimeout(r, 400)); // let the failing resync settle
    }
    expect(outage()).toHaveLength(1);
    expect(outage()[0]!.code).toBe('STORE_UNAVAILABLE');
    for (let i = 0; i < 100; i++) expect(d.flags.isEnabled('checkout', { userId: `u${i}` })).toBe(true);
    await expect(d.flags.put(booleanFlag('other'))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });

    // it comes back empty (no persistence); an operator re-imports the flags with a change
    await redis.restart();
    const writer = new RedisStore({ url: redis.url });
    const other = createDelivery({ store: writer });
    await other.ready();
    await other.flags.put({ ...booleanFlag('checkout', { percentage: 100 }), enabled: false });
    await other.flags.put(booleanFlag('fresh'));
    await other.close();
    await writer.close();

    const deadline = Date.now() + 15_000;
    while (!(d.flags.get('fresh') && !d.flags.isEnabled('checkout', { userId: 'u1' })) && Date.now() < deadline) {
      await clock.advanceAsync(5000);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(d.flags.isEnabled('checkout', { userId: 'u1' })).toBe(false);
    expect(d.flags.isEnabled('fresh', { userId: 'u1' })).toBe(true);
    expect(outage()).toHaveLength(1);

    // a second outage is a new incident
    await redis.stop();
    await clock.advanceAsync(5000);
    await until(() => outage().length === 2);
  });
});
