import { bucket } from '../core/bucket.js';
import type { DeliveryContext } from '../core/context.js';
import { Emitter } from '../core/events.js';
import { jsonComparator } from './compare.js';
import { NoiseModel } from './noise.js';
import { validateShadowOptions } from './options.js';
import { ShadowRecorder } from './recorder.js';
import { registerShadowCounters } from './telemetry.js';
import type { Comparator, FlagGate, Outcome, ShadowEvents, ShadowIgnore, ShadowOptions, ShadowResult, ShadowStats } from './types.js';

/** One mirrored call, from the decision to mirror to its one result. */
interface Job<Req, Res> {
  req: Req;
  t0: number;
  primary?: Outcome<Res>;
  shadow?: Outcome<Res>;
  secondary?: Outcome<Res>;
  /** 0: no secondary call; 1: pending; 2: settled. */
  noise: 0 | 1 | 2;
  shadowStart: number;
  timer: unknown;
  done: boolean;
}

/**
 * Calls the primary, mirrors a share of calls to the shadow and compares the outcomes (GitHub Scientist's
 * use/try/compare, Diffy's noise cancellation). `call()` gives back exactly what the primary gave; the shadow starts
 * after the primary was invoked, off the caller's path, and is compared after the caller has continued.
 * @example
 * const prices = delivery.shadow({ name: 'price-v2', primary: oldPrice, shadow: newPrice, percentage: 10 });
 * const price = await prices.call(cart);           // always oldPrice's answer
 * prices.on('mismatch', (r) => log.warn(r.diffs));
 */
export class ShadowClient<Req, Res> extends Emitter<ShadowEvents<Res, Req>> {
  readonly name: string;
  readonly #ctx: DeliveryContext;
  readonly #flags: FlagGate;
  readonly #o: ShadowOptions<Req, Res>;
  readonly #rec: ShadowRecorder<Req, Res>;
  readonly #threshold: number;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #noiseRate: number;
  readonly #pending = new Set<Job<Req, Res>>();
  #startQueue: Job<Req, Res>[] = [];
  #decideQueue: Job<Req, Res>[] = [];
  #startScheduled = false;
  #decideScheduled = false;
  #closed = false;

  constructor(ctx: DeliveryContext, options: ShadowOptions<Req, Res>, deps: { flags: FlagGate }) {
    super();
    validateShadowOptions(options);
    this.#ctx = ctx;
    this.#flags = deps.flags;
    this.#o = { ...options };
    this.name = options.name;
    const percentage = options.percentage ?? 100;
    this.#threshold = options.sampleBy ? Math.round(percentage * 1000) : percentage;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxConcurrent = options.maxConcurrent ?? 100;
    this.#noiseRate = options.noise ? (options.noise.sampleRate ?? 1) : 0;
    this.#rec = new ShadowRecorder<Req, Res>({
      name: options.name,
      reporter: ctx.reporter,
      clock: ctx.clock,
      compare: options.compare ?? (jsonComparator() as Comparator<Res>),
      ignore: options.ignore === undefined ? [] : ([] as ShadowIgnore<Res>[]).concat(options.ignore),
      noise: options.noise ? new NoiseModel(options.noise.maxEndpoints ?? 100, options.noise.maxPaths ?? 100) : undefined,
      redact: options.redact,
      mismatchLogSize: options.mismatchLogSize ?? 50,
      latencyWindow: options.latencyWindow ?? 1024,
      emit: (event, r) => this.emitSafe(event, (err) => this.#rec.userError(`'${event}' listener`, err), r),
    });
    registerShadowCounters(ctx, this.#rec);
  }

  /**
   * Calls the primary and returns its promise: resolved with the very value, or rejected with the very error, the
   * primary produced. A sampled call also runs the shadow (after the primary was invoked) and compares later.
   * @example const user = await users.call({ id: 42 });
   */
  call(req: Req): Promise<Res> {
    const rec = this.#rec;
    rec.callCount++;
    let job: Job<Req, Res> | undefined;
    if (this.#closed) rec.skipped++;
    else {
      try {
        job = this.#admit(req);
      } catch (err) {
        rec.skipped++;
        rec.userError('admission', err); // e.g. an injected clock that throws: serve the primary, mirror nothing
      }
    }
    let p: Promise<Res>;
    try {
      p = Promise.resolve(this.#o.primary(req));
    } catch (err) {
      p = Promise.reject(err);
    }
    if (job) {
      p.then(
        (value) => this.#settle(job, 'primary', { value, durationMs: this.#since(job.t0) }),
        (error: unknown) => this.#settle(job, 'primary', { error, durationMs: this.#since(job.t0) }),
      );
      this.#startQueue.push(job);
      if (!this.#startScheduled) {
        this.#startScheduled = true;
        setImmediate(this.#startAll);
      }
    }
    return p;
  }

  /** Counters, per-side latency and what noise cancellation filtered. */
  stats(): ShadowStats {
    return this.#rec.stats();
  }

  /** The last `mismatchLogSize` mismatches (after `redact`), oldest first. */
  mismatches(): ShadowResult<Res, Req>[] {
    return this.#rec.mismatches();
  }

  /**
   * Stops mirroring: clears every pending timeout; calls still in flight count as timeouts and their late results are
   * ignored. `call()` keeps serving the primary.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#pending) {
      if (job.timer !== undefined) this.#ctx.clock.clearTimeout(job.timer);
      job.timer = undefined;
      job.done = true;
      this.#rec.timeouts++;
    }
    this.#rec.inFlightCount = 0;
    this.#pending.clear();
    this.#startQueue = [];
    // jobs already decided but not yet reported still report (their counters must add up)
  }

  /** Whether to mirror this call; counts why not. Runs user predicates guarded. */
  #admit(req: Req): Job<Req, Res> | undefined {
    const o = this.#o;
    const rec = this.#rec;
    if (o.enabled === false || !this.#sampled(req) || !this.#allowed(req)) {
      rec.skipped++;
      return undefined;
    }
    if (rec.inFlightCount >= this.#maxConcurrent) {
      rec.dropped++;
      return undefined;
    }
    const t0 = this.#ctx.clock.now();
    rec.inFlightCount++;
    rec.mirrored++;
    const job: Job<Req, Res> = { req, t0, noise: 0, shadowStart: 0, timer: undefined, done: false };
    this.#pending.add(job);
    return job;
  }

  #sampled(req: Req): boolean {
    const o = this.#o;
    if (!o.sampleBy) return this.#threshold >= 100 || (this.#threshold > 0 && this.#ctx.random() * 100 < this.#threshold);
    try {
      const key = o.sampleBy(req);
      return bucket(this.name, String(key)) < this.#threshold;
    } catch (err) {
      this.#rec.userError('sampleBy', err);
      return false;
    }
  }

  #allowed(req: Req): boolean {
    const o = this.#o;
    try {
      if (typeof o.enabled === 'function' && o.enabled(req) !== true) return false;
      if (o.runIf && o.runIf(req) !== true) return false;
      if (o.enabledFlag !== undefined) return this.#flags.isEnabled(o.enabledFlag, o.context ? o.context(req) : {});
      return true;
    } catch (err) {
      this.#rec.userError('enabled/runIf/enabledFlag', err);
      return false;
    }
  }

