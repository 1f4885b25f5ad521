import type { Context } from 'koa';
import type { AnonymousCookieOptions, RequestDelivery } from '../shared/request-context.js';
import type { EvaluationContext } from '../../flags/types.js';

export type { RequestDelivery, AnonymousCookieOptions };

declare module 'koa' {
  interface DefaultState {
    /** Set by `deliveryMiddleware` (and by `abTestMiddleware` when it runs alone). */
    delivery?: RequestDelivery;
    /** Set by `abTestMiddleware`: the variant assigned to this request, when it is in the experiment. */
    variant?: string;
  }
}

/** Options of the Koa `deliveryMiddleware`. */
export interface DeliveryMiddlewareOptions {
  /** Builds the evaluation context from the Koa context. @default `{ userId }` from X-User-ID, else a stable anonymous id kept in a cookie */
  context?: (ctx: Context) => EvaluationContext;
  /** Experiments assigned on every request (results in `ctx.state.delivery.assignments`). @default [] */
  experiments?: string[];
  /** A canary (from `delivery.rollouts.canary`) whose `route(ctx)` picks the side; exposed as `ctx.state.delivery.version`. */
  canary?: { route(ctx: Context): string };
  /** Records every request's outcome (5xx or thrown = error) and duration under this target, for the version that served it. */
  metricsTarget?: string;
  /** The anonymous-id cookie. */
  cookie?: AnonymousCookieOptions;
}

/** Options of the Koa `abTestMiddleware`. */
export interface AbTestMiddlewareOptions {
  /** The unit to assign. @default `ctx.state.delivery.context` when deliveryMiddleware ran, else X-User-ID, else the anonymous cookie id */
  userId?: (ctx: Context) => string | undefined;
  /** The anonymous-id cookie. */
  cookie?: AnonymousCookieOptions;
}

/** Options of the Koa `metricsHandler`. */
export interface MetricsHandlerOptions {
  /** The path it answers (GET and HEAD); `false` answers every request that reaches it (behind a router). @default '/metrics' */
  path?: string | false;
}
