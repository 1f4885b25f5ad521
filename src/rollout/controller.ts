// The shell shared by blue-green, rings and guarded flag rollouts: the state document (load, watch, CAS writes),
// the pure canary machine for analysis and manual actions, the schedule on the lease holder, and the command
// channel (requestRolloutAction). Each kind adds its routing, what its `weight` means and its side effects.
import type { DeliveryContext } from '../core/context.js';
import { ConflictError, DeliveryError, ValidationError } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import type { JsonObject } from '../core/json.js';
import type { StoreChange } from '../store/types.js';
import type { ManagedRollout } from './canary.js';
import { carryOut, runEffects, type CanaryMetrics, type IterationDeps } from './iteration.js';
import { forcedRollback, kindActionRefusal } from './kind-actions.js';
import { LeaderLease } from './leader.js';
import { plan, transition, type Effect, type Input, type MachineConfig } from './machine.js';
import { initialDoc, parseDoc, type RolloutStateDoc } from './state-doc.js';
import { readState, writeState, type VersionedDoc } from './state.js';
import type { RolloutAction, RolloutKind, RolloutStatus } from './types.js';
import type { ResolvedAnalysis } from './validate.js';

/** What a kind hands the shell. */
export interface ControllerSpec {
  kind: Exclude<RolloutKind, 'canary'>;
  name: string;
  /** Resolved analysis, or one without metrics and hooks for kinds run by hand (no schedule then). */
  analysis: ResolvedAnalysis;
  /** Whether `start()` runs a schedule. */
  scheduled: boolean;
  /** Windows for the machine's metrics: 'canary' means the new version, 'stable' the old one. */
  metrics: CanaryMetrics;
  /** Kind-specific state of a fresh document. */
  initialData: JsonObject;
}

/** A change computed from the current state: the new document and the hooks to run once it is written. */
export interface Change {
  state: RolloutStateDoc;
  effects: Effect[];
}

/** An analysis for kinds without one: no metrics, no hooks, one failed check rolls back. */
export function manualAnalysis(machine: Partial<MachineConfig>): ResolvedAnalysis {
  return {
    intervalMs: 60_000,
    minRequests: 1,
    noData: 'hold',
    metrics: [],
    webhooks: [],
    machine: { steps: null, stepWeight: 0, maxWeight: 100, iterations: null, threshold: 1, consecutiveFailures: null, progressDeadlineMs: null, ...machine },
  };
}

export { forcedRollback };

export abstract class RolloutController<E extends Record<string, (...args: never[]) => void>> extends Emitter<E> implements ManagedRollout {
  readonly name: string;
  readonly kind: Exclude<RolloutKind, 'canary'>;
  protected readonly ctx: DeliveryContext;
  protected readonly analysis: ResolvedAnalysis;
  readonly #spec: ControllerSpec;
  readonly #deps: IterationDeps;
  readonly #lease: LeaderLease;
  #doc: RolloutStateDoc;
  #version = 0;
  #seen = false;
  #loading: Promise<void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: unknown;
  #started = false;
  #iterating = false;
  #closed = false;

  constructor(ctx: DeliveryContext, spec: ControllerSpec) {
    super();
    this.ctx = ctx;
    this.#spec = spec;
    this.name = spec.name;
    this.kind = spec.kind;
    this.analysis = spec.analysis;
    this.#doc = this.#fresh();
    this.#doc.message = 'loading state from the store';
    const subject = `${spec.kind} '${spec.name}'`;
    this.#deps = { name: spec.name, analysis: spec.analysis, metrics: spec.metrics, hooks: { clock: ctx.clock, reporter: ctx.reporter, subject }, now: () => ctx.clock.now() };
    this.#lease = new LeaderLease(ctx, spec.name);
  }

  #fresh(): RolloutStateDoc {
    const d = initialDoc(this.kind, this.name, null, this.analysis.machine.maxWeight, this.ctx.clock.now(), this.ctx.instanceId);
    d.data = { ...this.#spec.initialData };
    return d;
  }

  /** The state this instance routes by. */
  protected get doc(): RolloutStateDoc {
    return this.#doc;
  }

  /** The kind-specific part of the state. */
  protected get data(): JsonObject {
    return this.#doc.data ?? this.#spec.initialData;
  }

  /**
   * Called with every newer state (read or written): update routing, emit events. `initial` is true for the first
   * state loaded, whose events are not emitted again (a restart is not a transition).
   */
  protected abstract applied(prev: RolloutStateDoc, doc: RolloutStateDoc, initial: boolean): void;

