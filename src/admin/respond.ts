// Response helpers: security headers on everything, HTML pages (whole or the live-refresh fragment), redirects.
import type { AdminRequest, AdminResponse } from './types.js';
import { mainInner, page, type PageContent, type View } from './layout.js';
import { html } from './html.js';

/** Nothing from another host; no inline script or style; no framing. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

export function text(status: number, body: string, extra: Record<string, string | string[]> = {}): AdminResponse {
  return { status, headers: { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', ...extra }, body: `${body}\n` };
}

export function json(status: number, body: unknown, extra: Record<string, string | string[]> = {}): AdminResponse {
  return { status, headers: { ...securityHeaders(), 'Content-Type': 'application/json; charset=utf-8', ...extra }, body: JSON.stringify(body) };
}

export function redirect(location: string, status = 303, extra: Record<string, string | string[]> = {}): AdminResponse {
  return { status, headers: { ...securityHeaders(), Location: location, 'Content-Type': 'text/plain; charset=utf-8', ...extra }, body: `See ${location}\n` };
}

/** A page, or only its <main> content when the live-update script asks for the fragment. */
export function htmlPage(req: AdminRequest, view: View, content: PageContent, status = 200, extra: Record<string, string | string[]> = {}): AdminResponse {
  const fragment = req.headers['x-pd-fragment'] === '1';
  const headers: Record<string, string | string[]> = { ...securityHeaders(), 'Content-Type': 'text/html; charset=utf-8', Vary: 'X-PD-Fragment', ...extra };
  if (fragment) headers['X-PD-Fragment'] = '1';
  return { status, headers, body: fragment ? mainInner(content).value : page(view, content) };
}

/** An error page in the layout. */
export function errorContent(heading: string, message: string): PageContent {
  return { section: undefined, heading, body: html`<div class="banner error" role="alert">${message}</div>`, live: 'none' };
}

/** Whether the client asked for JSON (a script) rather than a page (a browser). */
export function wantsJson(req: AdminRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  const type = String(req.headers['content-type'] ?? '');
  return (accept.includes('application/json') && !accept.includes('text/html')) || (type.startsWith('application/json') && !accept.includes('text/html'));
}
