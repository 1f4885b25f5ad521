// The metrics module's own Prometheus families: requests by code, the duration histogram, and counters about
// the module itself. Values are this instance's, cumulative since it started.
import type { MetricFamily } from '../core/telemetry.js';
import { formatValue, labelPairs, type RenderedFamily } from './prometheus.js';
import { CODE_SLOTS, NO_STATUS_ERROR, NO_STATUS_OK, type Series } from './series.js';
import type { MetricsStats } from './types.js';

/** The `code` label: the status when one was recorded, else '2xx' for a success and '5xx' for a failure. */
function codeLabel(slot: number): string {
  if (slot === NO_STATUS_OK) return '2xx';
  if (slot === NO_STATUS_ERROR) return '5xx';
  return String(slot);
}

/** Code slots in output order: '2xx'/'5xx' (no status) first in their class. */
const CODE_ORDER: number[] = [];
for (let c = 100; c < CODE_SLOTS; c++) {
  if (c === 200) CODE_ORDER.push(NO_STATUS_OK);
  if (c === 500) CODE_ORDER.push(NO_STATUS_ERROR);
  CODE_ORDER.push(c);
}

export function ownFamilies(series: Iterable<Series>, boundsMs: readonly number[], boundsSeconds: readonly number[], stats: MetricsStats): (MetricFamily | RenderedFamily)[] {
  const requests: string[] = [];
  const durations: string[] = [];
  const leLabels = [...boundsSeconds.map(formatValue), '+Inf'];
  for (const s of series) {
    const base = labelPairs({ target: s.target, version: s.version });
    for (const c of CODE_ORDER) {
      const n = s.codes[c]!;
      if (n > 0) requests.push(`http_requests_total{${base},code="${codeLabel(c)}"} ${formatValue(n)}`);
    }
    if (s.promCount === 0) continue;
    let cumulative = 0;
    for (let k = 0; k <= boundsMs.length; k++) {
      cumulative += s.le[k]!;
      durations.push(`http_request_duration_seconds_bucket{${base},le="${leLabels[k]!}"} ${formatValue(cumulative)}`);
    }
    durations.push(`http_request_duration_seconds_sum{${base}} ${formatValue(s.promSumMs / 1000)}`);
    durations.push(`http_request_duration_seconds_count{${base}} ${formatValue(s.promCount)}`);
  }
  return [
    {
      name: 'http_requests_total',
      help: "Requests recorded by delivery.metrics, by target, version and status code ('2xx'/'5xx' when the caller gave no status).",
      type: 'counter',
      lines: requests,
    },
    {
      name: 'http_request_duration_seconds',
      help: 'Duration of the requests recorded by delivery.metrics, by target and version.',
      type: 'histogram',
      lines: durations,
    },
    {
      name: 'progressive_delivery_metrics_series',
      help: 'Series (target, version pairs) held by delivery.metrics.',
      type: 'gauge',
      samples: [{ labels: {}, value: stats.series }],
    },
    {
      name: 'progressive_delivery_metrics_records_dropped_total',
      help: 'Records ignored because their input was invalid.',
      type: 'counter',
      samples: [{ labels: {}, value: stats.dropped }],
    },
    {
      name: 'progressive_delivery_metrics_records_folded_total',
      help: "Records counted under target or version 'other' because a cardinality limit was reached.",
      type: 'counter',
      samples: [{ labels: {}, value: stats.folded }],
    },
    {
      name: 'progressive_delivery_metrics_flush_errors_total',
      help: 'Slot writes to the store that failed (retried at the next flush).',
      type: 'counter',
      samples: [{ labels: {}, value: stats.flushErrors }],
    },
    {
      name: 'progressive_delivery_metrics_lost_slots_total',
      help: 'Slots that aged out of the retention before any flush could write them.',
      type: 'counter',
      samples: [{ labels: {}, value: stats.lostSlots }],
    },
  ];
}
