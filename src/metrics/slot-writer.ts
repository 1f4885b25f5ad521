// Writes slots to the store: one document per (series, slot, instance), a bounded number of writes at a time.
// A slot whose write fails stays unflushed and is tried again by the next flush.
import type { Store } from '../store/types.js';
import { encodeSlot, seriesPrefix, slotKey } from './fleet.js';
import type { Series } from './series.js';

const CONCURRENCY = 32;
const MAX_STORE_KEY = 512;

export interface SlotJob {
  series: Series;
  /** Ring position, and the slot number it held when the job was made (a reused position is skipped). */
  p: number;
  index: number;
}

export interface WriteOutcome {
  written: number;
  failed: number;
  lastError?: unknown;
}

export class SlotWriter {
  readonly #store: Store;
  readonly #instanceId: string;
  readonly #widthMs: number;
  readonly #ttlMs: number;
  readonly #warn: (key: string, msg: string) => void;
  readonly #prefixes = new WeakMap<Series, string | null>();

  constructor(o: { store: Store; instanceId: string; widthMs: number; ttlMs: number; warn: (key: string, msg: string) => void }) {
    this.#store = o.store;
    this.#instanceId = o.instanceId;
    this.#widthMs = o.widthMs;
    this.#ttlMs = o.ttlMs;
    this.#warn = o.warn;
  }

  async write(jobs: SlotJob[]): Promise<WriteOutcome> {
    const out: WriteOutcome = { written: 0, failed: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const { series, p, index } = jobs[next++]!;
        if (series.index[p] !== index) continue;
        const prefix = this.#prefixOf(series);
        if (prefix === null) {
          series.flushed[p] = series.requests[p]!; // local only: nothing to write, nothing pending
          continue;
        }
        const requests = series.requests[p]!;
        const doc = encodeSlot(series, p, this.#widthMs, this.#instanceId);
        try {
          await this.#store.put(slotKey(prefix, index * this.#widthMs, this.#instanceId), doc, { ttlMs: this.#ttlMs });
          if (series.index[p] === index && requests > series.flushed[p]!) series.flushed[p] = requests;
          out.written++;
        } catch (err) {
          out.failed++;
          out.lastError = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));
    return out;
  }

  /** `metrics/<target>/<version>/`, or null when the names cannot form a store key (the series stays local). */
  #prefixOf(s: Series): string | null {
    let p = this.#prefixes.get(s);
    if (p === undefined) {
      let prefix: string | null = null;
      try {
        prefix = seriesPrefix(s.target, s.version);
      } catch {
        // a lone surrogate cannot be URI-encoded
      }
      p = prefix === null || Buffer.byteLength(slotKey(prefix, 0, this.#instanceId), 'utf8') > MAX_STORE_KEY ? null : prefix;
      if (p === null) {
        this.#warn(`key:${s.target}:${s.version}`, `metrics: target/version cannot form a store key (too long, or not well-formed Unicode); '${s.target}'/'${s.version}' is kept local only`);
      }
      this.#prefixes.set(s, p);
    }
    return p;
  }
}
