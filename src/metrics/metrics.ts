import type { DeliveryContext, Lifecycle } from '../core/context.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { ValidationError } from '../core/errors.js';
import type { Collector, MetricFamily } from '../core/telemetry.js';
import { decodeSlot, seriesPrefix, type SlotDoc } from './fleet.js';
import { leTable } from './log-linear.js';
import { resolveMetricsOptions, type ResolvedMetricsOptions } from './options.js';
import { renderExposition, type RenderedFamily, type RenderProblem } from './prometheus.js';
import { ownFamilies } from './own-families.js';
import { SeriesRegistry } from './registry.js';
import type { LeConfig, Series } from './series.js';
import { SlotWriter, type SlotJob } from './slot-writer.js';
import type { MetricsOptions, MetricsStats, RecordInput, WindowSnapshot } from './types.js';
import { readWindow, type RemoteSlots } from './window.js';

export type { MetricsOptions } from './types.js';

const MAX_LABEL = 128;
const MAX_REMOTE_DOCS = 20_000;

/**
 * Request outcomes per (target, version): windowed counters and latency histograms in this process, flushed to
 * the store for a fleet-wide view, and the Prometheus exposition of every module's series.
 * @example
 * delivery.metrics.record({ target: 'checkout', version: 'v2', success: true, durationMs: 42, status: 200 });
 * delivery.metrics.snapshot('checkout', 'v2', 60_000); // { requests, errors, successRate, p50, p90, p99, ... }
 * const fleet = await delivery.metrics.fleetWindow('checkout', 'v2', 60_000); // every instance's data
 * res.type('text/plain; version=0.0.4').send(delivery.metrics.prometheus());
 */
