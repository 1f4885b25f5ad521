// The shell every rollout kind runs on (canary, blue-green, rings, guarded flag): the state document (load, watch,
// compare-and-set writes with retry), the pure canary machine for analysis and manual actions, the schedule on the
// lease holder, actions requested through the store (requestRolloutAction), the status events, and the recorded
// call path. Each kind adds its routing, what its `weight` means and its side effects.
import type { DeliveryContext } from '../core/context.js';
import { ConflictError, DeliveryError, ValidationError } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import type { JsonObject } from '../core/json.js';
import type { StoreChange } from '../store/types.js';
import { carryOut, runEffects, type CanaryMetrics, type IterationDeps } from './iteration.js';
import { forcedRollback, kindActionRefusal } from './kind-actions.js';
import { plan, statusEvents, transition, type Effect, type Input, type MachineConfig } from './machine.js';
import { CallRecorder } from './recorded-call.js';
import { AnalysisSchedule } from './schedule.js';
import { initialDoc, parseDoc, type RolloutStateDoc } from './state-doc.js';
import { readState, writeState, type VersionedDoc } from './state.js';
import type { RolloutAction, RolloutKind, RolloutStatus } from './types.js';
import type { ResolvedAnalysis } from './validate.js';

/** What the rollout registry (rollouts.ts) needs from every kind of rollout. */
export interface ManagedRollout {
  readonly name: string;
  readonly kind: RolloutKind;
  rolloutStatus(): RolloutStatus;
  /** Loads (or creates) the stored state. Called by delivery.ready(), or at once when created after it. */
  load(): Promise<void>;
  /** A change of this rollout's state key seen by the store watch. */
  onStoreChange(change: StoreChange): void;
  close(): Promise<void>;
}

