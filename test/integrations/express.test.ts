import express from 'express';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { DeliveryError } from '../../src/core/errors.js';
import type { Delivery } from '../../src/delivery.js';
import { abTestMiddleware, deliveryMiddleware, metricsHandler, type RequestDelivery } from '../../src/integrations/express/index.js';
import { eventually, listen, parseSetCookie } from './express-koa-helpers.js';
import { expectAnonymousCookie, expectFlagsAndCanarySide, expectRecordedDuration, expectStickyVariants, fetchMetricsText, middlewareDelivery, SLOW_MS } from './middleware-checks.js';

let delivery: Delivery;
let url: string;
let close: () => Promise<void>;
const errors: DeliveryError[] = [];

beforeAll(async () => {
  delivery = await middlewareDelivery(errors, { metrics: [{ key: 'buy', type: 'binomial' }] });
  // anything with route(req) works as the canary: here a header decides, so every assertion is deterministic
  const canary = { route: (req: express.Request) => (req.headers['x-canary'] === '1' ? ('canary' as const) : ('stable' as const)) };

  const app = express();
  app.get('/metrics', metricsHandler(delivery));
  app.use(deliveryMiddleware(delivery, { metricsTarget: 'web', canary, experiments: ['btn'] }));
  app.use(abTestMiddleware(delivery, 'btn'));
  app.get('/', (req, res) => {
    req.delivery!.track('btn', 'buy');
    res.json({
      variant: req.variant ?? null,
      requestHeader: req.headers['x-variant'] ?? null,
      userId: req.delivery!.context.userId,
      anonymous: req.delivery!.context.anonymous ?? false,
      home: req.delivery!.isEnabled('new-home'),
      version: req.delivery!.version,
      assigned: req.delivery!.assignments.btn?.variant ?? null,
    });
  });
  app.get('/slow', async (_req, res) => {
    await new Promise((r) => setTimeout(r, SLOW_MS));
    res.send('slow');
  });
  app.get('/boom', () => {
    throw new Error('handler failed');
  });
  app.get('/async-boom', async () => {
    throw new Error('async handler failed');
  });
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: 'internal' });
  });
  ({ url, close } = await listen(createServer(app)));
});

afterAll(async () => {
  await close?.();
  await delivery?.close();
});

