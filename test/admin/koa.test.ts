import Koa from 'koa';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { adminRouter } from '../../src/integrations/koa/index.js';
import { listen } from '../integrations/express-koa-helpers.js';
import { Client, serveDashboard, urlsOf } from './http-helpers.js';
import { describeAdminHttp } from './http-suite.js';
import { flagsDelivery } from './fixture.js';

describeAdminHttp('koa', async (delivery, options) => {
  const app = new Koa();
  const router = adminRouter(delivery, { ...(options as unknown as Parameters<typeof adminRouter>[1]), prefix: '/delivery' });
  app.use(router);
  app.use((ctx) => {
    ctx.body = 'app';
  });
  const s = await listen(createServer(app.callback()));
  return { origin: s.url, base: '/delivery', close: async () => (router.close(), s.close()) };
});

describe('adminRouter (koa specifics)', () => {
  it('passes ctx to authorize and lets requests outside the prefix through', async () => {
    const { delivery } = await flagsDelivery();
    const app = new Koa();
    const router = adminRouter(delivery, { authorize: (ctx) => ctx.get('x-role') === 'ops', prefix: '/ops/delivery' });
    app.use(router);
    app.use((ctx) => {
      ctx.body = `app:${ctx.path}`;
    });
    await serveDashboard(app.callback(), router, async (base) => {
      expect(await (await fetch(`${base}/ops/deliveryx`)).text()).toBe('app:/ops/deliveryx');
      expect(await (await fetch(`${base}/home`)).text()).toBe('app:/home');
      expect((await fetch(`${base}/ops/delivery/flags`)).status).toBe(403);
      const page = await new Client(base).get('/ops/delivery/flags', { 'x-role': 'ops' });
      expect(page.status).toBe(200);
      for (const u of urlsOf(page.text)) expect(u.startsWith('/ops/delivery/')).toBe(true);
    }, delivery);
  });

  it('honours ctx.mountPath (what koa-mount sets) in every link', async () => {
    const { delivery } = await flagsDelivery();
    const app = new Koa();
    const router = adminRouter(delivery, { insecure: true });
    // koa-mount's behaviour, inline (the package is not a dependency): strip the prefix, set ctx.mountPath
    app.use(async (ctx, next) => {
      if (!ctx.path.startsWith('/ops/')) return next();
      const original = ctx.path;
      ctx.path = ctx.path.slice('/ops'.length);
      (ctx as unknown as { mountPath: string }).mountPath = '/ops';
      try {
        await router(ctx, next);
      } finally {
        ctx.path = original;
      }
    });
    await serveDashboard(app.callback(), router, async (base) => {
      const page = await new Client(base).get('/ops/flags');
      expect(page.status).toBe(200);
      for (const u of urlsOf(page.text)) expect(u.startsWith('/ops/')).toBe(true);
    }, delivery);
  });
});
