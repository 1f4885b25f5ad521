import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RequestBodyTap, ResponseTap, bodyFromParsed, forwardHeaders, hasBody, primaryOutcome, sendsBody } from '../../shadow/http-capture.js';
import { HttpMirror, type MirrorControls, type MirrorOptions, type MirrorTicket } from '../../shadow/mirror.js';

export type { MirrorOptions, MirrorControls, MirrorResult, MirrorRequest, MirrorStats } from '../../shadow/mirror.js';

/**
 * Replays a share of incoming requests (method, path, query, headers without hop-by-hop ones, body) to `target`
 * after the client has been answered, with `X-Shadow-Request: 1`, and compares the target's status, body and chosen
 * headers with what the client received. The client's response is untouched (same bytes) and never waits for the
 * mirror. Mount it before the routes (and before or after body parsers: both work).
 * @example
 * const mirror = mirrorMiddleware({ target: 'http://127.0.0.1:4001', percentage: 10, onResult: (r) => log(r.diffs) });
 * app.use(mirror);
 * app.get('/mirror-stats', (_req, res) => res.json(mirror.stats()));
 */
export function mirrorMiddleware(options: MirrorOptions): RequestHandler & MirrorControls {
  const mirror = new HttpMirror(options);
  const handler = function mirrorMiddleware(req: Request, res: Response, next: NextFunction): void {
    try {
      const ticket = mirror.begin(req.method, req.originalUrl, req.headers);
      if (ticket) watch(mirror, ticket, req, res);
    } catch {
      // the mirror never stands between a request and its handler
    }
    next();
  };
  return Object.assign(handler, {
    stats: () => mirror.stats(),
    mismatches: () => mirror.mismatches(),
    on: (event: 'result' | 'mismatch', listener: Parameters<MirrorControls['on']>[1]) => mirror.on(event, listener),
    close: () => mirror.close(),
  });
}

function watch(mirror: HttpMirror, ticket: MirrorTicket, req: Request, res: Response): void {
  const withBody = sendsBody(req.method) && hasBody(req);
  const consumedBefore = req.readableEnded;
  const bodyTap = withBody && !consumedBefore ? new RequestBodyTap(req, mirror.maxBodyBytes) : undefined;
  const resTap = req.method === 'HEAD' ? undefined : new ResponseTap(res, mirror.maxBodyBytes);
  let settled = false;
  res.once('finish', () => {
    if (settled) return;
    settled = true;
    try {
      if (resTap?.tooLarge || bodyTap?.tooLarge) return mirror.abandon(ticket, 'too-large');
      let body: Buffer | undefined;
      if (withBody) {
        body = bodyTap ? (bodyTap.ended ? bodyTap.bytes() : undefined) : bodyFromParsed(undefined, (req as { body?: unknown }).body, req.headers['content-type']);
        if (!body) return mirror.abandon(ticket, 'skipped'); // the handler never read the body: nothing faithful to replay
        if (body.length > mirror.maxBodyBytes) return mirror.abandon(ticket, 'too-large');
      }
      const headers = forwardHeaders(req.headers);
      const request = { method: req.method, url: req.originalUrl, headers, bodyBytes: body?.length ?? 0 };
      mirror.send(ticket, request, body, primaryOutcome(res, resTap?.bytes() ?? Buffer.alloc(0)));
    } catch {
      mirror.abandon(ticket, 'skipped');
    }
  });
  res.once('close', () => {
    if (settled || res.writableFinished) return;
    settled = true;
    mirror.abandon(ticket, 'skipped'); // the client went away before the response was complete
  });
}
