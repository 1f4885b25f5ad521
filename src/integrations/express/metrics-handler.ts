import type { Request, RequestHandler, Response } from 'express';
import type { Delivery } from '../../delivery.js';
import { PROMETHEUS_CONTENT_TYPE } from '../shared/request-context.js';

/**
 * Serves `delivery.metrics.prometheus()` in the Prometheus text format 0.0.4.
 * @example
 * app.get('/metrics', metricsHandler(delivery));
 */
export function metricsHandler(delivery: Delivery): RequestHandler {
  return function metricsHandler(_req: Request, res: Response): void {
    let body: string;
    try {
      body = delivery.metrics.prometheus();
    } catch (err) {
      delivery.context.reporter.once('middleware:metrics', err, 'metricsHandler: rendering the metrics failed', 'GENERAL');
      res.status(500).type('text/plain').send('# metrics unavailable\n');
      return;
    }
    delivery.context.reporter.clear('middleware:metrics');
    res.status(200).setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
    res.end(body);
  };
}
