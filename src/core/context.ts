import type { Clock } from './clock.js';
import type { ErrorReporter } from './report.js';
import type { Logger } from './logger.js';
import type { Random } from './random.js';
import type { Collector } from './telemetry.js';
import type { Store } from '../store/types.js';

/**
 * What the facade hands every module: the store, the clock and the shared services. Modules receive this and
 * import no infrastructure (ARCHITECTURE.md, principle 3).
 */
export interface DeliveryContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Required<Logger>;
  /** Reports failures to the delivery's 'error' event; never throws. */
  readonly reporter: ErrorReporter;
  readonly random: Random;
  /** Unique per delivery instance: the owner name for leases. */
  readonly instanceId: string;
  /** Lease TTL for leader election (createDelivery({ leaseTtl }), default 15 s). */
  readonly leaseTtlMs: number;
  /** Adds a collector whose families `metrics.prometheus()` renders. */
  addCollector(collector: Collector): void;
  /** Resolves once `delivery.ready()` has loaded every module. Writes wait for it. */
  readonly whenReady: Promise<void>;
  isReady(): boolean;
  isClosed(): boolean;
}

/** Hooks a module gives the facade: loaded by ready(), flushed by flush(), stopped by close(). */
export interface Lifecycle {
  load?(): Promise<void>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/** Store key namespaces, one per module, so modules never collide in a shared store. */
export const NS = {
  flags: 'flags/',
  segments: 'segments/',
  experiments: 'experiments/',
  exposures: 'exposures/',
  conversions: 'conversions/',
  expCounters: 'exp-counters/',
  rollouts: 'rollouts/',
  metrics: 'metrics/',
  leases: 'leases/',
} as const;
