// One (target, version) series: a ring of time slots (requests, errors, status classes, latency sum and a
// sparse latency histogram per slot), the dense histogram of the slot in progress, and cumulative totals for the
// Prometheus exposition. Recording touches only the slot in progress: a handful of array writes.
// The ring is stored column-wise (one typed array per field) because per-slot objects and small typed arrays
// cost several times more memory than the numbers they hold.
import { BUCKET_COUNT, bucketIndex, leIndex } from './log-linear.js';

/** Status codes are counted per code for `http_requests_total`: 100..599 by value, plus two for "no status". */
export const CODE_SLOTS = 600;
export const NO_STATUS_OK = 0;
export const NO_STATUS_ERROR = 1;

const EMPTY = new Uint32Array(0);

/**
 * A sealed slot's histogram is one Uint32 per non-empty bucket: the bucket index (12 bits, < 4096) above a count
 * (20 bits). A count that does not fit is split over several entries of one bucket. 4 bytes per bucket keeps a
 * busy series' ten minutes of slots small.
 */
const COUNT_BITS = 20;
const COUNT_MAX = 2 ** COUNT_BITS - 1;
const SHIFT = 2 ** COUNT_BITS;

/** Calls `fn(bucket, count)` for every entry of a packed histogram. */
export function forEachPacked(h: Uint32Array, fn: (bucket: number, count: number) => void): void {
  for (let k = 0; k < h.length; k++) {
    const e = h[k]!;
    fn(e >>> COUNT_BITS, e & COUNT_MAX);
  }
}

export interface LeConfig {
  boundsMs: readonly number[];
  table: Int16Array;
}

