import express from 'express';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { ValidationError } from '../../src/core/errors.js';
import { mirrorMiddleware } from '../../src/integrations/express/mirror.js';
import type { MirrorResult } from '../../src/shadow/mirror.js';
import { fetchRaw, listen, next, respond, until } from '../shadow/http-helpers.js';
import { expectSameRawBytes, expectSameResponses, mirrorFixture, type RequestInit } from './mirror-fixture.js';

function app(mirror?: ReturnType<typeof mirrorMiddleware>, parserFirst = false) {
  const a = express();
  if (parserFirst) a.use(express.json());
  if (mirror) a.use(mirror);
  a.use((req, res, nextFn) => {
    if (req.path === '/stream') {
      res.setHeader('content-type', 'text/plain');
      res.write('part one, ');
      res.write(Buffer.from('part two, '));
      return void setTimeout(() => res.end('end'), 5);
    }
    if (req.path === '/big') return void res.type('text/plain').send('x'.repeat(5000));
    nextFn();
  });
  a.all('/{*any}', express.text({ type: '*/*' }), (req, res) => {
    const body = typeof req.body === 'string' ? req.body : req.body ? JSON.stringify(req.body) : '';
    const r = respond(req.method, new URL(req.originalUrl, 'http://x'), body);
    res.status(r.status).type(r.type);
    res.send(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  });
  return a;
}

const requests: [string, RequestInit][] = [
  ['/items?q=a%20b', {}],
  ['/items?q=1', { method: 'HEAD' }],
  ['/text', { headers: { 'accept-encoding': 'gzip' } }],
  ['/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1,"s":"ü"}' }],
  ['/stream', {}],
  ['/missing', {}],
  ['/big', {}],
];

