import { createHash } from 'node:crypto';
import { NS, type DeliveryContext } from '../core/context.js';
import type { ExperimentMetricType, ExperimentStats, ExposureEvent } from './types.js';
import { ExposureMemory } from './exposure-memory.js';

/** Tuning of the exposure and conversion recorder. Every buffer is bounded. */
export interface RecorderOptions {
  /** How often buffered events are written to the store. @default 1000 (ms) */
  flushIntervalMs?: number;
  /** Most exposures, and separately most track calls, held while waiting for the store; beyond it new ones are dropped and counted. @default 10000 */
  maxBuffer?: number;
  /** (experiment, unit) pairs remembered as exposed, so repeat assignments cost no store call: at least the last this many, at most twice as many. @default 100000 */
  exposureCacheSize?: number;
  /** A track call for a unit whose exposure is not (yet) in the store is retried for this long, for exposures still buffered on another instance. @default 10000 (ms) */
  exposureGraceMs?: number;
  /** Store calls in flight per flush. @default 32 */
  concurrency?: number;
  /** A flush starts at once (not at the next interval) when this many events are buffered. @default 1000 */
  flushAt?: number;
}

interface ExposureOp {
  exp: string;
  unit: string;
  variant: string;
  stage: 0 | 1;
}

interface TrackOp {
  exp: string;
  metric: string;
  type: ExperimentMetricType;
  unit: string;
  value: number;
  at: number;
  variant?: string;
  stage: 0 | 1 | 2 | 3;
  total?: number;
}

/** Store key layout (documented in docs/experiments.md). */
export const keys = {
  /** Exposure marker of one unit: `{ variant, at }`, written once with setIfAbsent. */
  exposure: (exp: string, unit: string) => `${NS.exposures}${exp}/${unitKey(unit)}`,
  /** Counter set of one unit and metric: field `v` is its conversion count (binomial) or running total (continuous). */
  unitMetric: (exp: string, metric: string, unit: string) => `${NS.conversions}${exp}/${metric}/${unitKey(unit)}`,
  /** Counter set of the experiment: `units:<variant>`, `conv:<metric>:<variant>`, `sum:<metric>:<variant>`, `sumsq:<metric>:<variant>`. */
  counters: (exp: string) => `${NS.expCounters}${exp}`,
};

const PLAIN_UNIT = /^[\x21-\x7e]{1,200}$/;

/** Units that are short printable ASCII are kept as they are; others (and any starting with '#') are hashed. */
export function unitKey(unit: string): string {
  return PLAIN_UNIT.test(unit) && !unit.startsWith('#') ? unit : `#${createHash('sha256').update(unit).digest('hex')}`;
}

const STORE_KEY = 'experiments:store';
const FULL_KEY = 'experiments:buffer-full';

/**
 * Writes exposures and conversions to the store off the hot path, exactly once per unit fleet-wide:
 * an exposure is the `setIfAbsent` of the unit's marker (then `units:<variant>` + 1); a binomial conversion counts
 * when the unit's own counter goes 0 -> 1; a continuous value adds to the unit's running total, and the experiment's
 * `sum` and `sumsq` grow by the value and by (new total)^2 - (old total)^2, so results hold the exact sum and
 * sum of squares of per-unit totals however many instances write. Each operation advances in stages, so a store
 * failure resumes where it stopped instead of counting twice.
 */
export class Recorder {
  readonly #ctx: DeliveryContext;
  readonly #onExposure: (e: ExposureEvent) => void;
  readonly #interval: number;
  readonly #max: number;
  readonly #grace: number;
  readonly #concurrency: number;
  readonly #flushAt: number;
  /** (exp, unit) -> variant once known, '?' when stored by someone else with a variant not yet read, '' while buffered. */
  readonly #seen: ExposureMemory;
  #exposures: ExposureOp[] = [];
  #tracks: TrackOp[] = [];
  #timer: unknown;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #soon = false;
  readonly #counts = new Map<string, Map<string, number>>();
  #exposed = 0;
  #dropped = 0;
  #ignored = 0;
  /** Events were dropped since the last flush: reported once that flush shows whether the store is down. */
  #fullPending = false;
  /** The buffer-full warning was logged for the current outage. */
  #fullLogged = false;

