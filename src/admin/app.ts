// The framework-neutral admin core: authorization, the routing table, CSRF on every write, pages, assets and the
// event stream. The Express and Koa adapters turn their requests into AdminRequest and write the AdminResponse.
import type { Delivery } from '../delivery.js';
import { ADMIN_CSS, ADMIN_JS } from './assets.js';
import { HttpError, readForm, type FormData } from './body.js';
import { CSRF_FIELD, CSRF_HEADER, CsrfGuard } from './csrf.js';
import { Handlers, notFound, type WriteOutcome } from './handlers.js';
import type { PageContent, View } from './layout.js';
import { resolveAdminOptions, type ResolvedAdminOptions } from './options.js';
import { AdminRecorders } from './recorders.js';
import { errorContent, htmlPage, json, redirect, securityHeaders, text, wantsJson } from './respond.js';
import { EventHub } from './sse.js';
import type { AdminRequest, AdminResponse } from './types.js';

type Route =
  | { kind: 'page'; render: (view: View) => PageContent | undefined | Promise<PageContent | undefined> }
  | { kind: 'write'; run: (view: View, form: FormData) => Promise<WriteOutcome> }
  | { kind: 'asset'; type: string; body: string }
  | { kind: 'events' }
  | { kind: 'redirect'; to: string };

/**
 * The dashboard behind `adminRouter` (Express and Koa). One per router: it owns the CSRF secret, the chart history
 * and the live-update streams; `close()` stops them.
 */
export class AdminApp {
  readonly options: ResolvedAdminOptions;
  readonly #delivery: Delivery;
  readonly #csrf: CsrfGuard;
  readonly #hub: EventHub;
  readonly #recorders: AdminRecorders;
  readonly #handlers: Handlers;

  /** Validates the options at once (a ValidationError says what to pass). */
  constructor(delivery: Delivery, options: unknown) {
    this.options = resolveAdminOptions(options);
    if (!delivery || typeof delivery !== 'object' || !('flags' in delivery) || !('context' in delivery)) {
      throw new TypeError('adminRouter(delivery, options): the first argument must be the Delivery from createDelivery()');
    }
    this.#delivery = delivery;
    this.#csrf = new CsrfGuard(this.options.csrfSecret, this.options.trustedOrigins);
    this.#hub = new EventHub(delivery, this.options.liveIntervalMs, this.options.maxEventClients);
    this.#recorders = new AdminRecorders(delivery, this.options.historySize, this.options.historyIntervalMs);
    this.#handlers = new Handlers(delivery, this.#recorders, this.options.metricsWindowMs);
    this.#recorders.start();
  }

  /** The chart recorders (for tests and for sampling on demand). */
  get recorders(): AdminRecorders {
    return this.#recorders;
  }

  /** Open live-update streams. */
  get eventClients(): number {
    return this.#hub.size;
  }

  /** Stops the sampling timer, the rollout watch and every open event stream. */
  close(): void {
    this.#recorders.close();
    this.#hub.closeAll();
  }