export class Series {
  readonly target: string;
  readonly version: string;
  /** Ring size. A slot is addressed by its ring position `p`; `index[p]` is its slot number (-1: unused). */
  readonly size: number;
  readonly index: Float64Array;
  readonly requests: Float64Array;
  readonly errors: Float64Array;
  /** 1xx..5xx of position p at 5p..5p+4. */
  readonly classes: Float64Array;
  readonly sumMs: Float64Array;
  /** `requests[p]` as of the last successful write to the store. */
  readonly flushed: Float64Array;
  /** Sealed slots' non-empty histogram buckets, packed (see `pack`). */
  readonly hist: Uint32Array[];
  /** Ring position of the slot being recorded into; -1 when none (sealed). */
  cur = -1;
  /** Histogram of the slot in progress, dense; allocated on the first record. */
  dense: Uint32Array | undefined;
  lo = BUCKET_COUNT;
  hi = -1;
  /** Highest slot number ever recorded; -1 when none. */
  lastIndex = -1;
  /** Unflushed slots overwritten or given up (the store was unreachable for the whole retention). */
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
    this.size = ringSize;
    this.index = new Float64Array(ringSize).fill(-1);
    this.requests = new Float64Array(ringSize);
    this.errors = new Float64Array(ringSize);
    this.classes = new Float64Array(ringSize * 5);
    this.sumMs = new Float64Array(ringSize);
    this.flushed = new Float64Array(ringSize);
    this.hist = new Array<Uint32Array>(ringSize).fill(EMPTY);
    this.#le = le;
    this.le = new Float64Array(le.boundsMs.length + 1);
  }

  record(index: number, ms: number, success: boolean, status: number | undefined): void {
    let p = this.cur;
    if (p < 0 || this.index[p] !== index) p = this.#advance(index);
    this.requests[p]!++;
    if (!success) this.errors[p]!++;
    this.sumMs[p]! += ms;
    const b = bucketIndex(ms);
    this.dense![b]!++;
    if (b < this.lo) this.lo = b;
    if (b > this.hi) this.hi = b;
    if (status !== undefined) {
      this.classes[p * 5 + ((status / 100) | 0) - 1]!++;
      this.codes[status]!++;
    } else this.codes[success ? NO_STATUS_OK : NO_STATUS_ERROR]!++;
    const k = this.#le.table[b]!;
    this.le[k >= 0 ? k : leIndex(this.#le.boundsMs, ms)]!++;
    this.promSumMs += ms;
    this.promCount++;
  }

  dirty(p: number): boolean {
    return this.index[p]! >= 0 && this.requests[p] !== this.flushed[p];
  }

  /** Moves recording to slot `index`, sealing the slot in progress. A clock that went back keeps the newest slot. */
  #advance(index: number): number {
    const cur = this.cur;
    if (cur >= 0 && index < this.index[cur]!) return cur;
    this.seal();
    this.dense ??= new Uint32Array(BUCKET_COUNT);
    if (index <= this.lastIndex) {
      // the clock went back: keep counting in the newest slot, reopened
      const p = this.lastIndex % this.size;
      if (this.index[p] === this.lastIndex) return this.#reopen(p);
      index = this.lastIndex;
    }
    const p = index % this.size;
    if (this.dirty(p)) this.lost++;
    this.index[p] = index;
    this.requests[p] = 0;
    this.errors[p] = 0;
    this.classes.fill(0, p * 5, p * 5 + 5);
    this.sumMs[p] = 0;
    this.flushed[p] = 0;
    this.hist[p] = EMPTY;
    this.cur = p;
    this.lastIndex = index;
    return p;
  }

  #reopen(p: number): number {
    const d = this.dense!;
    forEachPacked(this.hist[p]!, (i, c) => {
      d[i]! += c;
      if (i < this.lo) this.lo = i;
      if (i > this.hi) this.hi = i;
    });
    this.hist[p] = EMPTY;
    this.cur = p;
    return p;
  }

  /** Turns the slot in progress into a sealed (sparse) one; afterwards `cur` is -1. */
  seal(): void {
    const p = this.cur;
    if (p < 0) return;
    this.hist[p] = this.#denseSparse();
    if (this.hi >= this.lo) this.dense!.fill(0, this.lo, this.hi + 1);
    this.lo = BUCKET_COUNT;
    this.hi = -1;
    this.cur = -1;
  }

  /** Seals the slot in progress when time has moved past it. */
  sealBefore(index: number): void {
    if (this.cur >= 0 && this.index[this.cur]! < index) this.seal();
  }

  /** Gives up on unflushed slots numbered below `index` (past the retention): they count as lost. */
  expireBefore(index: number): void {
    for (let p = 0; p < this.size; p++) {
      if (this.dirty(p) && this.index[p]! < index) {
        this.lost++;
        this.flushed[p] = this.requests[p]!;
      }
    }
  }

  #denseSparse(): Uint32Array {
    const d = this.dense;
    if (d === undefined || this.hi < this.lo) return EMPTY;
    let n = 0;
    for (let i = this.lo; i <= this.hi; i++) n += Math.ceil(d[i]! / COUNT_MAX);
    const out = new Uint32Array(n);
    let k = 0;
    for (let i = this.lo; i <= this.hi; i++) {
      for (let c = d[i]!; c > 0; c -= COUNT_MAX) out[k++] = i * SHIFT + Math.min(c, COUNT_MAX);
    }
    return out;
  }

  /** The histogram of position `p` (sealed or in progress), packed. */
  histogramOf(p: number): Uint32Array {
    return p === this.cur ? this.#denseSparse() : this.hist[p]!;
  }

  /** Ring positions holding slots numbered first..last. */
  positions(first: number, last: number): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.size; p++) {
      const i = this.index[p]!;
      if (i >= first && i <= last) out.push(p);
    }
    return out;
  }

  /** Positions of unflushed slots; without `includeCurrent`, only those numbered below `currentIndex`. */
  dirtyPositions(currentIndex: number, includeCurrent: boolean): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.size; p++) if (this.dirty(p) && (includeCurrent || this.index[p]! < currentIndex)) out.push(p);
    return out;
  }

  /** Count of unflushed slots. */
  pending(): number {
    let n = 0;
    for (let p = 0; p < this.size; p++) if (this.dirty(p)) n++;
    return n;
  }
}
