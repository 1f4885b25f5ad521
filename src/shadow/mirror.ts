import { bucket } from '../core/bucket.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { DeliveryContext } from '../core/context.js';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import { safeLogger } from '../core/logger.js';
import { defaultRandom, type Random } from '../core/random.js';
import { ErrorReporter } from '../core/report.js';
import { headerRecord, decodeBody } from './http-capture.js';
import { httpComparator, type HttpOutcome } from './http-compare.js';
import { NoiseModel } from './noise.js';
import { ShadowRecorder } from './recorder.js';
import { registerShadowCounters } from './telemetry.js';
import type { Comparator, Outcome, ShadowEvents, ShadowResult, ShadowStats } from './types.js';

/** The request as replayed to the target (what results carry as `request`). */
export interface MirrorRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  /** Forwarded headers (hop-by-hop ones removed, `x-shadow-request: 1` added). */
  headers: Record<string, string>;
  /** Request body size in bytes. */
  bodyBytes: number;
}

export type MirrorResult = ShadowResult<HttpOutcome, MirrorRequest>;

/** Options of `mirrorMiddleware` (Express and Koa). Invalid options throw a ValidationError at once. */
export interface MirrorOptions {
  /** Base URL of the shadow deployment: `http://127.0.0.1:4001` (a path prefix is kept). */
  target: string;
  /** Share of requests mirrored, 0 to 100. @default 100 */
  percentage?: number;
  /** Compares the primary's response with the target's. @default httpComparator({ headers }) */
  compare?: Comparator<HttpOutcome>;
  /** Abort the mirrored request after this long (on the clock). @default 5000 */
  timeoutMs?: number;
  /**
   * Requests being captured or mirrored at once; beyond it a request is not mirrored and counts as `dropped`.
   * Also bounds memory: at most this many bodies (each up to `maxBodyBytes`) are held. @default 100
   */
  maxConcurrent?: number;
  /** Called with every result (after `redact`). Errors it throws are reported, never raised. */
  onResult?: (r: MirrorResult) => void;
  /** Called with every mismatch (after `redact`). */
  onMismatch?: (r: MirrorResult) => void;
  /** Label in stats and `progressive_delivery_shadow_results_total{name}`. @default 'mirror' */
  name?: string;
  /** Response headers compared by the default comparator. @default ['content-type'] */
  headers?: string[];
  /** Larger request or response bodies are not mirrored (counted as `tooLarge`). @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Deterministic sampling key (e.g. a user id header). @default random sampling */
  sampleBy?: (req: { method: string; url: string; headers: Record<string, string | string[] | undefined> }) => string;
  /**
   * Noise cancellation (Diffy): for a share of mirrored requests, also replay the request to a second instance of the
   * primary (`target`); paths where the two primaries' responses differ are learned per endpoint and excluded from
   * the comparison with the shadow. The same `X-Shadow-Request: 1` marker is sent.
   */
  noise?: { target: string; /** Fraction 0 to 1. @default 1 */ sampleRate?: number; maxEndpoints?: number; maxPaths?: number };
  /** Endpoint key for noise learning and results. @default method and path without the query: 'GET /products/42' */
  endpoint?: (req: MirrorRequest) => string;
  /** Entries kept by `mismatches()`. @default 50 */
  mismatchLogSize?: number;
  /** Applied to results before they are stored or handed out. */
  redact?: (r: MirrorResult) => MirrorResult;
  /** Registers the counters in this delivery's `metrics.prometheus()` and uses its clock, random source and 'error' event. */
  delivery?: { readonly context: DeliveryContext };
  /** Time source when no delivery is given. @default the system clock */
  clock?: Clock;
  /** Random source when no delivery is given. @default Math.random */
  random?: Random;
}

/** Stats of a mirror: the shadow client's, plus requests not mirrored because a body was too large. */
export interface MirrorStats extends ShadowStats {
  tooLarge: number;
}

/** What the returned middleware also offers. */
export interface MirrorControls {
  stats(): MirrorStats;
  mismatches(): MirrorResult[];
  on(event: 'result' | 'mismatch', listener: (r: MirrorResult) => void): unknown;
  /** Aborts mirrored requests in flight (counted as timeouts); later requests are not mirrored. */
  close(): void;
}

/** A reserved slot for one sampled request, from its arrival to its result. */
export interface MirrorTicket {
  method: string;
  url: string;
  t0: number;
}

class MirrorEvents extends Emitter<ShadowEvents<HttpOutcome, MirrorRequest>> {
  emitResult(event: 'result' | 'mismatch', r: MirrorResult, onError: (e: unknown) => void): void {
    this.emitSafe(event, onError, r);
  }
}

