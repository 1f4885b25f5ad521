// Ring deployments: ordered audiences (ring 0 internal, ring 1 friendly users, ring 2 everyone). A request is in
// the first ring whose audience conditions or percentage it matches; it runs `next` when that ring is open.
// State: `weight` is the number of open rings (0: everyone on stable). With an analysis the machine opens one ring
// per passing iteration and closes them all on failure; without one, advance() and rollback() are manual.
import type { DeliveryContext } from '../core/context.js';
import { DeliveryError, type ValidationIssue } from '../core/errors.js';
import type { FlagClient } from '../flags/client.js';
import { conditionsMatch } from '../flags/conditions.js';
import type { EvaluationContext, SegmentDefinition } from '../flags/types.js';
import { validateConditions } from '../flags/validate.js';
import { manualAnalysis, RolloutController, type Change } from './controller.js';
import { versionWindows, type CanaryMetrics } from './iteration.js';
import { resolveKindAnalysis } from './kind-validate.js';
import { checkHandler, checkName, isObj, orThrow, requireObject } from './option-checks.js';
import { makeBucketer } from './router.js';
import { NEW_ANALYSIS, type RolloutStateDoc } from './state-doc.js';
import type { Handler, Ring, RingEvents, RingOptions, RingStatus } from './types.js';
import type { ResolvedAnalysis } from './validate.js';

/** At most this many rings. */
export const MAX_RINGS = 20;

interface CompiledRing {
  name: string;
  audience: Ring['audience'];
  /** percentage * 1000, compared with bucket() in [0, 100000); -1 without a percentage. */
  threshold: number;
}

function resolveOptions<Req, Res>(opts: RingOptions<Req, Res>): { rings: CompiledRing[]; analysis: ResolvedAnalysis | undefined } {
  requireObject(opts, 'ring', 'rings');
  const issues: ValidationIssue[] = [];
  checkName(opts.name, issues);
  checkHandler(opts.stable, 'stable', issues);
  checkHandler(opts.next, 'next', issues);
  if (typeof opts.context !== 'function') issues.push({ path: 'context', message: 'must be a function (req) => EvaluationContext (e.g. { userId, groups })' });
  const rings: CompiledRing[] = [];
  if (!Array.isArray(opts.rings) || opts.rings.length === 0 || opts.rings.length > MAX_RINGS) {
    issues.push({ path: 'rings', message: `must be an array of 1 to ${MAX_RINGS} rings { name, audience?, percentage? }, innermost first` });
  } else {
    const names = new Set<string>();
    opts.rings.forEach((r: unknown, i) => {
      const p = `rings[${i}]`;
      if (!isObj(r)) return void issues.push({ path: p, message: 'must be { name, audience?, percentage? }' });
      if (typeof r.name !== 'string' || !r.name) issues.push({ path: `${p}.name`, message: 'must be a non-empty string' });
      else if (names.has(r.name)) issues.push({ path: `${p}.name`, message: `duplicate ring '${r.name}'` });
      else names.add(r.name);
      if (r.audience === undefined && r.percentage === undefined) issues.push({ path: p, message: 'needs an audience (conditions), a percentage, or both' });
      if (r.audience !== undefined) issues.push(...validateConditions(r.audience, `${p}.audience`, { allowSegments: true }));
      const pct = r.percentage;
      if (pct !== undefined && !(typeof pct === 'number' && Number.isFinite(pct) && pct >= 0 && pct <= 100)) {
        issues.push({ path: `${p}.percentage`, message: 'must be a number from 0 to 100 (percent of all units)' });
      }
      rings.push({ name: String(r.name), audience: r.audience as Ring['audience'], threshold: typeof pct === 'number' ? Math.round(pct * 1000) : -1 });
    });
  }
  let analysis: ResolvedAnalysis | undefined;
  if (opts.analysis !== undefined) {
    const n = Math.max(1, rings.length);
    const why = 'has no meaning for rings (each passing iteration opens the next ring): remove it';
    analysis = resolveKindAnalysis(opts.analysis, 'analysis', issues, ['stepWeight', 'stepWeights', 'maxWeight', 'iterations'], why, { stepWeights: Array.from({ length: n }, (_, i) => i + 1), maxWeight: n });
  }
  return orThrow({ rings, analysis }, issues, 'rings', opts.name);
}