export class Metrics implements Lifecycle {
  readonly #ctx: DeliveryContext;
  readonly #collectors: () => Collector[];
  readonly #opts: ResolvedMetricsOptions;
  readonly #le: LeConfig;
  readonly #ringSize: number;
  readonly #registry: SeriesRegistry;
  readonly #writer: SlotWriter;
  readonly #remote = new Map<string, RemoteSlots>();
  readonly #warned = new Set<string>();
  #dropped = 0;
  #flushedSlots = 0;
  #flushErrors = 0;
  #lostEvicted = 0;
  #timer: unknown;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(ctx: DeliveryContext, collectors: () => Collector[], options: MetricsOptions = {}) {
    this.#ctx = ctx;
    this.#collectors = collectors;
    this.#opts = resolveMetricsOptions(options);
    const boundsMs = this.#opts.bucketsSeconds.map((s) => s * 1000);
    this.#le = { boundsMs, table: leTable(boundsMs) };
    this.#ringSize = Math.ceil(this.#opts.retentionMs / this.#opts.resolutionMs) + 2;
    const warn = (key: string, msg: string) => this.#warnOnce(key, msg);
    this.#registry = new SeriesRegistry({ ringSize: this.#ringSize, le: this.#le, maxTargets: this.#opts.maxTargets, maxVersions: this.#opts.maxVersions, warn });
    this.#writer = new SlotWriter({
      store: ctx.store,
      instanceId: ctx.instanceId,
      widthMs: this.#opts.resolutionMs,
      ttlMs: this.#opts.retentionMs + this.#opts.resolutionMs,
      warn,
    });
  }

  /**
   * Records one request's outcome for (target, version). A few array writes; never throws: invalid input
   * (empty or over-long names, a negative or non-finite duration, a status outside 100-599) is counted in
   * `stats().dropped` and ignored. Beyond `maxTargets` / `maxVersions` names are counted as 'other'.
   * @example delivery.metrics.record({ target: 'checkout', version: 'canary', success: false, durationMs: 812, status: 503 });
   */
  record(o: RecordInput): void {
    try {
      const { target, version, durationMs, success, status } = o;
      if (
        typeof target !== 'string' || typeof version !== 'string' || typeof success !== 'boolean' ||
        target.length === 0 || version.length === 0 || target.length > MAX_LABEL || version.length > MAX_LABEL ||
        typeof durationMs !== 'number' || !(durationMs >= 0 && durationMs < Infinity) ||
        (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 599))
      ) {
        this.#drop(o);
        return;
      }
      this.#registry.lookup(target, version).record(Math.floor(this.#ctx.clock.now() / this.#opts.resolutionMs), durationMs, success, status);
    } catch {
      this.#drop(o);
    }
  }

  /**
   * What this instance knows about (target, version) over the last `windowMs` (at most the retention; longer
   * windows are cut to it): its own records, flushed or not, plus other instances' slots as of the last
   * `fleetWindow()` call for this series (nothing from them before that). Windows are read in whole slots
   * (`resolution`), so they may reach up to one slot further back. Latencies in ms; NaN without data.
   * @example const { requests, successRate, p99 } = delivery.metrics.snapshot('checkout', 'canary', 60_000);
   */
  snapshot(target: string, version: string, windowMs: Duration): WindowSnapshot {
    const w = this.#windowMs(windowMs);
    const now = this.#ctx.clock.now();
    const res = this.#opts.resolutionMs;
    const last = Math.floor(now / res);
    const first = Math.floor((now - w) / res);
    return readWindow(this.#registry.find(target, version), this.#remote.get(remoteKey(target, version)), first, last, res);
  }

  /**
   * The fleet-wide window the rollout analysis reads: every other instance's slots, read from the store now,
   * merged with all of this instance's data (flushed or not; its own documents are skipped, so nothing counts
   * twice). Other instances' most recent data is as fresh as their last flush. On a store failure it reports
   * once and answers with the last fetched data. The fetched slots also feed later `snapshot()` calls.
   * @example const w = await delivery.metrics.fleetWindow('checkout', 'canary', '1m'); w.histogram.quantile(0.99);
   */
  async fleetWindow(target: string, version: string, windowMs: Duration): Promise<WindowSnapshot> {
    this.#windowMs(windowMs);
    if (typeof target !== 'string' || typeof version !== 'string') throw new ValidationError('target and version must be strings', { subject: 'fleetWindow' });
    let prefix: string;
    try {
      prefix = seriesPrefix(target, version);
    } catch {
      throw new ValidationError('target and version must be well-formed Unicode strings', { subject: 'fleetWindow' });
    }
    try {
      const entries = await this.#ctx.store.list(prefix);
      const horizon = this.#ctx.clock.now() - this.#opts.retentionMs;
      const docs: SlotDoc[] = [];
      for (let k = entries.length - 1; k >= 0 && docs.length < MAX_REMOTE_DOCS; k--) {
        const d = decodeSlot(entries[k]!.value);
        if (d && d.instance !== this.#ctx.instanceId && d.start + d.width > horizon) docs.push(d);
      }
      this.#setRemote(remoteKey(target, version), { docs, fetchedAt: this.#ctx.clock.now() });
      this.#ctx.reporter.clear('metrics:fleet-read');
    } catch (err) {
      this.#ctx.reporter.once('metrics:fleet-read', err, 'metrics: reading the fleet window failed; answering with the last fetched data');
    }
    return this.snapshot(target, version, windowMs);
  }

  /**
   * Every series in the Prometheus text format 0.0.4: `http_requests_total{target,version,code}`,
   * `http_request_duration_seconds{target,version}` (histogram), this module's own counters and every family
   * the other modules register (canary weight and phase, flag evaluations, shadow results, exposures).
   * Counters are this instance's, cumulative since it started; Prometheus sums the fleet.
   * @example app.get('/metrics', (_req, res) => res.type('text/plain; version=0.0.4').send(delivery.metrics.prometheus()));
   */
  prometheus(): string {
    const families: (MetricFamily | RenderedFamily)[] = ownFamilies(this.#registry.all(), this.#le.boundsMs, this.#opts.bucketsSeconds, this.stats());
    let collectors: Collector[] = [];
    try {
      collectors = this.#collectors();
    } catch (err) {
      this.#ctx.reporter.once('metrics:collectors', err, 'metrics: listing collectors failed');
    }
    collectors.forEach((c, i) => {
      try {
        const got = c();
        if (Array.isArray(got)) families.push(...got);
      } catch (err) {
        this.#ctx.reporter.once(`metrics:collector:${i}`, err, `metrics: collector #${i} threw; its families are left out`);
      }
    });
    const problems: RenderProblem[] = [];
    const text = renderExposition(families, problems);
    for (const p of problems) this.#warnOnce(`prom:${p.family}:${p.message}`, `metrics: ${p.family}: ${p.message}`);
    return text;
  }

  /** Counters about the module itself. */
  stats(): MetricsStats {
    let pendingSlots = 0;
    let lost = this.#lostEvicted;
    for (const s of this.#registry.all()) {
      lost += s.lost;
      pendingSlots += s.pending();
    }
    return {
      series: this.#registry.size,
      dropped: this.#dropped,
      folded: this.#registry.folded,
      flushedSlots: this.#flushedSlots,
      flushErrors: this.#flushErrors,
      pendingSlots,
      lostSlots: lost,
    };
  }

  /** The (target, version) pairs held, in creation order ('other' included once folding has begun). */
  series(): { target: string; version: string }[] {
    return [...this.#registry.all()].map((s) => ({ target: s.target, version: s.version }));
  }

  /** Starts the periodic flush (`flushInterval`). Called by `delivery.ready()`. */
  async load(): Promise<void> {
    this.#schedule();
  }

  /**
   * Writes every unflushed slot, the one in progress included, to the store. Never rejects: failed writes are
   * reported once per outage (the delivery's 'error' event) and retried at the next flush, for up to the retention.
   */
  flush(): Promise<void> {
    return this.#enqueue(true);
  }

  /** Stops the flush timer. (`delivery.close()` flushes first.) */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#chain;
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined || this.#opts.flushIntervalMs <= 0) return;
    this.#timer = this.#ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#enqueue(false).then(() => this.#schedule());
    }, this.#opts.flushIntervalMs);
  }

  #enqueue(includeCurrent: boolean): Promise<void> {
    const run = this.#chain.then(() => this.#flushOnce(includeCurrent));
    this.#chain = run.catch((err) => this.#ctx.reporter.report(err, 'metrics flush'));
    return this.#chain;
  }

  async #flushOnce(includeCurrent: boolean): Promise<void> {
    const now = this.#ctx.clock.now();
    const current = Math.floor(now / this.#opts.resolutionMs);
    const oldest = Math.floor((now - this.#opts.retentionMs) / this.#opts.resolutionMs);
    const jobs: SlotJob[] = [];
    this.#registry.evict((s) => {
      s.sealBefore(current);
      s.expireBefore(oldest);
      if (this.#evictable(s, current)) {
        this.#lostEvicted += s.lost;
        return true;
      }
      for (const p of s.dirtyPositions(current, includeCurrent)) jobs.push({ series: s, p, index: s.index[p]! });
      return false;
    });
    for (const [k, r] of this.#remote) if (r.fetchedAt < now - this.#opts.retentionMs) this.#remote.delete(k);
    if (jobs.length === 0) return;
    const { written, failed, lastError } = await this.#writer.write(jobs);
    this.#flushedSlots += written;
    this.#flushErrors += failed;
    if (failed > 0) {
      this.#ctx.reporter.once(
        'metrics:flush',
        lastError,
        `metrics: ${failed} of ${jobs.length} slot writes failed; they are kept and retried for up to the retention`,
        'STORE_UNAVAILABLE',
      );
    } else this.#ctx.reporter.clear('metrics:flush');
  }

  /** Idle past the retention with nothing left to write: its slots can no longer be read. */
  #evictable(s: Series, current: number): boolean {
    return s.cur < 0 && s.lastIndex < current - this.#ringSize && s.pending() === 0;
  }

  #setRemote(key: string, r: RemoteSlots): void {
    this.#remote.delete(key);
    this.#remote.set(key, r);
    const max = (this.#opts.maxTargets + 1) * (this.#opts.maxVersions + 1);
    while (this.#remote.size > max) this.#remote.delete(this.#remote.keys().next().value!);
  }

  #windowMs(windowMs: Duration): number {
    const w = parseDuration(windowMs, 'windowMs');
    if (w <= 0) throw new ValidationError([{ path: 'windowMs', message: 'the window must be longer than 0 ms' }]);
    return Math.min(w, this.#opts.retentionMs);
  }

  #drop(o: unknown): void {
    this.#dropped++;
    if (this.#warned.has('drop')) return;
    let why: string;
    try {
      why = describe(o);
    } catch {
      why = 'reading it threw';
    }
    this.#warnOnce('drop', `metrics: dropped an invalid record (${why}); further ones are only counted (stats().dropped)`);
  }

  #warnOnce(key: string, msg: string): void {
    if (this.#warned.has(key) || this.#warned.size >= 1000) return;
    this.#warned.add(key);
    this.#ctx.logger.warn(msg);
  }
}

function remoteKey(target: string, version: string): string {
  return `${target}\u0000${version}`;
}

function describe(o: unknown): string {
  if (typeof o !== 'object' || o === null) return `not an object: ${String(o)}`;
  const r = o as Record<string, unknown>;
  const bad: string[] = [];
  if (typeof r.target !== 'string' || !r.target || r.target.length > MAX_LABEL) bad.push(`target must be a string of 1-${MAX_LABEL} characters`);
  if (typeof r.version !== 'string' || !r.version || r.version.length > MAX_LABEL) bad.push(`version must be a string of 1-${MAX_LABEL} characters`);
  if (typeof r.success !== 'boolean') bad.push('success must be a boolean');
  if (typeof r.durationMs !== 'number' || !(r.durationMs >= 0 && r.durationMs < Infinity)) bad.push('durationMs must be a finite number >= 0');
  const st = r.status;
  if (st !== undefined && !(Number.isInteger(st) && (st as number) >= 100 && (st as number) <= 599)) bad.push('status, when given, must be an integer from 100 to 599');
  return bad.join('; ');
}
