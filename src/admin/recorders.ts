// What the charts draw, kept by the dashboard while it runs: experiment results sampled on the delivery's clock
// (the store keeps only cumulative counters, so past rates cannot be derived from it), and every rollout's weight
// as the store's change notifications carry it. Both bounded (History); both stopped by close().
import { NS } from '../core/context.js';
import type { Delivery } from '../delivery.js';
import type { ExperimentResults } from '../experiments/types.js';
import { parseDoc } from '../rollout/state-doc.js';
import { listRolloutStates } from '../rollout/state.js';
import { History } from './history.js';
import { metricValues } from './pages/experiments.js';

/** At most this many running experiments are sampled per interval. */
const MAX_SAMPLED = 50;

export const seriesKey = (experiment: string, metric: string): string => `${experiment}\u0000${metric}`;

export class AdminRecorders {
  readonly experiments: History;
  readonly rollouts: History;
  readonly #delivery: Delivery;
  readonly #intervalMs: number;
  #timer: unknown;
  #unwatch: (() => void) | undefined;
  #closed = false;
  #sampling = false;

  constructor(delivery: Delivery, historySize: number, intervalMs: number) {
    this.#delivery = delivery;
    this.#intervalMs = intervalMs;
    this.experiments = new History(historySize);
    this.rollouts = new History(historySize);
  }

  /** Starts watching rollouts and the sampling timer (idempotent). */
  start(): void {
    if (this.#closed || this.#unwatch) return;
    const ctx = this.#delivery.context;
    try {
      this.#unwatch = ctx.store.watch(NS.rollouts, (c) => {
        if (ctx.isClosed()) return this.close();
        const doc = c.deleted ? undefined : parseDoc(c.value);
        if (c.deleted) this.rollouts.delete(c.key.slice(NS.rollouts.length));
        else if (doc) this.#weight(doc.name, doc.weight, ctx.clock.now());
      });
    } catch (err) {
      ctx.reporter.once('admin:watch', err, 'admin dashboard: watching rollouts failed; the weight timeline stays empty');
    }
    void this.seedRollouts();
    this.#schedule();
  }

  /** Adds the current state of every stored rollout that has no timeline yet. */
  async seedRollouts(): Promise<void> {
    const ctx = this.#delivery.context;
    try {
      for (const s of await listRolloutStates(ctx.store)) {
        if (!this.rollouts.has(s.name)) this.#weight(s.name, s.weight, Math.min(ctx.clock.now(), s.lastStepTime || ctx.clock.now()));
      }
    } catch (err) {
      ctx.reporter.once('admin:seed', err, 'admin dashboard: listing rollouts failed');
    }
  }

  /** Notes a rollout's weight as a page read it (the watch may not have told yet). */
  observe(name: string, weight: number): void {
    this.#weight(name, weight, this.#delivery.context.clock.now());
  }

  #weight(name: string, weight: number, at: number): void {
    const last = this.rollouts.last(name);
    if (last && last.values.weight === weight) return;
    this.rollouts.add(name, { at, values: { weight } });
  }

  #schedule(): void {
    if (this.#closed) return;
    const clock = this.#delivery.context.clock;
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#delivery.context.isClosed()) return this.close();
      void this.sample().finally(() => this.#schedule());
    }, this.#intervalMs);
  }

  /** Samples the results of every running experiment (at most 50) once. */
  async sample(): Promise<void> {
    if (this.#sampling || this.#closed) return;
    this.#sampling = true;
    const d = this.#delivery;
    try {
      const running = d.experiments.list().filter((e) => (e.status ?? 'running') === 'running').slice(0, MAX_SAMPLED);
      for (const def of running) {
        try {
          this.record(def.key, await d.experiments.results(def.key));
          d.context.reporter.clear(`admin:sample:${def.key}`);
        } catch (err) {
          d.context.reporter.once(`admin:sample:${def.key}`, err, `admin dashboard: sampling results of '${def.key}' failed`);
        }
      }
    } finally {
      this.#sampling = false;
    }
  }

  /** Records one results snapshot (every metric) at the clock's now. */
  record(key: string, r: ExperimentResults): void {
    const def = this.#delivery.experiments.get(key);
    if (!def) return;
    const at = this.#delivery.context.clock.now();
    for (const m of def.metrics ?? []) this.experiments.add(seriesKey(key, m.key), { at, values: metricValues(def, r, m.key) }, this.#intervalMs / 2);
  }

  close(): void {
    this.#closed = true;
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (this.#timer !== undefined) this.#delivery.context.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