/** What a kind hands the shell. */
export interface ControllerSpec {
  kind: RolloutKind;
  name: string;
  /** How messages name the kind ('blue-green'). @default the kind */
  label?: string;
  /** Resolved analysis, or one without metrics and hooks for kinds run by hand (no schedule then). */
  analysis: ResolvedAnalysis;
  /** Whether `start()` runs a schedule. */
  scheduled: boolean;
  /** Windows for the machine's metrics: 'canary' means the new version, 'stable' the old one. Calls are recorded here. */
  metrics: CanaryMetrics;
  /** Kind-specific state of a fresh document (none: the document has no `data`). */
  initialData?: JsonObject;
  /** The revision of a fresh document. @default null */
  revision?: string | null;
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

/** The base of every rollout kind; `S` is what `status()` and `runAnalysis()` give. */
export abstract class RolloutController<E extends Record<string, (...args: never[]) => void>, S = RolloutStatus> extends Emitter<E> implements ManagedRollout {
  readonly name: string;
  readonly kind: RolloutKind;
  protected readonly ctx: DeliveryContext;
  protected readonly analysis: ResolvedAnalysis;
  /** Runs and records routed calls (target = name). */
  protected readonly calls: CallRecorder;
  readonly #label: string;
  readonly #spec: ControllerSpec;
  readonly #deps: IterationDeps;
  readonly #schedule: AnalysisSchedule;
  #doc: RolloutStateDoc;
  #version = 0;
  #seen = false;
  #loading: Promise<void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(ctx: DeliveryContext, spec: ControllerSpec) {
    super();
    this.ctx = ctx;
    this.#spec = spec;
    this.name = spec.name;
    this.kind = spec.kind;
    this.#label = spec.label ?? spec.kind;
    this.analysis = spec.analysis;
    this.#doc = this.#fresh();
    this.#doc.message = 'loading state from the store';
    const subject = `${spec.kind} '${spec.name}'`;
    this.#deps = { name: spec.name, analysis: spec.analysis, metrics: spec.metrics, hooks: { clock: ctx.clock, reporter: ctx.reporter, subject }, now: () => ctx.clock.now() };
    this.#schedule = new AnalysisSchedule(ctx, {
      kind: spec.kind,
      name: spec.name,
      intervalMs: spec.analysis.intervalMs,
      run: () => this.runAnalysis(),
      lastAnalysisTime: () => this.#doc.lastAnalysisTime,
    });
    this.calls = new CallRecorder(ctx, spec.metrics, spec.name, spec.kind, this.#label);
  }

  #fresh(): RolloutStateDoc {
    const d = initialDoc(this.kind, this.name, this.#spec.revision ?? null, this.analysis.machine.maxWeight, this.ctx.clock.now(), this.ctx.instanceId);
    if (this.#spec.initialData) d.data = { ...this.#spec.initialData };
    return d;
  }

  /** The state this instance routes by. */
  protected get doc(): RolloutStateDoc {
    return this.#doc;
  }

  /** The kind-specific part of the state. */
  protected get data(): JsonObject {
    return this.#doc.data ?? this.#spec.initialData ?? {};
  }

  /**
   * Called with every newer state (read or written): update routing, emit events. `initial` is true for the first
   * state applied (blue-green, rings and guarded flags do not emit its events: a restart is not a transition).
   */
  protected abstract applied(prev: RolloutStateDoc, doc: RolloutStateDoc, initial: boolean): void;

  /** A change to write when this instance finds a stored state at load (a canary's new revision restarts it). */
  protected loadChange(_stored: RolloutStateDoc): Change | undefined {
    return undefined;
  }

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

  /** The state this instance routes by, in the kind's shape. */
  abstract status(): S;

  abstract rolloutStatus(): RolloutStatus;

  /**
   * Emits the events of the change `prev` -> `doc` in order: 'phase', the kind's position event (`weight` by
   * default; blue-green 'switched', rings 'ring'), 'promoted', 'rolledBack'. Each listener gets the status as it is now.
   */
  protected emitChange(prev: RolloutStateDoc, doc: RolloutStateDoc, position?: { event: keyof E & string; moved: boolean }): void {
    for (const e of statusEvents(prev, doc, position)) this.emitStatus(e as keyof E & string);
  }

  /** Emits `event` with the current status; a throwing listener is reported, the others still run. */
  protected emitStatus<K extends keyof E & string>(event: K): void {
    const onError = (err: unknown): void => this.ctx.reporter.report(err, `${this.#label} '${this.name}' ${event} listener`);
    this.emitSafe(event, onError, ...([this.status()] as unknown as Parameters<E[K]>));
  }

  /** Whether this instance holds the rollout's lease (runs the schedule). */
  isLeader(): boolean {
    return this.#schedule.isLeader();
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
      const c = cur ? this.loadChange(cur.doc) : { state: this.#fresh(), effects: [] };
      if (!c) return this.#apply(cur!.doc, cur!.version);
      if (await this.#write(c.state, cur?.version ?? 0)) return runEffects(c.effects, this.#deps);
    }
    throw new ConflictError(`rollouts/${this.name}`, undefined, undefined, `${this.kind} '${this.name}': the state kept changing while loading`);
  }

  /** Applies a state read from the store or written here; a stored request is taken up by the leader (or before start()). */
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
    if (doc.requestedAction && !this.#closed && (this.#schedule.isLeader() || !this.#schedule.started)) this.enqueue(() => this.#applyRequested()).catch(this.reportAsync);
  }

  onStoreChange(change: StoreChange): void {
    if (change.deleted) {
      this.#version = 0; // keep serving the last state; the next write re-creates it
      return;
    }
    const doc = parseDoc(change.value);
    if (!doc || doc.kind !== this.kind) return;
    if (change.version > this.#version) this.#apply(doc, change.version);
    else if (change.version < this.#version && !this.#closed) {
      // an older version: a stale notification, or a store that restarted its versions. The store decides.
      void readState(this.ctx.store, this.name).then((cur) => cur && cur.version !== this.#version && this.#apply(cur.doc, cur.version), this.reportAsync);
    }
  }

  protected readonly reportAsync = (err: unknown): void => this.ctx.reporter.report(err, `${this.kind} '${this.name}'`);

  /** Serialises this instance's writes (iterations and actions). */
  protected enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** CAS write; on conflict re-reads the store, applies what it holds and resolves undefined. */
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
   * kind's side effects after the write, and finishes a promotion. `change` returns undefined to write nothing.
   * Call inside `enqueue`.
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

  /** Loads, then applies `change` in the write queue (see mutate): what every manual operation does. */
  protected async update(change: (cur: RolloutStateDoc) => Change | undefined): Promise<void> {
    await this.load();
    await this.enqueue(() => this.mutate(change));
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

  /** One iteration from `cur` (and the promotion's finish when it reaches Promoting). */
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
      if (!written) return; // another writer moved the state: this iteration is void (fencing)
      await runEffects(c.effects, this.#deps);
      await this.afterWrite(written);
      if (written.doc.phase !== 'Promoting') return;
      cur = written;
    }
  }

  /**
   * Runs one analysis iteration now, whoever holds the lease (what the schedule calls), after applying any action
   * requested through the store. Rejects only when the store cannot be read or written.
   */
  async runAnalysis(): Promise<S> {
    await this.load();
    await this.enqueue(async () => {
      await this.#applyRequested();
      await this.#iterate(await this.beforeIteration(await this.current()));
    });
    return this.status();
  }

  /** A manual machine action (promote / abort / pause / resume); rejects with INVALID_STATE when it cannot apply. */
  protected act(action: RolloutAction, reason?: string): Promise<void> {
    return this.update((s) => {
      const refusal = kindActionRefusal(s, action);
      if (refusal) throw new DeliveryError(`cannot ${action} ${this.kind} '${this.name}': ${refusal}`, 'INVALID_STATE');
      return this.machineChange(s, { type: 'action', action, reason: reason ?? null });
    });
  }

  /** Rolls back at once, also from Succeeded (phase Failed, 'rollback' hooks); INVALID_STATE with `refusal(s)` when it says why not. */
  protected rollbackUnless(refusal: (s: RolloutStateDoc) => string | undefined, reason: string | undefined): Promise<void> {
    return this.update((s) => {
      const why = refusal(s);
      if (why !== undefined) throw new DeliveryError(`cannot roll back ${this.#label} '${this.name}': ${why}`, 'INVALID_STATE');
      return forcedRollback(s, this.rollbackMessage(s, reason), this.ctx.clock.now());
    });
  }

  /**
   * Holds the rollout where it is until resume(): a canary or guarded flag keeps its weight, a blue-green its active
   * side (its post-switch analysis waits), a ring rollout its open rings.
   */
  pause(): Promise<void> {
    return this.act('pause');
  }

  /**
   * Continues a paused rollout; the progress deadline counts again from now. A guarded flag paused by an edit made
   * outside the rollout then writes its percent over the edited flag.
   */
  resume(): Promise<void> {
    return this.act('resume');
  }

  /** Starts the analysis schedule: one iteration per interval, on the instance holding the rollout's lease. */
  start(): void {
    if (this.#closed || !this.#spec.scheduled) return;
    this.#schedule.start();
  }

  /** Stops the schedule and gives up the lease. */
  stop(): void {
    void this.#schedule.stop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#schedule.stop();
    await this.#queue;
    this.removeAll();
  }
}
