// A small cookie-keeping HTTP client for the admin tests, a store wrapper that counts open watches (to see SSE
// subscriptions cleaned up), and helpers to read pages.
import type { Store, StoreChange } from '../../src/store/types.js';
import { MemoryStore } from '../../src/store/memory.js';
import { createServer, type RequestListener } from 'node:http';
import type { Clock } from '../../src/core/clock.js';
import type { Delivery } from '../../src/delivery.js';
import { until } from '../helpers/wait.js';
import { listen } from '../integrations/express-koa-helpers.js';

export interface Res {
  status: number;
  headers: Headers;
  text: string;
}

/** Keeps the admin session cookie like a browser; sends Origin on POSTs unless told otherwise. */
export class Client {
  readonly origin: string;
  cookies = new Map<string, string>();

  constructor(origin: string) {
    this.origin = origin;
  }

  #cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #keep(h: Headers): void {
    for (const c of h.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Res> {
    const r = await fetch(this.origin + path, { redirect: 'manual', headers: { cookie: this.#cookieHeader(), ...headers } });
    this.#keep(r.headers);
    return { status: r.status, headers: r.headers, text: await r.text() };
  }

  /** Posts a urlencoded form. `headers` replace the defaults (Origin = this origin). */
  async post(path: string, form: Record<string, string>, headers: Record<string, string | undefined> = {}): Promise<Res> {
    const h: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, cookie: this.#cookieHeader() };
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) delete h[k];
      else h[k] = v;
    }
    const r = await fetch(this.origin + path, { method: 'POST', redirect: 'manual', headers: h, body: new URLSearchParams(form).toString() });
    this.#keep(r.headers);
    return { status: r.status, headers: r.headers, text: await r.text() };
  }

  async postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const r = await fetch(this.origin + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', accept: 'application/json', origin: this.origin, cookie: this.#cookieHeader(), ...headers },
      body: JSON.stringify(body),
    });
    this.#keep(r.headers);
    return { status: r.status, headers: r.headers, text: await r.text() };
  }
}

/** The CSRF token a page carries. */
export function tokenOf(html: string): string {
  const m = /<meta name="csrf-token" content="([^"]+)">/.exec(html);
  if (!m) throw new Error('no csrf-token meta on the page');
  return m[1]!;
}

/** Every URL a page points to: href, src, action and the event-stream meta (fragment-only links and the empty data: favicon excluded). */
export function urlsOf(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\s(?:href|src|action)="([^"]*)"/g)) if (!m[1]!.startsWith('#') && m[1] !== 'data:,') out.push(m[1]!.replace(/&amp;/g, '&'));
  for (const m of html.matchAll(/<meta name="pd-events" content="([^"]*)"/g)) out.push(m[1]!);
  return out;
}

/** The first element `<tag ...attr...>...</tag>` of a page (non-greedy: no nesting of the same tag inside). */
export function elementOf(html: string, tag: string, attr: string): string {
  const m = new RegExp(`<${tag}[^>]*\\s${attr.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^>]*>[\\s\\S]*?</${tag}>`).exec(html);
  if (!m) throw new Error(`no <${tag} ${attr}> on the page`);
  return m[0];
}

/** The text of each cell of a table row, tags stripped and entities decoded. */
export function cellsOf(row: string): string[] {
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => decodeEntities(m[1]!.replace(/<[^>]*>/g, '')).trim());
}

export function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#96;/g, '`').replace(/&amp;/g, '&');
}

/** A MemoryStore that counts the watch subscriptions open on it. */
export class CountingStore implements Store {
  readonly inner: MemoryStore;
  openWatches = 0;
  constructor(clock?: Clock) {
    this.inner = new MemoryStore(clock ? { clock } : {});
  }
  get: Store['get'] = (k) => this.inner.get(k);
  list: Store['list'] = (p) => this.inner.list(p);
  put: Store['put'] = (k, v, o) => this.inner.put(k, v, o);
  delete: Store['delete'] = (k, o) => this.inner.delete(k, o);
  increment: Store['increment'] = (k, f, b, o) => this.inner.increment(k, f, b, o);
  counters: Store['counters'] = (k) => this.inner.counters(k);
  setIfAbsent: Store['setIfAbsent'] = (k, v, o) => this.inner.setIfAbsent(k, v, o);
  acquireLease: Store['acquireLease'] = (n, o, t) => this.inner.acquireLease(n, o, t);
  releaseLease: Store['releaseLease'] = (n, o) => this.inner.releaseLease(n, o);
  close: Store['close'] = () => this.inner.close();
  watch(prefix: string, listener: (c: StoreChange) => void): () => void {
    const un = this.inner.watch(prefix, listener);
    this.openWatches++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.openWatches--;
      un();
    };
  }
}

/**
 * Reads a server-sent event stream until `until` holds for the text so far; gives up (rejects) after `timeoutMs`
 * of real time, so an event that never comes fails the test with what was read instead of hanging it.
 */
export async function readEvents(url: string, headers: Record<string, string>, until: (text: string) => boolean, onOpen?: () => void | Promise<void>, timeoutMs = 3000): Promise<string> {
  const ac = new AbortController();
  let text = '';
  const timer = setTimeout(() => ac.abort(new Error(`events: gave up after ${timeoutMs} ms; read so far: ${JSON.stringify(text)}`)), timeoutMs);
  try {
    const r = await fetch(url, { headers, signal: ac.signal });
    if (r.status !== 200 || !r.body) throw new Error(`events: HTTP ${r.status}`);
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let opened = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      if (!opened && text.includes(': connected')) {
        opened = true;
        await onOpen?.();
      }
      if (until(text)) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return text;
}

export const waitFor = (check: () => boolean, what: string, ms = 3000): Promise<void> => until(check, { what, timeoutMs: ms });

/**
 * Serves `listener` (an app with the dashboard mounted) on 127.0.0.1 while `fn` runs with its base URL, then closes
 * the dashboard's `router` (its timers and store watches), the server and, when given, the `delivery`.
 */
export async function serveDashboard(listener: RequestListener, router: { close(): void }, fn: (base: string) => Promise<void>, delivery?: Delivery): Promise<void> {
  const s = await listen(createServer(listener));
  try {
    await fn(s.url);
  } finally {
    router.close();
    await s.close();
    await delivery?.close();
  }
}
