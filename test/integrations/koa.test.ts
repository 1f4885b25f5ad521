import Koa from 'koa';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { DeliveryError } from '../../src/core/errors.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { abTestMiddleware, deliveryMiddleware, metricsHandler, type RequestDelivery } from '../../src/integrations/koa/index.js';
import { eventually, listen, parseSetCookie, pool } from './express-koa-helpers.js';

let delivery: Delivery;
let url: string;
let close: () => Promise<void>;
const errors: DeliveryError[] = [];

beforeAll(async () => {
  delivery = createDelivery();
  delivery.on('error', (e) => errors.push(e));
  await delivery.ready();
  await delivery.experiments.put({ key: 'btn', variants: [{ key: 'blue', weight: 1 }, { key: 'green', weight: 1 }] });
  await delivery.flags.put({ key: 'new-home', enabled: true, targets: { on: ['vip'] }, fallthrough: { variant: 'off' } });
  const canary = { route: (ctx: Koa.Context) => (ctx.get('x-canary') === '1' ? ('canary' as const) : ('stable' as const)) };

  const app = new Koa();
  app.silent = true;
  app.use(metricsHandler(delivery));
  app.use(deliveryMiddleware(delivery, { metricsTarget: 'web', canary }));
  app.use(abTestMiddleware(delivery, 'btn'));
  app.use(async (ctx) => {
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
    const ids = Array.from({ length: 1000 }, (_, i) => `user-${i % 40}`);
    const seen = new Map<string, string>();
    await pool(ids, 16, async (id) => {
      const res = await fetch(`${url}/`, { headers: { 'x-user-id': id } });
      const body = (await res.json()) as { variant: string; requestHeader: string; userId: string };
      const v = res.headers.get('x-variant')!;
      expect(body).toMatchObject({ variant: v, requestHeader: v, userId: id });
      expect(res.headers.get('set-cookie')).toBeNull();
      if (seen.has(id)) expect(seen.get(id)).toBe(v);
      seen.set(id, v);
    });
    expect(seen.size).toBe(40);
    for (const [id, v] of seen) expect(delivery.experiments.assign('btn', { userId: id }).variant).toBe(v);
  });

  it('gives an anonymous visitor one HttpOnly, SameSite=Lax cookie and keeps its variant', async () => {
    const first = await fetch(`${url}/`);
    const cookies = first.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const c = parseSetCookie(cookies[0]!);
    expect(c.name).toBe('pd_uid');
    expect(c.attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    const body = (await first.json()) as { userId: string; variant: string; anonymous: boolean };
    expect(body).toMatchObject({ userId: c.value, anonymous: true });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/`, { headers: { cookie: `pd_uid=${c.value}` } });
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('x-variant')).toBe(body.variant);
    }
  });

  it('exposes flags and the canary side on ctx.state.delivery and records per side', async () => {
    const vip = (await (await fetch(`${url}/`, { headers: { 'x-user-id': 'vip' } })).json()) as { home: boolean; version: string };
    expect(vip).toMatchObject({ home: true, version: 'stable' });
    const c = (await (await fetch(`${url}/`, { headers: { 'x-user-id': 'u1', 'x-canary': '1' } })).json()) as { version: string };
    expect(c.version).toBe('canary');
    await eventually(() => delivery.metrics.snapshot('web', 'canary', 60_000).requests === 1, 'the canary request to be recorded');
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
    await delivery.flush();
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
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
});
