// The 'progressive-delivery/koa' entry: one export line per file.
export { deliveryMiddleware } from './delivery-middleware.js';
export { abTestMiddleware } from './ab-test.js';
export { metricsHandler } from './metrics-handler.js';
export type { DeliveryMiddlewareOptions, AbTestMiddlewareOptions, MetricsHandlerOptions, RequestDelivery, AnonymousCookieOptions } from './types.js';
export { mirrorMiddleware, type MirrorOptions, type MirrorControls, type MirrorResult, type MirrorRequest, type MirrorStats } from './mirror.js';
export { adminRouter, type KoaAdminOptions, type KoaAdminRouter } from './admin.js';