  /** Fixes a machine transition's result for this kind (what `weight` means). */
  protected adjust(_prev: RolloutStateDoc, next: RolloutStateDoc): RolloutStateDoc {
    return next;
  }

  /** Side effects after this instance wrote a state (e.g. a guarded rollout's flag write). Runs in the write queue. */
  protected async afterWrite(_written: VersionedDoc): Promise<void> {}

  /** Runs on the leader before each iteration (in the write queue); may return a newer state. */
  protected async beforeIteration(cur: VersionedDoc): Promise<VersionedDoc> {
    return cur;
  }

  /** Whether the schedule may iterate from `doc` (blue-green only after a switch). */
  protected canIterate(_doc: RolloutStateDoc): boolean {
    return true;
  }

  abstract rolloutStatus(): RolloutStatus;

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
      const cur = await readState(this.ctx.store, this.name);
      if (cur && cur.doc.kind !== this.kind) {
        throw new ValidationError([{ path: 'name', message: `'${this.name}' is already a ${cur.doc.kind} rollout in the store: choose another name` }]);
      }
      if (cur) return this.#apply(cur.doc, cur.version);
      if (await this.#write(this.#fresh(), 0)) return;
    }
    throw new ConflictError(`rollouts/${this.name}`, undefined, undefined, `${this.kind} '${this.name}': the state kept changing while loading`);
  }

  #apply(doc: RolloutStateDoc, version: number): void {
    const prev = this.#doc;
    this.#doc = doc;
    this.#version = version;
    const initial = !this.#seen;
    this.#seen = true;
    try {
      this.applied(prev, doc, initial);
    } catch (err) {
      this.ctx.reporter.report(err, `${this.kind} '${this.name}'`);
    }
    if (doc.requestedAction && (this.#lease.isLeader() || !this.#started)) this.enqueue(() => this.#applyRequested()).catch(this.reportAsync);
  }

  onStoreChange(change: StoreChange): void {
    if (change.deleted) {
      this.#version = 0;
      return;
    }
    const doc = parseDoc(change.value);
    if (!doc || doc.kind !== this.kind) return;
    if (change.version > this.#version) this.#apply(doc, change.version);
    else if (change.version < this.#version && !this.#closed) {
      void readState(this.ctx.store, this.name).then((cur) => cur && cur.version !== this.#version && this.#apply(cur.doc, cur.version), this.reportAsync);
    }
  }

  protected readonly reportAsync = (err: unknown): void => this.ctx.reporter.report(err, `${this.kind} '${this.name}'`);

  /** Serialises this instance's writes. */
  protected enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #write(doc: RolloutStateDoc, expectedVersion: number): Promise<VersionedDoc | undefined> {
    const next = { ...doc, updatedBy: this.ctx.instanceId, maxWeight: this.analysis.machine.maxWeight };
    try {
      const version = await writeState(this.ctx.store, next, expectedVersion);
      if (version > this.#version || expectedVersion === 0) this.#apply(next, version);
      return { doc: next, version };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const cur = await readState(this.ctx.store, this.name);
      if (cur && cur.version > this.#version) this.#apply(cur.doc, cur.version);
      return undefined;
    }
  }

  /** The stored state (applied here when it differs). */
  protected async current(): Promise<VersionedDoc> {
    const cur = await readState(this.ctx.store, this.name);
    if (cur && cur.version !== this.#version) this.#apply(cur.doc, cur.version);
    return cur ?? { doc: this.#doc, version: 0 };
  }

  /**
   * Applies `change` to the stored state with compare-and-set, retrying on conflicts; runs the hooks and the
   * kind's side effects after the write. `change` returns undefined to write nothing. Call inside `enqueue`.
   */
  protected async mutate(change: (cur: RolloutStateDoc) => Change | undefined): Promise<VersionedDoc | undefined> {
    for (let i = 0; i < 8; i++) {
      const cur = await this.current();
      const c = change(cur.doc);
      if (!c) return undefined;
      const written = await this.#write(c.state, cur.version);
      if (!written) continue;
      await runEffects(c.effects, this.#deps);
      await this.afterWrite(written);
      if (written.doc.phase === 'Promoting') await this.#iterate(written);
      return written;
    }
    throw new ConflictError(`rollouts/${this.name}`, undefined, undefined, `${this.kind} '${this.name}': the state kept changing; retry`);
  }

  /** The machine's transition for `input`, fixed by `adjust`; undefined when nothing changes. */
  protected machineChange(s: RolloutStateDoc, input: Input, keepRequest = true): Change | undefined {
    const t = transition(s, input, this.analysis.machine, this.ctx.clock.now());
    if (!t.changed && keepRequest) return undefined;
    const state = this.adjust(s, t.state);
    return { state: keepRequest ? { ...state, requestedAction: s.requestedAction } : { ...state, requestedAction: null }, effects: t.effects };
  }

  async #applyRequested(): Promise<void> {
    const cur = await this.current();
    const req = cur.doc.requestedAction;
    if (!req) return;
    await this.mutate((s) => (s.requestedAction?.id === req.id ? this.requestedChange(s, req.action, req.reason) : undefined));
  }

  /** How a requested action (CLI, admin) applies; clears the request. 'abort' rolls back (for blue-green and rings also after success). */
  protected requestedChange(s: RolloutStateDoc, action: RolloutAction, reason: string | null): Change | undefined {
    if (kindActionRefusal(s, action) !== undefined) return { state: { ...s, requestedAction: null, generation: s.generation + 1 }, effects: [] };
    if (action === 'abort') {
      const c = forcedRollback(s, this.rollbackMessage(s, reason), this.ctx.clock.now());
      return { state: { ...c.state, requestedAction: null }, effects: c.effects };
    }
    return this.machineChange(s, { type: 'action', action, reason }, false);
  }

  /** The status message of a rollback asked for by hand. */
  protected rollbackMessage(_s: RolloutStateDoc, reason: string | null | undefined): string {
    return `aborted${reason ? `: ${reason}` : ''}`;
  }

  async #iterate(cur: VersionedDoc): Promise<void> {
    for (let guard = 0; guard < 3; guard++) {
      if (!this.canIterate(cur.doc)) return;
      const now = this.ctx.clock.now();
      const p = plan(cur.doc, this.analysis.machine, now);
      if (p.kind === 'idle') return;
      const result = await carryOut(p, cur.doc, this.#deps);
      const c = this.machineChange(cur.doc, { type: 'iteration', result });
      if (!c) return;
      const written = await this.#write(c.state, cur.version);
      if (!written) return; // another writer moved the state: this iteration is void
      await runEffects(c.effects, this.#deps);
      await this.afterWrite(written);
      if (written.doc.phase !== 'Promoting') return;
      cur = written;
    }
  }

  /** Runs one analysis iteration now, whoever holds the lease (what the schedule calls). */
  async runAnalysis(): Promise<RolloutStatus> {
    await this.load();
    await this.enqueue(async () => {
      await this.#applyRequested();
      await this.#iterate(await this.beforeIteration(await this.current()));
    });
    return this.rolloutStatus();
  }

  /** A manual machine action (promote / abort / pause / resume); rejects with INVALID_STATE when it cannot apply. */
  protected async act(action: RolloutAction, reason?: string): Promise<void> {
    await this.load();
    await this.enqueue(async () => {
      await this.mutate((s) => {
        const refusal = kindActionRefusal(s, action);
        if (refusal) throw new DeliveryError(`cannot ${action} ${this.kind} '${this.name}': ${refusal}`, 'INVALID_STATE');
        return this.machineChange(s, { type: 'action', action, reason: reason ?? null });
      });
    });
  }

  /** Starts the analysis schedule: one iteration per interval, on the instance holding the lease. */
  start(): void {
    if (this.#started || this.#closed || !this.#spec.scheduled) return;
    this.#started = true;
    this.#lease.start();
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = this.ctx.clock.setTimeout(() => this.#tick(), this.analysis.intervalMs);
  }

  #tick(): void {
    if (!this.#started) return;
    this.#schedule();
    if (!this.#lease.isLeader() || this.#iterating) return;
    const last = this.#doc.lastAnalysisTime;
    if (last !== null && this.ctx.clock.now() - last < this.analysis.intervalMs / 2) return;
    this.#iterating = true;
    this.runAnalysis()
      .catch((err: unknown) => this.ctx.reporter.once(`${this.kind}:${this.name}:schedule`, err, `${this.kind} '${this.name}' analysis`))
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
    this.ctx.clock.clearTimeout(this.#timer);
    await this.#lease.stop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#stop();
    await this.#queue;
    this.removeAll();
  }
}

