// Reading a window: this instance's slots (flushed or not) plus other instances' slots as last fetched from
// the store. Our own documents are never read back, so nothing is counted twice.
import { LatencyHistogram } from './histogram.js';
import type { SlotDoc } from './fleet.js';
import { forEachPacked, type Series } from './series.js';
import type { StatusClassCounts, WindowSnapshot } from './types.js';

/** Other instances' slots of one series, as last read from the store. */
export interface RemoteSlots {
  docs: SlotDoc[];
  fetchedAt: number;
}

const CLASS_NAMES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** Merges the slots numbered first..last (each `widthMs` wide) of `local` and `remote` into one snapshot. */
export function readWindow(local: Series | undefined, remote: RemoteSlots | undefined, first: number, last: number, widthMs: number): WindowSnapshot {
  const hist = new LatencyHistogram();
  const classes = [0, 0, 0, 0, 0];
  let requests = 0;
  let errors = 0;
  const from = first * widthMs;
  const to = (last + 1) * widthMs;
  let localRequests = 0;
  if (local) {
    for (const p of local.positions(first, last)) {
      localRequests += local.requests[p]!;
      errors += local.errors[p]!;
      for (let k = 0; k < 5; k++) classes[k]! += local.classes[p * 5 + k]!;
      forEachPacked(local.histogramOf(p), (bucket, n) => hist.addBucket(bucket, n, 0));
      hist.addSum(local.sumMs[p]!);
    }
  }
  requests += localRequests;
  const instances = new Set<string>();
  if (remote) {
    for (const d of remote.docs) {
      if (d.start >= to || d.start + d.width <= from || d.requests === 0) continue;
      instances.add(d.instance);
      requests += d.requests;
      errors += d.errors;
      for (let k = 0; k < 5; k++) classes[k]! += d.classes[k]!;
      hist.addSparse(d.idx, d.cnt, d.sumMs);
    }
  }
  const statusClasses = Object.fromEntries(CLASS_NAMES.map((n, k) => [n, classes[k]!])) as unknown as StatusClassCounts;
  return {
    requests,
    errors,
    successRate: requests > 0 ? (100 * (requests - errors)) / requests : NaN,
    p50: hist.quantile(0.5),
    p90: hist.quantile(0.9),
    p99: hist.quantile(0.99),
    histogram: hist,
    from,
    to,
    meanMs: hist.mean,
    statusClasses,
    instances: instances.size + (localRequests > 0 ? 1 : 0),
  };
}
