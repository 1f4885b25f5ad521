// The bucket layout of the latency histogram: log-linear, as HdrHistogram and DDSketch do it. Every power of two
// of milliseconds is cut into 64 equal sub-buckets, so a bucket is at most 1/64 of its lower bound wide and its
// midpoint is within 1/128 (0.78%) of every value in it. The index comes straight from the float's bits.

/** Sub-buckets per power of two (2^6). */
export const SUB_BUCKETS = 64;
/** Smallest tracked power of two, in ms: 2^-10 ms is about 0.98 µs; anything smaller counts in bucket 0 (value 0). */
export const MIN_EXP = -10;
/** Largest tracked power of two, in ms: values at or above 2^26 ms (about 18.6 h) count in the last bucket. */
export const MAX_EXP = 25;
/** Bucket 0 (below 2^MIN_EXP ms) plus 64 buckets per power of two. */
export const BUCKET_COUNT = 1 + (MAX_EXP - MIN_EXP + 1) * SUB_BUCKETS;
/** Names the layout in serialised histograms, so that data from another layout is never merged by mistake. */
export const LAYOUT = `log-linear/64/${MIN_EXP}/${MAX_EXP}`;

const MIN_VALUE = 2 ** MIN_EXP;
const MAX_VALUE = 2 ** (MAX_EXP + 1);

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Which 32-bit word of a float64 holds the sign, exponent and top of the mantissa (1 on little-endian hosts). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The bucket of a duration in ms (>= 0; callers filter NaN and negatives). */
export function bucketIndex(ms: number): number {
  if (!(ms >= MIN_VALUE)) return 0;
  if (ms >= MAX_VALUE) return BUCKET_COUNT - 1;
  f64[0] = ms;
  const hi = u32[HI]!;
  // exponent: bits 20-30 of the high word; top 6 mantissa bits: bits 14-19
  return 1 + ((hi >>> 20) - 1023 - MIN_EXP) * SUB_BUCKETS + ((hi >>> 14) & 63);
}

/** Lower bound (inclusive, ms) of bucket `i`. */
export function bucketLower(i: number): number {
  if (i <= 0) return 0;
  const j = i - 1;
  return 2 ** (MIN_EXP + Math.floor(j / SUB_BUCKETS)) * (1 + (j % SUB_BUCKETS) / SUB_BUCKETS);
}

/** Upper bound (exclusive, ms) of bucket `i`. */
export function bucketUpper(i: number): number {
  if (i <= 0) return MIN_VALUE;
  const j = i - 1;
  return 2 ** (MIN_EXP + Math.floor(j / SUB_BUCKETS)) * (1 + ((j % SUB_BUCKETS) + 1) / SUB_BUCKETS);
}

/** Representative value (ms) of every bucket: its midpoint; 0 for bucket 0. */
export const BUCKET_VALUES: Float64Array = (() => {
  const out = new Float64Array(BUCKET_COUNT);
  for (let i = 1; i < BUCKET_COUNT; i++) out[i] = (bucketLower(i) + bucketUpper(i)) / 2;
  return out;
})();

/**
 * For fixed Prometheus `le` bounds (ms, ascending): the index of the `le` bucket each histogram bucket falls in
 * wholly (bounds.length is +Inf), or -1 where a bound cuts through the bucket (the caller then compares the value).
 */
export function leTable(boundsMs: readonly number[]): Int16Array {
  const table = new Int16Array(BUCKET_COUNT);
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const lo = bucketLower(i);
    const hi = i === BUCKET_COUNT - 1 ? Infinity : bucketUpper(i);
    // values v in [lo, hi): v <= bound for every v when hi <= bound; v > bound for every v when lo > bound
    let k = 0;
    while (k < boundsMs.length && boundsMs[k]! < hi) k++;
    const prev = k === 0 ? -Infinity : boundsMs[k - 1]!;
    table[i] = lo > prev ? k : -1;
  }
  return table;
}

/** The `le` bucket of `ms` by comparison (for the few histogram buckets a bound cuts through). */
export function leIndex(boundsMs: readonly number[], ms: number): number {
  let k = 0;
  while (k < boundsMs.length && ms > boundsMs[k]!) k++;
  return k;
}
