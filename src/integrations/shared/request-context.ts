// Framework-neutral pieces shared by the Express and Koa adapters: the default evaluation context (X-User-ID or a
// stable anonymous id kept in a cookie), the per-request delivery object and outcome recording. Imports no framework.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Delivery } from '../../delivery.js';
import type { Assignment } from '../../experiments/types.js';
import type { EvaluationContext, FlagValue } from '../../flags/types.js';

/** What the middleware puts on the request (`req.delivery` in Express, `ctx.state.delivery` in Koa). */
export interface RequestDelivery {
  /** The evaluation context of this request. */
  readonly context: EvaluationContext;
  /** `delivery.flags.isEnabled(flag, context)`. */
  isEnabled(flag: string): boolean;
  /** `delivery.flags.variant(flag, context)`. */
  variant(flag: string): string | undefined;
  /** `delivery.flags.value(flag, context, defaultValue)`. */
  value<T extends FlagValue>(flag: string, defaultValue: T): T;
  /** `delivery.experiments.assign(experiment, context)`; also kept in `assignments`. */
  assign(experiment: string): Assignment;
  /** `delivery.experiments.track(experiment, context, metric, value)`. */
  track(experiment: string, metric: string, value?: number): void;
  /** Assignments made for this request (the `experiments` option and every `assign` call). */
  readonly assignments: Record<string, Assignment>;
  /** The version serving this request: the canary's side ('stable' | 'canary'), or 'primary' without a canary. */
  readonly version: string;
}

/** The anonymous-id cookie. */
export interface AnonymousCookieOptions {
  /** @default 'pd_uid' */
  name?: string;
  /** @default 31536000 (one year) */
  maxAgeSeconds?: number;
  /** Adds `Secure`. @default true when the connection is TLS */
  secure?: boolean;
  /** @default '/' */
  path?: string;
}

const ID = /^[A-Za-z0-9_-]{8,64}$/;
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const anonymousIds = new WeakMap<IncomingMessage, string>();

/** The value of cookie `name` in the request's Cookie header, or undefined. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    return v;
  }
  return undefined;
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  if (res.headersSent) return;
  const prev = res.getHeader('set-cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  res.setHeader('set-cookie', [...list, cookie]);
}

/**
 * A stable id for a visitor without X-User-ID: read from the cookie, or made up and set as an HttpOnly,
 * SameSite=Lax cookie. One id per request however many middlewares ask.
 */
export function anonymousId(req: IncomingMessage, res: ServerResponse, opts: AnonymousCookieOptions = {}): string {
  const known = anonymousIds.get(req);
  if (known) return known;
  const name = opts.name ?? 'pd_uid';
  if (!NAME.test(name)) throw new TypeError(`cookie name ${JSON.stringify(name)} is not a valid cookie token`);
  const fromCookie = readCookie(req, name);
  let id: string;
  if (fromCookie !== undefined && ID.test(fromCookie)) {
    id = fromCookie;
  } else {
    id = randomUUID();
    const secure = opts.secure ?? (req.socket as { encrypted?: boolean } | null)?.encrypted === true;
    appendSetCookie(res, `${name}=${id}; Path=${opts.path ?? '/'}; Max-Age=${opts.maxAgeSeconds ?? 31_536_000}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
  }
  anonymousIds.set(req, id);
  return id;
}

/** The X-User-ID header (first value), trimmed; undefined when absent or empty. */
export function headerUserId(req: IncomingMessage): string | undefined {
  const h = req.headers['x-user-id'];
  const v = (Array.isArray(h) ? h[0] : h)?.trim();
  return v ? v.slice(0, 256) : undefined;
}

/** The default context: `{ userId }` from X-User-ID, or `{ userId: <anonymous id>, anonymous: true }`. */
export function defaultContext(req: IncomingMessage, res: ServerResponse, cookie?: AnonymousCookieOptions): EvaluationContext {
  const userId = headerUserId(req);
  return userId !== undefined ? { userId } : { userId: anonymousId(req, res, cookie), anonymous: true };
}

/** Builds the per-request object; every method is a never-throwing call into the delivery. */
export function createRequestDelivery(delivery: Delivery, context: EvaluationContext, version: string): RequestDelivery {
  const assignments: Record<string, Assignment> = {};
  return {
    context,
    version,
    assignments,
    isEnabled: (flag) => delivery.flags.isEnabled(flag, context),
    variant: (flag) => delivery.flags.variant(flag, context),
    value: (flag, defaultValue) => delivery.flags.value(flag, context, defaultValue),
    assign(experiment) {
      const a = delivery.experiments.assign(experiment, context);
      assignments[experiment] = a;
      return a;
    },
    track: (experiment, metric, value) => delivery.experiments.track(experiment, context, metric, value),
  };
}

/** Calls user code that builds a context; a throw is reported and yields `undefined` (the default context is used). */
export function userContext<T>(delivery: Delivery, fn: ((arg: T) => EvaluationContext) | undefined, arg: T): EvaluationContext | undefined {
  if (!fn) return undefined;
  try {
    const c = fn(arg);
    return c && typeof c === 'object' ? c : undefined;
  } catch (err) {
    delivery.context.reporter.once('middleware:context', err, 'middleware: the context function threw; using the default context', 'USER_CODE');
    return undefined;
  }
}

/** Asks the canary which side serves; a throw is reported and yields 'stable'. */
export function routeSide<T>(delivery: Delivery, canary: { route(req: T): string } | undefined, arg: T): string {
  if (!canary) return 'primary';
  try {
    return canary.route(arg);
  } catch (err) {
    delivery.context.reporter.once('middleware:canary', err, 'middleware: canary.route threw; serving stable', 'USER_CODE');
    return 'stable';
  }
}

/** Records one request's outcome; never throws. */
export function recordOutcome(delivery: Delivery, target: string, version: string, status: number, failed: boolean, startedAt: number): void {
  try {
    const durationMs = Math.max(0, delivery.context.clock.now() - startedAt);
    delivery.metrics.record({ target, version, success: !failed && status < 500, durationMs, status });
  } catch (err) {
    delivery.context.reporter.once('middleware:record', err, 'middleware: recording the request outcome failed', 'GENERAL');
  }
}

/** The Prometheus text exposition content type. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
