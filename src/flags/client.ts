import { NS, type DeliveryContext, type Lifecycle } from '../core/context.js';
import { ConflictError, DeliveryError, StoreUnavailableError, ValidationError } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import { cloneJson, type JsonValue } from '../core/json.js';
import type { StoreChange } from '../store/types.js';
import { encode, decode } from './codec.js';
import { REASONS } from './compile.js';
import { EvaluationCounters } from './counters.js';
import { errorDetail, newResolution, resolve, toDetail } from './evaluate.js';
import { Snapshot, type SnapshotChange } from './snapshot.js';
import type { EvaluationContext, EvaluationDetail, FlagDefinition, FlagValue, SegmentDefinition } from './types.js';
import { crossFlagIssues, dependentIssues, validateFlag, validateSegment } from './validate.js';

/** Events of {@link FlagClient}. */
export type FlagClientEvents = {
  /** A flag was created, changed or deleted (`def` undefined), here or by another instance sharing the store. */
  change: (key: string, def: FlagDefinition | undefined) => void;
  /** A segment was created, changed or deleted (`seg` undefined). */
  segmentChange: (key: string, seg: SegmentDefinition | undefined) => void;
};

/** Options of the flag client (set through createDelivery). */
export interface FlagClientOptions {
  /** Count evaluations for `progressive_delivery_flag_evaluations_total` (one array write each). @default true */
  evaluationCounting?: boolean;
  /** How often the snapshot is compared with the store (outage detection and resync). @default 5000 */
  resyncIntervalMs?: number;
}

const EMPTY: EvaluationContext = Object.freeze({}) as EvaluationContext;
const N_REASONS = REASONS.length;
const MAX_UPDATE_ATTEMPTS = 10;
const OUTAGE = 'flags:store';

/**
 * `delivery.flags`: synchronous evaluation from an in-memory snapshot that the store's changes keep current, and
 * validated writes. Evaluation never throws; writes reject with ValidationError, ConflictError or
 * StoreUnavailableError and write nothing on error.
 * @example
 * await delivery.flags.put(booleanFlag('new-checkout-flow', { percentage: 20 }));
 * delivery.flags.isEnabled('new-checkout-flow', { userId: 'u42' });
 */
export class FlagClient extends Emitter<FlagClientEvents> implements Lifecycle {
  readonly #ctx: DeliveryContext;
  readonly #snap: Snapshot;
  readonly #counters = new EvaluationCounters();
  readonly #out = newResolution();
  readonly #counting: boolean;
  readonly #resyncMs: number;
  #loaded = false;
  #closed = false;
  #unwatch: (() => void)[] = [];
  #timer: unknown;
  #syncing = false;

  constructor(ctx: DeliveryContext, opts: FlagClientOptions = {}) {
    super();
    this.#ctx = ctx;
    this.#counting = opts.evaluationCounting ?? true;
    this.#resyncMs = opts.resyncIntervalMs ?? 5000;
    this.#snap = new Snapshot(
      (cf) => this.#counting && this.#counters.retire(cf),
      (key, reason) => {
        if (reason === undefined) ctx.reporter.clear(`flags:invalid:${key}`);
        else ctx.reporter.once(`flags:invalid:${key}`, new DeliveryError(`ignored the stored '${key}': ${reason}; the previous version keeps serving`, 'INVALID_STORED_DEFINITION'));
      },
    );
    if (this.#counting) ctx.addCollector(() => [this.#counters.family([...this.#snap.flags.values()].map((e) => e.cf))]);
  }

