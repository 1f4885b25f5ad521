// One (target, version) series: a ring of time slots (requests, errors, status classes, latency sum and a
// sparse latency histogram per slot), the dense histogram of the slot in progress, and cumulative totals for the
// Prometheus exposition. Recording touches only the slot in progress: a handful of array writes.
import { BUCKET_COUNT, bucketIndex, leIndex } from './log-linear.js';

const EMPTY_IDX = new Uint16Array(0);
const EMPTY_CNT = new Uint32Array(0);

/** Status codes are counted per code for `http_requests_total`: 100..599 by value, plus two for "no status". */
export const CODE_SLOTS = 600;
export const NO_STATUS_OK = 0;
export const NO_STATUS_ERROR = 1;

export class Slot {
  /** Slot number (time / resolution); -1 when unused. */
  index = -1;
  requests = 0;
  errors = 0;
  /** 1xx..5xx */
  readonly classes = new Float64Array(5);
  sumMs = 0;
  /** `requests` as of the last successful write to the store. */
  flushed = 0;
  /** Sealed (past) slots: non-empty histogram buckets. The slot in progress keeps its histogram in Series.dense. */
  idx: Uint16Array = EMPTY_IDX;
  cnt: Uint32Array = EMPTY_CNT;

  reset(index: number): void {
    this.index = index;
    this.requests = 0;
    this.errors = 0;
    this.classes.fill(0);
    this.sumMs = 0;
    this.flushed = 0;
    this.idx = EMPTY_IDX;
    this.cnt = EMPTY_CNT;
  }

  get dirty(): boolean {
    return this.index >= 0 && this.requests !== this.flushed;
  }
}

export interface LeConfig {
  boundsMs: readonly number[];
  table: Int16Array;
}

export class Series {
  readonly target: string;
  readonly version: string;
  readonly ring: Slot[];
  /** The slot being recorded into (also in `ring`). */
  cur: Slot | undefined;
  /** Histogram of `cur`, dense; allocated on the first record. */
  dense: Uint32Array | undefined;
  lo = BUCKET_COUNT;
  hi = -1;
  /** Highest slot index ever recorded; -1 when none. */
  lastIndex = -1;
  /** Unflushed slots overwritten by newer ones (the store was unreachable for the whole retention). */
  lost = 0;
  // cumulative, for Prometheus
  readonly codes = new Float64Array(CODE_SLOTS);
  readonly le: Float64Array;
  promSumMs = 0;
  promCount = 0;
  readonly #le: LeConfig;

  constructor(target: string, version: string, ringSize: number, le: LeConfig) {
    this.target = target;
    this.version = version;
    this.ring = Array.from({ length: ringSize }, () => new Slot());
    this.#le = le;
    this.le = new Float64Array(le.boundsMs.length + 1);
  }

  record(index: number, ms: number, success: boolean, status: number | undefined): void {
    let s = this.cur;
    if (s === undefined || s.index !== index) s = this.#advance(index);
    s.requests++;
    if (!success) s.errors++;
    s.sumMs += ms;
    const b = bucketIndex(ms);
    this.dense![b]!++;
    if (b < this.lo) this.lo = b;
    if (b > this.hi) this.hi = b;
    if (status !== undefined) {
      s.classes[((status / 100) | 0) - 1]!++;
      this.codes[status]!++;
    } else this.codes[success ? NO_STATUS_OK : NO_STATUS_ERROR]!++;
    const k = this.#le.table[b]!;
    this.le[k >= 0 ? k : leIndex(this.#le.boundsMs, ms)]!++;
    this.promSumMs += ms;
    this.promCount++;
  }

  /** Moves recording to slot `index`, sealing the slot in progress. A clock that went back keeps the current slot. */
  #advance(index: number): Slot {
    const cur = this.cur;
    if (cur !== undefined && index < cur.index) return cur;
    this.seal();
    this.dense ??= new Uint32Array(BUCKET_COUNT);
    if (index <= this.lastIndex) {
      // the clock went back: keep counting in the newest slot, reopened
      const s = this.ring[this.lastIndex % this.ring.length]!;
      if (s.index === this.lastIndex) return this.#reopen(s);
      index = this.lastIndex;
    }
    const s = this.ring[index % this.ring.length]!;
    if (s.dirty) this.lost++;
    s.reset(index);
    this.cur = s;
    this.lastIndex = index;
    return s;
  }

  #reopen(s: Slot): Slot {
    const d = this.dense!;
    for (let k = 0; k < s.idx.length; k++) {
      const i = s.idx[k]!;
      d[i]! += s.cnt[k]!;
      if (i < this.lo) this.lo = i;
      if (i > this.hi) this.hi = i;
    }
    s.idx = EMPTY_IDX;
    s.cnt = EMPTY_CNT;
    this.cur = s;
    return s;
  }

  /** Gives up on unflushed slots older than `index` (past the retention): they count as lost. */
  expireBefore(index: number): void {
    for (const s of this.ring) {
      if (s.dirty && s.index < index) {
        this.lost++;
        s.flushed = s.requests;
      }
    }
  }

  /** Turns the slot in progress into a sealed (sparse) one, so that `cur` is undefined. */
  seal(): void {
    const cur = this.cur;
    if (cur === undefined) return;
    const [idx, cnt] = this.#denseSparse();
    cur.idx = idx;
    cur.cnt = cnt;
    if (this.hi >= this.lo) this.dense!.fill(0, this.lo, this.hi + 1);
    this.lo = BUCKET_COUNT;
    this.hi = -1;
    this.cur = undefined;
  }

  /** Seals the slot in progress when time has moved past it. */
  sealBefore(index: number): void {
    if (this.cur !== undefined && this.cur.index < index) this.seal();
  }

  #denseSparse(): [Uint16Array, Uint32Array] {
    const d = this.dense;
    if (d === undefined || this.hi < this.lo) return [EMPTY_IDX, EMPTY_CNT];
    let n = 0;
    for (let i = this.lo; i <= this.hi; i++) if (d[i]! > 0) n++;
    const idx = new Uint16Array(n);
    const cnt = new Uint32Array(n);
    let k = 0;
    for (let i = this.lo; i <= this.hi; i++) {
      const c = d[i]!;
      if (c > 0) {
        idx[k] = i;
        cnt[k++] = c;
      }
    }
    return [idx, cnt];
  }

  /** The histogram buckets of a slot (sealed or in progress). */
  histogramOf(slot: Slot): [Uint16Array, Uint32Array] {
    return slot === this.cur ? this.#denseSparse() : [slot.idx, slot.cnt];
  }

  /** Slots of this series with index in [first, last], in no particular order. */
  *slots(first: number, last: number): Generator<Slot> {
    for (const s of this.ring) if (s.index >= first && s.index <= last) yield s;
  }

  /** Unflushed slots; `includeCurrent` also yields the slot in progress (index >= `currentIndex`). */
  *dirtySlots(currentIndex: number, includeCurrent: boolean): Generator<Slot> {
    for (const s of this.ring) if (s.dirty && (includeCurrent || s.index < currentIndex)) yield s;
  }
}
