import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Delivery } from '../../delivery.js';
import { createRequestDelivery, defaultContext, recordOutcome, routeSide, userContext } from '../shared/request-context.js';
import { requestSlots } from './request-slots.js';
import type { DeliveryMiddlewareOptions } from './types.js';

/**
 * Puts `{ context, isEnabled, variant, value, assign, track, assignments, version }` on `req.delivery`; with a
 * `canary`, routes the request and exposes the side as `req.delivery.version`; with `metricsTarget`, records each
 * response's status and duration (5xx = error) with `delivery.metrics.record` for that version ('primary' without
 * a canary). Never throws into the request.
 * @example
 * app.use(deliveryMiddleware(delivery, { experiments: ['checkout-button'], metricsTarget: 'web' }));
 * app.get('/', (req, res) => res.send(req.delivery?.isEnabled('new-home') ? 'new' : 'old'));
 */
export function deliveryMiddleware(delivery: Delivery, opts: DeliveryMiddlewareOptions = {}): RequestHandler {
  const { context, experiments = [], canary, metricsTarget, cookie } = opts;
  const clock = delivery.context.clock;
  return function deliveryMiddleware(req: Request, res: Response, next: NextFunction): void {
    const startedAt = metricsTarget === undefined ? 0 : clock.now();
    let version = 'primary';
    try {
      const slots = requestSlots(req);
      const ctx = userContext(delivery, context, req) ?? defaultContext(req, res, cookie);
      version = routeSide(delivery, canary, req);
      const rd = createRequestDelivery(delivery, ctx, version);
      for (const key of experiments) rd.assign(key);
      slots.delivery = rd;
    } catch (err) {
      delivery.context.reporter.once('middleware:express', err, 'deliveryMiddleware failed; the request continues without req.delivery', 'GENERAL');
    }
    if (metricsTarget !== undefined) {
      res.once('finish', () => recordOutcome(delivery, metricsTarget, version, res.statusCode, false, startedAt));
    }
    next();
  };
}
