// Guarded flag rollouts (LaunchDarkly's guarded rollout, in-process): the canary machine drives the percent of units
// on `variant` through `steps`; each step is written into the flag's fallthrough as a two-way split with the flag's
// offVariant, through flags.update (compare-and-set). The split last written is remembered in the state
// (`data.written`): a flag whose fallthrough is neither that split nor the one being written was edited by someone
// else, and the rollout pauses with the conflict in its message instead of overwriting it. The analysis reads
// `variant` as the new side and every other variant of the flag, pooled, as the baseline.
import type { DeliveryContext } from '../core/context.js';
import { DeliveryError, type ValidationIssue } from '../core/errors.js';
import type { FlagClient } from '../flags/client.js';
import type { FlagDefinition, Serve } from '../flags/types.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import type { FleetWindow } from '../metrics/types.js';
import { RolloutController, type Change } from './controller.js';
import type { CanaryMetrics } from './iteration.js';
import { resolveKindAnalysis } from './kind-validate.js';
import { checkName, orThrow, requireObject } from './option-checks.js';
import type { RolloutStateDoc } from './state-doc.js';
import type { VersionedDoc } from './state.js';
import type { GuardedFlagEvents, GuardedFlagOptions, RolloutStatus } from './types.js';
import type { ResolvedAnalysis } from './validate.js';

const FLAG_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The fallthrough a guarded rollout writes for `percent` on `variant`: a split with the off variant. */
export function guardedServe(variant: string, offVariant: string, percent: number, bucketBy?: string): Serve {
  const on = Math.round(percent * 1000) / 1000;
  const serve: Serve = { split: [{ variant, weight: on }, { variant: offVariant, weight: Math.round((100 - on) * 1000) / 1000 }] };
  if (bucketBy) serve.bucketBy = bucketBy;
  return serve;
}

/** Whether `serve` splits units as {@link guardedServe} does for `percent` (relative weights; bucketBy ignored). */
export function isGuardedServe(serve: Serve | undefined, variant: string, offVariant: string, percent: number): boolean {
  if (!serve || !('split' in serve) || !Array.isArray(serve.split)) return false;
  const total = serve.split.reduce((a, e) => a + (e.weight > 0 ? e.weight : 0), 0);
  if (!(total > 0)) return false;
  const want = new Map<string, number>();
  if (percent > 0) want.set(variant, percent / 100);
  if (percent < 100) want.set(offVariant, 1 - percent / 100);
  const got = new Map<string, number>();
  for (const e of serve.split) if (e.weight > 0) got.set(e.variant, (got.get(e.variant) ?? 0) + e.weight / total);
  if (got.size !== want.size) return false;
  for (const [v, w] of want) if (Math.abs((got.get(v) ?? -1) - w) > 1e-6) return false;
  return true;
}

const describeServe = (s: Serve | undefined): string =>
  !s ? "{ variant: 'on' } (the default)" : 'split' in s ? s.split.map((e) => `${e.variant} ${e.weight}`).join(' / ') : `{ variant: '${s.variant}' }`;

/** One window of several: requests, errors and latency samples added up. */
function pooledWindow(windows: FleetWindow[]): FleetWindow {
  if (windows.length === 1) return windows[0]!; // a boolean flag's baseline: the off window as read
  const histogram = new LatencyHistogram();
  let requests = 0;
  let errors = 0;
  for (const w of windows) {
    requests += w.requests;
    errors += w.errors;
    // a bucket's representative value lies in that bucket, so recording it again rebuilds the counts exactly
    for (const b of w.histogram.buckets()) histogram.record(b.valueMs, b.count);
  }
  const successRate = requests > 0 ? (100 * (requests - errors)) / requests : NaN;
  return { requests, errors, successRate, p50: histogram.quantile(0.5), p90: histogram.quantile(0.9), p99: histogram.quantile(0.99), histogram };
}

