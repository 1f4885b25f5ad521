// The contract between the metrics module and its readers (the rollout analysis, middleware, the admin views).
// Written first so both sides can be built at once; the metrics module owns it from here on.

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