describe('mirrorMiddleware (Express) with real servers on 127.0.0.1', () => {
  const fx = mirrorFixture(mirrorMiddleware, (m, parserFirst) => app(m, parserFirst) as never);

  it('the client receives byte-identical responses with and without the middleware', async () => {
    const plain = await fx.plain();
    const { mirror, url } = await fx.start({ maxBodyBytes: 4096 });
    await expectSameResponses(plain.url, url, requests);
    await until(() => mirror.stats().inFlight === 0);
    const s = mirror.stats();
    expect(s).toMatchObject({ calls: 7, mirrored: 6, tooLarge: 1, mismatched: 1, timeouts: 0 }); // /stream differs from the target's 404
    expect(s.matched).toBe(5);
  });

  it('the raw bytes on the wire are the same with and without the middleware', async () => {
    await expectSameRawBytes(fx, [
      ['GET /items?q=raw HTTP/1.1'],
      ['HEAD /items HTTP/1.1'],
      ['GET /stream HTTP/1.1'],
      ['POST /echo HTTP/1.1\r\nContent-Type: application/json', '{"raw":true}'],
    ]);
  });

  it('replays method, path, query, headers without hop-by-hop ones, body, and X-Shadow-Request: 1', async () => {
    const { mirror, url } = await fx.start();
    fx.shadow.received.length = 0;
    const result = next<MirrorResult>((e, l) => mirror.on(e, l));
    const res = await fetchRaw(`${url}/echo?x=1&y=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'u1', connection: 'keep-alive, x-private', 'x-private': 'secret', te: 'trailers' },
      body: '{"a":[1,2]}',
    });
    expect(res.status).toBe(201);
    const r = await result;
    expect(r).toMatchObject({ match: true, outcome: 'matched', endpoint: 'POST /echo' });
    const got = fx.shadow.received[0]!;
    expect(got).toMatchObject({ method: 'POST', url: '/echo?x=1&y=2', body: '{"a":[1,2]}' });
    expect(got.headers).toMatchObject({ 'x-shadow-request': '1', 'x-user-id': 'u1', 'content-type': 'application/json' });
    expect(got.headers).not.toHaveProperty('x-private');
    expect(got.headers).not.toHaveProperty('te');
  });

  it('works when a body parser consumed the body before the mirror', async () => {
    const { mirror, url } = await fx.start({}, true);
    fx.shadow.received.length = 0;
    const result = next<MirrorResult>((e, l) => mirror.on(e, l));
    await fetchRaw(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{ "spaced": true }' });
    expect((await result).match).toBe(true);
    expect(JSON.parse(fx.shadow.received[0]!.body)).toEqual({ spaced: true });
  });

  it('reports a mismatch with diffs when the target answers differently, and a 500 never reaches the client', async () => {
    const { mirror, url } = await fx.start();
    fx.shadow.setMode('different');
    let r = next<MirrorResult>((e, l) => mirror.on(e, l), 'mismatch');
    expect((await fetchRaw(`${url}/items?q=z`)).status).toBe(200);
    expect((await r).diffs).toEqual([{ path: 'body.items[3]', kind: 'added', shadow: 'extra' }]);
    fx.shadow.setMode('error');
    r = next<MirrorResult>((e, l) => mirror.on(e, l), 'mismatch');
    const res = await fetchRaw(`${url}/items?q=z`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ q: 'z', items: [1, 2, 3] });
    expect((await r).diffs.map((d) => d.path)).toEqual(['status', 'body.q', 'body.items', 'body.error']);
    expect(mirror.mismatches()).toHaveLength(2);
    fx.shadow.setMode('same');
  });

  it('a target that is down only counts as a shadow error', async () => {
    const down = await listen(() => {});
    const downUrl = down.url;
    await down.close();
    const mirror = mirrorMiddleware({ target: downUrl });
    const srv = await fx.serve(app(mirror) as never);
    const r = next<MirrorResult>((e, l) => mirror.on(e, l));
    const res = await fetchRaw(`${srv.url}/text`);
    expect(res.body.toString()).toBe('hello, world');
    expect((await r).diffs[0]).toMatchObject({ path: '', kind: 'error' });
    expect(mirror.stats()).toMatchObject({ shadowErrors: 1, mismatched: 1 });
  });

  it('a slow target times out on the clock; the client was answered long before', async () => {
    const clock = createManualClock();
    const { mirror, url } = await fx.start({ clock, timeoutMs: 2000 });
    fx.shadow.setMode('hang');
    fx.shadow.received.length = 0;
    const res = await fetchRaw(`${url}/items?q=slow`);
    expect(res.status).toBe(200);
    await until(() => fx.shadow.received.length === 1);
    expect(mirror.stats().inFlight).toBe(1);
    const r = next<MirrorResult>((e, l) => mirror.on(e, l));
    clock.advance(2000);
    expect(await r).toMatchObject({ outcome: 'timeout', match: false });
    expect(mirror.stats()).toMatchObject({ timeouts: 1, inFlight: 0 });
    fx.shadow.releaseHanging();
    fx.shadow.setMode('same');
  });

  it('bodies over the cap are not mirrored; beyond maxConcurrent requests are dropped', async () => {
    const { mirror, url } = await fx.start({ maxBodyBytes: 10 });
    const res = await fetchRaw(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"long":"0123456789"}' });
    expect(res.status).toBe(201);
    expect(mirror.stats()).toMatchObject({ tooLarge: 1, mirrored: 0 });

    const clock = createManualClock();
    const busy = await fx.start({ clock, maxConcurrent: 1 });
    fx.shadow.setMode('hang');
    fx.shadow.received.length = 0;
    await fetchRaw(`${busy.url}/items`);
    await until(() => fx.shadow.received.length === 1);
    expect((await fetchRaw(`${busy.url}/items`)).status).toBe(200);
    expect(busy.mirror.stats()).toMatchObject({ mirrored: 1, dropped: 1 });
    clock.advance(5000);
    await until(() => busy.mirror.stats().inFlight === 0);
    fx.shadow.releaseHanging();
    fx.shadow.setMode('same');
  });

  it('learns noise from a second primary instance and filters it from the comparison', async () => {
    let instances = 0;
    const noisy = (version: number) => {
      let at = 1000 * ++instances; // every instance has its own clock: `at` differs between any two of them
      const a = express();
      a.get('/n', (req, res) => void res.json({ v: req.query.x === '2' ? version : 1, at: ++at, list: [{ id: 1, ts: Math.random() }] }));
      return a;
    };
    const second = await fx.serve(noisy(1) as never);
    const candidate = await fx.serve(noisy(2) as never);
    const mirror = mirrorMiddleware({ target: candidate.url, noise: { target: second.url }, endpoint: (r) => r.url.split('?')[0]! });
    const primaryApp = express();
    primaryApp.use(mirror);
    primaryApp.use(noisy(1));
    const primarySrv = await fx.serve(primaryApp as never);
    const results: MirrorResult[] = [];
    mirror.on('result', (r) => results.push(r));
    for (const x of ['1', '1', '2']) await fetchRaw(`${primarySrv.url}/n?x=${x}`);
    await until(() => results.length === 3);
    expect(results.map((r) => r.outcome)).toEqual(['matched', 'matched', 'mismatched']);
    expect(results[2]!.diffs).toEqual([{ path: 'body.v', kind: 'changed', primary: 1, shadow: 2 }]);
    const noise = mirror.stats().noise;
    expect(noise.endpoints[0]!.endpoint).toBe('/n');
    expect(noise.endpoints[0]!.paths.map((p) => p.path).sort()).toEqual(['body.at', 'body.list[*].ts']);
    expect(() => mirrorMiddleware({ target: 'http://127.0.0.1:1', noise: { target: 'nope' } })).toThrow(/noise.target/);
  });

  it('percentage 0 mirrors nothing; bad options throw a ValidationError', async () => {
    const { mirror, url } = await fx.start({ percentage: 0 });
    await fetchRaw(`${url}/text`);
    expect(mirror.stats()).toMatchObject({ calls: 1, mirrored: 0, skipped: 1 });
    expect(() => mirrorMiddleware({ target: 'ftp://x', percentage: 101 })).toThrow(ValidationError);
  });
});