  constructor(ctx: DeliveryContext, onExposure: (e: ExposureEvent) => void, opts: RecorderOptions = {}) {
    this.#ctx = ctx;
    this.#onExposure = onExposure;
    this.#interval = opts.flushIntervalMs ?? 1000;
    this.#max = opts.maxBuffer ?? 10_000;
    this.#grace = opts.exposureGraceMs ?? 10_000;
    this.#concurrency = opts.concurrency ?? 32;
    this.#flushAt = opts.flushAt ?? 1000;
    this.#seen = new ExposureMemory(opts.exposureCacheSize ?? 100_000);
  }

  /** Hot path: queues the exposure of `unit` unless this process already knows about it. Never throws. */
  expose(exp: string, unit: string, variant: string): void {
    if (this.#seen.get(exp, unit) !== undefined) return;
    if (this.#exposures.length >= this.#max) {
      this.#drop();
      return;
    }
    this.#seen.set(exp, unit, '');
    this.#exposures.push({ exp, unit, variant, stage: 0 });
    this.#schedule();
  }

  /** Hot path: queues a conversion or value. Never throws. */
  track(exp: string, metric: string, type: ExperimentMetricType, unit: string, value: number): void {
    if (this.#tracks.length >= this.#max) {
      this.#drop();
      return;
    }
    this.#tracks.push({ exp, metric, type, unit, value, at: this.#ctx.clock.now(), stage: 0 });
    this.#schedule();
  }

  /** Counts a track call the client refused (unknown metric, bad value...). */
  ignore(): void {
    this.#ignored++;
  }

  stats(): ExperimentStats {
    return { buffered: this.#exposures.length + this.#tracks.length, exposures: this.#exposed, dropped: this.#dropped, ignored: this.#ignored };
  }

  /** New exposures this instance recorded, per experiment and variant (for Prometheus). */
  exposureCounts(): ReadonlyMap<string, ReadonlyMap<string, number>> {
    return this.#counts;
  }

  /** Writes everything buffered now; resolves when done (or when the store failed: the rest stays buffered). Never rejects. */
  flush(): Promise<void> {
    const run = this.#chain.then(() => this.#flushOnce());
    this.#chain = run.catch(() => {});
    return this.#chain;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#timer !== undefined) this.#ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drop(): void {
    this.#dropped++;
    // whether this is an outage (already one STORE_UNAVAILABLE event) or a healthy store outpaced is only known
    // after the next flush: the buffer usually fills before the first failed write
    this.#fullPending = true;
  }

  /** After a flush: dropping during an outage is logged once; dropping while the store takes writes is an error event. */
  #reportFull(): void {
    this.#fullPending = false;
    const message = `experiment buffer full (${this.#max} events): new exposures and conversions are dropped and counted in experiments.stats().dropped`;
    if (this.#ctx.reporter.isOpen(STORE_KEY)) {
      if (!this.#fullLogged) this.#ctx.logger.warn(`${message}, until the store takes writes again`, { code: 'BUFFER_FULL', dropped: this.#dropped });
      this.#fullLogged = true;
    } else {
      this.#ctx.reporter.once(FULL_KEY, new Error(`${message}: the store takes writes more slowly than events arrive`), undefined, 'BUFFER_FULL');
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    const buffered = this.#exposures.length + this.#tracks.length;
    if (buffered === this.#flushAt && !this.#soon) {
      // a burst: write now rather than at the next interval, so the buffer does not fill up
      this.#soon = true;
      queueMicrotask(() => {
        void this.flush().finally(() => {
          this.#soon = false;
        });
      });
    }
    if (this.#timer !== undefined) return;
    this.#timer = this.#ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.flush().then(() => {
        if (this.#exposures.length + this.#tracks.length > 0) this.#schedule();
      });
    }, this.#interval);
  }

  async #flushOnce(): Promise<void> {
    const exposures = this.#exposures;
    this.#exposures = [];
    const failedExposures = await this.#runAll(exposures, (op) => this.#advanceExposure(op));
    this.#exposures = [...failedExposures, ...this.#exposures];
    const tracks = this.#tracks;
    this.#tracks = [];
    const keptTracks = await this.#runAll(tracks, (op) => this.#advanceTrack(op));
    this.#tracks = [...keptTracks, ...this.#tracks];
    if (this.#fullPending) this.#reportFull();
    if (this.#tracks.length + this.#exposures.length > 0) this.#schedule();
  }

  /** Runs `step` on every op with bounded concurrency; returns the ops to keep (failed or waiting), in order. */
  async #runAll<T>(ops: T[], step: (op: T) => Promise<boolean>): Promise<T[]> {
    const keep: T[] = [];
    let failure: unknown;
    let ok = 0;
    for (let i = 0; i < ops.length; i += this.#concurrency) {
      const chunk = ops.slice(i, i + this.#concurrency);
      const done = await Promise.all(
        chunk.map(async (op) => {
          try {
            const finished = await step(op);
            ok++;
            return finished;
          } catch (err) {
            failure ??= err;
            return false;
          }
        }),
      );
      chunk.forEach((op, j) => {
        if (!done[j]) keep.push(op);
      });
      if (failure !== undefined) {
        keep.push(...ops.slice(i + this.#concurrency));
        break;
      }
    }
    if (failure !== undefined) {
      this.#ctx.reporter.once(STORE_KEY, failure, 'experiments: writing exposures and conversions failed; they stay buffered and are retried', 'STORE_UNAVAILABLE');
    } else if (ok > 0 && this.#ctx.reporter.clear(STORE_KEY)) {
      this.#ctx.reporter.clear(FULL_KEY);
      this.#fullLogged = false;
      this.#ctx.logger.info('experiments: the store takes writes again');
    }
    return keep;
  }

  /** Returns true when the op is complete. Throws on store failure (the op keeps its stage). */
  async #advanceExposure(op: ExposureOp): Promise<boolean> {
    const store = this.#ctx.store;
    if (op.stage === 0) {
      const isNew = await store.setIfAbsent(keys.exposure(op.exp, op.unit), { variant: op.variant, at: this.#ctx.clock.now() });
      if (!isNew) {
        this.#seen.set(op.exp, op.unit, '?');
        return true;
      }
      this.#seen.set(op.exp, op.unit, op.variant);
      op.stage = 1;
      this.#exposed++;
      this.#count(op.exp, op.variant);
      this.#onExposure({ experiment: op.exp, variant: op.variant, unit: op.unit });
    }
    await store.increment(keys.counters(op.exp), `units:${op.variant}`, 1);
    return true;
  }

  async #advanceTrack(op: TrackOp): Promise<boolean> {
    const store = this.#ctx.store;
    if (op.stage === 0) {
      const variant = await this.#exposedVariant(op.exp, op.unit);
      if (variant === undefined) {
        if (this.#ctx.clock.now() - op.at < this.#grace) return false;
        this.#ignored++;
        return true;
      }
      op.variant = variant;
      op.stage = 1;
    }
    const variant = op.variant!;
    const counters = keys.counters(op.exp);
    if (op.stage === 1) {
      const by = op.type === 'binomial' ? 1 : op.value;
      op.total = await store.increment(keys.unitMetric(op.exp, op.metric, op.unit), 'v', by);
      if (op.type === 'binomial' && op.total !== 1) return true;
      op.stage = 2;
    }
    if (op.type === 'binomial') {
      await store.increment(counters, `conv:${op.metric}:${variant}`, 1);
      return true;
    }
    if (op.stage === 2) {
      await store.increment(counters, `sum:${op.metric}:${variant}`, op.value);
      op.stage = 3;
    }
    // (new total)^2 - (old total)^2, written so that it does not cancel: v * (2 * total - v)
    await store.increment(counters, `sumsq:${op.metric}:${variant}`, op.value * (2 * op.total! - op.value));
    return true;
  }

  /** The variant the unit was first exposed to, from this process's memory or the unit's marker in the store. */
  async #exposedVariant(exp: string, unit: string): Promise<string | undefined> {
    const known = this.#seen.get(exp, unit);
    if (known && known !== '?') return known;
    const marker = await this.#ctx.store.get(keys.exposure(exp, unit));
    const v = marker?.value;
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.variant === 'string') {
      this.#seen.set(exp, unit, v.variant);
      return v.variant;
    }
    return undefined;
  }

  #count(exp: string, variant: string): void {
    let m = this.#counts.get(exp);
    if (!m) {
      if (this.#counts.size >= 1000) return;
      m = new Map();
      this.#counts.set(exp, m);
    }
    m.set(variant, (m.get(variant) ?? 0) + 1);
  }
}
