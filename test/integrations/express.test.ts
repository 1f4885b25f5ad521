import express from 'express';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { DeliveryError } from '../../src/core/errors.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { abTestMiddleware, deliveryMiddleware, metricsHandler, type RequestDelivery } from '../../src/integrations/express/index.js';
import { eventually, listen, parseSetCookie, pool } from './express-koa-helpers.js';

let delivery: Delivery;
let url: string;
let close: () => Promise<void>;
const errors: DeliveryError[] = [];

beforeAll(async () => {
  delivery = createDelivery();
  delivery.on('error', (e) => errors.push(e));
  await delivery.ready();
  await delivery.experiments.put({ key: 'btn', variants: [{ key: 'blue', weight: 1 }, { key: 'green', weight: 1 }], metrics: [{ key: 'buy', type: 'binomial' }] });
  await delivery.flags.put({ key: 'new-home', enabled: true, targets: { on: ['vip'] }, fallthrough: { variant: 'off' } });
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
    const ids = Array.from({ length: 1000 }, (_, i) => `user-${i % 50}`);
    const seen = new Map<string, string>();
    await pool(ids, 16, async (id) => {
      const res = await fetch(`${url}/`, { headers: { 'x-user-id': id } });
      const body = (await res.json()) as { variant: string; requestHeader: string; userId: string; assigned: string };
      const v = res.headers.get('x-variant')!;
      expect(body.variant).toBe(v);
      expect(body.requestHeader).toBe(v);
      expect(body.assigned).toBe(v);
      expect(body.userId).toBe(id);
      expect(res.headers.get('set-cookie')).toBeNull(); // known users get no cookie
      if (seen.has(id)) expect(seen.get(id)).toBe(v);
      seen.set(id, v);
    });
    expect(seen.size).toBe(50);
    for (const [id, v] of seen) expect(delivery.experiments.assign('btn', { userId: id }).variant).toBe(v);
    expect(new Set(seen.values())).toEqual(new Set(['blue', 'green']));
  });

  it('gives an anonymous visitor one HttpOnly, SameSite=Lax cookie and keeps its variant', async () => {
    const first = await fetch(`${url}/`);
    const cookies = first.headers.getSetCookie();
    expect(cookies).toHaveLength(1); // both middlewares share one anonymous id
    const c = parseSetCookie(cookies[0]!);
    expect(c.name).toBe('pd_uid');
    expect(c.attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(c.attrs.some((a) => a.startsWith('max-age='))).toBe(true);
    const body = (await first.json()) as { userId: string; anonymous: boolean; variant: string };
    expect(body).toMatchObject({ userId: c.value, anonymous: true });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/`, { headers: { cookie: `other=1; pd_uid=${c.value}` } });
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('x-variant')).toBe(body.variant);
      expect(((await res.json()) as { userId: string }).userId).toBe(c.value);
    }
    const forged = await fetch(`${url}/`, { headers: { cookie: 'pd_uid=<script>' } });
    expect(parseSetCookie(forged.headers.getSetCookie()[0]!).value).not.toBe('<script>');
  });

  it('exposes flags and the canary side, and records each request for that side', async () => {
    const vip = (await (await fetch(`${url}/`, { headers: { 'x-user-id': 'vip' } })).json()) as { home: boolean; version: string };
    expect(vip).toMatchObject({ home: true, version: 'stable' });
    const other = (await (await fetch(`${url}/`, { headers: { 'x-user-id': 'u1', 'x-canary': '1' } })).json()) as { home: boolean; version: string };
    expect(other).toMatchObject({ home: false, version: 'canary' });
    await eventually(() => delivery.metrics.snapshot('web', 'canary', 60_000).requests === 1, 'the canary request to be recorded');
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
    await delivery.flush();
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
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
});
