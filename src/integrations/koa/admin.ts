import type { Context, Middleware, Next } from 'koa';
import { AdminApp } from '../../admin/app.js';
import type { AdminRouterOptions } from '../../admin/options.js';
import type { Delivery } from '../../delivery.js';

/** Options of the Koa `adminRouter`: `authorize(ctx)` gets Koa's `ctx`. */
export type KoaAdminOptions = AdminRouterOptions<Context>;

/** The Koa middleware serving the dashboard; `close()` stops its timers, watches and event streams. */
export type KoaAdminRouter = Middleware & { close(): void };

/**
 * The admin dashboard as Koa middleware, answering under `prefix` (Koa has no mount paths; under koa-mount its
 * `ctx.mountPath` is honoured too) and passing every other request on. Same pages, security model and options as
 * the Express router. Throws a ValidationError at once without `authorize` and without `insecure: true`.
 * @example
 * app.use(adminRouter(delivery, { authorize: (ctx) => ctx.state.user?.role === 'ops', prefix: '/delivery' }));
 */
export function adminRouter(delivery: Delivery, options: KoaAdminOptions): KoaAdminRouter {
  const app = new AdminApp(delivery, options);
  const prefix = app.options.prefix;
  const handler = async function adminRouter(ctx: Context, next: Next): Promise<void> {
    let path = ctx.path || '/';
    if (prefix) {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) return next();
      path = path.slice(prefix.length) || '/';
    }
    const mount = typeof (ctx as { mountPath?: unknown }).mountPath === 'string' ? ((ctx as { mountPath?: string }).mountPath ?? '').replace(/\/$/, '') : '';
    const r = await app.handle({
      method: ctx.method,
      path,
      base: `${mount}${prefix}`,
      query: new URLSearchParams(ctx.querystring),
      headers: ctx.headers,
      node: ctx.req,
      parsedBody: (ctx.request as { body?: unknown }).body,
      secure: ctx.secure,
      authArg: ctx,
    });
    ctx.status = r.status;
    for (const [k, v] of Object.entries(r.headers)) ctx.set(k, v);
    if ('sse' in r) {
      // write the stream ourselves: a Koa stream body logs 'Premature close' every time a page is left
      ctx.respond = false;
      const res = ctx.res;
      ctx.req.socket.setTimeout(0);
      res.writeHead(r.status);
      res.flushHeaders();
      const stop = r.sse.start(
        (chunk) => res.write(chunk),
        () => res.end(),
      );
      ctx.req.on('close', stop);
      res.on('close', stop);
      return;
    }
    ctx.body = r.body;
  };
  return Object.assign(handler, { close: () => app.close() });
}
