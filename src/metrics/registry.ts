// The series held, by target then version, with the cardinality limits: names beyond them fold into 'other'.
import type { LeConfig } from './series.js';
import { Series } from './series.js';

export const OTHER = 'other';

export interface RegistryLimits {
  ringSize: number;
  le: LeConfig;
  maxTargets: number;
  maxVersions: number;
  /** Called once per limit reached, with a message for the logger. */
  warn: (key: string, msg: string) => void;
}

export class SeriesRegistry {
  readonly #targets = new Map<string, Map<string, Series>>();
  readonly #limits: RegistryLimits;
  /** The last series looked up without folding: consecutive records of one series skip both maps. */
  #last: Series | undefined;
  #count = 0;
  /** Lookups answered with an 'other' series. */
  folded = 0;

  constructor(limits: RegistryLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#count;
  }

  /** The series to record (target, version) into, created or folded as the limits say. */
  lookup(target: string, version: string): Series {
    const last = this.#last;
    if (last !== undefined && last.target === target && last.version === version) return last;
    return this.#slowLookup(target, version);
  }

  #slowLookup(target: string, version: string): Series {
    const { maxTargets, maxVersions, warn } = this.#limits;
    let folded = false;
    let versions = this.#targets.get(target);
    if (versions === undefined) {
      if (this.#targets.size - (this.#targets.has(OTHER) ? 1 : 0) >= maxTargets) {
        folded = true;
        warn('fold:targets', `metrics: more than ${maxTargets} targets; further targets are counted as '${OTHER}'`);
        target = OTHER;
        versions = this.#targets.get(OTHER);
      }
      if (versions === undefined) {
        versions = new Map();
        this.#targets.set(target, versions);
      }
    }
    let s = versions.get(version);
    if (s === undefined) {
      if (versions.size - (versions.has(OTHER) ? 1 : 0) >= maxVersions) {
        folded = true;
        warn(`fold:versions:${target}`, `metrics: more than ${maxVersions} versions of '${target}'; further versions are counted as '${OTHER}'`);
        version = OTHER;
        s = versions.get(OTHER);
      }
      if (s === undefined) {
        s = new Series(target, version, this.#limits.ringSize, this.#limits.le);
        versions.set(version, s);
        this.#count++;
      }
    }
    if (folded) this.folded++;
    else this.#last = s;
    return s;
  }

  /** The series of exactly (target, version), without creating or folding. */
  find(target: string, version: string): Series | undefined {
    return this.#targets.get(target)?.get(version);
  }

  /** Every series, in creation order. */
  *all(): Generator<Series> {
    for (const versions of this.#targets.values()) yield* versions.values();
  }

  /** Removes every series `evict` says to, freeing its place under the limits. */
  evict(evict: (s: Series) => boolean): void {
    for (const [t, versions] of this.#targets) {
      for (const [v, s] of versions) {
        if (!evict(s)) continue;
        versions.delete(v);
        this.#count--;
        if (this.#last === s) this.#last = undefined;
      }
      if (versions.size === 0) this.#targets.delete(t);
    }
  }
}
