// The canary: routing and calls on the hot path (synchronous, never throwing, from the in-memory state) on top of
// the shared rollout shell (controller.ts: state, watch, CAS writes, schedule, lease, requested actions). What is
// the canary's own: its weighted sticky split, match rules, revision restarts, and how a stale request is refused.
import type { DeliveryContext } from '../core/context.js';
import { RolloutController, type Change } from './controller.js';
import type { CanaryMetrics } from './iteration.js';
import { actionRefusal, transition } from './machine.js';
import { makeBucketer } from './router.js';
import type { RolloutStateDoc } from './state-doc.js';
import type { CanaryEvents, CanaryOptions, CanaryPhase, CanaryStatus, Handler, RolloutAction, RolloutStatus } from './types.js';
import { resolveCanaryOptions } from './validate.js';

const ACTIVE_MATCH: ReadonlySet<CanaryPhase> = new Set(['Progressing', 'WaitingPromotion', 'Paused', 'Promoting']);

/**
 * A canary rollout: `call()` routes each request to the stable or canary handler by the current weight, and the
 * analysis (on the lease holder) moves the weight step by step while the metrics hold, or rolls back.
 * @example
 * const c = delivery.rollouts.canary({ name: 'checkout', stable: v1, canary: v2,
 *   analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50,
 *               metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] } });
 * c.start();
 * const res = await c.call(req);
 */
export class Canary<Req, Res> extends RolloutController<CanaryEvents, CanaryStatus> {
  readonly #stable: Handler<Req, Res>;
  readonly #canary: Handler<Req, Res>;
  readonly #stickyBy: ((req: Req) => string | undefined) | undefined;
  readonly #match: ((req: Req) => boolean)[];
  readonly #revision: string | null;
  readonly #bucket: (unit: string) => number;
  /** weight * 1000, compared with bucket() in [0, 100000). */
  #threshold = 0;
  #matchOn = false;

  constructor(ctx: DeliveryContext, opts: CanaryOptions<Req, Res>, metrics: CanaryMetrics) {
    const analysis = resolveCanaryOptions(opts);
    const revision = opts.revision ?? null;
    super(ctx, { kind: 'canary', name: opts.name, analysis, scheduled: true, metrics, revision });
    this.#stable = opts.stable;
    this.#canary = opts.canary;
    this.#stickyBy = opts.stickyBy;
    this.#match = opts.match ?? [];
    this.#revision = revision;
    this.#bucket = makeBucketer(this.name);
  }

  /** Which side serves `req`: match rules first, then the weight (sticky by `stickyBy`). Never throws. */
  route(req: Req): 'stable' | 'canary' {
    try {
      if (this.#matchOn) {
        const match = this.#match;
        for (let i = 0; i < match.length; i++) if (match[i]!(req)) return 'canary';
      }
      const t = this.#threshold;
      if (t <= 0) return 'stable';
      if (t >= 100_000) return 'canary';
      const key = this.#stickyBy?.(req);
      if (key !== undefined && key !== null) return this.#bucket(typeof key === 'string' ? key : String(key)) < t ? 'canary' : 'stable';
      return this.ctx.random() * 100_000 < t ? 'canary' : 'stable';
    } catch (err) {
      this.ctx.reporter.once(`canary:${this.name}:route`, err, `canary '${this.name}': match or stickyBy threw (routing to stable)`, 'USER_CODE');
      return 'stable';
    }
  }

  /** Routes `req`, runs that side's handler and records its success and duration; settles exactly as the handler did. */
  call(req: Req): Promise<Res> {
    const side = this.route(req);
    return this.calls.run(side, side === 'canary' ? this.#canary : this.#stable, req);
  }

  /** The state this instance routes by. */
  status(): CanaryStatus {
    const d = this.doc;
    const s: CanaryStatus = { name: this.name, phase: d.phase, weight: d.weight, failedChecks: d.failedChecks, iteration: d.iteration, message: d.message, lastTransitionTime: d.lastTransitionTime };
    if (d.revision !== null) s.revision = d.revision;
    return s;
  }

  rolloutStatus(): RolloutStatus {
    const d = this.doc;
    return { name: this.name, kind: 'canary', phase: d.phase, weight: d.weight, failedChecks: d.failedChecks, message: d.message };
  }

  /** Routing follows every state; events are emitted also for the first one loaded (the weight it starts from). */
  protected applied(prev: RolloutStateDoc, doc: RolloutStateDoc, _initial: boolean): void {
    this.#threshold = Math.round(doc.weight * 1000);
    this.#matchOn = ACTIVE_MATCH.has(doc.phase);
    this.emitChange(prev, doc);
  }

  /** A process started with another revision than the stored one restarts the analysis (a new canary). */
  protected override loadChange(stored: RolloutStateDoc): Change | undefined {
    if (this.#revision === null || stored.revision === this.#revision) return undefined;
    const t = transition(stored, { type: 'restart', revision: this.#revision }, this.analysis.machine, this.ctx.clock.now());
    return { state: t.state, effects: t.effects };
  }

  /** A stored request applies as the machine says; one that no longer applies is cleared with a message saying why. */
  protected override requestedChange(s: RolloutStateDoc, action: RolloutAction, reason: string | null): Change {
    const t = transition(s, { type: 'action', action, reason }, this.analysis.machine, this.ctx.clock.now());
    const refused = t.changed ? undefined : actionRefusal(s.phase, action);
    const state = refused ? { ...t.state, message: `requested ${action} not applied: ${refused}` } : t.state;
    return { state: { ...state, requestedAction: null }, effects: t.effects };
  }

  /** Skips the rest of the analysis: Promoting, weight 100, 'post-rollout' hooks, Succeeded. */
  promote(): Promise<void> {
    return this.act('promote');
  }

  /** Rolls back now: weight 0, Failed, 'rollback' and 'post-rollout' hooks. */
  abort(reason?: string): Promise<void> {
    return this.act('abort', reason);
  }
}
