import type { Context, Middleware, Next } from 'koa';
import type { Delivery } from '../../delivery.js';
import { createRequestDelivery, defaultContext } from '../shared/request-context.js';
import type { AbTestMiddlewareOptions } from './types.js';

/**
 * The seed's A/B middleware for Koa: assigns the request's unit to `experimentKey`, sets the request header
 * `x-variant` and the response header `X-Variant`, and exposes the variant as `ctx.state.variant` (undefined when
 * the unit is not in the experiment). Anonymous visitors keep their variant through the id cookie.
 * @example
 * app.use(abTestMiddleware(delivery, 'checkout-button'));
 * app.use((ctx) => { ctx.body = ctx.state.variant === 'green' ? 'green' : 'default'; });
 */
export function abTestMiddleware(delivery: Delivery, experimentKey: string, opts: AbTestMiddlewareOptions = {}): Middleware {
  const { userId, cookie } = opts;
  // not async: returning next()'s promise saves a promise and a tick per request
  return function abTestMiddleware(ctx: Context, next: Next): Promise<void> {
    try {
      let explicit: string | undefined;
      if (userId) {
        try {
          explicit = userId(ctx);
        } catch (err) {
          delivery.context.reporter.once('middleware:userId', err, 'abTestMiddleware: the userId function threw; using the default unit', 'USER_CODE');
        }
      }
      const base = ctx.state.delivery?.context;
      const evalCtx = explicit !== undefined ? { ...base, userId: explicit } : (base ?? defaultContext(ctx.req, ctx.res, cookie));
      ctx.state.delivery ??= createRequestDelivery(delivery, evalCtx, 'primary');
      const a = delivery.experiments.assign(experimentKey, evalCtx);
      ctx.state.delivery.assignments[experimentKey] = a;
      if (a.variant !== undefined) {
        ctx.req.headers['x-variant'] = a.variant;
        ctx.set('X-Variant', a.variant);
      }
      ctx.state.variant = a.variant;
    } catch (err) {
      delivery.context.reporter.once('middleware:abtest', err, `abTestMiddleware('${experimentKey}') failed; the request continues without a variant`, 'GENERAL');
    }
    return next();
  };
}
