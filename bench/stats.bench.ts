// Statistics on 1,000,000-unit inputs (Welch and Mann-Whitney on raw arrays of 1e6 values per arm, z-test and SRM
// on counts), and the per-call cost of the distribution functions. Run: npm run bench -- stats
import { seededRandom } from '../src/core/random.js';
import {
  chiSquareSf,
  mannWhitneyU,
  mannWhitneyUFromCounts,
  mixtureSprtMeans,
  mixtureSprtProportions,
  normalCdf,
  normalQuantile,
  normalSf,
  srmTest,
  studentTQuantile,
  studentTSf,
  twoProportionZTest,
  welchTTest,
} from '../src/stats/index.js';
import { measure, printResults, table } from './harness.js';

const N = 1_000_000;
const random = seededRandom(42);
const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
// Latency-like data: log-normal milliseconds, rounded to 0.1 ms (so there are ties, as in real timings).
const latencyA = Array.from({ length: N }, () => Math.round(Math.exp(3 + 0.5 * gauss()) * 10) / 10);
const latencyB = Array.from({ length: N }, () => Math.round(Math.exp(3.01 + 0.5 * gauss()) * 10) / 10);
const revenueA = Array.from({ length: N }, () => 20 + 5 * gauss());
const revenueB = Array.from({ length: N }, () => 20.02 + 5 * gauss());
const bucketsOf = (xs: number[]) => {
  const m = new Map<number, number>();
  for (const x of xs) m.set(Math.round(x), (m.get(Math.round(x)) ?? 0) + 1);
  return [...m].map(([value, count]) => ({ value, count }));
};
const histA = bucketsOf(latencyA);
const histB = bucketsOf(latencyB);

/** Wall time of single heavy calls: median of `runs`. */
function timeOnce(name: string, fn: () => unknown, runs = 5): [string, number] {
  const times: number[] = [];
  let sink: unknown;
  fn();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sink = fn();
    times.push(performance.now() - t0);
  }
  (globalThis as { __benchSink?: unknown }).__benchSink = sink;
  times.sort((a, b) => a - b);
  return [name, times[Math.floor(times.length / 2)]!];
}

table('Statistics on 1,000,000 units per arm', ['case', 'ms per call'], [
  timeOnce('welchTTest(raw 1e6, raw 1e6)', () => welchTTest(revenueA, revenueB)),
  timeOnce('mixtureSprtMeans(raw 1e6, raw 1e6)', () => mixtureSprtMeans(revenueA, revenueB)),
  timeOnce('mannWhitneyU(raw 1e6, raw 1e6), with ties', () => mannWhitneyU(latencyA, latencyB)),
  timeOnce(`mannWhitneyUFromCounts(${histA.length} + ${histB.length} buckets of 1e6)`, () => mannWhitneyUFromCounts(histA, histB), 15),
]);

const a = { users: N, conversions: 100_000 };
const b = { users: N, conversions: 101_000 };
printResults('Tests on counts (1,000,000 users per arm)', [
  measure('twoProportionZTest', () => twoProportionZTest(a, b), { iterations: 20_000 }),
  measure('mixtureSprtProportions', () => mixtureSprtProportions(a, b), { iterations: 20_000 }),
  measure('srmTest (3 variants)', () => srmTest([333_000, 334_000, 333_000], [1, 1, 1]), { iterations: 20_000 }),
  measure('welchTTest (summaries, df ~ 2e6)', () => welchTTest({ mean: 20, variance: 25, n: N }, { mean: 20.02, variance: 25, n: N }), { iterations: 20_000 }),
]);

const zs = Array.from({ length: 1024 }, () => 8 * gauss());
const ps = Array.from({ length: 1024 }, () => random());
const tails = Array.from({ length: 1024 }, () => 10 ** (-300 * random()));
printResults('Distribution functions', [
  measure('normalCdf (|z| ~ 8 N(0,1))', (i) => normalCdf(zs[i & 1023]!), { iterations: 200_000 }),
  measure('normalSf (z in the tails)', (i) => normalSf(5 + Math.abs(zs[i & 1023]!) * 4), { iterations: 200_000 }),
  measure('normalQuantile (p uniform)', (i) => normalQuantile(ps[i & 1023]!), { iterations: 100_000 }),
  measure('normalQuantile (p in 1e-300..1)', (i) => normalQuantile(tails[i & 1023]!), { iterations: 100_000 }),
  measure('studentTSf (df 30)', (i) => studentTSf(zs[i & 1023]!, 30), { iterations: 100_000 }),
  measure('studentTQuantile (0.975, df 1..1e6)', (i) => studentTQuantile(0.975, 1 + (i & 1023) * 977), { iterations: 20_000 }),
  measure('chiSquareSf (df 2)', (i) => chiSquareSf(Math.abs(zs[i & 1023]!) * 3, 2), { iterations: 100_000 }),
]);