/**
 * The analysis's windows: the new side is `variant`; the baseline pools every other variant of the flag, as the
 * flag has them when the window is read (traffic recorded under names the flag does not have is left out).
 */
function variantWindows(metrics: CanaryMetrics, flags: FlagClient, flag: string, variant: string): CanaryMetrics {
  return {
    record: (o) => metrics.record(o),
    fleetWindow: async (_target, side, ms) => {
      if (side === 'canary') return metrics.fleetWindow(flag, variant, ms);
      const others = Object.keys(flags.get(flag)?.variants ?? { on: true, off: false }).filter((v) => v !== variant);
      return pooledWindow(await Promise.all(others.map((v) => metrics.fleetWindow(flag, v, ms))));
    },
  };
}

/** The guarded rollout as API.md names it. */
export type GuardedRollout = GuardedFlagRollout;

/** The flag was edited outside the rollout (or cannot take the split): the rollout pauses with this message. */
class FlagConflict extends Error {}

function resolveOptions(opts: GuardedFlagOptions): { analysis: ResolvedAnalysis; steps: number[] } {
  requireObject(opts, 'guarded flag', 'guardedFlag');
  const issues: ValidationIssue[] = [];
  if (typeof opts.flag !== 'string' || !FLAG_KEY.test(opts.flag)) issues.push({ path: 'flag', message: 'must be a flag key (letters, digits, . _ -, at most 128)' });
  if (opts.name !== undefined) checkName(opts.name, issues);
  if (opts.variant !== undefined && (typeof opts.variant !== 'string' || !opts.variant)) issues.push({ path: 'variant', message: "must be a non-empty variant name (default 'on')" });
  const steps: number[] = [];
  if (!Array.isArray(opts.steps) || opts.steps.length === 0 || opts.steps.length > 100) {
    issues.push({ path: 'steps', message: 'must be an array of 1 to 100 percents, increasing, each in (0, 100] (e.g. [5, 25, 50, 100])' });
  } else {
    opts.steps.forEach((w: unknown, i) => {
      if (!(typeof w === 'number' && Number.isFinite(w) && w > 0 && w <= 100)) issues.push({ path: `steps[${i}]`, message: 'must be a percent in (0, 100]' });
      else if (steps.length && !(w > steps.at(-1)!)) issues.push({ path: `steps[${i}]`, message: `must be greater than the step before (${steps.at(-1)})` });
      else steps.push(w);
    });
  }
  const why = 'has no meaning for a guarded flag rollout: the percents are `steps`';
  const analysis = resolveKindAnalysis(opts.analysis, 'analysis', issues, ['stepWeight', 'stepWeights', 'maxWeight', 'iterations'], why, { stepWeights: steps.length ? steps : [100], maxWeight: steps.at(-1) ?? 100 });
  return { analysis: orThrow(analysis, issues, 'guardedFlag', opts.flag), steps };
}

/**
 * A guarded flag rollout. Create it with `delivery.rollouts.guardedFlag()`.
 * @example
 * const g = delivery.rollouts.guardedFlag({ flag: 'new-checkout-flow', steps: [5, 25, 50, 100],
 *   analysis: { interval: '10m', threshold: 2, metrics: [{ name: 'error-rate-diff', thresholdRange: { max: 0.5 } }] } });
 * g.start();
 * // the service records outcomes per variant:
 * delivery.metrics.record({ target: 'new-checkout-flow', version: delivery.flags.variant('new-checkout-flow', ctx) ?? 'off', success, durationMs });
 */
export class GuardedFlagRollout extends RolloutController<GuardedFlagEvents> {
  readonly flag: string;
  readonly variant: string;
  readonly #flags: FlagClient;
  readonly #onFlag = (key: string): void => {
    if (key === this.flag && this.isLeader() && this.#watching(this.doc)) this.enqueue(() => this.#reconcile()).catch(this.reportAsync);
  };

