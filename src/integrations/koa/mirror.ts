import type { Context, Middleware, Next } from 'koa';
import { RequestBodyTap, ResponseTap, bodyFromParsed, forwardHeaders, hasBody, primaryOutcome, sendsBody } from '../../shadow/http-capture.js';
import { HttpMirror, type MirrorControls, type MirrorOptions, type MirrorTicket } from '../../shadow/mirror.js';

export type { MirrorOptions, MirrorControls, MirrorResult, MirrorRequest, MirrorStats } from '../../shadow/mirror.js';

const EMPTY_STATUS = new Set([204, 205, 304]);

/**
 * Koa flavour of the mirror: replays a share of requests to `target` after the response has been sent, with
 * `X-Shadow-Request: 1`, and compares status, body and chosen headers. The response body is read from `ctx.body`
 * after the downstream middleware (streams, `ctx.respond = false` and thrown errors are captured from the bytes
 * written instead); the client's response is never changed or delayed.
 * @example
 * app.use(mirrorMiddleware({ target: 'http://127.0.0.1:4001', percentage: 5, delivery }));
 */
export function mirrorMiddleware(options: MirrorOptions): Middleware & MirrorControls {
  const mirror = new HttpMirror(options);
  const handler = async function mirrorMiddleware(ctx: Context, next: Next): Promise<void> {
    let ticket: MirrorTicket | undefined;
    let state: WatchState | undefined;
    try {
      ticket = mirror.begin(ctx.method, ctx.originalUrl, ctx.req.headers);
      if (ticket) state = watch(mirror, ticket, ctx);
    } catch {
      // never stand between a request and its handler
    }
    try {
      await next();
    } catch (err) {
      if (state) state.tap ??= new ResponseTap(ctx.res, mirror.maxBodyBytes); // ctx.onerror writes the error page
      throw err;
    }
    if (state && (ctx.respond === false || isStream(ctx.body))) state.tap ??= new ResponseTap(ctx.res, mirror.maxBodyBytes);
  };
  return Object.assign(handler, {
    stats: () => mirror.stats(),
    mismatches: () => mirror.mismatches(),
    on: (event: 'result' | 'mismatch', listener: Parameters<MirrorControls['on']>[1]) => mirror.on(event, listener),
    close: () => mirror.close(),
  });
}

interface WatchState {
  tap?: ResponseTap;
}

function watch(mirror: HttpMirror, ticket: MirrorTicket, ctx: Context): WatchState {
  const state: WatchState = {};
  const req = ctx.req;
  const withBody = sendsBody(ctx.method) && hasBody(req);
  const bodyTap = withBody && !req.readableEnded ? new RequestBodyTap(req, mirror.maxBodyBytes) : undefined;
  let settled = false;
  ctx.res.once('finish', () => {
    if (settled) return;
    settled = true;
    try {
      const response = state.tap ? (state.tap.tooLarge ? undefined : state.tap.bytes()) : bodyOf(ctx);
      if (!response || response.length > mirror.maxBodyBytes || bodyTap?.tooLarge) return mirror.abandon(ticket, 'too-large');
      let body: Buffer | undefined;
      if (withBody) {
        const request = ctx.request as unknown as { rawBody?: unknown; body?: unknown };
        body = bodyTap ? (bodyTap.ended ? bodyTap.bytes() : undefined) : bodyFromParsed(request.rawBody, request.body, req.headers['content-type']);
        if (!body) return mirror.abandon(ticket, 'skipped');
        if (body.length > mirror.maxBodyBytes) return mirror.abandon(ticket, 'too-large');
      }
      const headers = forwardHeaders(req.headers);
      mirror.send(ticket, { method: ctx.method, url: ctx.originalUrl, headers, bodyBytes: body?.length ?? 0 }, body, primaryOutcome(ctx.res, response));
    } catch {
      mirror.abandon(ticket, 'skipped');
    }
  });
  ctx.res.once('close', () => {
    if (settled || ctx.res.writableFinished) return;
    settled = true;
    mirror.abandon(ticket, 'skipped');
  });
  return state;
}

/** The bytes Koa's respond() sends for `ctx.body` (a string, a Buffer, JSON for anything else; nothing for HEAD or 204). */
function bodyOf(ctx: Context): Buffer {
  const body: unknown = ctx.body;
  if (ctx.method === 'HEAD' || EMPTY_STATUS.has(ctx.res.statusCode) || body === null || body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function isStream(body: unknown): boolean {
  return body !== null && typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe === 'function';
}
