// Blue-green: every call goes to the active side; switch() checks the idle side and flips with compare-and-set,
// every instance following through the store's watch; rollback() flips back at once. An optional post-switch
// analysis (on the lease holder) watches the new side and rolls back by itself when it fails.
//
// State: `data.from` / `data.to` are the sides of the last switch and `weight` is 100 while `to` serves, 0 after a
// rollback (so the machine's rollback, also requested from the CLI, flips back). Before any switch from = to.
import type { DeliveryContext } from '../core/context.js';
import { ConflictError, DeliveryError, type ValidationIssue } from '../core/errors.js';
import { manualAnalysis, RolloutController, type Change } from './controller.js';
import { versionWindows, type CanaryMetrics } from './iteration.js';
import { checkChecks, resolveKindAnalysis } from './kind-validate.js';
import { checkHandler, checkName, isObj, orThrow, requireObject } from './option-checks.js';
import { NEW_ANALYSIS, type RolloutStateDoc } from './state-doc.js';
import type { BlueGreenEvents, BlueGreenOptions, BlueGreenStatus, Check, Handler } from './types.js';
import type { ResolvedAnalysis } from './validate.js';
import { checkResults, type HookResult } from './webhooks.js';

export type Side = 'blue' | 'green';

/** Default number of passing post-switch iterations that end the watch. */
export const DEFAULT_POST_SWITCH_ITERATIONS = 3;

const other = (s: Side): Side => (s === 'blue' ? 'green' : 'blue');
const side = (v: unknown, d: Side): Side => (v === 'blue' || v === 'green' ? v : d);

/** The side serving in `doc`. */
export function activeSide(doc: RolloutStateDoc, fallback: Side = 'blue'): Side {
  const from = side(doc.data?.from, fallback);
  return doc.weight >= 100 ? side(doc.data?.to, from) : from;
}

/** A switch refused because pre-switch checks failed: `failedChecks` names each with its reason. */
export class SwitchRefusedError extends DeliveryError {
  readonly failedChecks: { name: string; error: string }[];
  constructor(rollout: string, from: Side, to: Side, failed: HookResult[]) {
    const list = failed.map((f) => `${f.name} (${f.error ?? 'failed'})`).join('; ');
    super(`blue-green '${rollout}': switch to ${to} refused, ${failed.length} preSwitch check${failed.length === 1 ? '' : 's'} failed: ${list}. ${from} stays active`, 'CHECKS_FAILED');
    this.name = 'SwitchRefusedError';
    this.failedChecks = failed.map((f) => ({ name: f.name, error: f.error ?? 'failed' }));
  }
}

function resolveOptions<Req, Res>(opts: BlueGreenOptions<Req, Res>): { analysis: ResolvedAnalysis | undefined; checks: Check[] } {
  requireObject(opts, 'blue-green', 'blueGreen');
  const issues: ValidationIssue[] = [];
  checkName(opts.name, issues);
  checkHandler(opts.blue, 'blue', issues);
  checkHandler(opts.green, 'green', issues);
  if (opts.active !== undefined && opts.active !== 'blue' && opts.active !== 'green') issues.push({ path: 'active', message: "must be 'blue' or 'green'" });
  const checks = checkChecks(opts.preSwitch, 'preSwitch', issues);
  let analysis: ResolvedAnalysis | undefined;
  if (opts.postSwitchAnalysis !== undefined) {
    const a = opts.postSwitchAnalysis as unknown;
    const iterations = isObj(a) && a.iterations !== undefined ? a.iterations : DEFAULT_POST_SWITCH_ITERATIONS;
    const why = 'has no meaning for blue-green (the switch moves all traffic): remove it; iterations sets how long the new side is watched';
    analysis = resolveKindAnalysis(a, 'postSwitchAnalysis', issues, ['stepWeight', 'stepWeights', 'maxWeight'], why, { iterations: iterations as number });
  }
  return orThrow({ analysis, checks }, issues, 'blueGreen', opts.name);
}

/**
 * A blue-green deployment. Create it with `delivery.rollouts.blueGreen()`.
 * @example
 * const bg = delivery.rollouts.blueGreen({ name: 'api', blue: apiV1, green: apiV2,
 *   preSwitch: [{ name: 'smoke', url: 'http://127.0.0.1:8081/smoke', timeoutMs: 2000 }],
 *   postSwitchAnalysis: { interval: '1m', threshold: 2, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] } });
 * bg.start();              // the post-switch analysis schedule (lease holder only)
 * await bg.switch();       // green serves on every instance, or a SwitchRefusedError names the failed checks
 * await bg.rollback();     // blue again, at once
 */
export class BlueGreen<Req, Res> extends RolloutController<BlueGreenEvents> {
  readonly #blue: Handler<Req, Res>;
  readonly #green: Handler<Req, Res>;
  readonly #checks: Check[];
  readonly #initial: Side;
  readonly #watched: boolean;
  #active: Side;

  constructor(ctx: DeliveryContext, opts: BlueGreenOptions<Req, Res>, metrics: CanaryMetrics) {
    const { analysis, checks } = resolveOptions(opts);
    const initial: Side = opts.active ?? 'blue';
    const ref: { doc?: () => RolloutStateDoc } = {};
    // 'canary' is the side switched to, 'stable' the side switched from
    const windows = versionWindows(metrics, opts.name, (v) => side(ref.doc?.().data?.[v === 'canary' ? 'to' : 'from'], initial));
    super(ctx, {
      kind: 'blueGreen',
      name: opts.name,
      label: 'blue-green',
      analysis: analysis ?? manualAnalysis({ steps: [100], maxWeight: 100 }),
      scheduled: analysis !== undefined,
      metrics: windows,
      initialData: { from: initial, to: initial, switches: 0 },
    });
    this.#blue = opts.blue;
    this.#green = opts.green;
    this.#checks = checks;
    this.#initial = initial;
    this.#watched = analysis !== undefined;
    this.#active = initial;
    ref.doc = () => this.doc;
  }

