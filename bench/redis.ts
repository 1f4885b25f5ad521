// Redis for the benchmark scripts: whether it answers, the lazily imported RedisStore and ioredis
// (so a bench without Redis still runs its other parts), and removing a bench's keys afterwards.
import type { Redis as RedisClient } from 'ioredis';
import { createDelivery, type Delivery } from '../src/delivery.js';
import type { RedisStore as RedisStoreClass } from '../src/store/redis.js';

/** The Redis the benchmarks use: `REDIS_URL` or the loopback default. */
export const BENCH_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchRedis {
  url: string;
  RedisStore: typeof RedisStoreClass;
  /** A connected ioredis client for clean-up; `close()` disconnects it. */
  admin: RedisClient;
  /** Deletes every key under `prefix`. */
  deleteKeys(prefix: string): Promise<void>;
  /**
   * `size` deliveries sharing `prefix`, each on its own RedisStore (as separate processes would be); `close()` closes
   * the deliveries, then their stores (a delivery closes only a store it created), then deletes the keys.
   */
  fleet(prefix: string, size: number): { deliveries: Delivery[]; close(): Promise<void> };
  close(): void;
}

/**
 * Imports RedisStore and ioredis and PINGs `url`. When either fails it prints one line, `(<reason>: <skipped>)`,
 * and resolves undefined, so the caller skips its Redis part.
 * @example const redis = await openBenchRedis('weight convergence not measured'); if (!redis) return;
 */
export async function openBenchRedis(skipped: string, url = BENCH_REDIS_URL): Promise<BenchRedis | undefined> {
  let RedisStore: typeof RedisStoreClass;
  let Redis: typeof import('ioredis').Redis;
  try {
    ({ RedisStore } = await import('../src/store/redis.js'));
    ({ Redis } = await import('ioredis'));
  } catch {
    console.log(`\n(RedisStore not available: ${skipped})`);
    return undefined;
  }
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await admin.connect();
    await admin.ping();
  } catch {
    admin.disconnect();
    console.log(`\n(no Redis at ${redact(url)}: ${skipped})`);
    return undefined;
  }
  const deleteKeys = async (prefix: string): Promise<void> => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
  };
  return {
    url,
    RedisStore,
    admin,
    deleteKeys,
    fleet: (prefix, size) => {
      const stores = Array.from({ length: size }, () => new RedisStore({ url, prefix }));
      const deliveries = stores.map((store) => createDelivery({ store }));
      return {
        deliveries,
        close: async () => {
          for (const d of deliveries) await d.close();
          for (const s of stores) await s.close();
          await deleteKeys(prefix);
        },
      };
    },
    close: () => admin.disconnect(),
  };
}

/** The URL without credentials, for printing. */
export function redact(url: string): string {
  return url.replace(/\/\/.*@/, '//');
}