  constructor(ctx: DeliveryContext, opts: GuardedFlagOptions, metrics: CanaryMetrics, flags: FlagClient) {
    const { analysis } = resolveOptions(opts);
    const variant = opts.variant ?? 'on';
    const windows = variantWindows(metrics, flags, opts.flag, variant);
    super(ctx, { kind: 'guardedFlag', name: opts.name ?? opts.flag, analysis, scheduled: true, metrics: windows, initialData: { flag: opts.flag, variant, written: null, conflict: null } });
    this.flag = opts.flag;
    this.variant = variant;
    this.#flags = flags;
    flags.on('change', this.#onFlag);
  }

  status(): RolloutStatus {
    const d = this.doc;
    return { name: this.name, kind: 'guardedFlag', phase: d.phase, weight: d.weight, failedChecks: d.failedChecks, message: d.message };
  }

  rolloutStatus(): RolloutStatus {
    return this.status();
  }

  /** The percent last written into the flag (null before the first step). */
  written(): number | null {
    return typeof this.data.written === 'number' ? this.data.written : null;
  }

  protected applied(prev: RolloutStateDoc, doc: RolloutStateDoc, initial: boolean): void {
    if (initial) return;
    this.emitChange(prev, doc);
    if (typeof doc.data?.conflict === 'string' && doc.data.conflict !== prev.data?.conflict) this.emitStatus('conflict');
  }

  /** Promotion keeps the last step; resuming after a conflict adopts the flag as it is (the next write is deliberate). */
  protected override adjust(prev: RolloutStateDoc, next: RolloutStateDoc): RolloutStateDoc {
    const out = { ...next, weight: Math.min(next.weight, this.analysis.machine.maxWeight) };
    if (out.phase === 'Succeeded' && prev.phase !== 'Succeeded') out.message = `promoted: ${out.weight}% of units on '${this.variant}'`;
    else if (out.phase === 'Promoting' && prev.phase !== 'Promoting') out.message = `${out.message} to ${out.weight}%`;
    if (typeof prev.data?.conflict === 'string') {
      if (next.phase === 'Failed' && prev.phase !== 'Failed') out.message = `${out.message}; the flag was not reset to 0%: it was edited outside the rollout`;
      else if (prev.phase === 'Paused' && next.phase !== 'Paused') out.data = { ...prev.data, conflict: null, written: null };
    }
    return out;
  }

  protected override async afterWrite(written: VersionedDoc): Promise<void> {
    await this.#sync(written.doc);
  }

  protected override async beforeIteration(_cur: VersionedDoc): Promise<VersionedDoc> {
    await this.#reconcile();
    return this.current();
  }

  #watching(doc: RolloutStateDoc): boolean {
    return doc.phase === 'Progressing' || doc.phase === 'WaitingPromotion' || doc.phase === 'Promoting';
  }

  /**
   * Pauses on a human edit seen in the snapshot; writes a split that a crash or a store outage left unwritten
   * (also the 0% of a rollback).
   */
  async #reconcile(): Promise<void> {
    const cur = await this.current();
    const doc = cur.doc;
    const written = typeof doc.data?.written === 'number' ? doc.data.written : null;
    if (this.#watching(doc) && written !== null) {
      const def = this.#flags.get(this.flag);
      if (!def) return this.#conflict(`flag '${this.flag}' no longer exists`);
      const off = def.offVariant ?? 'off';
      if (!isGuardedServe(def.fallthrough, this.variant, off, written) && !isGuardedServe(def.fallthrough, this.variant, off, doc.weight)) {
        return this.#conflict(this.#editedMessage(def, written));
      }
    }
    if (written !== this.#percent(doc)) await this.#sync(doc);
  }

