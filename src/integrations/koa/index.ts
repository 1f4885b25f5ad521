// The 'progressive-delivery/koa' entry: one export line per file.
export { deliveryMiddleware } from './delivery-middleware.js';
export { abTestMiddleware } from './ab-test.js';
export { metricsHandler } from './metrics-handler.js';
export type { DeliveryMiddlewareOptions, AbTestMiddlewareOptions, MetricsHandlerOptions, RequestDelivery, AnonymousCookieOptions } from './types.js';