  /** Answers one request. Never throws: failures become 4xx/5xx responses (and a report to the delivery). */
  async handle(req: AdminRequest): Promise<AdminResponse> {
    try {
      if (!(await this.#authorized(req))) return text(403, 'Forbidden: authorize() refused this request');
      return await this.#dispatch(req);
    } catch (err) {
      if (err instanceof HttpError) return text(err.status, err.message, err.status === 413 ? { Connection: 'close' } : {});
      this.#delivery.context.reporter.report(err, 'admin dashboard: request failed');
      return text(500, 'Internal error in the admin dashboard (reported to the delivery\'s error event)');
    }
  }

  async #authorized(req: AdminRequest): Promise<boolean> {
    const authorize = this.options.authorize;
    if (!authorize) return true; // insecure: true
    try {
      const ok = (await authorize(req.authArg)) === true;
      this.#delivery.context.reporter.clear('admin:authorize');
      return ok;
    } catch (err) {
      this.#delivery.context.reporter.once('admin:authorize', err, 'admin dashboard: authorize() threw; the request was refused', 'USER_CODE');
      return false;
    }
  }

  /** The route, `{ allow }` when the path exists but not for this method, or undefined. */
  #route(segments: string[], method: string, query: URLSearchParams): Route | { allow: string } | undefined {
    const h = this.#handlers;
    const [a, b, c, extra] = segments;
    const get = method === 'GET' || method === 'HEAD';
    const post = method === 'POST';
    const GET = { allow: 'GET, HEAD' };
    const POST = { allow: 'POST' };
    if (extra !== undefined) return undefined;
    if (a === undefined) return get ? { kind: 'redirect', to: 'flags' } : GET;
    if (a === 'assets' && c === undefined && (b === 'admin.css' || b === 'admin.js')) {
      if (!get) return GET;
      return b === 'admin.css' ? { kind: 'asset', type: 'text/css; charset=utf-8', body: ADMIN_CSS } : { kind: 'asset', type: 'text/javascript; charset=utf-8', body: ADMIN_JS };
    }
    if (a === 'events' && b === undefined) return get ? { kind: 'events' } : GET;
    if (a === 'flags') {
      if (b === undefined) return get ? { kind: 'page', render: (v) => h.flags(v, query.get('q') ?? '') } : GET;
      if (c === undefined) {
        if (get) return { kind: 'page', render: (v) => h.flag(v, b) };
        return post ? { kind: 'write', run: (v, f) => h.editFlag(v, b, f) } : { allow: 'GET, HEAD, POST' };
      }
      if (c === 'toggle') return post ? { kind: 'write', run: (v, f) => h.toggle(v, b, f) } : POST;
      return undefined;
    }
    if (a === 'experiments' && c === undefined) {
      if (!get) return GET;
      return b === undefined ? { kind: 'page', render: (v) => h.experiments(v) } : { kind: 'page', render: (v) => h.experiment(v, b, query.get('metric')) };
    }
    if (a === 'rollouts') {
      if (b === undefined) return get ? { kind: 'page', render: (v) => h.rollouts(v) } : GET;
      if (c === 'action') return post ? { kind: 'write', run: (v, f) => h.rolloutAction(v, b, f) } : POST;
      return undefined;
    }
    if (a === 'shadows' && b === undefined) return get ? { kind: 'page', render: (v) => h.shadows(v) } : GET;
    return undefined;
  }

  async #dispatch(req: AdminRequest): Promise<AdminResponse> {
    let segments: string[];
    try {
      segments = req.path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      return text(400, 'Bad request: malformed percent-encoding in the path');
    }
    const method = req.method.toUpperCase();
    const route = this.#route(segments, method, req.query);
    const session = this.#csrf.session(req);
    const cookie: Record<string, string | string[]> = session.setCookie ? { 'Set-Cookie': session.setCookie } : {};
    const view: View = { base: req.base, token: this.#csrf.token(session.id), title: this.options.title, now: this.#delivery.context.clock.now() };
    if (route && 'allow' in route) return text(405, `Method ${method} not allowed here`, { Allow: route.allow });
    if (route === undefined) return htmlPage(req, view, notFound(`Nothing at '${req.path}'.`), 404, cookie);
    if ((route.kind === 'page' || route.kind === 'write') && !this.#delivery.context.isReady()) {
      // writes wait for ready() and results need the snapshot: answer now instead of hanging the request
      return htmlPage(req, view, errorContent('Not ready', 'The delivery is not ready yet: the service has not called (or finished) delivery.ready(). Reload in a moment.'), 503, { ...cookie, 'Retry-After': '5' });
    }
    switch (route.kind) {
      case 'redirect':
        return redirect(`${req.base}/${route.to}`, 302);
      case 'asset':
        return { status: 200, headers: { ...securityHeaders(), 'Content-Type': route.type, 'Cache-Control': 'no-cache' }, body: route.body };
      case 'events':
        if (this.#hub.full) return text(503, 'Too many live-update connections; the page still works without them', { 'Retry-After': '30' });
        return { status: 200, headers: { ...securityHeaders(), 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' }, sse: this.#hub.source() };
      case 'page': {
        const content = await route.render(view);
        if (!content) return htmlPage(req, view, notFound(`Nothing named '${segments[1] ?? ''}' in ${segments[0] ?? ''}.`), 404, cookie);
        return htmlPage(req, view, content, 200, cookie);
      }
      case 'write': {
        const form = await readForm(req, this.options.bodyLimit);
        const submitted = form[CSRF_FIELD] ?? (typeof req.headers[CSRF_HEADER] === 'string' ? (req.headers[CSRF_HEADER] as string) : undefined);
        const refusal = this.#csrf.refusal(req, submitted);
        if (refusal) {
          if (wantsJson(req)) return json(403, { error: `CSRF check failed: ${refusal}` });
          return htmlPage(req, view, errorContent('Forbidden', `CSRF check failed: ${refusal}`), 403, cookie);
        }
        const out = await route.run(view, form);
        if (wantsJson(req)) return json(out.ok ? 200 : out.status, out.json);
        return out.ok ? redirect(out.redirect) : htmlPage(req, view, out.content, out.status, cookie);
      }
    }
  }
}