  #editedMessage(def: FlagDefinition, written: number): string {
    return `flag '${this.flag}' was edited outside the rollout: its fallthrough is ${describeServe(def.fallthrough)}, the rollout wrote ${describeServe(guardedServe(this.variant, def.offVariant ?? 'off', written))}; resume() to apply the rollout's ${this.doc.weight}% over it, or abort()`;
  }

  /** The percent `doc` puts on the variant: its weight, capped at the last step (a direct CLI promote writes 100). */
  #percent(doc: RolloutStateDoc): number {
    return Math.min(doc.weight, this.analysis.machine.maxWeight);
  }

  /** Writes the state's percent into the flag when it differs from the one written; a conflict pauses. */
  async #sync(doc: RolloutStateDoc): Promise<void> {
    const target = this.#percent(doc);
    const written = typeof doc.data?.written === 'number' ? doc.data.written : null;
    if (written === target) return;
    // a recorded conflict is left alone until resume() adopts the flag (or for good once the rollout has ended)
    if (typeof doc.data?.conflict === 'string' && doc.phase !== 'Progressing' && doc.phase !== 'WaitingPromotion') return;
    if (written === null && target === 0) return; // nothing applied: nothing to write or undo
    try {
      await this.#flags.update(this.flag, (def) => {
        const off = def.offVariant ?? 'off';
        const variants = def.variants ?? { on: true, off: false };
        if (!Object.hasOwn(variants, this.variant)) throw new FlagConflict(`flag '${this.flag}' has no variant '${this.variant}'`);
        if (!Object.hasOwn(variants, off)) throw new FlagConflict(`flag '${this.flag}' has no offVariant '${off}'`);
        if (off === this.variant) throw new FlagConflict(`flag '${this.flag}': variant '${this.variant}' is its offVariant; roll out another variant`);
        if (written !== null && !isGuardedServe(def.fallthrough, this.variant, off, written) && !isGuardedServe(def.fallthrough, this.variant, off, target)) {
          throw new FlagConflict(this.#editedMessage(def, written));
        }
        const ft = def.fallthrough;
        return { ...def, fallthrough: guardedServe(this.variant, off, target, ft && 'split' in ft ? ft.bucketBy : undefined) };
      });
    } catch (err) {
      if (err instanceof FlagConflict) return this.#conflict(err.message);
      if (err instanceof DeliveryError && (err.code === 'NOT_FOUND' || err.code === 'VALIDATION')) return this.#conflict(`flag '${this.flag}': ${err.message}`);
      this.ctx.reporter.once(`guardedFlag:${this.name}:flag`, err, `guarded rollout '${this.name}': writing flag '${this.flag}' (retried at the next iteration)`);
      return;
    }
    this.ctx.reporter.clear(`guardedFlag:${this.name}:flag`);
    await this.mutate((s) => (this.#percent(s) === target && s.data?.written !== target ? { state: { ...s, data: { ...s.data, written: target }, generation: s.generation + 1 }, effects: [] } : undefined));
  }

  /** Pauses with `reason` (a Failed rollout keeps its phase and says the flag was left as it is). */
  async #conflict(reason: string): Promise<void> {
    await this.mutate((s): Change | undefined => {
      if (s.data?.conflict === reason && (s.phase === 'Paused' || s.phase === 'Failed' || s.phase === 'Succeeded')) return undefined;
      const data = { ...s.data, conflict: reason };
      if (s.phase === 'Failed' || s.phase === 'Succeeded' || s.phase === 'Paused' || s.phase === 'Promoting') {
        return { state: { ...s, data, message: `${s.message}; ${s.phase === 'Failed' ? 'the flag was not reset to 0%: ' : ''}${reason}`, generation: s.generation + 1 }, effects: [] };
      }
      const c = this.machineChange(s, { type: 'action', action: 'pause', reason });
      return c && { ...c, state: { ...c.state, data, message: `paused: ${reason}` } };
    });
  }

  /** Sets the flag back to 0% on `variant` now (phase Failed, 'rollback' hooks). */
  abort(reason?: string): Promise<void> {
    return this.act('abort', reason);
  }

  /** Skips the remaining steps: the last step's percent, then Succeeded. */
  promote(): Promise<void> {
    return this.act('promote');
  }

  override async close(): Promise<void> {
    this.#flags.off('change', this.#onFlag);
    await super.close();
  }
}
