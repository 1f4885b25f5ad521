// CSRF protection of every write: a same-origin check (Sec-Fetch-Site, Origin, Referer) and a per-session token.
// The session is a random cookie (HttpOnly, SameSite=Strict, scoped to the mount path); the token is the
// HMAC-SHA256 of that cookie under a per-router secret, embedded in every form. A forged request can carry the
// cookie but cannot compute the token, and a cross-site page cannot read it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdminRequest } from './types.js';

export const CSRF_COOKIE = 'pd_admin_session';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SESSION_RE = /^[A-Za-z0-9_-]{32,64}$/;

/** Reads one cookie from a Cookie header; undefined when absent or malformed. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The request's own host, lower-cased ('example.com:8080'). */
function ownHost(req: AdminRequest): string | undefined {
  const h = req.headers.host;
  return typeof h === 'string' && h ? h.toLowerCase() : undefined;
}

function originOf(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export class CsrfGuard {
  readonly #secret: Buffer;
  readonly #trusted: ReadonlySet<string>;

  constructor(secret: string | undefined, trustedOrigins: string[]) {
    this.#secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    this.#trusted = new Set(trustedOrigins);
  }

  /** The request's session id, or a new one with the Set-Cookie header that establishes it. */
  session(req: AdminRequest): { id: string; setCookie?: string } {
    const existing = cookieValue(req.headers.cookie, CSRF_COOKIE);
    if (existing && SESSION_RE.test(existing)) return { id: existing };
    const id = randomBytes(24).toString('base64url');
    const attrs = [`${CSRF_COOKIE}=${id}`, `Path=${req.base || '/'}`, 'HttpOnly', 'SameSite=Strict'];
    if (req.secure) attrs.push('Secure');
    return { id, setCookie: attrs.join('; ') };
  }

  /** The token forms carry for this session. */
  token(sessionId: string): string {
    return createHmac('sha256', this.#secret).update(sessionId).digest('base64url');
  }

  /** Why the write must be refused, or undefined when it passes both checks. */
  refusal(req: AdminRequest, submitted: string | undefined): string | undefined {
    const origin = this.#originRefusal(req);
    if (origin) return origin;
    const session = cookieValue(req.headers.cookie, CSRF_COOKIE);
    if (!session || !SESSION_RE.test(session)) return 'no admin session cookie: load the page again and resubmit';
    if (!submitted) return `no CSRF token: send the ${CSRF_FIELD} form field or the X-CSRF-Token header from the page`;
    const want = Buffer.from(this.token(session));
    const got = Buffer.from(submitted);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return 'the CSRF token does not match this session: load the page again and resubmit';
    return undefined;
  }

  #originRefusal(req: AdminRequest): string | undefined {
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin') {
      const o = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
      if (!(o && this.#trusted.has(o))) return `cross-site request refused (Sec-Fetch-Site: ${site})`;
    }
    const host = ownHost(req);
    const origin = req.headers.origin;
    if (typeof origin === 'string') {
      if (origin === 'null') return 'cross-site request refused (Origin: null)';
      if (this.#trusted.has(origin)) return undefined;
      const u = originOf(origin);
      if (!u || !host || u.host.toLowerCase() !== host) return `cross-origin request refused (Origin ${origin} is not this host)`;
      return undefined;
    }
    const referer = req.headers.referer;
    if (typeof referer === 'string') {
      const u = originOf(referer);
      if (u && this.#trusted.has(u.origin)) return undefined;
      if (!u || !host || u.host.toLowerCase() !== host) return 'cross-origin request refused (the Referer is not this host)';
      return undefined;
    }
    return 'request refused: neither Origin nor Referer is present, so its origin cannot be checked';
  }
}