describe('express middleware', () => {
  it('keeps every user on one variant over 1,000 requests, and agrees with experiments.assign', async () => {
    const seen = await expectStickyVariants(url, delivery, 50, (body, v) => expect(body.assigned).toBe(v));
    expect(new Set(seen.values())).toEqual(new Set(['blue', 'green']));
  });

  it('gives an anonymous visitor one HttpOnly, SameSite=Lax cookie and keeps its variant', async () => {
    const c = await expectAnonymousCookie(url, (value) => `other=1; pd_uid=${value}`);
    expect(c.attrs.some((a) => a.startsWith('max-age='))).toBe(true);
    const forged = await fetch(`${url}/`, { headers: { cookie: 'pd_uid=<script>' } });
    expect(parseSetCookie(forged.headers.getSetCookie()[0]!).value).not.toBe('<script>');
  });

  it('exposes flags and the canary side, and records each request for that side', async () => {
    await expectFlagsAndCanarySide(url, delivery);
    expect(delivery.metrics.snapshot('web', 'canary', 60_000).errors).toBe(0);
  });

  it('a handler that throws is answered 500, recorded as an error, and the server keeps serving', async () => {
    const before = delivery.metrics.snapshot('web', 'stable', 60_000);
    expect((await fetch(`${url}/boom`, { headers: { 'x-user-id': 'u2' } })).status).toBe(500);
    expect((await fetch(`${url}/async-boom`, { headers: { 'x-user-id': 'u2' } })).status).toBe(500);
    await eventually(() => delivery.metrics.snapshot('web', 'stable', 60_000).errors === before.errors + 2, 'two errors to be recorded');
    expect((await fetch(`${url}/`, { headers: { 'x-user-id': 'u2' } })).status).toBe(200);
  });

  it('serves the metrics in the Prometheus text format', async () => {
    const text = await fetchMetricsText(url, delivery);
    expect(text).toMatch(/^http_requests_total\{target="web",version="stable",code="200"\} \d+$/m);
    expect(text).toMatch(/^http_requests_total\{target="web",version="stable",code="500"\} 2$/m);
    expect(text).toMatch(/^progressive_delivery_experiment_exposures_total\{experiment="btn",variant="(blue|green)"\} \d+$/m);
    expect(text).not.toMatch(/version="\/metrics"/);
  });

  it('uses a custom context, falls back when it throws, and leaves the variant unset outside the experiment', async () => {
    const app = express();
    app.use(deliveryMiddleware(delivery, { context: (req) => ({ userId: String(req.query.u), plan: 'pro' }) }));
    app.use(abTestMiddleware(delivery, 'btn'));
    app.use(abTestMiddleware(delivery, 'no-such-experiment', { userId: () => 'x' }));
    app.get('/', (req, res) => res.json({ ctx: req.delivery!.context, variant: req.variant ?? null, version: req.delivery!.version }));
    const bad = express();
    bad.use(
      deliveryMiddleware(delivery, {
        context: () => {
          throw new Error('context failed');
        },
      }),
    );
    bad.get('/', (req, res) => res.json({ ctx: req.delivery!.context }));
    const a = await listen(createServer(app));
    const b = await listen(createServer(bad));
    try {
      const res = await fetch(`${a.url}/?u=alice`);
      expect(res.headers.get('x-variant')).toBe(delivery.experiments.assign('btn', { userId: 'alice' }).variant);
      expect(await res.json()).toEqual({ ctx: { userId: 'alice', plan: 'pro' }, variant: null, version: 'primary' });
      const fallback = (await (await fetch(`${b.url}/`, { headers: { 'x-user-id': 'bob' } })).json()) as { ctx: unknown };
      expect(fallback.ctx).toEqual({ userId: 'bob' });
      expect(errors.some((e) => e.code === 'USER_CODE' && /context/.test(e.message))).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('accepts a real canary from delivery.rollouts and types req.delivery and req.variant', async () => {
    expectTypeOf<express.Request['delivery']>().toEqualTypeOf<RequestDelivery | undefined>();
    expectTypeOf<express.Request['variant']>().toEqualTypeOf<string | undefined>();
    const canary = delivery.rollouts.canary<express.Request, string>({
      name: 'real',
      stable: () => 'v1',
      canary: () => 'v2',
      analysis: { interval: '1m', threshold: 2, stepWeight: 50, maxWeight: 50, metrics: [] },
    });
    const app = express();
    app.use(deliveryMiddleware(delivery, { canary, metricsTarget: 'real' }));
    app.get('/', (req, res) => res.json({ version: req.delivery!.version, routed: canary.route(req) }));
    const s = await listen(createServer(app));
    try {
      const body = (await (await fetch(`${s.url}/`, { headers: { 'x-user-id': 'u5' } })).json()) as { version: string; routed: string };
      expect(body.version).toBe(body.routed); // not started: weight 0, everything is stable
      expect(body.version).toBe('stable');
      await eventually(() => delivery.metrics.snapshot('real', 'stable', 60_000).requests === 1, 'the request to be recorded for the canary target');
    } finally {
      await s.close();
    }
  });

  it('req.delivery and req.variant work in mounted sub-apps and other apps, stay per request, and can be assigned', async () => {
    const sub = express();
    sub.get('/', (req, res) => res.json({ variant: req.variant ?? null, user: req.delivery?.context.userId ?? null }));
    const app = express();
    app.get('/before', (req, res) => res.json({ delivery: req.delivery === undefined, variant: req.variant === undefined }));
    app.use(deliveryMiddleware(delivery));
    app.use(abTestMiddleware(delivery, 'btn'));
    app.use('/sub', sub);
    app.get('/mine', (req, res) => {
      req.variant = 'overridden';
      res.json({ variant: req.variant, keys: Object.keys(req).includes('delivery') });
    });
    const other = express(); // a second app of the process, without the middleware
    other.get('/', (req, res) => res.json({ delivery: req.delivery ?? null, variant: req.variant ?? null }));
    const s = await listen(createServer(app));
    const o = await listen(createServer(other));
    try {
      const get = async (u: string, user?: string) => (await (await fetch(u, { headers: user ? { 'x-user-id': user } : {} })).json()) as Record<string, unknown>;
      expect(await get(`${s.url}/before`, 'u1')).toEqual({ delivery: true, variant: true });
      const users = Array.from({ length: 20 }, (_, i) => `slot-${i}`);
      const got = await Promise.all(users.map((u) => get(`${s.url}/sub`, u)));
      users.forEach((u, i) => {
        expect(got[i]).toEqual({ user: u, variant: delivery.experiments.assign('btn', { userId: u }).variant ?? null });
      });
      expect(await get(`${s.url}/mine`, 'u2')).toEqual({ variant: 'overridden', keys: false });
      expect(await get(`${o.url}/`, 'u3')).toEqual({ delivery: null, variant: null });
    } finally {
      await s.close();
      await o.close();
    }
  });

  it('a bare IncomingMessage (no Express prototype) gets own properties', () => {
    const req = new IncomingMessage(new Socket());
    req.headers = { 'x-user-id': 'bare-1' };
    const res = new ServerResponse(req);
    let called = false;
    abTestMiddleware(delivery, 'btn')(req as express.Request, res as express.Response, () => {
      called = true;
    });
    expect(called).toBe(true);
    expect(Object.keys(req)).toContain('delivery');
    expect((req as express.Request).delivery?.context.userId).toBe('bare-1');
    expect((req as express.Request).variant).toBe(delivery.experiments.assign('btn', { userId: 'bare-1' }).variant);
  });

  it('records the whole handler\'s duration for the request\'s version (a handler that waits 30 ms: p50 >= 25 ms)', async () => {
    await expectRecordedDuration(url, delivery);
  });
});
