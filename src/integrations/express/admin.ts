import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AdminApp } from '../../admin/app.js';
import type { AdminRouterOptions } from '../../admin/options.js';
import type { AdminResponse } from '../../admin/types.js';
import type { Delivery } from '../../delivery.js';

/** Options of the Express `adminRouter`: `authorize(req)` gets Express's `req`. */
export type ExpressAdminOptions = AdminRouterOptions<Request>;

/** The Express middleware serving the dashboard; `close()` stops its timers, watches and event streams. */
export type ExpressAdminRouter = RequestHandler & { close(): void };

function write(req: Request, res: Response, r: AdminResponse): void {
  if ('sse' in r) {
    req.socket.setTimeout(0);
    res.writeHead(r.status, r.headers);
    res.flushHeaders();
    const stop = r.sse.start(
      (chunk) => res.write(chunk),
      () => res.end(),
    );
    req.on('close', stop);
    res.on('close', stop);
    return;
  }
  res.status(r.status);
  for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
  if (req.method === 'HEAD') res.end();
  else res.end(r.body);
}

/**
 * The admin dashboard as Express middleware: flags (search, kill switch, percentage and targets), experiments
 * (results with lift, CI, p-value, SRM warning, a cumulative-rate chart), rollouts (live phase, weight timeline,
 * success rate and p99 per version, promote / abort / pause / resume) and shadows (match rate, last mismatches).
 * Every link, form and asset stays under the mount path (`req.baseUrl`); writes need a same-origin request and the
 * page's CSRF token. Throws a ValidationError at once without `authorize` and without `insecure: true`.
 * @example
 * app.use('/delivery', adminRouter(delivery, { authorize: (req) => req.get('x-user-role') === 'ops' }));
 */
export function adminRouter(delivery: Delivery, options: ExpressAdminOptions): ExpressAdminRouter {
  const app = new AdminApp(delivery, options);
  const prefix = app.options.prefix;
  const handler = function adminRouter(req: Request, res: Response, next: NextFunction): void {
    let path = req.path || '/';
    if (prefix) {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) return next();
      path = path.slice(prefix.length) || '/';
    }
    const q = req.originalUrl.indexOf('?');
    app
      .handle({
        method: req.method,
        path,
        base: `${req.baseUrl}${prefix}`,
        query: new URLSearchParams(q >= 0 ? req.originalUrl.slice(q + 1) : ''),
        headers: req.headers,
        node: req,
        parsedBody: (req as { body?: unknown }).body,
        secure: req.secure,
        authArg: req,
      })
      .then((r) => write(req, res, r))
      .catch(next);
  };
  return Object.assign(handler, { close: () => app.close() });
}
