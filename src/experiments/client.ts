import { NS, type DeliveryContext, type Lifecycle } from '../core/context.js';
import { DeliveryError, ValidationError } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import { cloneJson, type JsonValue } from '../core/json.js';
import type { StoreChange } from '../store/types.js';
import { assignCompiled, compileExperiments, unitOf, type CompiledExperiment } from './assign.js';
import { Recorder, keys, type RecorderOptions } from './recorder.js';
import { checkResultsOptions, computeResults } from './results.js';
import type { Assignment, EvaluationContext, ExperimentDefinition, ExperimentResults, ExperimentStats, ExposureEvent, ResultsOptions } from './types.js';
import { validateExperiment } from './validate.js';

type ExperimentEvents = {
  exposure: (e: ExposureEvent) => void;
  change: (key: string, def: ExperimentDefinition | undefined) => void;
};

/** Options of the experiments client (the facade uses the defaults). */
export type ExperimentClientOptions = RecorderOptions;

/**
 * `delivery.experiments`: A/B/n experiments. Definitions live in the store and are served from an in-memory
 * snapshot kept current by a watch, so `assign` is synchronous; exposures and conversions are buffered and written
 * fleet-wide exactly once per unit; `results` reads the counters and runs the statistics.
 * @example
 * await delivery.experiments.put({ key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }],
 *                                  metrics: [{ key: 'buy', type: 'binomial' }] });
 * const { variant } = delivery.experiments.assign('btn', { userId: 'u1' });
 * delivery.experiments.track('btn', { userId: 'u1' }, 'buy');
 * const table = await delivery.experiments.results('btn');
 */
export class ExperimentClient extends Emitter<ExperimentEvents> implements Lifecycle {
  readonly #ctx: DeliveryContext;
  readonly #recorder: Recorder;
  #defs = new Map<string, { def: ExperimentDefinition; version: number; local?: boolean }>();
  #compiled = new Map<string, CompiledExperiment>();
  #unwatch: (() => void) | undefined;
  #loading: Map<string, { version: number; deleted: boolean; def?: ExperimentDefinition }> | undefined;

