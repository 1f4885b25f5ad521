import type { DeliveryContext } from '../core/context.js';
import type { MetricFamily } from '../core/telemetry.js';

/** What a recorder exposes to the Prometheus collector. */
export interface ShadowCounters {
  readonly name: string;
  counts(): Record<string, number>;
  calls(): number;
  inFlight(): number;
}

const registries = new WeakMap<DeliveryContext, Set<ShadowCounters>>();

/**
 * Adds a recorder's counters to the delivery's Prometheus output. One collector per delivery renders every shadow
 * client and mirror of it; clients sharing a name are summed.
 */
export function registerShadowCounters(ctx: DeliveryContext, counters: ShadowCounters): void {
  let set = registries.get(ctx);
  if (!set) {
    const created = new Set<ShadowCounters>();
    set = created;
    registries.set(ctx, created);
    ctx.addCollector(() => collect(created));
  }
  set.add(counters);
}

function collect(set: Set<ShadowCounters>): MetricFamily[] {
  const results = new Map<string, number>();
  const calls = new Map<string, number>();
  const inFlight = new Map<string, number>();
  for (const c of set) {
    for (const [result, n] of Object.entries(c.counts())) {
      const key = `${c.name}\u0000${result}`;
      results.set(key, (results.get(key) ?? 0) + n);
    }
    calls.set(c.name, (calls.get(c.name) ?? 0) + c.calls());
    inFlight.set(c.name, (inFlight.get(c.name) ?? 0) + c.inFlight());
  }
  return [
    {
      name: 'progressive_delivery_shadow_results_total',
      help: 'Mirrored calls by how they ended (matched, mismatched, ignored, timeout), shadow errors, and calls not mirrored (dropped, too_large).',
      type: 'counter',
      samples: [...results].map(([key, value]) => {
        const [name = '', result = ''] = key.split('\u0000');
        return { labels: { name, result }, value };
      }),
    },
    {
      name: 'progressive_delivery_shadow_calls_total',
      help: 'Calls through a shadow client or mirror, mirrored or not.',
      type: 'counter',
      samples: [...calls].map(([name, value]) => ({ labels: { name }, value })),
    },
    {
      name: 'progressive_delivery_shadow_in_flight',
      help: 'Mirrored calls not yet decided.',
      type: 'gauge',
      samples: [...inFlight].map(([name, value]) => ({ labels: { name }, value })),
    },
  ];
}
