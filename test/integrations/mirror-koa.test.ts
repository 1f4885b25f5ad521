import { Readable } from 'node:stream';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { mirrorMiddleware } from '../../src/integrations/koa/mirror.js';
import type { MirrorResult } from '../../src/shadow/mirror.js';
import { fetchRaw, listen, next, respond, until } from '../shadow/http-helpers.js';
import { expectSameRawBytes, expectSameResponses, mirrorFixture, type RequestInit } from './mirror-fixture.js';

async function readBody(req: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of req) s += c.toString();
  return s;
}

function app(mirror?: ReturnType<typeof mirrorMiddleware>, parserFirst = false) {
  const a = new Koa();
  a.silent = true;
  if (parserFirst) {
    a.use(async (ctx, nextFn) => {
      (ctx.request as unknown as { rawBody: string }).rawBody = await readBody(ctx.req);
      await nextFn();
    });
  }
  if (mirror) a.use(mirror);
  a.use(async (ctx) => {
    if (ctx.path === '/stream') {
      ctx.type = 'text/plain';
      ctx.body = Readable.from(['part one, ', 'part two, ', 'end']);
      return;
    }
    if (ctx.path === '/throw') throw new Error('handler failed');
    if (ctx.path === '/object') {
      ctx.body = { nested: { ok: true }, list: [1, 'two'] };
      return;
    }
    const raw = (ctx.request as unknown as { rawBody?: string }).rawBody ?? (ctx.method === 'POST' ? await readBody(ctx.req) : '');
    const r = respond(ctx.method, new URL(ctx.originalUrl, 'http://x'), raw);
    ctx.status = r.status;
    ctx.type = r.type;
    ctx.body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  });
  return a;
}

const requests: [string, RequestInit][] = [
  ['/items?q=a%20b', {}],
  ['/items', { method: 'HEAD' }],
  ['/text', {}],
  ['/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' }],
  ['/stream', {}],
  ['/object', {}],
  ['/throw', {}],
];

describe('mirrorMiddleware (Koa) with real servers on 127.0.0.1', () => {
  const fx = mirrorFixture(mirrorMiddleware, (m, parserFirst) => app(m, parserFirst).callback());

  it('the client receives byte-identical responses with and without the middleware', async () => {
    const plain = await fx.plain();
    const { mirror, url } = await fx.start();
    const results: MirrorResult[] = [];
    mirror.on('result', (r) => results.push(r));
    await expectSameResponses(plain.url, url, requests);
    await until(() => results.length === requests.length);
    const byPath = Object.fromEntries(results.map((r) => [r.request.url, r]));
    expect(byPath['/items?q=a%20b']!.match).toBe(true);
    expect(byPath['/echo']!.match).toBe(true);
    expect(byPath['/stream']!.primary.value!.body).toBe('part one, part two, end'); // captured from the bytes written
    expect(byPath['/object']!.primary.value!.body).toEqual({ nested: { ok: true }, list: [1, 'two'] }); // read from ctx.body
    expect(byPath['/throw']!.primary.value).toMatchObject({ status: 500, body: 'Internal Server Error' });
    expect(mirror.stats()).toMatchObject({ calls: 7, mirrored: 7, matched: 4, mismatched: 3 });
  });

  it('the raw bytes on the wire are the same with and without the middleware', async () => {
    await expectSameRawBytes(fx, [
      ['GET /items?q=raw HTTP/1.1'],
      ['HEAD /items HTTP/1.1'],
      ['GET /stream HTTP/1.1'],
      ['GET /object HTTP/1.1'],
      ['GET /throw HTTP/1.1'],
      ['POST /echo HTTP/1.1\r\nContent-Type: application/json', '{"raw":true}'],
    ]);
  });

  it('replays the request with X-Shadow-Request: 1, also when the body was read before the mirror', async () => {
    const { mirror, url } = await fx.start({}, true);
    fx.shadow.received.length = 0;
    const r = next<MirrorResult>((e, l) => mirror.on(e, l));
    await fetchRaw(`${url}/echo?z=9`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-user-id': 'k' }, body: '{"a":1}' });
    expect((await r).match).toBe(true);
    expect(fx.shadow.received[0]).toMatchObject({ method: 'POST', url: '/echo?z=9', body: '{"a":1}' });
    expect(fx.shadow.received[0]!.headers).toMatchObject({ 'x-shadow-request': '1', 'x-user-id': 'k' });
  });

  it('a target that is down, slow or failing never affects the client', async () => {
    const clock = createManualClock();
    const { mirror, url } = await fx.start({ clock, timeoutMs: 1000 });
    fx.shadow.setMode('error');
    let r = next<MirrorResult>((e, l) => mirror.on(e, l), 'mismatch');
    expect((await fetchRaw(`${url}/text`)).body.toString()).toBe('hello, world');
    expect((await r).diffs.map((d) => d.path)).toContain('status');

    fx.shadow.setMode('hang');
    fx.shadow.received.length = 0;
    expect((await fetchRaw(`${url}/text`)).body.toString()).toBe('hello, world');
    await until(() => fx.shadow.received.length === 1);
    r = next<MirrorResult>((e, l) => mirror.on(e, l));
    clock.advance(1000);
    expect((await r).outcome).toBe('timeout');
    fx.shadow.releaseHanging();
    fx.shadow.setMode('same');

    const down = await listen(() => {});
    await down.close();
    const lost = mirrorMiddleware({ target: down.url });
    const srv = await fx.serve(app(lost).callback());
    r = next<MirrorResult>((e, l) => lost.on(e, l));
    expect((await fetchRaw(`${srv.url}/text`)).body.toString()).toBe('hello, world');
    expect((await r).diffs[0]).toMatchObject({ kind: 'error' });
    expect(lost.stats()).toMatchObject({ shadowErrors: 1 });
  });

  it('does not mirror bodies over the cap', async () => {
    const { mirror, url } = await fx.start({ maxBodyBytes: 8 });
    const res = await fetchRaw(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"much":"longer"}' });
    expect(res.status).toBe(201);
    expect(mirror.stats()).toMatchObject({ tooLarge: 1, mirrored: 0 });
  });
});
