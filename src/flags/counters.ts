import type { MetricFamily, MetricSample } from '../core/telemetry.js';
import { REASONS, type CompiledFlag } from './compile.js';

/** Series kept for flags that were replaced or deleted, before the oldest are dropped. */
const MAX_RETIRED = 10_000;

/**
 * `progressive_delivery_flag_evaluations_total{flag,variant,reason}`. Live counts sit in each compiled flag's
 * Float64Array (one array write per evaluation); when a definition is replaced or deleted its counts are folded
 * here so the counters stay monotonic. Evaluations of unknown flags are not counted (their keys are unbounded).
 */
export class EvaluationCounters {
  readonly #retired = new Map<string, { flag: string; variant: string; reason: string; value: number }>();

  /** Folds the counts of a compiled flag that leaves the snapshot. */
  retire(cf: CompiledFlag): void {
    forEachCount(cf, (variant, reason, value) => {
      const id = `${cf.key}\u0000${variant}\u0000${reason}`;
      const prev = this.#retired.get(id);
      if (prev) prev.value += value;
      else if (this.#retired.size < MAX_RETIRED) this.#retired.set(id, { flag: cf.key, variant, reason, value });
    });
  }

  family(live: Iterable<CompiledFlag>): MetricFamily {
    const sums = new Map<string, MetricSample>();
    const add = (flag: string, variant: string, reason: string, value: number) => {
      const id = `${flag}\u0000${variant}\u0000${reason}`;
      const s = sums.get(id);
      if (s) s.value += value;
      else sums.set(id, { labels: { flag, variant, reason }, value });
    };
    for (const r of this.#retired.values()) add(r.flag, r.variant, r.reason, r.value);
    for (const cf of live) forEachCount(cf, (variant, reason, value) => add(cf.key, variant, reason, value));
    return {
      name: 'progressive_delivery_flag_evaluations_total',
      help: 'Flag evaluations by flag, served variant (empty when the default was served) and reason.',
      type: 'counter',
      samples: [...sums.values()],
    };
  }
}

function forEachCount(cf: CompiledFlag, fn: (variant: string, reason: string, value: number) => void): void {
  const n = REASONS.length;
  for (let i = 0; i < cf.counts.length; i++) {
    const value = cf.counts[i]!;
    if (value === 0) continue;
    const v = Math.floor(i / n);
    fn(cf.variantNames[v] ?? '', REASONS[i % n]!, value);
  }
}
