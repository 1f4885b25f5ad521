// The shared setup of the rollout tests that run several deliveries on the shared Redis: each test's deliveries are
// closed after it, and every key prefix the file used is deleted after the file.
import { afterAll, afterEach } from 'vitest';
import { createDelivery, type Delivery, type DeliveryOptions } from '../../src/delivery.js';
import { RedisStore } from '../../src/store/redis.js';
import { deleteKeys, redisAvailable, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

export const available = await redisAvailable();

export interface RedisFleet {
  /** The deliveries opened since the test started, in order (closed after the test; closing one early is fine). */
  readonly fleet: Delivery[];
  /** Every prefix handed out so far, the newest last. */
  readonly prefixes: readonly string[];
  /** A fresh key prefix, deleted after the file. */
  prefix(): string;
  /** A delivery on its own RedisStore under `prefix` (or `opts.store`), lease TTL 900 ms unless `opts` says otherwise; not yet ready. */
  delivery(prefix: string, opts?: Partial<DeliveryOptions>): Delivery;
}

/** Registers the hooks for one test file; `label` starts its key prefixes. */
export function redisFleet(label: string): RedisFleet {
  const prefixes: string[] = [];
  const fleet: Delivery[] = [];
  afterEach(async () => {
    for (const d of fleet.splice(0)) await d.close();
  });
  afterAll(async () => {
    if (!available) return;
    for (const p of prefixes) await deleteKeys(p);
  });
  return {
    fleet,
    prefixes,
    prefix() {
      const p = uniquePrefix(label);
      prefixes.push(p);
      return p;
    },
    delivery(prefix, opts = {}) {
      const d = createDelivery({ leaseTtl: 900, ...opts, store: opts.store ?? new RedisStore({ url: SHARED_REDIS_URL, prefix }) });
      fleet.push(d);
      return d;
    },
  };
}
