import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis.js';
import { describeStoreContract } from '../../src/testing/index.js';
import { redisBinaryAvailable, spawnRedisCluster, type SpawnedCluster } from '../helpers/redis.js';

// A local 3-master Redis Cluster spawned for this file (redis-cli --cluster create ... --cluster-yes).
const available = redisBinaryAvailable();

if (available) {
  let cluster: SpawnedCluster;
  const clients: Cluster[] = [];
  beforeAll(async () => {
    cluster = await spawnRedisCluster(3);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await cluster?.stop();
  });
  const makeClient = (): Cluster => {
    const c = new Cluster(cluster.nodes, { enableOfflineQueue: true, redisOptions: { maxRetriesPerRequest: 1 } });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };

  describeStoreContract('RedisStore on a 3-master Redis Cluster', () => new RedisStore({ client: makeClient(), prefix: 'pdc:' }), {
    shared: true,
  });

  describe('RedisStore on a Redis Cluster', () => {
    it('spreads keys over every master and still lists them all, sorted', async () => {
      const client = makeClient();
      const store = new RedisStore({ client, prefix: 'spread:' });
      const keys = Array.from({ length: 60 }, (_, i) => `flags/f${String(i).padStart(2, '0')}`);
      for (const k of keys) await store.put(k, k);
      const perMaster = await Promise.all(client.nodes('master').map(async (n) => (await n.keys('spread:*')).length));
      expect(perMaster).toHaveLength(3);
      expect(perMaster.every((n) => n > 0)).toBe(true);
      expect((await store.list('flags/')).map((e) => e.key)).toEqual(keys);
      await store.close();
      expect(client.status).toBe('ready'); // a caller's client stays open
    });
  });
} else {
  describe.skip('Redis Cluster contract (no redis-server: apt-get install -y redis-server)', () => it('skipped', () => {}));
}
