// Two service instances sharing the real Redis on 127.0.0.1:6379: the dashboard runs on one, the other writes.
// Live updates and actions must cross instances through the store.
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { adminRouter } from '../../src/integrations/express/index.js';
import { RedisStore } from '../../src/store/redis.js';
import { deleteKeys, redisAvailable, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { Client, readEvents, serveDashboard, tokenOf, waitFor } from './http-helpers.js';

const available = await redisAvailable();
const prefix = uniquePrefix('pd-admin');

describe.skipIf(!available)('admin dashboard over a shared Redis (127.0.0.1:6379)', () => {
  const deliveries: Delivery[] = [];
  afterAll(async () => {
    for (const d of deliveries) await d.close();
    await deleteKeys(prefix);
  });

  async function instance(): Promise<Delivery> {
    const d = createDelivery({ store: new RedisStore({ url: SHARED_REDIS_URL, prefix }), metrics: { flushInterval: 0 } });
    deliveries.push(d);
    await d.ready();
    return d;
  }

  it("streams another instance's write, and the other instance sees the dashboard's toggle", async () => {
    const admin = await instance();
    const service = await instance();
    await service.flags.put(booleanFlag('shared-flag', { enabled: false }));
    await waitFor(() => admin.flags.get('shared-flag') !== undefined, 'the flag to reach the admin instance');
    const app = express();
    const router = adminRouter(admin, { insecure: true });
    app.use('/ops', router);
    await serveDashboard(app, router, async (base) => {
      const client = new Client(base);
      const token = tokenOf((await client.get('/ops/flags')).text);
      const text = await readEvents(`${base}/ops/events`, {}, (t) => t.includes('"key":"written-elsewhere"'), async () => {
        await service.flags.put(booleanFlag('written-elsewhere'));
      });
      expect(text).toContain('event: change');
      const r = await client.post('/ops/flags/shared-flag/toggle', { _csrf: token, enabled: 'true' });
      expect(r.status).toBe(303);
      await waitFor(() => service.flags.isEnabled('shared-flag', { userId: 'u' }), 'the toggle to reach the service instance');
    });
  });
});