  readonly #startAll = (): void => {
    this.#startScheduled = false;
    const jobs = this.#startQueue;
    this.#startQueue = [];
    for (const job of jobs) {
      if (job.done) continue;
      try {
        this.#start(job);
      } catch (err) {
        // only an injected clock or random source can get here; the call still ends as exactly one result
        this.#rec.userError('start', err);
        if (!job.done) this.#finish(job);
        this.#rec.timeout(job.req, 'default', job.primary ?? { durationMs: 0, timedOut: true }, { durationMs: 0, timedOut: true });
      }
    }
  };

  #start(job: Job<Req, Res>): void {
    const clock = this.#ctx.clock;
    job.shadowStart = clock.now();
    job.timer = clock.setTimeout(() => this.#onTimeout(job), this.#timeoutMs);
    const secondary = this.#o.noise?.secondary;
    if (secondary && (this.#noiseRate >= 1 || this.#ctx.random() < this.#noiseRate)) {
      job.noise = 1;
      this.#invoke(job, 'secondary', secondary);
    }
    this.#invoke(job, 'shadow', this.#o.shadow);
  }

  #invoke(job: Job<Req, Res>, side: 'shadow' | 'secondary', fn: (req: Req) => Res | Promise<Res>): void {
    const started = job.shadowStart;
    let p: Promise<Res>;
    try {
      p = Promise.resolve(fn(job.req));
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (value) => this.#settle(job, side, { value, durationMs: this.#since(started) }),
      (error: unknown) => this.#settle(job, side, { error, durationMs: this.#since(started) }),
    );
  }

  /** Milliseconds since `t0` on the clock; NaN if an injected clock throws (a promise reaction must not reject). */
  #since(t0: number): number {
    try {
      return this.#ctx.clock.now() - t0;
    } catch {
      return NaN;
    }
  }

  #settle(job: Job<Req, Res>, side: 'primary' | 'shadow' | 'secondary', outcome: Outcome<Res>): void {
    if (job.done) return; // decided already: a late result is ignored
    job[side] = outcome;
    if (side === 'secondary') job.noise = 2;
    try {
      if (job.primary && job.shadow && job.noise !== 1) this.#queueDecision(job);
    } catch (err) {
      this.#rec.userError('settle', err);
    }
  }

  #onTimeout(job: Job<Req, Res>): void {
    job.timer = undefined;
    if (job.done) return;
    if (job.primary && job.shadow) return this.#queueDecision(job); // only the secondary is late: decide without it
    this.#finish(job);
    const late: Outcome<Res> = { durationMs: this.#timeoutMs, timedOut: true };
    const primary = job.primary ?? { durationMs: this.#ctx.clock.now() - job.t0, timedOut: true };
    this.#rec.timeout(job.req, this.#endpoint(job.req), primary, job.shadow ?? late);
  }

  #queueDecision(job: Job<Req, Res>): void {
    this.#finish(job);
    this.#decideQueue.push(job);
    if (!this.#decideScheduled) {
      this.#decideScheduled = true;
      setImmediate(this.#decideAll); // after the caller's continuation, never on its microtask chain
    }
  }

  #finish(job: Job<Req, Res>): void {
    job.done = true;
    if (job.timer !== undefined) this.#ctx.clock.clearTimeout(job.timer);
    job.timer = undefined;
    this.#pending.delete(job);
    this.#rec.inFlightCount--;
  }

  readonly #decideAll = (): void => {
    this.#decideScheduled = false;
    const jobs = this.#decideQueue;
    this.#decideQueue = [];
    for (const job of jobs) {
      try {
        this.#rec.decide(job.req, this.#endpoint(job.req), job.primary!, job.shadow!, job.noise === 2 ? job.secondary : undefined);
      } catch (err) {
        this.#rec.userError('decide', err); // runs on setImmediate: a throw here would crash the host
      }
    }
  };

  #endpoint(req: Req): string {
    const fn = this.#o.endpoint;
    if (!fn) return 'default';
    try {
      return String(fn(req));
    } catch (err) {
      this.#rec.userError('endpoint', err);
      return 'default';
    }
  }
}
