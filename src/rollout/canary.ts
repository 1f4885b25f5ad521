// The canary: routing and calls on the hot path (synchronous, never throwing, from the in-memory state), and the
// shell around the pure machine: load / watch / CAS writes of the state, the schedule on the lease holder, actions.
import type { DeliveryContext } from '../core/context.js';
import { ConflictError, DeliveryError, ValidationError } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import type { StoreChange } from '../store/types.js';
import { carryOut, runEffects, type CanaryMetrics, type IterationDeps } from './iteration.js';
import { LeaderLease } from './leader.js';
import { makeBucketer } from './router.js';
import { actionRefusal, plan, statusEvents, transition, type Effect, type Input } from './machine.js';
import { initialDoc, parseDoc, type RolloutStateDoc } from './state-doc.js';
import { readState, writeState, type VersionedDoc } from './state.js';
import type { CanaryEvents, CanaryOptions, CanaryPhase, CanaryStatus, Handler, RolloutAction, RolloutStatus } from './types.js';
import { resolveCanaryOptions, type ResolvedAnalysis } from './validate.js';

/** What the rollout registry (rollouts.ts) needs from every kind of rollout. */
export interface ManagedRollout {
  readonly name: string;
  readonly kind: RolloutStatus['kind'];
  rolloutStatus(): RolloutStatus;
  /** Loads (or creates) the stored state. Called by delivery.ready(), or at once when created after it. */
  load(): Promise<void>;
  /** A change of this rollout's state key seen by the store watch. */
  onStoreChange(change: StoreChange): void;
  close(): Promise<void>;
}

