import Koa from 'koa';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { DeliveryError } from '../../src/core/errors.js';
import type { Delivery } from '../../src/delivery.js';
import { abTestMiddleware, deliveryMiddleware, metricsHandler, type RequestDelivery } from '../../src/integrations/koa/index.js';
import { eventually, listen } from './express-koa-helpers.js';
import { expectAnonymousCookie, expectFlagsAndCanarySide, expectRecordedDuration, expectStickyVariants, fetchMetricsText, middlewareDelivery, SLOW_MS } from './middleware-checks.js';

let delivery: Delivery;
let url: string;
let close: () => Promise<void>;
const errors: DeliveryError[] = [];

beforeAll(async () => {
  delivery = await middlewareDelivery(errors);
  const canary = { route: (ctx: Koa.Context) => (ctx.get('x-canary') === '1' ? ('canary' as const) : ('stable' as const)) };

  const app = new Koa();
  app.silent = true;
  app.use(metricsHandler(delivery));
  app.use(deliveryMiddleware(delivery, { metricsTarget: 'web', canary }));
  app.use(abTestMiddleware(delivery, 'btn'));
  app.use(async (ctx) => {
    if (ctx.path === '/slow') {
      await new Promise((r) => setTimeout(r, SLOW_MS));
      ctx.body = 'slow';
      return;
    }
    if (ctx.path === '/boom') throw new Error('handler failed');
    if (ctx.path === '/teapot') ctx.throw(418, 'short and stout');
    if (ctx.path === '/status503') {
      ctx.status = 503;
      ctx.body = 'down';
      return;
    }
    const d = ctx.state.delivery!;
    ctx.body = {
      variant: ctx.state.variant ?? null,
      requestHeader: ctx.get('x-variant') || null,
      userId: d.context.userId,
      anonymous: d.context.anonymous ?? false,
      home: d.isEnabled('new-home'),
      version: d.version,
    };
  });
  ({ url, close } = await listen(createServer(app.callback())));
});

afterAll(async () => {
  await close?.();
  await delivery?.close();
});

describe('koa middleware', () => {
  it('keeps every user on one variant over 1,000 requests', async () => {
    await expectStickyVariants(url, delivery, 40);
  });

  it('gives an anonymous visitor one HttpOnly, SameSite=Lax cookie and keeps its variant', async () => {
    await expectAnonymousCookie(url, (value) => `pd_uid=${value}`);
  });

  it('exposes flags and the canary side on ctx.state.delivery and records per side', async () => {
    await expectFlagsAndCanarySide(url, delivery);
  });

  it('thrown errors and 5xx are recorded as errors; ctx.throw(4xx) is a client error, not a failure; the server keeps serving', async () => {
    const before = delivery.metrics.snapshot('web', 'stable', 60_000);
    expect((await fetch(`${url}/boom`, { headers: { 'x-user-id': 'u2' } })).status).toBe(500);
    expect((await fetch(`${url}/teapot`, { headers: { 'x-user-id': 'u2' } })).status).toBe(418);
    expect((await fetch(`${url}/status503`, { headers: { 'x-user-id': 'u2' } })).status).toBe(503);
    await eventually(() => delivery.metrics.snapshot('web', 'stable', 60_000).requests === before.requests + 3, 'three requests to be recorded');
    expect(delivery.metrics.snapshot('web', 'stable', 60_000).errors).toBe(before.errors + 2);
    expect((await fetch(`${url}/`, { headers: { 'x-user-id': 'u2' } })).status).toBe(200);
    const text = delivery.metrics.prometheus();
    expect(text).toMatch(/^http_requests_total\{target="web",version="stable",code="418"\} 1$/m);
    expect(text).toMatch(/^http_requests_total\{target="web",version="stable",code="500"\} 1$/m);
  });

  it('serves the metrics on GET /metrics only', async () => {
    const text = await fetchMetricsText(url, delivery);
    expect(text).toMatch(/^progressive_delivery_experiment_exposures_total\{experiment="btn",variant="(blue|green)"\} \d+$/m);
    expect(text).toMatch(/^http_requests_total\{target="web",version="stable",code="200"\} \d+$/m);
    const post = await fetch(`${url}/metrics`, { method: 'POST', headers: { 'x-user-id': 'u3' } });
    expect(post.headers.get('content-type')).toMatch(/json/); // passed through to the app
  });

  it('a context function that throws falls back to the default context, reported once', async () => {
    const app = new Koa();
    app.use(
      deliveryMiddleware(delivery, {
        context: () => {
          throw new Error('context failed');
        },
      }),
    );
    app.use(abTestMiddleware(delivery, 'btn', { userId: (ctx) => ctx.query.u as string | undefined }));
    app.use((ctx) => {
      ctx.body = { ctx: ctx.state.delivery!.context, variant: ctx.state.variant ?? null };
    });
    const s = await listen(createServer(app.callback()));
    try {
      const body = (await (await fetch(`${s.url}/?u=carol`, { headers: { 'x-user-id': 'bob' } })).json()) as { ctx: unknown; variant: string };
      expect(body.ctx).toEqual({ userId: 'bob' });
      expect(body.variant).toBe(delivery.experiments.assign('btn', { userId: 'carol' }).variant);
      expect(errors.filter((e) => e.code === 'USER_CODE' && /context/.test(e.message))).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('types ctx.state.delivery and ctx.state.variant', () => {
    expectTypeOf<Koa.DefaultState['delivery']>().toEqualTypeOf<RequestDelivery | undefined>();
    expectTypeOf<Koa.DefaultState['variant']>().toEqualTypeOf<string | undefined>();
    expectTypeOf(deliveryMiddleware).returns.toEqualTypeOf<Koa.Middleware>();
  });

  it('records the whole handler\'s duration for the request\'s version (a handler that waits 30 ms: p50 >= 25 ms)', async () => {
    await expectRecordedDuration(url, delivery);
  });
});
