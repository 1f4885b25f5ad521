// delivery.rollouts: creates rollouts, keeps the registry that status() and the Prometheus gauges read, and
// watches the store's rollout namespace so every instance routes with the same weight.
import { NS, type DeliveryContext, type Lifecycle } from '../core/context.js';
import { ValidationError } from '../core/errors.js';
import type { MetricFamily } from '../core/telemetry.js';
import type { FlagClient } from '../flags/client.js';
import type { Metrics } from '../metrics/metrics.js';
import type { StoreChange } from '../store/types.js';
import { BlueGreen } from './blue-green.js';
import { Canary } from './canary.js';
import { GuardedFlagRollout } from './guarded-flag.js';
import type { ManagedRollout } from './controller.js';
import type { CanaryMetrics } from './iteration.js';
import { kindFamilies } from './kind-families.js';
import { RingRollout } from './rings.js';
import type { BlueGreenOptions, CanaryOptions, CanaryPhase, GuardedFlagOptions, RingOptions, RolloutStatus } from './types.js';

const PHASES: readonly CanaryPhase[] = ['Initialized', 'Progressing', 'WaitingPromotion', 'Promoting', 'Succeeded', 'Failed', 'Paused'];

/**
 * The rollouts of one delivery.
 * @example
 * const canary = delivery.rollouts.canary({ name: 'checkout', stable, canary: next, analysis });
 * delivery.rollouts.status(); // [{ name: 'checkout', kind: 'canary', phase: 'Progressing', weight: 20, ... }]
 */
export class Rollouts implements Lifecycle {
  readonly #ctx: DeliveryContext;
  readonly #metrics: CanaryMetrics;
  readonly #flags: FlagClient;
  readonly #registry = new Map<string, ManagedRollout>();
  #unwatch: (() => void) | undefined;
  #loaded = false;

