import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Delivery } from '../../delivery.js';
import { createRequestDelivery, defaultContext } from '../shared/request-context.js';
import { requestSlots } from './request-slots.js';
import type { AbTestMiddlewareOptions } from './types.js';

/**
 * The seed's A/B middleware: assigns the request's unit to `experimentKey`, sets the request header `x-variant`
 * and the response header `X-Variant`, and exposes the variant as `req.variant` (undefined when the unit is not in
 * the experiment). Anonymous visitors keep their variant through the id cookie.
 * @example
 * app.use(abTestMiddleware(delivery, 'checkout-button'));
 * app.get('/checkout', (req, res) => res.render(req.variant === 'green' ? 'green' : 'default'));
 */
export function abTestMiddleware(delivery: Delivery, experimentKey: string, opts: AbTestMiddlewareOptions = {}): RequestHandler {
  const { userId, cookie } = opts;
  return function abTestMiddleware(req: Request, res: Response, next: NextFunction): void {
    try {
      const slots = requestSlots(req);
      let explicit: string | undefined;
      if (userId) {
        try {
          explicit = userId(req);
        } catch (err) {
          delivery.context.reporter.once('middleware:userId', err, 'abTestMiddleware: the userId function threw; using the default unit', 'USER_CODE');
        }
      }
      const base = slots.delivery?.context;
      const ctx = explicit !== undefined ? { ...base, userId: explicit } : (base ?? defaultContext(req, res, cookie));
      const rd = (slots.delivery ??= createRequestDelivery(delivery, ctx, 'primary'));
      const a = delivery.experiments.assign(experimentKey, ctx);
      rd.assignments[experimentKey] = a;
      if (a.variant !== undefined) {
        req.headers['x-variant'] = a.variant;
        res.setHeader('X-Variant', a.variant);
      }
      slots.variant = a.variant;
    } catch (err) {
      delivery.context.reporter.once('middleware:abtest', err, `abTestMiddleware('${experimentKey}') failed; the request continues without a variant`, 'GENERAL');
    }
    next();
  };
}
