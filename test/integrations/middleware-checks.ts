/**
 * The checks the Express and Koa middleware suites share. Both apps answer GET / with JSON holding at least
 * `{ variant, requestHeader, userId, anonymous, home, version }` from the request's delivery, route to the canary
 * when `x-canary: 1`, record under the metrics target 'web', and run the 'btn' experiment. GET /slow answers after
 * waiting SLOW_MS.
 */
import { expect } from 'vitest';
import type { DeliveryError } from '../../src/core/errors.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import type { ExperimentDefinition } from '../../src/experiments/types.js';
import { eventually, parseSetCookie, pool } from './express-koa-helpers.js';

/** How long GET /slow waits before answering. */
export const SLOW_MS = 30;

/** What GET / answers in both suites. */
export interface HomeBody {
  variant: string | null;
  requestHeader: string | null;
  userId: string;
  anonymous: boolean;
  home: boolean;
  version: string;
}

/**
 * A ready delivery whose errors go to `errors`, with the 'btn' experiment (blue / green, 1:1, plus `btn`'s extra
 * fields) and the 'new-home' flag (on for the user 'vip', off for everyone else).
 * @example delivery = await middlewareDelivery(errors, { metrics: [{ key: 'buy', type: 'binomial' }] });
 */
export async function middlewareDelivery(errors: DeliveryError[], btn: Partial<ExperimentDefinition> = {}): Promise<Delivery> {
  const delivery = createDelivery();
  delivery.on('error', (e) => errors.push(e));
  await delivery.ready();
  await delivery.experiments.put({ key: 'btn', variants: [{ key: 'blue', weight: 1 }, { key: 'green', weight: 1 }], ...btn });
  await delivery.flags.put({ key: 'new-home', enabled: true, targets: { on: ['vip'] }, fallthrough: { variant: 'off' } });
  return delivery;
}

/**
 * 1,000 requests from `users` known users (x-user-id), 16 at a time: each user keeps one variant, shown in the
 * X-Variant response header, the request header and the body, agreeing with experiments.assign; no cookie is set.
 * `each` adds checks per response. Resolves the variant of each user.
 */
export async function expectStickyVariants(url: string, delivery: Delivery, users: number, each?: (body: HomeBody & Record<string, unknown>, variant: string) => void): Promise<Map<string, string>> {
  const ids = Array.from({ length: 1000 }, (_, i) => `user-${i % users}`);
  const seen = new Map<string, string>();
  await pool(ids, 16, async (id) => {
    const res = await fetch(`${url}/`, { headers: { 'x-user-id': id } });
    const body = (await res.json()) as HomeBody & Record<string, unknown>;
    const v = res.headers.get('x-variant')!;
    expect(body).toMatchObject({ variant: v, requestHeader: v, userId: id });
    each?.(body, v);
    expect(res.headers.get('set-cookie')).toBeNull(); // known users get no cookie
    if (seen.has(id)) expect(seen.get(id)).toBe(v);
    seen.set(id, v);
  });
  expect(seen.size).toBe(users);
  for (const [id, v] of seen) expect(delivery.experiments.assign('btn', { userId: id }).variant).toBe(v);
  return seen;
}

/**
 * An anonymous visitor gets one HttpOnly, SameSite=Lax `pd_uid` cookie (both middlewares share one id) and, sending
 * it back (`cookie(value)` is the Cookie header) 20 times, no new cookie, the same variant and the same user id.
 * Resolves the parsed Set-Cookie.
 */
export async function expectAnonymousCookie(url: string, cookie: (value: string) => string): Promise<ReturnType<typeof parseSetCookie>> {
  const first = await fetch(`${url}/`);
  const cookies = first.headers.getSetCookie();
  expect(cookies).toHaveLength(1);
  const c = parseSetCookie(cookies[0]!);
  expect(c.name).toBe('pd_uid');
  expect(c.attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
  const body = (await first.json()) as HomeBody;
  expect(body).toMatchObject({ userId: c.value, anonymous: true });
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${url}/`, { headers: { cookie: cookie(c.value) } });
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('x-variant')).toBe(body.variant);
    expect(((await res.json()) as HomeBody).userId).toBe(c.value);
  }
  return c;
}

/** 'vip' sees the flag on and is served stable; 'u1' with x-canary: 1 sees it off and is served (and recorded) canary. */
export async function expectFlagsAndCanarySide(url: string, delivery: Delivery): Promise<void> {
  const vip = (await (await fetch(`${url}/`, { headers: { 'x-user-id': 'vip' } })).json()) as HomeBody;
  expect(vip).toMatchObject({ home: true, version: 'stable' });
  const other = (await (await fetch(`${url}/`, { headers: { 'x-user-id': 'u1', 'x-canary': '1' } })).json()) as HomeBody;
  expect(other).toMatchObject({ home: false, version: 'canary' });
  await eventually(() => delivery.metrics.snapshot('web', 'canary', 60_000).requests === 1, 'the canary request to be recorded');
}

/** Flushes, then GET /metrics: 200 in the Prometheus text format. Resolves the text. */
export async function fetchMetricsText(url: string, delivery: Delivery): Promise<string> {
  await delivery.flush();
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/**
 * Sends canary requests to GET /slow, more than the canary side has recorded so far so that they are the majority,
 * and expects the recorded p50 of that side to be at least what the handler waited (less a margin for timer
 * rounding): the middleware measures the whole handler, not just its own part. A lower bound only.
 */
export async function expectRecordedDuration(url: string, delivery: Delivery): Promise<void> {
  const before = delivery.metrics.snapshot('web', 'canary', 60_000).requests;
  const n = before + 10;
  for (let i = 0; i < n; i++) expect((await fetch(`${url}/slow`, { headers: { 'x-user-id': `slow-${i}`, 'x-canary': '1' } })).status).toBe(200);
  await eventually(() => delivery.metrics.snapshot('web', 'canary', 60_000).requests === before + n, 'the slow requests to be recorded');
  expect(delivery.metrics.snapshot('web', 'canary', 60_000).p50).toBeGreaterThanOrEqual(SLOW_MS - 5);
}
