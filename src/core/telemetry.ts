/**
 * The shape modules use to hand their counters to the Prometheus exposition (metrics.prometheus()).
 * Each module registers a collector; the metrics module renders every family in the text format.
 */
export interface MetricSample {
  labels: Record<string, string>;
  value: number;
  /** Suffix appended to the family name, e.g. '_bucket', '_sum', '_count' for histograms. */
  suffix?: string;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: MetricSample[];
}

export type Collector = () => MetricFamily[];
