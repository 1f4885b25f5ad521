import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';
import { RedisStore } from '../../src/store/redis.js';
import { describeStoreContract } from '../../src/testing/index.js';
import { deleteKeys, redisAvailable, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

// The shared Redis on 127.0.0.1:6379: every store of this file shares one unique prefix (two stores = two processes).
const available = await redisAvailable();
const prefix = uniquePrefix('pd-contract');

if (available) {
  describeStoreContract('RedisStore (127.0.0.1:6379, url)', () => new RedisStore({ url: SHARED_REDIS_URL, prefix }), { shared: true });

  // A caller's own client: the store must reuse it and leave it open on close().
  const own = new Redis(SHARED_REDIS_URL);
  describeStoreContract('RedisStore (127.0.0.1:6379, own client)', () => new RedisStore({ client: own, prefix }), { shared: true });

  afterAll(async () => {
    await deleteKeys(prefix, own);
    await own.quit();
  });
} else {
  describe.skip('RedisStore contract (no Redis: apt-get install -y redis-server)', () => it('skipped', () => {}));
}
