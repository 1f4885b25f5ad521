import express from 'express';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { adminRouter } from '../../src/integrations/express/index.js';
import { listen } from '../integrations/express-koa-helpers.js';
import { Client, serveDashboard, tokenOf, urlsOf } from './http-helpers.js';
import { describeAdminHttp } from './http-suite.js';
import { flagsDelivery } from './fixture.js';

describeAdminHttp('express', async (delivery, options) => {
  const app = express();
  const router = adminRouter(delivery, options as unknown as Parameters<typeof adminRouter>[1]);
  app.use('/delivery', router);
  const s = await listen(createServer(app));
  return { origin: s.url, base: '/delivery', close: async () => (router.close(), s.close()) };
});

describe('adminRouter (express specifics)', () => {
  it('passes Express req to authorize, and stays under a nested mount plus prefix', async () => {
    const { delivery } = await flagsDelivery();
    const app = express();
    const ops = express.Router();
    const router = adminRouter(delivery, { authorize: (req) => req.get('x-role') === 'ops', prefix: '/admin' });
    ops.use(router);
    ops.get('/other', (_req, res) => void res.send('other'));
    app.use('/internal', ops);
    await serveDashboard(app, router, async (base) => {
      expect((await fetch(`${base}/internal/admin/flags`)).status).toBe(403);
      const c = new Client(base);
      const page = await c.get('/internal/admin/flags', { 'x-role': 'ops' });
      expect(page.status).toBe(200);
      for (const u of urlsOf(page.text)) expect(u.startsWith('/internal/admin/')).toBe(true);
      expect(await (await fetch(`${base}/internal/other`)).text()).toBe('other'); // outside the prefix: next()
    }, delivery);
  });

  it('works behind express.urlencoded() (a body the host already parsed)', async () => {
    const { delivery } = await flagsDelivery();
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    const router = adminRouter(delivery, { insecure: true });
    app.use('/d', router);
    await serveDashboard(app, router, async (base) => {
      const c = new Client(base);
      const token = tokenOf((await c.get('/d/flags')).text);
      const r = await c.post('/d/flags/dark-mode/toggle', { _csrf: token, enabled: 'true' });
      expect(r.status).toBe(303);
      expect(delivery.flags.isEnabled('dark-mode')).toBe(true);
    }, delivery);
  });
});
