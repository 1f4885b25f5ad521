// The analysis schedule of one rollout: one tick per interval through the clock, and the rollout's lease. Only the
// lease holder iterates, never two iterations at once, and never within half an interval of the last one (a former
// leader may have just run it); CAS on the state fences whatever slips through.
import type { DeliveryContext } from '../core/context.js';
import { LeaderLease } from './leader.js';

/** What the schedule runs and reads. */
export interface ScheduleSpec {
  kind: string;
  name: string;
  intervalMs: number;
  /** One iteration (the rollout's runAnalysis). */
  run: () => Promise<unknown>;
  /** When an iteration last ran, by any instance (from the stored state). */
  lastAnalysisTime: () => number | null;
}

/**
 * Ticks once per interval while started; holds (or waits for) the rollout's lease meanwhile.
 * @example const s = new AnalysisSchedule(ctx, { kind: 'canary', name, intervalMs, run, lastAnalysisTime }); s.start(); ... await s.stop();
 */
export class AnalysisSchedule {
  readonly #ctx: DeliveryContext;
  readonly #spec: ScheduleSpec;
  readonly #lease: LeaderLease;
  #timer: unknown;
  #started = false;
  #iterating = false;

  constructor(ctx: DeliveryContext, spec: ScheduleSpec) {
    this.#ctx = ctx;
    this.#spec = spec;
    this.#lease = new LeaderLease(ctx, spec.name);
  }

  /** Whether this instance holds the rollout's lease. */
  isLeader(): boolean {
    return this.#lease.isLeader();
  }

  get started(): boolean {
    return this.#started;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#lease.start();
    this.#arm();
  }

  #arm(): void {
    this.#timer = this.#ctx.clock.setTimeout(() => this.#tick(), this.#spec.intervalMs);
  }

  #tick(): void {
    if (!this.#started) return;
    this.#arm();
    if (!this.#lease.isLeader() || this.#iterating) return;
    const { kind, name, intervalMs } = this.#spec;
    const last = this.#spec.lastAnalysisTime();
    if (last !== null && this.#ctx.clock.now() - last < intervalMs / 2) return;
    this.#iterating = true;
    this.#spec
      .run()
      .catch((err: unknown) => this.#ctx.reporter.once(`${kind}:${name}:schedule`, err, `${kind} '${name}' analysis`))
      .finally(() => {
        this.#iterating = false;
      });
  }

  /** Stops ticking and gives up the lease. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#ctx.clock.clearTimeout(this.#timer);
    await this.#lease.stop();
  }
}