  constructor(ctx: DeliveryContext, deps: { flags: FlagClient; metrics: Metrics }) {
    this.#ctx = ctx;
    this.#metrics = deps.metrics;
    this.#flags = deps.flags;
    ctx.addCollector(() => this.#families());
  }

  /** The flag client, for rollout kinds built on flags (guarded flag rollouts). */
  get flags(): FlagClient {
    return this.#flags;
  }

  /**
   * Creates a canary. Throws a ValidationError listing every problem with the options, or when the name is taken.
   * @example
   * const c = delivery.rollouts.canary({ name: 'search', stable: searchV1, canary: searchV2,
   *   analysis: { interval: '30s', threshold: 3, stepWeights: [1, 5, 10, 25, 50],
   *               metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } },
   *                         { name: 'latency-regression', thresholdRange: { min: 0.01 } }] } });
   * c.start();
   */
  canary<Req, Res>(opts: CanaryOptions<Req, Res>): Canary<Req, Res> {
    const c = new Canary<Req, Res>(this.#ctx, opts, this.#metrics);
    this.register(c);
    return c;
  }

  /**
   * Creates a blue-green rollout: `call()` runs the active side; `switch()` checks the idle side and flips every
   * instance; `rollback()` flips back at once. Throws a ValidationError listing every problem with the options.
   * @example
   * const bg = delivery.rollouts.blueGreen({ name: 'api', blue: v1, green: v2,
   *   preSwitch: [{ name: 'smoke', run: async () => (await v2(probe)).ok }] });
   * await bg.switch();
   */
  blueGreen<Req, Res>(opts: BlueGreenOptions<Req, Res>): BlueGreen<Req, Res> {
    const b = new BlueGreen<Req, Res>(this.#ctx, opts, this.#metrics);
    this.#adopt(b);
    return b;
  }

  /**
   * Creates a ring deployment: requests in an open ring run `next`, the rest `stable`; `advance()` opens the next
   * ring (or the analysis does, one per passing iteration).
   * @example
   * const r = delivery.rollouts.rings({ name: 'search', stable: v1, next: v2, context: (req) => ({ userId: req.userId, groups: req.groups }),
   *   rings: [{ name: 'internal', audience: [{ attribute: 'groups', operator: 'in', values: ['employees'] }] }, { name: 'everyone', percentage: 100 }] });
   * await r.advance();
   */
  rings<Req, Res>(opts: RingOptions<Req, Res>): RingRollout<Req, Res> {
    const r = new RingRollout<Req, Res>(this.#ctx, opts, this.#metrics, this.#flags);
    this.#adopt(r);
    return r;
  }

  /**
   * Creates a guarded flag rollout: the flag's fallthrough split moves through `steps` while the analysis of the
   * metrics recorded under target = the flag key passes, and goes back to 0% when it fails.
   * @example
   * const g = delivery.rollouts.guardedFlag({ flag: 'new-checkout-flow', steps: [5, 25, 50, 100],
   *   analysis: { interval: '10m', threshold: 2, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] } });
   * g.start();
   */
  guardedFlag(opts: GuardedFlagOptions): GuardedFlagRollout {
    const g = new GuardedFlagRollout(this.#ctx, opts, this.#metrics, this.#flags);
    this.#adopt(g);
    return g;
  }

  /** Registers a rollout built here; one refused (a taken name) is closed so it leaves no listener behind. */
  #adopt(rollout: ManagedRollout): void {
    try {
      this.register(rollout);
    } catch (err) {
      void rollout.close();
      throw err;
    }
  }

  /**
   * Adds a rollout to the registry (for rollout kinds built elsewhere: blue-green, rings, guarded flags). It is
   * loaded now when the delivery is ready (else by ready()), watched, listed by status() and closed by close().
   */
  register(rollout: ManagedRollout): void {
    if (this.#registry.has(rollout.name)) {
      throw new ValidationError([{ path: 'name', message: `a rollout named '${rollout.name}' already exists in this delivery` }]);
    }
    this.#registry.set(rollout.name, rollout);
    if (this.#loaded) rollout.load().catch((err: unknown) => this.#ctx.reporter.report(err, `loading rollout '${rollout.name}'`));
  }

  /** Removes a rollout from the registry and closes it. */
  async unregister(name: string): Promise<boolean> {
    const r = this.#registry.get(name);
    if (!r) return false;
    this.#registry.delete(name);
    await r.close();
    return true;
  }

  /** A registered rollout by name. */
  get(name: string): ManagedRollout | undefined {
    return this.#registry.get(name);
  }

  /** Every rollout of this delivery, sorted by name. */
  status(): RolloutStatus[] {
    return [...this.#registry.values()].map((r) => r.rolloutStatus()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async load(): Promise<void> {
    this.#unwatch ??= this.#ctx.store.watch(NS.rollouts, (c) => this.#onChange(c));
    this.#loaded = true;
    await Promise.all(
      [...this.#registry.values()].map((r) => r.load().catch((err: unknown) => this.#ctx.reporter.report(err, `loading rollout '${r.name}'`))),
    );
  }

  #onChange(change: StoreChange): void {
    this.#registry.get(change.key.slice(NS.rollouts.length))?.onStoreChange(change);
  }

  async close(): Promise<void> {
    this.#unwatch?.();
    this.#unwatch = undefined;
    await Promise.all([...this.#registry.values()].map((r) => r.close()));
  }

  #families(): MetricFamily[] {
    const rollouts = [...this.#registry.values()].map((r) => r.rolloutStatus());
    return [
      {
        name: 'progressive_delivery_canary_weight',
        help: 'Percent of traffic routed to the canary (0-100).',
        type: 'gauge',
        samples: rollouts.filter((r) => r.weight !== undefined).map((r) => ({ labels: { name: r.name }, value: r.weight ?? 0 })),
      },
      {
        name: 'progressive_delivery_canary_phase',
        help: 'The rollout phase: 1 for the current phase, 0 for the others.',
        type: 'gauge',
        samples: rollouts.flatMap((r) => PHASES.map((phase) => ({ labels: { name: r.name, phase }, value: r.phase === phase ? 1 : 0 }))),
      },
      ...kindFamilies(rollouts, (name) => {
        const r = this.#registry.get(name);
        return r instanceof RingRollout ? r.rings : undefined;
      }),
    ];
  }
}
