// Two deliveries (two "instances") on one real Redis: the fleet window merges both.
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createDelivery } from '../../src/delivery.js';
import { RedisStore } from '../../src/store/redis.js';
import { deleteKeys, redisAvailable, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('pd-metrics');

describe.skipIf(!available)('fleet metrics on a real Redis', () => {
  afterAll(() => deleteKeys(prefix));

  it('two deliveries recording 1,000 requests each: the fleet window shows 2,000', async () => {
    const clock = createManualClock(Date.now());
    const stores = [new RedisStore({ url: SHARED_REDIS_URL, prefix }), new RedisStore({ url: SHARED_REDIS_URL, prefix })];
    let n = 0;
    const make = () => createDelivery({ store: stores[n++]!, clock });
    const a = make();
    const b = make();
    const errors: unknown[] = [];
    a.on('error', (e) => errors.push(e));
    b.on('error', (e) => errors.push(e));
    try {
      await Promise.all([a.ready(), b.ready()]);
      for (let i = 0; i < 1000; i++) {
        a.metrics.record({ target: 'checkout', version: 'canary', success: i % 50 !== 0, durationMs: 20 + (i % 10), status: i % 50 !== 0 ? 200 : 502 });
        b.metrics.record({ target: 'checkout', version: 'canary', success: true, durationMs: 40 + (i % 10), status: 200 });
      }
      await Promise.all([a.flush(), b.flush()]);
      for (const d of [a, b]) {
        const w = await d.metrics.fleetWindow('checkout', 'canary', '1m');
        expect(w.requests).toBe(2000);
        expect(w.errors).toBe(20);
        expect(w.instances).toBe(2);
        expect(w.statusClasses['5xx']).toBe(20);
        expect(w.successRate).toBeCloseTo(99, 10);
        expect(w.histogram.count).toBe(2000);
        expect(w.p99).toBeGreaterThan(40);
        // snapshot() now includes the fetched fleet data too
        expect(d.metrics.snapshot('checkout', 'canary', '1m').requests).toBe(2000);
      }
      // more traffic on a, flushed again: the slot's document is replaced, never added twice
      for (let i = 0; i < 10; i++) a.metrics.record({ target: 'checkout', version: 'canary', success: true, durationMs: 5 });
      await a.flush();
      expect((await b.metrics.fleetWindow('checkout', 'canary', '1m')).requests).toBe(2010);
      expect(errors).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
