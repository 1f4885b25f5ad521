import type { Context, Middleware, Next } from 'koa';
import type { Delivery } from '../../delivery.js';
import { createRequestDelivery, defaultContext, recordOutcome, routeSide, userContext } from '../shared/request-context.js';
import type { DeliveryMiddlewareOptions } from './types.js';

/**
 * Puts `{ context, isEnabled, variant, value, assign, track, assignments, version }` on `ctx.state.delivery`; with
 * a `canary`, routes the request and exposes the side as `version`; with `metricsTarget`, records each request's
 * outcome (5xx or thrown = error; `ctx.throw(4xx)` is a client error, not a failure) and duration with `delivery.metrics.record` for that version ('primary' without
 * a canary). Errors thrown downstream are recorded and rethrown unchanged.
 * @example
 * app.use(deliveryMiddleware(delivery, { metricsTarget: 'web' }));
 * app.use((ctx) => { ctx.body = ctx.state.delivery?.isEnabled('new-home') ? 'new' : 'old'; });
 */
export function deliveryMiddleware(delivery: Delivery, opts: DeliveryMiddlewareOptions = {}): Middleware {
  const { context, experiments = [], canary, metricsTarget, cookie } = opts;
  const clock = delivery.context.clock;
  const measured = async (ctx: Context, next: Next, target: string, version: string, startedAt: number): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown } | null;
      const s = e?.status ?? e?.statusCode;
      const status = typeof s === 'number' && s >= 400 && s < 600 ? s : 500;
      // ctx.throw(404) is how Koa answers a client error (http-errors sets expose): a response, not a failure
      const clientError = status < 500 && e?.expose === true;
      recordOutcome(delivery, target, version, status, !clientError, startedAt);
      throw err;
    }
    recordOutcome(delivery, target, version, ctx.status, false, startedAt);
  };
  // not async: without metricsTarget it returns next()'s promise, saving a promise and a tick per request
  return function deliveryMiddleware(ctx: Context, next: Next): Promise<void> {
    const startedAt = metricsTarget === undefined ? 0 : clock.now();
    let version = 'primary';
    try {
      const evalCtx = userContext(delivery, context, ctx) ?? defaultContext(ctx.req, ctx.res, cookie);
      version = routeSide(delivery, canary, ctx);
      const rd = createRequestDelivery(delivery, evalCtx, version);
      for (const key of experiments) rd.assign(key);
      ctx.state.delivery = rd;
    } catch (err) {
      delivery.context.reporter.once('middleware:koa', err, 'deliveryMiddleware failed; the request continues without ctx.state.delivery', 'GENERAL');
    }
    return metricsTarget === undefined ? next() : measured(ctx, next, metricsTarget, version, startedAt);
  };
}