  /** The side serving calls on this instance (the store's, once loaded). */
  active(): Side {
    return this.#active;
  }

  /** Runs `req` on the active side and records its success and duration (target = name, version = the side). */
  call(req: Req): Promise<Res> {
    const s = this.#active;
    return this.calls.run(s, s === 'green' ? this.#green : this.#blue, req);
  }

  status(): BlueGreenStatus {
    const d = this.doc;
    return { name: this.name, kind: 'blueGreen', phase: d.phase, failedChecks: d.failedChecks, message: d.message, active: this.#active };
  }

  rolloutStatus(): BlueGreenStatus {
    return this.status();
  }

  protected applied(prev: RolloutStateDoc, doc: RolloutStateDoc, initial: boolean): void {
    const before = this.#active;
    this.#active = activeSide(doc, this.#initial);
    if (!initial) this.emitChange(prev, doc, { event: 'switched', moved: this.#active !== before });
  }

  /** The machine never moves a blue-green's weight except to roll back. */
  protected override adjust(prev: RolloutStateDoc, next: RolloutStateDoc): RolloutStateDoc {
    const out = { ...next, weight: next.phase === 'Failed' ? 0 : prev.weight };
    if (out.phase === 'Succeeded' && prev.phase !== 'Succeeded') out.message = `post-switch analysis passed: ${activeSide(out, this.#initial)} serves`;
    return out;
  }

  protected override canIterate(doc: RolloutStateDoc): boolean {
    return this.#watched && doc.weight >= 100 && doc.data?.from !== doc.data?.to;
  }

  /**
   * Runs the `preSwitch` checks (in order) for the idle side and, when every one passes, makes it active with
   * compare-and-set; every instance follows through the store. Rejects with a {@link SwitchRefusedError} naming
   * each failed check (nothing changes then), or a ConflictError when another switch or rollback landed meanwhile.
   * With `postSwitchAnalysis`, the new side is then watched (phase Progressing) until it passes or rolls back.
   */
  async switch(): Promise<void> {
    await this.load();
    const from = this.#active;
    const to = other(from);
    const runner = { clock: this.ctx.clock, reporter: this.ctx.reporter, subject: `blue-green '${this.name}'` };
    const failed = (await checkResults(this.#checks, runner, { name: this.name, from, to })).filter((c) => !c.ok);
    await this.enqueue(async () => {
      if (failed.length) {
        const err = new SwitchRefusedError(this.name, from, to, failed);
        await this.mutate((s) => (activeSide(s, this.#initial) === from ? { state: { ...s, message: err.message, generation: s.generation + 1 }, effects: [] } : undefined)).catch(this.reportAsync);
        throw err;
      }
      await this.mutate((s) => {
        if (activeSide(s, this.#initial) !== from) {
          throw new ConflictError(`rollouts/${this.name}`, undefined, undefined, `blue-green '${this.name}': ${activeSide(s, this.#initial)} became active while the checks ran; nothing switched`);
        }
        return this.#switchChange(s, from, to);
      });
    });
  }

  #switchChange(s: RolloutStateDoc, from: Side, to: Side): Change {
    const now = this.ctx.clock.now();
    const phase = this.#watched ? 'Progressing' : 'Succeeded';
    const message = `switched from ${from} to ${to}${this.#watched ? `: watching ${to}` : ''}`;
    const effects: Change['effects'] =
      phase !== s.phase ? [{ hook: 'event', phase, weight: s.weight, failedChecks: s.failedChecks, message, previousPhase: s.phase }] : [];
    const switches = typeof s.data?.switches === 'number' ? s.data.switches : 0;
    const state: RolloutStateDoc = {
      ...s,
      phase,
      weight: 100,
      ...NEW_ANALYSIS,
      pausedFrom: null,
      message,
      lastTransitionTime: now,
      lastStepTime: now,
      // the first post-switch iteration comes at least half an interval after the switch
      lastAnalysisTime: now,
      generation: s.generation + 1,
      requestedAction: null,
      data: { ...s.data, from, to, switches: switches + 1 },
    };
    return { state, effects };
  }

  /**
   * Makes the previous side active again at once, without checks (phase Failed, 'rollback' hooks run). Rejects with
   * a DeliveryError 'INVALID_STATE' when there is nothing to roll back (no switch, or already rolled back).
   */
  rollback(reason?: string): Promise<void> {
    return this.rollbackUnless((s) => {
      const from = side(s.data?.from, this.#initial);
      return s.weight < 100 || from === side(s.data?.to, from) ? `nothing to roll back (${activeSide(s, this.#initial)} serves and no switch is in effect)` : undefined;
    }, reason);
  }

  /** Ends the post-switch analysis now as passed (Succeeded, the new side stays). */
  promote(): Promise<void> {
    return this.act('promote');
  }

  protected override rollbackMessage(s: RolloutStateDoc, reason: string | null | undefined): string {
    return `rolled back to ${side(s.data?.from, this.#initial)}${reason ? `: ${reason}` : ''}`;
  }
}
