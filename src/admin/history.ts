// Bounded in-memory time series for the charts: the cumulative conversion rate per experiment variant (sampled
// from results() on the delivery's clock) and each rollout's weight (from the store's change notifications).
// When a series is full, every other point is dropped: the whole history stays visible, at a coarser grain.

export interface SeriesPoint {
  at: number;
  /** series name -> value */
  values: Record<string, number>;
}

/** Time series keyed by subject (an experiment, a rollout), each at most `size` points; at most `maxSubjects` subjects. */
export class History {
  readonly #size: number;
  readonly #maxSubjects: number;
  readonly #series = new Map<string, SeriesPoint[]>();

  constructor(size: number, maxSubjects = 200) {
    this.#size = Math.max(4, size);
    this.#maxSubjects = maxSubjects;
  }

  /** Appends a point; `replaceWithinMs`: a point closer than this to the last one replaces it. */
  add(subject: string, point: SeriesPoint, replaceWithinMs = 0): void {
    let list = this.#series.get(subject);
    if (!list) {
      if (this.#series.size >= this.#maxSubjects) {
        const oldest = this.#series.keys().next().value;
        if (oldest !== undefined) this.#series.delete(oldest);
      }
      list = [];
      this.#series.set(subject, list);
    }
    const last = list[list.length - 1];
    if (last && point.at < last.at) return; // out of order (a late notification): the chart only moves forward
    if (last && point.at - last.at < replaceWithinMs && list.length > 1) list[list.length - 1] = point;
    else list.push(point);
    if (list.length > this.#size) {
      // keep the first and the last, thin the rest by half
      const thinned = list.filter((_, i) => i % 2 === 0 || i === list!.length - 1);
      this.#series.set(subject, thinned);
    }
  }

  /** The points of a subject, oldest first (a copy). */
  get(subject: string): SeriesPoint[] {
    return [...(this.#series.get(subject) ?? [])];
  }

  has(subject: string): boolean {
    return this.#series.has(subject);
  }

  /** The last point of a subject. */
  last(subject: string): SeriesPoint | undefined {
    const l = this.#series.get(subject);
    return l?.[l.length - 1];
  }

  delete(subject: string): void {
    this.#series.delete(subject);
  }

  subjects(): string[] {
    return [...this.#series.keys()];
  }
}
