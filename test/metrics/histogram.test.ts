import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { LatencyHistogram } from '../../src/metrics/histogram.js';
import { BUCKET_COUNT, bucketIndex, bucketLower, bucketUpper, leIndex, leTable } from '../../src/metrics/log-linear.js';
import { DEFAULT_BUCKETS_SECONDS } from '../../src/metrics/options.js';

/** Nearest-rank quantile of the raw samples: the ceil(q*n)-th smallest. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

const QS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
/** Latencies from 1 µs to ~17 min, log-uniform so every order of magnitude is exercised. */
const latency = fc.double({ min: -3, max: 6, noNaN: true }).map((e) => 10 ** e);

describe('LatencyHistogram accuracy', () => {
  it('every quantile is within 1% of the exact sample quantile (property)', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 400 }), (samples) => {
        const h = new LatencyHistogram();
        for (const s of samples) h.record(s);
        const sorted = [...samples].sort((a, b) => a - b);
        for (const q of QS) {
          const exact = exactQuantile(sorted, q);
          const got = h.quantile(q);
          expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(0.01);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds on clustered data (a narrow band, as real latencies are) and on uniform data', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 10_000, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 0.2, noNaN: true }), { minLength: 50, maxLength: 500 }),
        (centre, spreads) => {
          const samples = spreads.map((d) => centre * (1 + d));
          const h = new LatencyHistogram();
          for (const s of samples) h.record(s);
          const sorted = [...samples].sort((a, b) => a - b);
          for (const q of QS) expect(Math.abs(h.quantile(q) - exactQuantile(sorted, q)) / exactQuantile(sorted, q)).toBeLessThanOrEqual(0.01);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('every value falls inside the bounds of its bucket, within 1/128 of the representative value (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 2 ** -10, max: 2 ** 26, noNaN: true, maxExcluded: true }), (v) => {
        const i = bucketIndex(v);
        expect(i).toBeGreaterThan(0);
        expect(i).toBeLessThan(BUCKET_COUNT);
        expect(bucketLower(i)).toBeLessThanOrEqual(v);
        expect(v).toBeLessThan(bucketUpper(i));
        const h = new LatencyHistogram().record(v);
        expect(Math.abs(h.quantile(0.5) - v) / v).toBeLessThanOrEqual(1 / 128);
      }),
      { numRuns: 2000 },
    );
  });

  it('bucket edges are exact: powers of two and their sub-divisions start a bucket', () => {
    for (const v of [1, 2, 4, 1024, 0.5, 1.015625, 5, 10, 25, 100, 250, 1000]) {
      expect(bucketLower(bucketIndex(v))).toBe(v);
    }
    expect(bucketIndex(1.0156249)).toBe(bucketIndex(1));
  });

  it('tiny values count as 0 and huge ones in the last bucket; the bucket count is bounded', () => {
    expect(BUCKET_COUNT).toBe(2305);
    const h = new LatencyHistogram().record(0).record(0.0001).record(1e12);
    expect(h.count).toBe(3);
    expect(h.quantile(0)).toBe(0);
    expect(h.quantile(0.6)).toBe(0);
    expect(h.quantile(1)).toBeGreaterThan(2 ** 25);
    expect(h.buckets().length).toBe(2);
  });

  it('ignores negative, NaN and infinite values', () => {
    const h = new LatencyHistogram().record(-1).record(NaN).record(Infinity).record(5, 0).record(5, -2);
    expect(h.count).toBe(0);
    expect(h.quantile(0.5)).toBeNaN();
    expect(h.mean).toBeNaN();
    expect(h.buckets()).toEqual([]);
  });

  it('quantile outside [0, 1] is NaN', () => {
    const h = new LatencyHistogram().record(3);
    expect(h.quantile(-0.1)).toBeNaN();
    expect(h.quantile(1.1)).toBeNaN();
    expect(h.quantile(NaN)).toBeNaN();
  });

  it('sum and mean are exact, not bucketed', () => {
    const h = new LatencyHistogram().record(1.5).record(2.25).record(10, 2);
    expect(h.sum).toBe(23.75);
    expect(h.mean).toBe(23.75 / 4);
  });
});

describe('LatencyHistogram merging and JSON', () => {
  it('merging equals recording everything into one (property)', () => {
    fc.assert(
      fc.property(fc.array(latency, { maxLength: 200 }), fc.array(latency, { maxLength: 200 }), (a, b) => {
        const ha = new LatencyHistogram();
        const hb = new LatencyHistogram();
        const all = new LatencyHistogram();
        for (const x of a) ha.record(x);
        for (const x of b) hb.record(x);
        for (const x of [...a, ...b]) all.record(x);
        const merged = ha.merge(hb);
        expect(merged.buckets()).toEqual(all.buckets());
        expect(merged.count).toBe(a.length + b.length);
        expect(merged.sum).toBeCloseTo(all.sum, 6);
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips through JSON text and merges after it', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i * 0.37);
    const back = LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(h)));
    expect(back.buckets()).toEqual(h.buckets());
    expect(back.count).toBe(1000);
    expect(back.quantile(0.99)).toBe(h.quantile(0.99));
    back.merge(h);
    expect(back.count).toBe(2000);
    expect(back.quantile(0.5)).toBe(h.quantile(0.5));
  });

  it('buckets() lists representative values ascending with counts; ranges() gives the bounds', () => {
    const h = new LatencyHistogram().record(100).record(100).record(1);
    expect(h.buckets()).toEqual([
      { valueMs: 1.0078125, count: 1 }, // midpoint of [1, 1 + 1/64)
      { valueMs: 100.5, count: 2 }, // midpoint of [100, 101)
    ]);
    const r = h.ranges();
    expect(r[1]!.lowerMs).toBeLessThanOrEqual(100);
    expect(r[1]!.upperMs).toBeGreaterThan(100);
  });

  it('fromJSON lists every problem with its path', () => {
    try {
      LatencyHistogram.fromJSON({ layout: 'other', i: [1, -1, 99999], c: [1, 'x'], sum: -3 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const paths = (e as ValidationError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['layout', 'sum', 'c', 'i[1]', 'i[2]', 'c[1]']));
    }
    expect(() => LatencyHistogram.fromJSON(null)).toThrow(ValidationError);
    expect(() => LatencyHistogram.fromJSON([1])).toThrow(/toJSON/);
  });
});

describe('Prometheus le table', () => {
  const boundsMs = DEFAULT_BUCKETS_SECONDS.map((s) => s * 1000);
  const table = leTable(boundsMs);

  it('gives the same le bucket as comparing the value, or defers (-1) for the buckets a bound cuts (property)', () => {
    fc.assert(
      fc.property(fc.oneof(latency, fc.constantFrom(...boundsMs), fc.constant(0)), (v) => {
        const k = table[bucketIndex(v)]!;
        const exact = leIndex(boundsMs, v);
        if (k >= 0) expect(k).toBe(exact);
      }),
      { numRuns: 3000 },
    );
  });

  it('a value equal to a bound counts in that bound (le is inclusive)', () => {
    for (let k = 0; k < boundsMs.length; k++) {
      expect(leIndex(boundsMs, boundsMs[k]!)).toBe(k);
      const t = table[bucketIndex(boundsMs[k]!)]!;
      expect(t === -1 || t === k).toBe(true);
    }
  });
});
