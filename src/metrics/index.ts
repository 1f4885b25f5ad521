// Public names of the metrics module (re-exported from the root).
export { Metrics } from './metrics.js';
export { LatencyHistogram, type HistogramJson } from './histogram.js';
export type {
  MetricsOptions,
  RecordInput,
  MetricsSnapshot,
  LatencyHistogramView,
  FleetWindow,
  WindowSnapshot,
  StatusClassCounts,
  MetricsStats,
} from './types.js';