  constructor(ctx: DeliveryContext, opts: ExperimentClientOptions = {}) {
    super();
    this.#ctx = ctx;
    this.#recorder = new Recorder(
      ctx,
      (e) => {
        if (this.listenerCount('exposure') > 0) this.emitSafe('exposure', (err) => ctx.reporter.report(err, "experiments 'exposure' listener", 'USER_CODE'), e);
      },
      opts,
    );
    ctx.addCollector(() => [
      {
        name: 'progressive_delivery_experiment_exposures_total',
        help: 'New experiment exposures recorded by this instance (once per unit per experiment, fleet-wide).',
        type: 'counter',
        samples: [...this.#recorder.exposureCounts()].flatMap(([experiment, byVariant]) =>
          [...byVariant].map(([variant, value]) => ({ labels: { experiment, variant }, value })),
        ),
      },
    ]);
  }

  /** Loads every experiment from the store and starts watching it (called by `delivery.ready()`). */
  async load(): Promise<void> {
    if (this.#unwatch) return;
    this.#loading = new Map();
    this.#unwatch = this.#ctx.store.watch(NS.experiments, (c) => this.#onChange(c));
    try {
      const entries = await this.#ctx.store.list(NS.experiments);
      const next = new Map<string, { def: ExperimentDefinition; version: number }>();
      for (const e of entries) {
        const def = this.#accept(e.key, e.value);
        if (def) next.set(def.key, { def, version: e.version });
      }
      // changes seen while listing are newer than the list when their version says so
      for (const [key, c] of this.#loading) {
        const listed = next.get(key);
        if (listed && listed.version > c.version) continue;
        if (c.deleted || !c.def) next.delete(key);
        else next.set(key, { def: c.def, version: c.version });
      }
      this.#defs = next;
      this.#recompile();
    } catch (err) {
      this.#ctx.reporter.report(err, 'experiments: loading definitions failed; starting with the ones seen so far', 'STORE_UNAVAILABLE');
    } finally {
      this.#loading = undefined;
    }
  }

  /** Writes buffered exposures and conversions to the store. Never rejects: failures are reported and retried. */
  flush(): Promise<void> {
    return this.#recorder.flush();
  }

  async close(): Promise<void> {
    await this.#recorder.close();
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.removeAll();
  }

  /**
   * Validates and stores an experiment; the same process assigns with it as soon as this resolves.
   * Rejects with a ValidationError listing every problem (nothing is written), or the store's error.
   * @example
   * await delivery.experiments.put({ key: 'btn', variants: [{ key: 'a', weight: 50 }, { key: 'b', weight: 50 }] });
   */
  async put(def: ExperimentDefinition): Promise<ExperimentDefinition> {
    const issues = validateExperiment(def);
    if (issues.length) throw new ValidationError(issues, { subject: `experiment ${typeof def?.key === 'string' ? `'${def.key}'` : ''}`.trim() });
    const copy = cloneJson(def as unknown as JsonValue) as unknown as ExperimentDefinition;
    await this.#ctx.whenReady;
    if (this.#ctx.isClosed()) throw new DeliveryError('the delivery is closed', 'CLOSED');
    if (copy.layer !== undefined) {
      const others = [...this.#defs.values()].filter((e) => e.def.layer === copy.layer && e.def.key !== copy.key);
      const used = others.reduce((s, e) => s + (e.def.trafficAllocation ?? 100), 0);
      const mine = copy.trafficAllocation ?? 100;
      if (used + mine > 100 + 1e-9) {
        throw new ValidationError(
          [
            {
              path: 'trafficAllocation',
              message: `layer '${copy.layer}' has ${100 - used}% left (${others.map((e) => `${e.def.key} ${e.def.trafficAllocation ?? 100}%`).join(', ')}); lower trafficAllocation to at most ${Math.max(0, 100 - used)}`,
            },
          ],
          { subject: `experiment '${copy.key}'` },
        );
      }
    }
    const version = await this.#ctx.store.put(NS.experiments + copy.key, copy as unknown as JsonValue);
    this.#set(copy.key, copy, version, true);
    return cloneJson(copy as unknown as JsonValue) as unknown as ExperimentDefinition;
  }

  /** The stored definition, or undefined. */
  get(key: string): ExperimentDefinition | undefined {
    const e = this.#defs.get(key);
    return e ? (cloneJson(e.def as unknown as JsonValue) as unknown as ExperimentDefinition) : undefined;
  }

  /** Every definition, sorted by key. */
  list(): ExperimentDefinition[] {
    return [...this.#defs.keys()].sort().map((k) => this.get(k)!);
  }

  /** Deletes the definition (recorded exposures and conversions stay in the store). Resolves whether it existed. */
  async delete(key: string): Promise<boolean> {
    await this.#ctx.whenReady;
    const deleted = await this.#ctx.store.delete(NS.experiments + key);
    if (this.#defs.has(key)) {
      this.#defs.delete(key);
      this.#recompile();
      this.#emitChange(key, undefined);
    }
    return deleted;
  }

  /**
   * Assigns a unit (the context's `bucketBy` attribute, default `userId`): synchronous, from the snapshot, never
   * throws. A unit in the experiment is recorded as exposed, once per unit fleet-wide.
   * @example
   * const { variant, inExperiment } = delivery.experiments.assign('btn', { userId: 'u1' });
   */
  assign(key: string, ctx: EvaluationContext): Assignment {
    try {
      const c = this.#compiled.get(key);
      if (!c) return { experiment: key, inExperiment: false, reason: this.#ctx.isReady() ? 'UNKNOWN_EXPERIMENT' : 'NOT_READY' };
      const a = assignCompiled(c, ctx);
      if (a.inExperiment && a.variant !== undefined) this.#recorder.expose(key, unitOf(ctx, c.bucketBy)!, a.variant);
      return a;
    } catch (err) {
      this.#ctx.reporter.once(`experiments:assign:${key}`, err, `experiments: assign('${key}') failed`, 'GENERAL');
      return { experiment: key, inExperiment: false, reason: 'ERROR' };
    }
  }

  /**
   * Records a conversion (binomial metric; `value` ignored) or adds `value` (continuous metric, default 1) to the
   * unit's total. Buffered; only units exposed to the experiment count. Never throws.
   * @example
   * delivery.experiments.track('btn', { userId: 'u1' }, 'revenue', 12.5);
   */
  track(key: string, ctx: EvaluationContext, metric: string, value?: number): void {
    try {
      const c = this.#compiled.get(key);
      const m = c?.def.metrics?.find((x) => x.key === metric);
      const unit = c ? unitOf(ctx, c.bucketBy) : undefined;
      const v = value ?? 1;
      if (!c || c.status !== 'running' || !m || unit === undefined || typeof v !== 'number' || !Number.isFinite(v)) {
        this.#recorder.ignore();
        if (c && !m) {
          this.#ctx.reporter.once(`experiments:metric:${key}:${metric}`, new Error(`experiment '${key}' has no metric '${String(metric)}': add it to the definition's metrics`), undefined, 'UNKNOWN_METRIC');
        }
        return;
      }
      if (m.type === 'continuous' && v === 0) return;
      this.#recorder.track(key, metric, m.type, unit, v);
    } catch (err) {
      this.#ctx.reporter.once(`experiments:track:${key}`, err, `experiments: track('${key}') failed`, 'GENERAL');
    }
  }

  /**
   * The results table: per variant its units and metric figures, every treatment against the control, and the
   * sample-ratio check. Flushes this instance's buffer first. Rejects for an unknown experiment or bad options.
   * @example
   * const r = await delivery.experiments.results('btn', { sequential: true });
   * for (const c of r.comparisons) console.log(c.variant, c.metric, c.relativeLift, c.pValue, c.significant);
   */
  async results(key: string, opts?: ResultsOptions): Promise<ExperimentResults> {
    checkResultsOptions(opts);
    await this.#ctx.whenReady;
    await this.flush();
    const def = this.#defs.get(key)?.def;
    if (!def) throw new DeliveryError(`unknown experiment '${key}': put it first (known: ${[...this.#defs.keys()].slice(0, 10).join(', ') || 'none'})`, 'NOT_FOUND');
    const counters = await this.#ctx.store.counters(keys.counters(key));
    return computeResults(def, counters, opts);
  }

  /** Recorder counters: buffered events, new exposures, dropped and ignored events. */
  stats(): ExperimentStats {
    return this.#recorder.stats();
  }

  #accept(storeKey: string, value: JsonValue | undefined): ExperimentDefinition | undefined {
    const issues = validateExperiment(value);
    const key = storeKey.slice(NS.experiments.length);
    if (issues.length || (value as { key?: unknown }).key !== key) {
      const why = issues.length ? issues.map((i) => `${i.path}: ${i.message}`).join('; ') : `its key is not '${key}'`;
      this.#ctx.reporter.once(`experiments:invalid:${storeKey}`, new Error(`ignoring invalid experiment at '${storeKey}': ${why}`), undefined, 'VALIDATION');
      return undefined;
    }
    this.#ctx.reporter.clear(`experiments:invalid:${storeKey}`);
    return value as unknown as ExperimentDefinition;
  }

  #onChange(c: StoreChange): void {
    const key = c.key.slice(NS.experiments.length);
    const current = this.#defs.get(key);
    // our own put is applied at once; its change notification (or an older one still in flight) must not undo it
    if (current?.local && c.version < current.version) return;
    const def = c.deleted ? undefined : this.#accept(c.key, c.value);
    if (this.#loading) {
      this.#loading.set(key, { version: c.version, deleted: c.deleted || !def, def });
      return;
    }
    if (c.deleted || !def) {
      if (!this.#defs.delete(key)) return;
      this.#recompile();
      this.#emitChange(key, undefined);
      return;
    }
    this.#set(key, def, c.version);
  }

  #set(key: string, def: ExperimentDefinition, version: number, local = false): void {
    const current = this.#defs.get(key);
    if (current && current.version === version && JSON.stringify(current.def) === JSON.stringify(def)) {
      current.local = local;
      return;
    }
    this.#defs.set(key, { def, version, local });
    this.#recompile();
    this.#emitChange(key, def);
  }

  #recompile(): void {
    this.#compiled = compileExperiments([...this.#defs.values()].map((e) => e.def));
  }

  #emitChange(key: string, def: ExperimentDefinition | undefined): void {
    if (this.listenerCount('change') > 0) this.emitSafe('change', (err) => this.#ctx.reporter.report(err, "experiments 'change' listener", 'USER_CODE'), key, def);
  }
}
