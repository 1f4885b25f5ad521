import type { Context, Middleware, Next } from 'koa';
import type { Delivery } from '../../delivery.js';
import { PROMETHEUS_CONTENT_TYPE } from '../shared/request-context.js';
import type { MetricsHandlerOptions } from './types.js';

/**
 * Serves `delivery.metrics.prometheus()` in the Prometheus text format 0.0.4 on GET/HEAD `path` (Koa has no mount
 * path); other requests pass through.
 * @example
 * app.use(metricsHandler(delivery));                      // GET /metrics
 * router.get('/internal/metrics', metricsHandler(delivery, { path: false }));
 */
export function metricsHandler(delivery: Delivery, opts: MetricsHandlerOptions = {}): Middleware {
  const path = opts.path ?? '/metrics';
  return async function metricsHandler(ctx: Context, next: Next): Promise<void> {
    if (path !== false && (ctx.path !== path || (ctx.method !== 'GET' && ctx.method !== 'HEAD'))) return next();
    let body: string;
    try {
      body = delivery.metrics.prometheus();
    } catch (err) {
      delivery.context.reporter.once('middleware:metrics', err, 'metricsHandler: rendering the metrics failed', 'GENERAL');
      ctx.status = 500;
      ctx.type = 'text/plain';
      ctx.body = '# metrics unavailable\n';
      return;
    }
    delivery.context.reporter.clear('middleware:metrics');
    ctx.status = 200;
    ctx.body = body;
    ctx.set('Content-Type', PROMETHEUS_CONTENT_TYPE);
  };
}
