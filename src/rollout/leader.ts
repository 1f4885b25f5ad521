// Leader election for one rollout: a store lease under NS.leases, taken and renewed every third of its TTL
// through the clock, released on stop(). Only the holder runs the schedule; CAS on the state fences the rest.
import { NS, type DeliveryContext } from '../core/context.js';

/** The lease name of a rollout. */
export const leaseName = (rollout: string): string => `${NS.leases}rollouts/${rollout}`;

/**
 * Holds (or waits for) the lease of one rollout.
 * @example const lease = new LeaderLease(ctx, 'checkout', (leading) => log(leading)); lease.start(); ... await lease.stop();
 */
export class LeaderLease {
  readonly #ctx: DeliveryContext;
  readonly #name: string;
  readonly #onChange: (leading: boolean) => void;
  #leading = false;
  #timer: unknown;
  #running = false;
  #inFlight: Promise<void> | undefined;

  constructor(ctx: DeliveryContext, rollout: string, onChange: (leading: boolean) => void = () => {}) {
    this.#ctx = ctx;
    this.#name = leaseName(rollout);
    this.#onChange = onChange;
  }

  /** Whether this instance held the lease at its last attempt (and it has not expired since). */
  isLeader(): boolean {
    return this.#leading;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts trying to take (and then renewing) the lease: now, then every leaseTtl / 3. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.tryAcquire();
  }

  /** One attempt to take or renew the lease now. Store failures count as not leading (and are reported once). */
  tryAcquire(): Promise<void> {
    this.#inFlight ??= (async () => {
      let ok = false;
      try {
        ok = await this.#ctx.store.acquireLease(this.#name, this.#ctx.instanceId, this.#ctx.leaseTtlMs);
        this.#ctx.reporter.clear(`lease:${this.#name}`);
      } catch (err) {
        this.#ctx.reporter.once(`lease:${this.#name}`, err, `rollout lease '${this.#name}'`, 'STORE_UNAVAILABLE');
      }
      this.#inFlight = undefined;
      if (!this.#running) return;
      this.#set(ok);
      this.#schedule();
    })();
    return this.#inFlight;
  }

  #schedule(): void {
    this.#ctx.clock.clearTimeout(this.#timer);
    this.#timer = this.#ctx.clock.setTimeout(() => void this.tryAcquire(), Math.max(1, this.#ctx.leaseTtlMs / 3));
  }

  #set(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    try {
      this.#onChange(leading);
    } catch (err) {
      this.#ctx.reporter.report(err, 'leader change listener');
    }
  }

  /** Stops renewing and releases the lease if held. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#ctx.clock.clearTimeout(this.#timer);
    await this.#inFlight;
    this.#set(false);
    // released even when we did not know we led: an acquire may have landed while stopping
    try {
      await this.#ctx.store.releaseLease(this.#name, this.#ctx.instanceId);
    } catch (err) {
      this.#ctx.reporter.report(err, `releasing rollout lease '${this.#name}'`, 'STORE_UNAVAILABLE');
    }
  }
}