const isThenable = <T>(v: T | PromiseLike<T>): v is PromiseLike<T> =>
  v instanceof Promise || (typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function');

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
export class Canary<Req, Res> extends Emitter<CanaryEvents> implements ManagedRollout {
  readonly name: string;
  readonly kind = 'canary' as const;
  readonly #ctx: DeliveryContext;
  readonly #stable: Handler<Req, Res>;
  readonly #canary: Handler<Req, Res>;
  readonly #stickyBy: ((req: Req) => string | undefined) | undefined;
  readonly #match: ((req: Req) => boolean)[];
  readonly #revision: string | null;
  readonly #analysis: ResolvedAnalysis;
  readonly #metrics: CanaryMetrics;
  readonly #deps: IterationDeps;
  readonly #lease: LeaderLease;
  readonly #bucket: (unit: string) => number;
  #doc: RolloutStateDoc;
  #version = 0;
  /** weight * 1000, compared with bucket() in [0, 100000). */
  #threshold = 0;
  #matchOn = false;
  #loading: Promise<void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: unknown;
  #started = false;
  #iterating = false;
  #closed = false;

  constructor(ctx: DeliveryContext, opts: CanaryOptions<Req, Res>, metrics: CanaryMetrics) {
    super();
    this.#analysis = resolveCanaryOptions(opts);
    this.#ctx = ctx;
    this.name = opts.name;
    this.#stable = opts.stable;
    this.#canary = opts.canary;
    this.#stickyBy = opts.stickyBy;
    this.#match = opts.match ?? [];
    this.#revision = opts.revision ?? null;
    this.#metrics = metrics;
    this.#doc = initialDoc('canary', this.name, this.#revision, this.#analysis.machine.maxWeight, ctx.clock.now(), ctx.instanceId);
    this.#doc.message = 'loading state from the store';
    const hooks = { clock: ctx.clock, reporter: ctx.reporter, subject: `canary '${this.name}'` };
    this.#deps = { name: this.name, analysis: this.#analysis, metrics, hooks, now: () => ctx.clock.now() };
    this.#lease = new LeaderLease(ctx, this.name);
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
      return this.#ctx.random() * 100_000 < t ? 'canary' : 'stable';
    } catch (err) {
      this.#ctx.reporter.once(`canary:${this.name}:route`, err, `canary '${this.name}': match or stickyBy threw (routing to stable)`, 'USER_CODE');
      return 'stable';
    }
  }

  /** Routes `req`, runs that side's handler and records its success and duration; settles exactly as the handler did. */
  call(req: Req): Promise<Res> {
    const side = this.route(req);
    const t0 = this.#ctx.clock.now();
    let out: Res | Promise<Res>;
    try {
      out = (side === 'canary' ? this.#canary : this.#stable)(req);
    } catch (err) {
      this.#record(side, false, t0);
      return Promise.reject(err);
    }
    if (isThenable(out)) {
      return Promise.resolve(out).then(
        (v) => {
          this.#record(side, true, t0);
          return v;
        },
        (err: unknown) => {
          this.#record(side, false, t0);
          throw err;
        },
      );
    }
    this.#record(side, true, t0);
    return Promise.resolve(out);
  }

  #record(version: 'stable' | 'canary', success: boolean, t0: number): void {
    try {
      this.#metrics.record({ target: this.name, version, success, durationMs: this.#ctx.clock.now() - t0 });
    } catch (err) {
      this.#ctx.reporter.once(`canary:${this.name}:record`, err, `canary '${this.name}': recording metrics`);
    }
  }

  /** The state this instance routes by. */
  status(): CanaryStatus {
    const d = this.#doc;
    const s: CanaryStatus = { name: this.name, phase: d.phase, weight: d.weight, failedChecks: d.failedChecks, iteration: d.iteration, message: d.message, lastTransitionTime: d.lastTransitionTime };
    if (d.revision !== null) s.revision = d.revision;
    return s;
  }

  rolloutStatus(): RolloutStatus {
    const d = this.#doc;
    return { name: this.name, kind: 'canary', phase: d.phase, weight: d.weight, failedChecks: d.failedChecks, message: d.message };
  }

  /** Whether this instance holds the rollout's lease (runs the schedule). */
  isLeader(): boolean {
    return this.#lease.isLeader();
  }

  load(): Promise<void> {
    this.#loading ??= this.#load().catch((err: unknown) => {
      this.#loading = undefined;
      throw err;
    });
    return this.#loading;
  }

  async #load(): Promise<void> {
    for (let i = 0; i < 8; i++) {
      const cur = await readState(this.#ctx.store, this.name);
      if (cur && cur.doc.kind !== 'canary') {
        throw new ValidationError([{ path: 'name', message: `'${this.name}' is already a ${cur.doc.kind} rollout in the store: choose another name` }]);
      }
      let next: RolloutStateDoc | undefined;
      let effects: Effect[] = [];
      if (!cur) next = initialDoc('canary', this.name, this.#revision, this.#analysis.machine.maxWeight, this.#ctx.clock.now(), this.#ctx.instanceId);
      else if (this.#revision !== null && cur.doc.revision !== this.#revision) {
        const t = transition(cur.doc, { type: 'restart', revision: this.#revision }, this.#analysis.machine, this.#ctx.clock.now());
        next = t.state;
        effects = t.effects;
      }
      if (!next) return this.#apply(cur!.doc, cur!.version);
      const written = await this.#write(next, cur?.version ?? 0);
      if (written) return runEffects(effects, this.#deps);
    }
    throw new ConflictError(`rollouts/${this.name}`, undefined, undefined, `canary '${this.name}': the state kept changing while loading`);
  }

  /** Applies a state read from the store or written here; emits the events the change means. */
  #apply(doc: RolloutStateDoc, version: number): void {
    const prev = this.#doc;
    this.#doc = doc;
    this.#version = version;
    this.#threshold = Math.round(doc.weight * 1000);
    this.#matchOn = ACTIVE_MATCH.has(doc.phase);
    for (const e of statusEvents(prev, doc)) this.emitSafe(e, (err) => this.#ctx.reporter.report(err, `canary '${this.name}' ${e} listener`), this.status());
    if (doc.requestedAction && !this.#closed && (this.#lease.isLeader() || !this.#started)) this.#enqueue(() => this.#applyRequested()).catch(this.#reportAsync);
  }

  onStoreChange(change: StoreChange): void {
    if (change.deleted) {
      this.#version = 0; // keep serving the last state; the next write re-creates it
      return;
    }
    const doc = parseDoc(change.value);
    if (!doc || doc.kind !== 'canary') return;
    if (change.version > this.#version) this.#apply(doc, change.version);
    else if (change.version < this.#version && !this.#closed) {
      // an older version: a stale notification, or a store that restarted its versions. The store decides.
      void readState(this.#ctx.store, this.name).then((cur) => cur && cur.version !== this.#version && this.#apply(cur.doc, cur.version), this.#reportAsync);
    }
  }

  readonly #reportAsync = (err: unknown): void => this.#ctx.reporter.report(err, `canary '${this.name}'`);

  /** Serialises this instance's writes (iterations and actions). */
  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** CAS write; on conflict re-reads the store, applies what it holds and resolves undefined. */
  async #write(doc: RolloutStateDoc, expectedVersion: number): Promise<VersionedDoc | undefined> {
    const next = { ...doc, updatedBy: this.#ctx.instanceId, maxWeight: this.#analysis.machine.maxWeight };
    try {
      const version = await writeState(this.#ctx.store, next, expectedVersion);
      if (version > this.#version || expectedVersion === 0) this.#apply(next, version);
      return { doc: next, version };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const cur = await readState(this.#ctx.store, this.name);
      if (cur && cur.version > this.#version) this.#apply(cur.doc, cur.version);
      return undefined;
    }
  }

  async #current(): Promise<VersionedDoc> {
    const cur = await readState(this.#ctx.store, this.name);
    if (cur && (cur.version > this.#version || cur.version < this.#version)) this.#apply(cur.doc, cur.version);
    return cur ?? { doc: this.#doc, version: 0 };
  }

  /** Applies `input` by CAS, retrying on conflict; then runs its effects and finishes a promotion. */
  async #commit(input: Input, clearRequest: boolean): Promise<boolean> {
    for (let i = 0; i < 8; i++) {
      const cur = await this.#current();
      const t = transition(cur.doc, input, this.#analysis.machine, this.#ctx.clock.now());
      if (!t.changed && !clearRequest) return false;
      const refused = !t.changed && input.type === 'action' ? actionRefusal(cur.doc.phase, input.action) : undefined;
      const next = refused ? { ...t.state, message: `requested ${(input as { action: string }).action} not applied: ${refused}` } : t.state;
      const written = await this.#write({ ...next, requestedAction: clearRequest ? null : cur.doc.requestedAction }, cur.version);
      if (!written) continue;
      await runEffects(t.effects, this.#deps);
      if (written.doc.phase === 'Promoting') await this.#iterate(written);
      return t.changed;
    }
    throw new ConflictError(`rollouts/${this.name}`, undefined, undefined, `canary '${this.name}': the state kept changing; retry`);
  }

  async #applyRequested(): Promise<void> {
    const cur = await this.#current();
    const req = cur.doc.requestedAction;
    if (!req) return;
    await this.#commit({ type: 'action', action: req.action, reason: req.reason }, true);
  }

  /** One iteration from `cur` (and the promotion's finish when it reaches Promoting). */
  async #iterate(cur: VersionedDoc): Promise<void> {
    for (let guard = 0; guard < 3; guard++) {
      const now = this.#ctx.clock.now();
      const p = plan(cur.doc, this.#analysis.machine, now);
      if (p.kind === 'idle') return;
      const result = await carryOut(p, cur.doc, this.#deps);
      const t = transition(cur.doc, { type: 'iteration', result }, this.#analysis.machine, now);
      if (!t.changed) return;
      const written = await this.#write(t.state, cur.version);
      if (!written) return; // another writer moved the state: this iteration is void (fencing)
      await runEffects(t.effects, this.#deps);
      if (written.doc.phase !== 'Promoting') return;
      cur = written;
    }
  }

  /**
   * Runs one analysis iteration now, whoever holds the lease (what the schedule calls), after applying any action
   * requested through the store. Rejects only when the store cannot be read or written.
   */
  async runAnalysis(): Promise<CanaryStatus> {
    await this.load();
    await this.#enqueue(async () => {
      await this.#applyRequested();
      await this.#iterate(await this.#current());
    });
    return this.status();
  }

  async #act(action: RolloutAction, reason?: string): Promise<void> {
    await this.load();
    await this.#enqueue(async () => {
      const cur = await this.#current();
      const refusal = actionRefusal(cur.doc.phase, action);
      if (refusal) throw new DeliveryError(`cannot ${action} canary '${this.name}': ${refusal}`, 'INVALID_STATE');
      await this.#commit({ type: 'action', action, reason: reason ?? null }, false);
    });
  }

  /** Skips the rest of the analysis: Promoting, weight 100, 'post-rollout' hooks, Succeeded. */
  promote(): Promise<void> {
    return this.#act('promote');
  }

  /** Rolls back now: weight 0, Failed, 'rollback' and 'post-rollout' hooks. */
  abort(reason?: string): Promise<void> {
    return this.#act('abort', reason);
  }

  /** Holds the rollout where it is (routing keeps the current weight) until resume(). */
  pause(): Promise<void> {
    return this.#act('pause');
  }

  /** Continues a paused rollout; the progress deadline counts again from now. */
  resume(): Promise<void> {
    return this.#act('resume');
  }

  /** Starts the analysis schedule: one iteration per interval, on the instance holding the rollout's lease. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#lease.start();
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = this.#ctx.clock.setTimeout(() => this.#tick(), this.#analysis.intervalMs);
  }

  #tick(): void {
    if (!this.#started) return;
    this.#schedule();
    if (!this.#lease.isLeader() || this.#iterating) return;
    // a former leader may have just run one: never two steps within half an interval
    const last = this.#doc.lastAnalysisTime;
    if (last !== null && this.#ctx.clock.now() - last < this.#analysis.intervalMs / 2) return;
    this.#iterating = true;
    this.runAnalysis()
      .catch((err: unknown) => this.#ctx.reporter.once(`canary:${this.name}:schedule`, err, `canary '${this.name}' analysis`))
      .finally(() => {
        this.#iterating = false;
      });
  }

  /** Stops the schedule and gives up the lease. */
  stop(): void {
    void this.#stop();
  }

  async #stop(): Promise<void> {
    this.#started = false;
    this.#ctx.clock.clearTimeout(this.#timer);
    await this.#lease.stop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#stop();
    await this.#queue;
    this.removeAll();
  }
}