/** The framework-free half of the mirror middleware: sampling, the bound, replaying with fetch, comparing, reporting. */
export class HttpMirror implements MirrorControls {
  readonly #o: MirrorOptions;
  readonly #base: URL;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #rec: ShadowRecorder<MirrorRequest, HttpOutcome>;
  readonly #events = new MirrorEvents();
  readonly #inFlight = new Set<AbortController>();
  readonly maxBodyBytes: number;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #percentage: number;
  readonly #noiseBase: URL | undefined;
  readonly #noiseRate: number;
  #closed = false;

  constructor(options: MirrorOptions) {
    validateMirrorOptions(options);
    this.#o = { ...options };
    this.#base = new URL(options.target);
    const ctx = options.delivery?.context;
    this.#clock = ctx?.clock ?? options.clock ?? systemClock;
    this.#random = ctx?.random ?? options.random ?? defaultRandom;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxConcurrent = options.maxConcurrent ?? 100;
    this.#percentage = options.percentage ?? 100;
    this.#noiseBase = options.noise ? new URL(options.noise.target) : undefined;
    this.#noiseRate = options.noise?.sampleRate ?? 1;
    const reporter = ctx?.reporter ?? new ErrorReporter(() => {}, safeLogger());
    const name = options.name ?? 'mirror';
    this.#rec = new ShadowRecorder<MirrorRequest, HttpOutcome>({
      name,
      reporter,
      clock: this.#clock,
      compare: options.compare ?? httpComparator({ headers: options.headers ?? ['content-type'] }),
      ignore: [],
      noise: options.noise ? new NoiseModel(options.noise.maxEndpoints ?? 100, options.noise.maxPaths ?? 100) : undefined,
      redact: options.redact,
      mismatchLogSize: options.mismatchLogSize ?? 50,
      latencyWindow: 1024,
      emit: (event, r) => {
        const onError = (err: unknown): void => this.#rec.userError(`'${event}' listener`, err);
        const cb = event === 'result' ? this.#o.onResult : this.#o.onMismatch;
        if (cb) {
          try {
            cb(r);
          } catch (err) {
            onError(err);
          }
        }
        this.#events.emitResult(event, r, onError);
      },
    });
    if (ctx) registerShadowCounters(ctx, this.#rec);
  }

  /** Decides whether to mirror a request that just arrived; reserves a slot when it does. */
  begin(method: string, url: string, headers: Record<string, string | string[] | undefined>): MirrorTicket | undefined {
    const rec = this.#rec;
    rec.callCount++;
    if (this.#closed || !this.#sampled(method, url, headers)) {
      rec.skipped++;
      return undefined;
    }
    const len = Number(headers['content-length'] ?? 0);
    if (len > this.maxBodyBytes) {
      rec.tooLarge++;
      return undefined;
    }
    if (rec.inFlightCount >= this.#maxConcurrent) {
      rec.dropped++;
      return undefined;
    }
    rec.inFlightCount++;
    return { method, url, t0: this.#clock.now() };
  }

  /** Gives up a reserved slot: the request will not be mirrored. */
  abandon(_ticket: MirrorTicket, reason: 'too-large' | 'skipped'): void {
    this.#rec.inFlightCount--;
    if (reason === 'too-large') this.#rec.tooLarge++;
    else this.#rec.skipped++;
  }

  /** Replays the request to the target (off the response path) and compares with the primary's response. */
  send(ticket: MirrorTicket, request: MirrorRequest, body: Buffer | undefined, primary: HttpOutcome): void {
    const rec = this.#rec;
    if (this.#closed) return this.abandon(ticket, 'skipped');
    rec.mirrored++;
    const primaryOutcome: Outcome<HttpOutcome> = { value: primary, durationMs: this.#clock.now() - ticket.t0 };
    setImmediate(() => {
      this.#replay(ticket, request, body, primaryOutcome).catch((err: unknown) => this.#rec.userError('mirror', err));
    });
  }

  async #replay(ticket: MirrorTicket, request: MirrorRequest, body: Buffer | undefined, primary: Outcome<HttpOutcome>): Promise<void> {
    const rec = this.#rec;
    const ac = new AbortController();
    this.#inFlight.add(ac);
    let timedOut = false;
    let timer: unknown;
    let shadow: Outcome<HttpOutcome> | undefined;
    let secondary: Outcome<HttpOutcome> | undefined;
    try {
      timer = this.#clock.setTimeout(() => {
        timedOut = true;
        ac.abort(new Error(`mirror request timed out after ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const noise = this.#noiseBase && (this.#noiseRate >= 1 || this.#random() < this.#noiseRate) ? this.#noiseBase : undefined;
      const shadowDone = this.#exchange(this.#base, ticket.url, request, body, ac.signal).then((o) => {
        if (!timedOut) shadow = o;
      });
      const secondaryDone = noise
        ? this.#exchange(noise, ticket.url, request, body, ac.signal).then((o) => {
            if (!timedOut) secondary = o;
          })
        : undefined;
      await shadowDone;
      if (secondaryDone) await secondaryDone;
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      this.#inFlight.delete(ac);
      rec.inFlightCount--;
    }
    const endpoint = this.#endpoint(request, ticket.url);
    if (!shadow || this.#closed) rec.timeout(request, endpoint, primary, { durationMs: this.#timeoutMs, timedOut: true });
    else rec.decide(request, endpoint, primary, shadow, secondary);
  }

  /** One replay of the request against `base`; never rejects (a failure is the outcome's error). */
  async #exchange(base: URL, path: string, request: MirrorRequest, body: Buffer | undefined, signal: AbortSignal): Promise<Outcome<HttpOutcome>> {
    const started = this.#clock.now();
    try {
      const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
      const res = await fetch(url, {
        method: request.method,
        headers: request.headers,
        body: body && body.length && request.method !== 'GET' && request.method !== 'HEAD' ? body : undefined,
        redirect: 'manual',
        signal,
      });
      const headers = headerRecord(res.headers);
      const bytes = request.method === 'HEAD' ? Buffer.alloc(0) : await readCapped(res, this.maxBodyBytes);
      return {
        value: { status: res.status, headers, body: bytes === undefined ? `<body larger than ${this.maxBodyBytes} bytes>` : decodeBody(bytes, headers, false) },
        durationMs: this.#clock.now() - started,
      };
    } catch (error) {
      return { error, durationMs: this.#clock.now() - started };
    }
  }

  #endpoint(request: MirrorRequest, url: string): string {
    const fn = this.#o.endpoint;
    if (fn) {
      try {
        return String(fn(request));
      } catch (err) {
        this.#rec.userError('endpoint', err);
      }
    }
    return `${request.method} ${url.split('?')[0]}`;
  }

  #sampled(method: string, url: string, headers: Record<string, string | string[] | undefined>): boolean {
    const p = this.#percentage;
    const sampleBy = this.#o.sampleBy;
    if (!sampleBy) return p >= 100 || (p > 0 && this.#random() * 100 < p);
    try {
      return bucket(this.#rec.name, String(sampleBy({ method, url, headers }))) < Math.round(p * 1000);
    } catch (err) {
      this.#rec.userError('sampleBy', err);
      return false;
    }
  }

  stats(): MirrorStats {
    return { ...this.#rec.stats(), tooLarge: this.#rec.tooLarge };
  }

  mismatches(): MirrorResult[] {
    return this.#rec.mismatches();
  }

  on(event: 'result' | 'mismatch', listener: (r: MirrorResult) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  close(): void {
    this.#closed = true;
    for (const ac of this.#inFlight) ac.abort(new Error('mirror closed'));
  }
}

async function readCapped(res: Response, max: number): Promise<Buffer | undefined> {
  if (!res.body) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    parts.push(Buffer.from(value));
  }
  return Buffer.concat(parts);
}

function validateMirrorOptions(o: MirrorOptions): void {
  const issues: ValidationIssue[] = [];
  if (o === null || typeof o !== 'object') throw new ValidationError("mirrorMiddleware needs options: { target: 'http://host:port' }", { subject: 'mirrorMiddleware' });
  let url: URL | undefined;
  try {
    url = typeof o.target === 'string' ? new URL(o.target) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) issues.push({ path: 'target', message: "required: an http(s) base URL such as 'http://127.0.0.1:4001'" });
  const num = (key: keyof MirrorOptions, min: number, max: number, integer: boolean): void => {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))) {
      issues.push({ path: key, message: `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}` });
    }
  };
  num('percentage', 0, 100, false);
  num('timeoutMs', 1, 2_147_483_647, false);
  num('maxConcurrent', 1, 100_000, true);
  num('maxBodyBytes', 0, 1024 * 1024 * 1024, true);
  num('mismatchLogSize', 0, 10_000, true);
  if (o.noise !== undefined && (o.noise === null || typeof o.noise !== 'object')) {
    issues.push({ path: 'noise', message: "must be an object { target: 'http://...' , sampleRate? }" });
  } else if (o.noise !== undefined) {
    let ok = false;
    try {
      ok = /^https?:$/.test(new URL(o.noise.target).protocol);
    } catch {
      ok = false;
    }
    if (!ok) issues.push({ path: 'noise.target', message: 'required: the http(s) base URL of a second primary instance' });
    const rate = o.noise.sampleRate;
    if (rate !== undefined && (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))) issues.push({ path: 'noise.sampleRate', message: 'must be a fraction from 0 to 1' });
  }
  for (const key of ['compare', 'onResult', 'onMismatch', 'sampleBy', 'redact', 'endpoint'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'function') issues.push({ path: key, message: 'must be a function' });
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || !o.name)) issues.push({ path: 'name', message: 'must be a non-empty string' });
  if (o.headers !== undefined && (!Array.isArray(o.headers) || o.headers.some((h) => typeof h !== 'string'))) issues.push({ path: 'headers', message: 'must be a list of header names' });
  if (issues.length) throw new ValidationError(issues, { subject: 'mirrorMiddleware' });
}
