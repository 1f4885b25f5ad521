// Options of adminRouter (Express and Koa) and their validation: a missing authorize is a configuration mistake
// that fails at once, never a dashboard open to the world.
import { parseDuration, type Duration } from '../core/duration.js';
import { ValidationError, type ValidationIssue } from '../core/errors.js';

/** Options shared by the Express and Koa admin routers. */
export interface AdminCommonOptions {
  /**
   * A path inside the mount point. Express: the dashboard answers under `req.baseUrl + prefix`. Koa (no mount
   * paths): requests outside `prefix` pass through to the next middleware. Starts with '/', no trailing '/'.
   * @default '' (the mount point itself)
   */
  prefix?: string;
  /** Shown in the page header and title. @default 'progressive-delivery' */
  title?: string;
  /**
   * Key of the CSRF tokens (HMAC-SHA256 of the session cookie). Give every instance behind one load balancer the
   * same secret (at least 32 characters), or a page served by one instance posts a token another rejects.
   * @default 32 random bytes per router
   */
  csrfSecret?: string;
  /** Origins (`https://ops.example.com`) allowed to post besides the request's own host. @default [] */
  trustedOrigins?: string[];
  /** Largest form or JSON body accepted; larger bodies get 413. @default 65536 (bytes) */
  bodyLimit?: number;
  /** The window of the success rate and p99 shown per rollout version (fleet-wide). @default '5m' */
  metricsWindow?: Duration;
  /**
   * How often running experiments' results are sampled for the cumulative-rate chart (one store read per running
   * experiment, on the delivery's clock). @default '1m'
   */
  historyInterval?: Duration;
  /** Points kept per experiment chart and per rollout weight timeline; older points are thinned, not dropped. @default 120 */
  historySize?: number;
  /** Interval of the server-sent 'tick' event (heartbeat, and refresh of pages whose data has no store event). @default 5000 (ms) */
  liveInterval?: number;
  /** Live-update (SSE) connections open at once; more get 503. @default 50 */
  maxEventClients?: number;
}

/** `authorize` decides per request; a false (or a throw) answers 403 on every route, assets and events included. */
export type AdminAuthOptions<R> =
  | { authorize: (req: R) => boolean | Promise<boolean>; insecure?: true }
  | { insecure: true; authorize?: (req: R) => boolean | Promise<boolean> };

/** Options of `adminRouter(delivery, options)`: `authorize` or `insecure: true` is required. */
export type AdminRouterOptions<R> = AdminCommonOptions & AdminAuthOptions<R>;

/** Validated options with defaults applied. */
export interface ResolvedAdminOptions {
  authorize: ((req: unknown) => boolean | Promise<boolean>) | undefined;
  prefix: string;
  title: string;
  csrfSecret: string | undefined;
  trustedOrigins: string[];
  bodyLimit: number;
  metricsWindowMs: number;
  historyIntervalMs: number;
  historySize: number;
  liveIntervalMs: number;
  maxEventClients: number;
}

const KNOWN = new Set(['authorize', 'insecure', 'prefix', 'title', 'csrfSecret', 'trustedOrigins', 'bodyLimit', 'metricsWindow', 'historyInterval', 'historySize', 'liveInterval', 'maxEventClients']);

function intIn(v: unknown, path: string, min: number, max: number, issues: ValidationIssue[]): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    issues.push({ path, message: `must be an integer from ${min} to ${max}, got ${String(v)}` });
    return false;
  }
  return true;
}

function duration(v: unknown, path: string, def: number, issues: ValidationIssue[]): number {
  if (v === undefined) return def;
  try {
    const n = parseDuration(v as Duration, path);
    if (n > 0) return n;
    issues.push({ path, message: 'must be a positive duration' });
  } catch (err) {
    issues.push({ path, message: err instanceof Error ? err.message : String(err) });
  }
  return def;
}

