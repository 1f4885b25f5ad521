import type { LatencySummary } from './types.js';

/** The last `size` durations of one side, for percentiles: fixed memory, O(1) per observation. */
export class LatencyWindow {
  readonly #values: Float64Array;
  #count = 0;

  constructor(size: number) {
    this.#values = new Float64Array(Math.max(1, size));
  }

  observe(ms: number): void {
    this.#values[this.#count % this.#values.length] = ms;
    this.#count++;
  }

  summary(): LatencySummary {
    const n = Math.min(this.#count, this.#values.length);
    if (n === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, mean: NaN, max: NaN };
    const sorted = this.#values.slice(0, n).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    const at = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
    return { count: this.#count, p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: sum / n, max: sorted[n - 1]! };
  }
}
