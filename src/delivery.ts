import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from './core/clock.js';
import type { DeliveryContext, Lifecycle } from './core/context.js';
import { parseDuration, type Duration } from './core/duration.js';
import type { DeliveryError } from './core/errors.js';
import { Emitter } from './core/events.js';
import { safeLogger, type Logger } from './core/logger.js';
import { defaultRandom, type Random } from './core/random.js';
import { ErrorReporter } from './core/report.js';
import type { Collector } from './core/telemetry.js';
import { ExperimentClient, type ExperimentClientOptions } from './experiments/client.js';
import { FlagClient } from './flags/client.js';
import { Metrics, type MetricsOptions } from './metrics/metrics.js';
import { Rollouts } from './rollout/rollouts.js';
import { ShadowClient } from './shadow/client.js';
import type { ShadowOptions } from './shadow/types.js';
import { MemoryStore } from './store/memory.js';
import type { Store } from './store/types.js';

export interface DeliveryOptions {
  /** Where flags, experiments, rollout state and fleet metrics live. @default a new MemoryStore (closed by close()) */
  store?: Store;
  /** Time source for every timer and measurement. @default the system clock */
  clock?: Clock;
  /** Diagnostics. Missing methods are ignored. @default silent */
  logger?: Logger;
  /** How long a rollout leader's lease lasts; renewed at a third of it. @default '15s' */
  leaseTtl?: Duration;
  /** Source of randomness (shadow sampling without sampleBy). @default Math.random */
  random?: Random;
  /** Metrics options: flush interval, retention, label cardinality. */
  metrics?: MetricsOptions;
  /** Experiment options: exposure/track buffer bounds and flush cadence. */
  experiments?: ExperimentClientOptions;
  /** Count flag evaluations for `progressive_delivery_flag_evaluations_total` (one array write each). @default true */
  flagEvaluationCounting?: boolean;
}

type DeliveryEvents = { error: (e: DeliveryError) => void };

/**
 * The facade: one per service instance. Create it, `await ready()`, then use `flags`, `experiments`,
 * `rollouts`, `metrics` and `shadow()`; `close()` on shutdown.
 * @example
 * const delivery = createDelivery();
 * await delivery.ready();
 * if (delivery.flags.isEnabled('new-checkout-flow', { userId })) { ... }
 */
export class Delivery extends Emitter<DeliveryEvents> {
  readonly flags: FlagClient;
  readonly experiments: ExperimentClient;
  readonly metrics: Metrics;
  readonly rollouts: Rollouts;
  readonly #ctx: DeliveryContext;
  readonly #ownsStore: boolean;
  readonly #collectors: Collector[] = [];
  readonly #modules: Lifecycle[];
  readonly #shadows = new Set<ShadowClient<never, never>>();
  #readyPromise: Promise<void> | undefined;
  #resolveReady!: () => void;
  #ready = false;
  #closed = false;

  constructor(opts: DeliveryOptions = {}) {
    super();
    const clock = opts.clock ?? systemClock;
    const logger = safeLogger(opts.logger);
    this.#ownsStore = !opts.store;
    const store = opts.store ?? new MemoryStore({ clock });
    const whenReady = new Promise<void>((resolve) => {
      this.#resolveReady = resolve;
    });
    const reporter = new ErrorReporter((e) => {
      if (this.listenerCount('error') > 0) this.emitSafe('error', () => {}, e);
    }, logger);
    this.#ctx = {
      store,
      clock,
      logger,
      reporter,
      random: opts.random ?? defaultRandom,
      instanceId: randomUUID(),
      leaseTtlMs: parseDuration(opts.leaseTtl ?? '15s', 'leaseTtl'),
      addCollector: (c) => void this.#collectors.push(c),
      whenReady,
      isReady: () => this.#ready,
      isClosed: () => this.#closed,
    };
    this.metrics = new Metrics(this.#ctx, () => this.#collectors, opts.metrics);
    this.flags = new FlagClient(this.#ctx, { evaluationCounting: opts.flagEvaluationCounting });
    this.experiments = new ExperimentClient(this.#ctx, opts.experiments);
    this.rollouts = new Rollouts(this.#ctx, { flags: this.flags, metrics: this.metrics });
    this.#modules = [this.flags, this.experiments, this.rollouts, this.metrics];
  }

  /** Loads the flag, experiment and rollout snapshots and starts watching the store. Idempotent. */
  ready(): Promise<void> {
    this.#readyPromise ??= (async () => {
      for (const m of this.#modules) await m.load?.();
      this.#ready = true;
      this.#resolveReady();
    })();
    return this.#readyPromise;
  }

  /**
   * A shadow client: calls `primary`, mirrors a share of calls to `shadow` and compares the outcomes, without ever
   * delaying or altering the primary's result.
   */
  shadow<Req, Res>(options: ShadowOptions<Req, Res>): ShadowClient<Req, Res> {
    const client = new ShadowClient<Req, Res>(this.#ctx, options, { flags: this.flags });
    this.#shadows.add(client as unknown as ShadowClient<never, never>);
    return client;
  }

  /** The shadow clients created by `shadow()`, in creation order (read-only; for the admin dashboard). */
  shadows(): readonly ShadowClient<unknown, unknown>[] {
    return [...this.#shadows] as unknown as ShadowClient<unknown, unknown>[];
  }

  /** Writes buffered exposures, conversions and metric windows to the store. */
  async flush(): Promise<void> {
    await Promise.all(this.#modules.map((m) => m.flush?.()));
  }

  /** Stops every timer and subscription, flushes what is buffered, releases leases; closes only a store it created. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } catch (err) {
      this.#ctx.reporter.report(err, 'flush on close');
    }
    this.#closed = true;
    for (const s of this.#shadows) s.close();
    for (const m of [...this.#modules].reverse()) {
      try {
        await m.close?.();
      } catch (err) {
        this.#ctx.reporter.report(err, 'close');
      }
    }
    if (this.#ownsStore) await this.#ctx.store.close();
    this.removeAll();
  }

  /** This instance's unique id: the owner name of its leases and the author recorded in rollout state it writes. */
  get instanceId(): string {
    return this.#ctx.instanceId;
  }

  /** @internal for adapters (middleware, OpenFeature, admin) that need the shared context. */
  get context(): DeliveryContext {
    return this.#ctx;
  }
}

/** Creates a delivery. See {@link DeliveryOptions}. */
export function createDelivery(opts: DeliveryOptions = {}): Delivery {
  return new Delivery(opts);
}