/**
 * A ring deployment. Create it with `delivery.rollouts.rings()`.
 * @example
 * const r = delivery.rollouts.rings({ name: 'search', stable: searchV1, next: searchV2,
 *   context: (req) => ({ userId: req.user.id, groups: req.user.groups }),
 *   rings: [{ name: 'internal', audience: [{ attribute: 'groups', operator: 'in', values: ['employees'] }] },
 *           { name: 'friendly', audience: [{ attribute: 'groups', operator: 'in', values: ['beta'] }], percentage: 5 },
 *           { name: 'everyone', percentage: 100 }] });
 * await r.advance();            // ring 'internal' runs next
 * await r.call(req);
 */
export class RingRollout<Req, Res> extends RolloutController<RingEvents> {
  readonly #stable: Handler<Req, Res>;
  readonly #next: Handler<Req, Res>;
  readonly #context: (req: Req) => EvaluationContext;
  readonly #rings: CompiledRing[];
  readonly #flags: FlagClient | undefined;
  readonly #automatic: boolean;
  /** bucket(name, unit), computed from the precomputed CRC of the salt. */
  readonly #bucket: (unit: string) => number;
  #open = 0;
  #segments: Map<string, SegmentDefinition> | undefined;
  readonly #onSegment = (): void => {
    this.#segments = undefined;
  };

  constructor(ctx: DeliveryContext, opts: RingOptions<Req, Res>, metrics: CanaryMetrics, flags?: FlagClient) {
    const { rings, analysis } = resolveOptions(opts);
    const n = rings.length;
    const windows = versionWindows(metrics, opts.name, (v) => (v === 'canary' ? 'next' : 'stable'));
    super(ctx, {
      kind: 'rings',
      name: opts.name,
      analysis: analysis ?? manualAnalysis({ steps: Array.from({ length: n }, (_, i) => i + 1), maxWeight: n }),
      scheduled: analysis !== undefined,
      metrics: windows,
      initialData: {},
    });
    this.#stable = opts.stable;
    this.#next = opts.next;
    this.#context = opts.context;
    this.#rings = rings;
    this.#flags = flags;
    this.#automatic = analysis !== undefined;
    this.#bucket = makeBucketer(opts.name);
    flags?.on('segmentChange', this.#onSegment);
  }

  /** The rings, in order. */
  get rings(): readonly string[] {
    return this.#rings.map((r) => r.name);
  }

  #segmentMap(): ReadonlyMap<string, SegmentDefinition> | undefined {
    if (!this.#flags) return undefined;
    this.#segments ??= new Map(this.#flags.listSegments().map((s) => [s.key, s]));
    return this.#segments;
  }

  /** The index of the first ring `ctx` belongs to among the first `limit` rings; -1 when none. */
  #ringOf(ctx: EvaluationContext, limit: number): number {
    const unit = typeof ctx.userId === 'string' && ctx.userId ? ctx.userId : undefined;
    for (let i = 0; i < limit; i++) {
      const r = this.#rings[i]!;
      if (r.threshold >= 100_000) return i;
      if (r.threshold > 0 && unit !== undefined && this.#bucket(unit) < r.threshold) return i;
      if (r.audience && conditionsMatch(r.audience, ctx, this.#segmentMap())) return i;
    }
    return -1;
  }

  /** 'next' when the request's ring is open, else 'stable'. Never throws (a throwing `context` routes to stable). */
  route(req: Req): 'stable' | 'next' {
    const open = this.#open;
    if (open <= 0) return 'stable';
    try {
      return this.#ringOf(this.#context(req) ?? {}, open) >= 0 ? 'next' : 'stable';
    } catch (err) {
      this.ctx.reporter.once(`rings:${this.name}:route`, err, `rings '${this.name}': context threw (routing to stable)`, 'USER_CODE');
      return 'stable';
    }
  }

  /** The ring `req` belongs to (its name), open or not; undefined when it is in none. */
  ringOf(req: Req): string | undefined {
    try {
      return this.#rings[this.#ringOf(this.#context(req) ?? {}, this.#rings.length)]?.name;
    } catch {
      return undefined;
    }
  }

  /** Routes `req`, runs that side and records its success and duration (target = name, version = 'stable' | 'next'). */
  call(req: Req): Promise<Res> {
    const v = this.route(req);
    return this.calls.run(v, v === 'next' ? this.#next : this.#stable, req);
  }

  status(): RingStatus {
    const d = this.doc;
    const s: RingStatus = { name: this.name, kind: 'rings', phase: d.phase, failedChecks: d.failedChecks, message: d.message };
    const ring = this.#rings[this.#open - 1];
    if (ring) s.ring = ring.name;
    return s;
  }

  rolloutStatus(): RingStatus {
    return this.status();
  }

  protected applied(prev: RolloutStateDoc, doc: RolloutStateDoc, initial: boolean): void {
    const before = this.#open;
    this.#open = Math.max(0, Math.min(this.#rings.length, Math.round(doc.weight)));
    if (!initial) this.emitChange(prev, doc, { event: 'ring', moved: this.#open !== before });
  }

  /** A promotion opens every ring (the machine's weight 100). */
  protected override adjust(prev: RolloutStateDoc, next: RolloutStateDoc): RolloutStateDoc {
    const out = { ...next, weight: Math.min(next.weight, this.#rings.length) };
    if (out.phase === 'Succeeded' && prev.phase !== 'Succeeded') out.message = 'promoted: every ring runs next';
    return out;
  }

  /**
   * Opens the next ring. From Failed it starts again at ring 0. Without an analysis, opening the last ring ends the
   * rollout (Succeeded); with one, the schedule promotes after the last ring passes. Rejects with 'INVALID_STATE'
   * when every ring is open or the rollout is paused.
   */
  advance(): Promise<void> {
    return this.update((s) => this.#advanceChange(s));
  }

  #advanceChange(s: RolloutStateDoc): Change {
    const n = this.#rings.length;
    const refuse = (why: string): never => {
      throw new DeliveryError(`cannot advance rings '${this.name}': ${why}`, 'INVALID_STATE');
    };
    if (s.phase === 'Succeeded' || (s.phase !== 'Failed' && s.weight >= n)) refuse('every ring is already open');
    if (s.phase === 'Paused' || s.phase === 'Promoting') refuse(`the rollout is ${s.phase}`);
    const now = this.ctx.clock.now();
    const restart = s.phase === 'Failed';
    const open = restart ? 1 : Math.min(n, Math.floor(s.weight) + 1);
    const phase = open >= n && !this.#automatic ? 'Succeeded' : 'Progressing';
    const ring = this.#rings[open - 1]!.name;
    const message = `${restart ? 'restarted: ' : ''}ring '${ring}' open (${open} of ${n})${phase === 'Succeeded' ? ': every ring runs next' : ''}`;
    const next: RolloutStateDoc = { ...s, weight: open, phase, message, lastStepTime: now, generation: s.generation + 1 };
    if (restart) Object.assign(next, NEW_ANALYSIS);
    const effects: Change['effects'] = [];
    if (phase !== s.phase) {
      next.lastTransitionTime = now;
      effects.push({ hook: 'event', phase, weight: s.weight, failedChecks: next.failedChecks, message, previousPhase: s.phase });
      if (phase === 'Succeeded') effects.push({ hook: 'post-rollout', phase, weight: s.weight, failedChecks: next.failedChecks, message, previousPhase: s.phase });
    }
    return { state: next, effects };
  }

  /** Closes every ring at once (everyone on stable; phase Failed, 'rollback' hooks). 'INVALID_STATE' when none is open. */
  rollback(reason?: string): Promise<void> {
    return this.rollbackUnless((s) => (s.weight <= 0 ? 'no ring is open' : undefined), reason);
  }

  protected override rollbackMessage(_s: RolloutStateDoc, reason: string | null | undefined): string {
    return `rolled back: every ring on stable${reason ? `: ${reason}` : ''}`;
  }

  override async close(): Promise<void> {
    this.#flags?.off('segmentChange', this.#onSegment);
    await super.close();
  }
}
