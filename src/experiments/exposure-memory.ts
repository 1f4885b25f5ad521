/**
 * What one instance remembers about (experiment, unit) exposures, so a repeat assignment costs no store call:
 * '' queued, '?' exposed earlier (variant not known here), or the variant. Bounded by two generations: when the
 * current one holds `max` pairs it becomes the previous one and the oldest generation is dropped; a pair found in
 * the previous generation moves to the current one. So at least the last `max` pairs touched are remembered and
 * never more than 2 * `max`. Keyed by experiment, then unit: a lookup builds no string and allocates nothing
 * (lru-cache's has() with an `experiment\nunit` key cost ~150 ns more per assignment).
 */
export class ExposureMemory {
  readonly #max: number;
  #current = new Map<string, Map<string, string>>();
  #previous = new Map<string, Map<string, string>>();
  #size = 0;

  constructor(max: number) {
    this.#max = Math.max(1, Math.floor(max));
  }

  /** The remembered value, or undefined. */
  get(experiment: string, unit: string): string | undefined {
    const v = this.#current.get(experiment)?.get(unit);
    if (v !== undefined) return v;
    const old = this.#previous.get(experiment)?.get(unit);
    if (old !== undefined) this.set(experiment, unit, old);
    return old;
  }

  set(experiment: string, unit: string, value: string): void {
    let units = this.#current.get(experiment);
    if (!units) {
      units = new Map();
      this.#current.set(experiment, units);
    }
    const before = units.size;
    units.set(unit, value);
    if (units.size > before && ++this.#size >= this.#max) {
      this.#previous = this.#current;
      this.#current = new Map();
      this.#size = 0;
    }
  }

  /** Pairs held (both generations; a pair in both counts twice). */
  get size(): number {
    let n = this.#size;
    for (const units of this.#previous.values()) n += units.size;
    return n;
  }
}
