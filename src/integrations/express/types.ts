import type { Request } from 'express';
import type { AnonymousCookieOptions, RequestDelivery } from '../shared/request-context.js';
import type { EvaluationContext } from '../../flags/types.js';

export type { RequestDelivery, AnonymousCookieOptions };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `deliveryMiddleware` (and by `abTestMiddleware` when it runs alone). */
      delivery?: RequestDelivery;
      /** Set by `abTestMiddleware`: the variant assigned to this request, when it is in the experiment. */
      variant?: string;
    }
  }
}

/** Options of the Express `deliveryMiddleware`. */
export interface DeliveryMiddlewareOptions {
  /** Builds the evaluation context. @default `{ userId }` from X-User-ID, else a stable anonymous id kept in a cookie */
  context?: (req: Request) => EvaluationContext;
  /** Experiments assigned on every request (results in `req.delivery.assignments`). @default [] */
  experiments?: string[];
  /** A canary (from `delivery.rollouts.canary`) whose `route(req)` picks the side; exposed as `req.delivery.version`. */
  canary?: { route(req: Request): string };
  /** Records every request's outcome (5xx = error) and duration under this target, for the version that served it. */
  metricsTarget?: string;
  /** The anonymous-id cookie. */
  cookie?: AnonymousCookieOptions;
}

/** Options of the Express `abTestMiddleware`. */
export interface AbTestMiddlewareOptions {
  /** The unit to assign. @default `req.delivery.context` when deliveryMiddleware ran, else X-User-ID, else the anonymous cookie id */
  userId?: (req: Request) => string | undefined;
  /** The anonymous-id cookie. */
  cookie?: AnonymousCookieOptions;
}
