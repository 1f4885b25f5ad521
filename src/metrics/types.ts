// The contract between the metrics module and its readers (the rollout analysis, middleware, the admin views).
// Written first so both sides can be built at once; the metrics module owns it from here on.
import type { Duration } from '../core/duration.js';

/** Options of `delivery.metrics` (`createDelivery({ metrics })`). Invalid values throw a ValidationError at once. */
export interface MetricsOptions {
  /**
   * How often completed slots are written to the store for the fleet view. `0` turns the timer off
   * (`delivery.flush()` still writes). Each flush writes one small document per (series, slot) that saw traffic.
   * @default '5s'
   */
  flushInterval?: Duration;
  /**
   * Slot width: windows are read in whole slots, and each slot is one store document per instance.
   * Smaller is finer-grained windows but more store writes. At least 100 ms.
   * @default '5s'
   */
  resolution?: Duration;
  /**
   * How far back `snapshot()` and `fleetWindow()` can read, and the TTL of the documents in the store. Unflushed
   * slots older than this are dropped (counted in `stats().lostSlots`). At most 10,000 slots.
   * @default '10m'
   */
  retention?: Duration;
  /** Distinct targets tracked; records for further targets are counted under target 'other'. @default 100 */
  maxTargets?: number;
  /** Distinct versions tracked per target; further versions are counted under version 'other'. @default 10 */
  maxVersions?: number;
  /**
   * Upper bounds (`le`, seconds, ascending) of the Prometheus `http_request_duration_seconds` histogram. Counts are
   * exact for every bound (a value equal to a bound counts in it), at most 50 bounds.
   * @default [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
   */
  buckets?: number[];
}

/** One request's outcome, for `metrics.record()`. */
export interface RecordInput {
  target: string;
  version: string;
  success: boolean;
  durationMs: number;
  /** HTTP status, when there is one: counted by status class (2xx, 3xx, 4xx, 5xx). */
  status?: number;
}

/** What `snapshot()` returns for one (target, version) over a window. Latencies in milliseconds; NaN without data. */
export interface MetricsSnapshot {
  requests: number;
  errors: number;
  /** Percent of successful requests, 0-100; NaN when there were no requests. */
  successRate: number;
  p50: number;
  p90: number;
  p99: number;
}

/** A read-only view of a (mergeable, log-linear) latency histogram. */
export interface LatencyHistogramView {
  readonly count: number;
  /** The q-quantile (0..1) in ms, relative error <= 1%; NaN when empty. */
  quantile(q: number): number;
  /** Non-empty buckets in ascending order: a representative value (ms) and how many samples fell in the bucket. */
  buckets(): { valueMs: number; count: number }[];
}

/** The fleet-wide window the analysis reads: every instance's flushed windows merged with this one's unflushed data. */
export interface FleetWindow extends MetricsSnapshot {
  histogram: LatencyHistogramView;
}

/** Counts by HTTP status class, for the records that carried a `status`. */
export interface StatusClassCounts {
  '1xx': number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
}

/**
 * What `snapshot()` and `fleetWindow()` return: a FleetWindow plus where the window fell and how many instances
 * contributed. `from`/`to` are the slot-aligned bounds actually read (`to` - `from` is the window rounded up to
 * whole slots, plus the slot in progress).
 */
export interface WindowSnapshot extends FleetWindow {
  /** Start (ms, inclusive) of the oldest slot read. */
  from: number;
  /** End (ms, exclusive) of the newest slot read (the slot in progress). */
  to: number;
  /** Mean latency in ms; NaN without data. */
  meanMs: number;
  statusClasses: StatusClassCounts;
  /** Instances whose data is in the window (this one included when it recorded anything in it). */
  instances: number;
}

/** Counters about the metrics module itself (also exported as `progressive_delivery_metrics_*`). */
export interface MetricsStats {
  /** Series currently held (a series is one (target, version) pair, 'other' included). */
  series: number;
  /** Records dropped because their input was invalid. */
  dropped: number;
  /** Records counted under target or version 'other' because a cardinality limit was reached. */
  folded: number;
  /** Slots written to the store. */
  flushedSlots: number;
  /** Slot writes that failed (retried at the next flush). */
  flushErrors: number;
  /** Slots recorded but not yet written to the store. */
  pendingSlots: number;
  /** Slots that aged out of the retention before any flush could write them (store down too long). */
  lostSlots: number;
}
