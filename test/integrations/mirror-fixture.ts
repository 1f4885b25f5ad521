/**
 * What the Express and Koa mirror suites share: a shadow target, servers closed after the suite, an app with the
 * mirror in front, and the two transparency checks (same responses, same raw bytes with and without the mirror).
 */
import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, expect } from 'vitest';
import type { MirrorOptions } from '../../src/shadow/mirror.js';
import { fetchRaw, listen, rawExchange, target, until } from '../shadow/http-helpers.js';

export type Target = Awaited<ReturnType<typeof target>>;
export type RequestInit = { method?: string; headers?: Record<string, string>; body?: string };

/** What the fixture reads from a mirror middleware. */
export interface MirrorStats {
  stats(): { mirrored: number; inFlight: number };
}

export interface MirrorFixture<M extends MirrorStats> {
  /** The shadow target the mirrors of `start()` send to (set in beforeAll). */
  readonly shadow: Target;
  /** Listens with `handler` on 127.0.0.1; closed after the suite. */
  serve(handler: RequestListener): Promise<{ url: string }>;
  /** The same app without the mirror, listening. */
  plain(): Promise<{ url: string }>;
  /** An app with a mirror (`{ target: shadow.url, ...opts }`) in front, listening; `parserFirst` reads the body before it. */
  start(opts?: Partial<MirrorOptions>, parserFirst?: boolean): Promise<{ mirror: M; url: string }>;
}

/**
 * Registers beforeAll / afterAll for a mirror suite. `mirrorMiddleware` is the framework's factory and `app(mirror?,
 * parserFirst?)` the framework's test app as a Node request listener.
 * @example const fx = mirrorFixture(mirrorMiddleware, (m, p) => app(m, p).callback());
 */
export function mirrorFixture<M extends MirrorStats>(mirrorMiddleware: (opts: MirrorOptions) => M, app: (mirror?: M, parserFirst?: boolean) => RequestListener): MirrorFixture<M> {
  let shadow: Target | undefined;
  const servers: { close: () => Promise<void> }[] = [];
  beforeAll(async () => {
    shadow = await target();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await shadow?.close();
  });
  const fx: MirrorFixture<M> = {
    get shadow() {
      if (!shadow) throw new Error('the shadow target starts in beforeAll');
      return shadow;
    },
    async serve(handler) {
      const srv = await listen(handler);
      servers.push(srv);
      return srv;
    },
    plain: () => fx.serve(app()),
    async start(opts = {}, parserFirst = false) {
      const mirror = mirrorMiddleware({ target: fx.shadow.url, ...opts });
      const srv = await fx.serve(app(mirror, parserFirst));
      return { mirror, url: srv.url };
    },
  };
  return fx;
}

/** Each request sent to both servers: status, headers and body bytes must be equal. */
export async function expectSameResponses(plainUrl: string, mirroredUrl: string, requests: [string, RequestInit][]): Promise<void> {
  for (const [path, init] of requests) {
    const a = await fetchRaw(plainUrl + path, init);
    const b = await fetchRaw(mirroredUrl + path, init);
    expect(b.status).toBe(a.status);
    expect(b.headers).toEqual(a.headers);
    expect(b.body.equals(a.body)).toBe(true);
  }
}

/**
 * Each raw HTTP/1.1 exchange (`[head, body?]`) against the plain app and the mirrored one: the bytes on the wire
 * must be equal, and every exchange is mirrored.
 */
export async function expectSameRawBytes<M extends MirrorStats>(fx: MirrorFixture<M>, exchanges: [string, string?][]): Promise<void> {
  const plain = await fx.plain();
  const { mirror, url } = await fx.start();
  for (const [head, body] of exchanges) {
    const a = await rawExchange(plain.url, head, body);
    const b = await rawExchange(url, head, body);
    expect(b.toString('latin1')).toBe(a.toString('latin1'));
  }
  await until(() => mirror.stats().mirrored === exchanges.length && mirror.stats().inFlight === 0);
}