  /** Loads the snapshot and starts watching (called by `delivery.ready()`). */
  async load(): Promise<void> {
    if (this.#loaded) return;
    const store = this.#ctx.store;
    const onChange = (c: StoreChange) => this.#announce(this.#snap.applyStored(c.key, c.value, c.version, c.deleted));
    this.#unwatch = [store.watch(NS.flags, onChange), store.watch(NS.segments, onChange)];
    try {
      await this.#resync(false);
    } catch (err) {
      for (const u of this.#unwatch) u();
      this.#unwatch = [];
      throw err;
    }
    this.#loaded = true;
    this.#schedule();
  }

  /** Stops watching and the resync timer. Evaluations keep answering from the last snapshot. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const u of this.#unwatch) u();
    this.#unwatch = [];
    if (this.#timer !== undefined) this.#ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#resync(true).finally(() => this.#schedule());
    }, this.#resyncMs);
  }

  /** Lists both namespaces and reconciles; in the background, an outage is reported once and cleared on success. */
  async #resync(background: boolean): Promise<void> {
    if (this.#syncing) return;
    this.#syncing = true;
    this.#snap.beginListing();
    try {
      const [flags, segments] = await Promise.all([this.#ctx.store.list(NS.flags), this.#ctx.store.list(NS.segments)]);
      if (this.#ctx.reporter.clear(OUTAGE)) this.#ctx.logger.info?.('flags: store reachable again, snapshot resynced');
      for (const c of this.#snap.endListing(flags, segments)) this.#announce(c);
    } catch (err) {
      this.#snap.abortListing();
      if (!background) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      this.#ctx.reporter.once(OUTAGE, new StoreUnavailableError(`flags: store unavailable, serving the last snapshot (${msg})`, { cause: err }));
    } finally {
      this.#syncing = false;
    }
  }

  #announce(c: SnapshotChange | undefined): void {
    if (!c) return;
    const onError = (err: unknown) => this.#ctx.reporter.report(err, `flags '${c.kind === 'flag' ? 'change' : 'segmentChange'}' listener`, 'USER_CODE');
    if (c.kind === 'flag') {
      if (this.listenerCount('change')) this.emitSafe('change', onError, c.key, c.def && cloneJson(c.def as unknown as JsonValue) as unknown as FlagDefinition);
    } else if (this.listenerCount('segmentChange')) {
      this.emitSafe('segmentChange', onError, c.key, c.def && cloneJson(c.def as unknown as JsonValue) as unknown as SegmentDefinition);
    }
  }

  // ---- evaluation (synchronous, never throws) ----

  /** Resolves `key` into the shared scratch resolution; returns the compiled flag, or undefined. */
  #run(key: string, ctx: EvaluationContext | undefined) {
    const cf = this.#snap.flag(key);
    if (!cf) return undefined;
    const out = this.#out;
    resolve(cf, ctx !== null && typeof ctx === 'object' ? ctx : EMPTY, this.#snap, out);
    if (this.#counting) cf.counts[(out.variant < 0 ? cf.variantNames.length : out.variant) * N_REASONS + out.reason]!++;
    return cf;
  }

  /**
   * True when the flag serves the boolean `true` for `ctx`: an unknown flag, a non-boolean flag or any error is false.
   * @example if (delivery.flags.isEnabled('new-checkout-flow', { userId: 'u42', groups: ['beta'] })) { ... }
   */
  isEnabled(key: string, ctx?: EvaluationContext): boolean {
    try {
      if (!this.#loaded) return false;
      const cf = this.#run(key, ctx);
      return cf !== undefined && this.#out.variant >= 0 && cf.variantValues[this.#out.variant] === true;
    } catch {
      return false;
    }
  }

  /**
   * The name of the variant served to `ctx`, or undefined (unknown flag, not ready, the default served).
   * @example delivery.flags.variant('checkout-button', { userId: 'u42' }) // 'green'
   */
  variant(key: string, ctx?: EvaluationContext): string | undefined {
    try {
      if (!this.#loaded) return undefined;
      const cf = this.#run(key, ctx);
      return cf && this.#out.variant >= 0 ? cf.variantNames[this.#out.variant] : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The value served to `ctx`, or `defaultValue` when the flag is unknown, not ready, of another type, or fails.
   * @example const limit = delivery.flags.value('rate-limit', { userId }, 100);
   */
  value(key: string, ctx: EvaluationContext | undefined, defaultValue: boolean): boolean;
  value(key: string, ctx: EvaluationContext | undefined, defaultValue: string): string;
  value(key: string, ctx: EvaluationContext | undefined, defaultValue: number): number;
  value<T extends FlagValue>(key: string, ctx: EvaluationContext | undefined, defaultValue: T): T;
  value<T extends FlagValue>(key: string, ctx: EvaluationContext | undefined, defaultValue: T): T {
    try {
      if (!this.#loaded) return defaultValue;
      const cf = this.#run(key, ctx);
      if (!cf || this.#out.variant < 0) return defaultValue;
      const v = cf.variantValues[this.#out.variant]!;
      return typeof v === typeof defaultValue ? (v as T) : defaultValue;
    } catch {
      return defaultValue;
    }
  }

  /**
   * The full answer: value, variant, reason (with `ruleIndex`/`ruleId`) and `errorCode` when the default was served.
   * @example delivery.flags.evaluate('new-checkout-flow', { userId: 'u1' }, false) // { key, value: true, variant: 'on', reason: 'TARGET_MATCH' }
   */
  evaluate(key: string, ctx: EvaluationContext | undefined, defaultValue: boolean): EvaluationDetail<boolean>;
  evaluate(key: string, ctx: EvaluationContext | undefined, defaultValue: string): EvaluationDetail<string>;
  evaluate(key: string, ctx: EvaluationContext | undefined, defaultValue: number): EvaluationDetail<number>;
  evaluate<T extends FlagValue>(key: string, ctx: EvaluationContext | undefined, defaultValue: T): EvaluationDetail<T>;
  evaluate<T extends FlagValue>(key: string, ctx: EvaluationContext | undefined, defaultValue: T): EvaluationDetail<T> {
    try {
      if (!this.#loaded) return errorDetail(key, defaultValue, 'NOT_READY');
      const cf = this.#run(key, ctx);
      if (!cf) return errorDetail(key, defaultValue, 'FLAG_NOT_FOUND');
      return toDetail(cf, this.#out, defaultValue);
    } catch {
      return errorDetail(key, defaultValue, 'GENERAL');
    }
  }

  /**
   * Every flag evaluated for `ctx`, for bootstrapping a front end. Flags serving no variant carry their off value.
   * @example res.json(delivery.flags.evaluateAll({ userId }))
   */
  evaluateAll(ctx?: EvaluationContext): Record<string, EvaluationDetail<FlagValue>> {
    const all: Record<string, EvaluationDetail<FlagValue>> = {};
    if (!this.#loaded) return all;
    for (const [key, { cf }] of this.#snap.flags) {
      try {
        this.#run(key, ctx);
        const served = this.#out.variant >= 0 ? cf.variantValues[this.#out.variant]! : (cf.variantValues[cf.off] ?? cf.variantValues[0] ?? false);
        all[key] = toDetail(cf, this.#out, served);
      } catch {
        all[key] = errorDetail(key, cf.variantValues[0] ?? false, 'GENERAL');
      }
    }
    return all;
  }

  // ---- reads ----

  /** A copy of the flag's definition, or undefined. */
  get(key: string): FlagDefinition | undefined {
    const cf = this.#snap.flag(key);
    return cf && (cloneJson(cf.def as unknown as JsonValue) as unknown as FlagDefinition);
  }

  /** Copies of every flag definition, sorted by key. */
  list(): FlagDefinition[] {
    return [...this.#snap.flags.keys()].sort().map((k) => this.get(k)!);
  }

  /** A copy of the segment's definition, or undefined. */
  getSegment(key: string): SegmentDefinition | undefined {
    const e = this.#snap.segments.get(key);
    return e && (cloneJson(e.def as unknown as JsonValue) as unknown as SegmentDefinition);
  }

  /** Copies of every segment, sorted by key. */
  listSegments(): SegmentDefinition[] {
    return [...this.#snap.segments.keys()].sort().map((k) => this.getSegment(k)!);
  }

  // ---- writes ----

  #checkFlag(def: unknown): FlagDefinition {
    const issues = validateFlag(def);
    if (issues.length === 0) {
      const d = def as FlagDefinition;
      const flags = new Map([...this.#snap.flags].map(([k, e]) => [k, e.cf.def]));
      flags.set(d.key, d);
      issues.push(...crossFlagIssues([d], flags, new Set(this.#snap.segments.keys()), () => ''), ...dependentIssues(d, flags));
    }
    const key = (def as { key?: unknown })?.key;
    if (issues.length) throw new ValidationError(issues, { subject: `flag${typeof key === 'string' ? ` '${key}'` : ''}` });
    return cloneJson(def as unknown as JsonValue) as unknown as FlagDefinition;
  }

  async #write(storeKey: string, kind: 'flag' | 'segment', def: FlagDefinition | SegmentDefinition, expectedVersion?: number): Promise<void> {
    const version = await this.#ctx.store.put(storeKey, encode(def), expectedVersion === undefined ? undefined : { expectedVersion });
    this.#announce(this.#snap.set(kind, def.key, def, version)); // read-your-writes
  }

  /**
   * Validates and stores a flag (creating or replacing it). Rejects with a ValidationError listing every problem;
   * nothing is written then. Once it resolves, evaluations in this process see the new definition.
   * @example await delivery.flags.put({ key: 'banner', enabled: true, variants: { a: 'Hi', b: 'Hello' }, fallthrough: { variant: 'a' } });
   */
  async put(def: FlagDefinition): Promise<FlagDefinition> {
    await this.#ctx.whenReady;
    const clean = this.#checkFlag(def);
    await this.#write(NS.flags + clean.key, 'flag', clean);
    return this.get(clean.key) ?? clean;
  }

  /**
   * Compare-and-set: reads the stored flag, applies `change` to a copy, validates and writes it only if nobody
   * wrote in between; retries up to 10 times on conflicts, then rejects with the ConflictError.
   * @example await delivery.flags.update('new-checkout-flow', (d) => ({ ...d, enabled: false }));
   */
  async update(key: string, change: (def: FlagDefinition) => FlagDefinition): Promise<FlagDefinition> {
    await this.#ctx.whenReady;
    let lastConflict: ConflictError | undefined;
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const stored = await this.#ctx.store.get(NS.flags + key);
      const decoded = stored && decode<FlagDefinition>(stored.value);
      if (!stored || !decoded?.ok) throw new DeliveryError(`unknown flag '${key}'${decoded && !decoded.ok ? ` (${decoded.reason})` : ''}; create it with put()`, 'NOT_FOUND');
      const next = change(cloneJson(decoded.definition as unknown as JsonValue) as unknown as FlagDefinition);
      const clean = this.#checkFlag(next);
      if (clean.key !== key) throw new ValidationError([{ path: 'key', message: `update cannot rename '${key}' to '${clean.key}'` }], { subject: `flag '${key}'` });
      try {
        await this.#write(NS.flags + key, 'flag', clean, stored.version);
        return this.get(key) ?? clean;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        lastConflict = err;
      }
    }
    throw lastConflict ?? new ConflictError(NS.flags + key);
  }

  /**
   * Deletes a flag; resolves whether it existed. Refuses (ValidationError) while other flags name it as a prerequisite.
   * @example await delivery.flags.delete('old-banner');
   */
  async delete(key: string): Promise<boolean> {
    await this.#ctx.whenReady;
    const users = [...this.#snap.flags.values()].filter((e) => e.cf.key !== key && e.cf.prerequisites.some((p) => p.flag === key)).map((e) => e.cf.key);
    if (users.length) throw new ValidationError([{ path: 'key', message: `'${key}' is a prerequisite of ${users.map((u) => `'${u}'`).join(', ')}; remove it there first` }], { subject: `flag '${key}'` });
    const deleted = await this.#ctx.store.delete(NS.flags + key);
    this.#announce(this.#snap.set('flag', key, undefined, 0));
    return deleted;
  }

  /**
   * Validates and stores a segment (an audience `inSegment` conditions refer to).
   * @example await delivery.flags.putSegment({ key: 'beta-testers', included: ['u1', 'u2'], rules: [{ conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@example.com'] }] }] });
   */
  async putSegment(seg: SegmentDefinition): Promise<SegmentDefinition> {
    await this.#ctx.whenReady;
    const issues = validateSegment(seg);
    if (issues.length) throw new ValidationError(issues, { subject: `segment${typeof seg?.key === 'string' ? ` '${seg.key}'` : ''}` });
    const clean = cloneJson(seg as unknown as JsonValue) as unknown as SegmentDefinition;
    await this.#write(NS.segments + clean.key, 'segment', clean);
    return this.getSegment(clean.key) ?? clean;
  }

  /** Deletes a segment; refuses (ValidationError) while a flag's rules refer to it. Resolves whether it existed. */
  async deleteSegment(key: string): Promise<boolean> {
    await this.#ctx.whenReady;
    const users = [...this.#snap.flags.values()]
      .filter((e) => (e.cf.def.rules ?? []).some((r) => r.conditions.some((c) => c.operator === 'inSegment' && c.values.includes(key))))
      .map((e) => e.cf.key);
    if (users.length) throw new ValidationError([{ path: 'key', message: `segment '${key}' is used by ${users.map((u) => `'${u}'`).join(', ')}; remove it there first` }], { subject: `segment '${key}'` });
    const deleted = await this.#ctx.store.delete(NS.segments + key);
    this.#announce(this.#snap.set('segment', key, undefined, 0));
    return deleted;
  }
}