/** Checks every option; throws one ValidationError listing all problems. */
export function resolveAdminOptions(opts: unknown): ResolvedAdminOptions {
  const issues: ValidationIssue[] = [];
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new ValidationError(
      [{ path: '', message: 'adminRouter needs options: { authorize: (req) => boolean } (e.g. check the session user\'s role), or { insecure: true } for local use only' }],
      { subject: 'adminRouter' },
    );
  }
  const o = opts as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) issues.push({ path: k, message: `unknown option (known: ${[...KNOWN].join(', ')})` });
  if (o.authorize !== undefined && typeof o.authorize !== 'function') issues.push({ path: 'authorize', message: 'must be a function (req) => boolean | Promise<boolean>' });
  if (o.insecure !== undefined && o.insecure !== true) issues.push({ path: 'insecure', message: 'can only be true (it turns the authorization check off)' });
  if (o.authorize === undefined && o.insecure !== true) {
    issues.push({
      path: 'authorize',
      message: "is required: pass authorize: (req) => boolean (e.g. req => req.user?.role === 'admin'), or insecure: true to serve the dashboard without a check (local use only)",
    });
  }
  let prefix = '';
  if (o.prefix !== undefined) {
    if (typeof o.prefix !== 'string' || (o.prefix !== '' && !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(o.prefix)) || o.prefix.includes('//')) {
      issues.push({ path: 'prefix', message: "must be a path like '/delivery' (starting with '/', no query, no '//')" });
    } else prefix = o.prefix.replace(/\/+$/, '');
  }
  if (o.title !== undefined && (typeof o.title !== 'string' || o.title.length > 100)) issues.push({ path: 'title', message: 'must be a string of at most 100 characters' });
  if (o.csrfSecret !== undefined && (typeof o.csrfSecret !== 'string' || o.csrfSecret.length < 32)) {
    issues.push({ path: 'csrfSecret', message: 'must be a string of at least 32 characters (e.g. crypto.randomBytes(32).toString("hex"))' });
  }
  const origins: string[] = [];
  if (o.trustedOrigins !== undefined) {
    if (!Array.isArray(o.trustedOrigins)) issues.push({ path: 'trustedOrigins', message: "must be an array of origins like 'https://ops.example.com'" });
    else {
      o.trustedOrigins.forEach((v, i) => {
        let ok = false;
        if (typeof v === 'string') {
          try {
            const u = new URL(v);
            ok = u.origin === v.replace(/\/$/, '') && (u.protocol === 'http:' || u.protocol === 'https:');
            if (ok) origins.push(u.origin);
          } catch {
            ok = false;
          }
        }
        if (!ok) issues.push({ path: `trustedOrigins[${i}]`, message: "must be an origin: scheme and host only, like 'https://ops.example.com'" });
      });
    }
  }
  intIn(o.bodyLimit, 'bodyLimit', 1024, 16 * 1024 * 1024, issues);
  intIn(o.historySize, 'historySize', 4, 10_000, issues);
  intIn(o.liveInterval, 'liveInterval', 100, 3_600_000, issues);
  intIn(o.maxEventClients, 'maxEventClients', 0, 10_000, issues);
  const metricsWindowMs = duration(o.metricsWindow, 'metricsWindow', 300_000, issues);
  const historyIntervalMs = duration(o.historyInterval, 'historyInterval', 60_000, issues);
  if (issues.length) throw new ValidationError(issues, { subject: 'adminRouter' });
  return {
    authorize: o.authorize as ResolvedAdminOptions['authorize'],
    prefix,
    title: (o.title as string | undefined) ?? 'progressive-delivery',
    csrfSecret: o.csrfSecret as string | undefined,
    trustedOrigins: origins,
    bodyLimit: (o.bodyLimit as number | undefined) ?? 65_536,
    metricsWindowMs,
    historyIntervalMs,
    historySize: (o.historySize as number | undefined) ?? 120,
    liveIntervalMs: (o.liveInterval as number | undefined) ?? 5000,
    maxEventClients: (o.maxEventClients as number | undefined) ?? 50,
  };
}
