// metrics: record() cost, snapshot and flush cost, Prometheus rendering, and the histogram's quantile error.
import { performance } from 'node:perf_hooks';
import { createDelivery } from '../src/delivery.js';
import { seededRandom } from '../src/core/random.js';
import { LatencyHistogram } from '../src/metrics/histogram.js';
import { MemoryStore } from '../src/store/memory.js';
import { fmt, measure, measureAsync, printResults, table } from './harness.js';

const rand = seededRandom(42);

// --- record ---------------------------------------------------------------------------------------------
{
  const d = createDelivery({ metrics: { flushInterval: 0 } });
  const m = d.metrics;
  const durations = Float64Array.from({ length: 4096 }, () => 5 + 200 * rand());
  const targets = Array.from({ length: 10 }, (_, i) => ({ target: `svc-${i}`, version: i % 2 ? 'canary' : 'stable' }));
  const one = { target: 'checkout', version: 'canary', success: true, durationMs: 0, status: 200 };
  const results = [
    measure('record (one series, status)', (i) => {
      one.durationMs = durations[i & 4095]!;
      m.record(one);
    }, { iterations: 200_000 }),
    measure('record (one series, no status)', (i) => m.record({ target: 'checkout', version: 'stable', success: (i & 63) !== 0, durationMs: durations[i & 4095]! }), { iterations: 200_000 }),
    measure('record (10 series round-robin)', (i) => {
      const t = targets[i % 10]!;
      m.record({ target: t.target, version: t.version, success: true, durationMs: durations[i & 4095]!, status: 200 });
    }, { iterations: 200_000 }),
    measure('record (invalid input, dropped)', () => m.record({ target: '', version: 'v', success: true, durationMs: -1 }), { iterations: 200_000 }),
    measure('snapshot (1 min window)', () => m.snapshot('checkout', 'canary', 60_000), { iterations: 2_000, batches: 10 }),
  ];
  printResults('metrics.record / snapshot', results);
  await d.close();
}

// --- flush and Prometheus for 1,000 series ----------------------------------------------------------------
{
  const store = new MemoryStore();
  const d = createDelivery({ store, metrics: { flushInterval: 0, maxTargets: 100, maxVersions: 10 } });
  const m = d.metrics;
  const fill = () => {
    for (let t = 0; t < 100; t++) for (let v = 0; v < 10; v++) for (let k = 0; k < 20; k++) m.record({ target: `t${t}`, version: `v${v}`, success: true, durationMs: 1 + 500 * rand(), status: 200 });
  };
  fill();
  const flush = await measureAsync('flush 1,000 dirty series (MemoryStore)', async () => {
    fill();
    await m.flush();
  }, { iterations: 3, batches: 5, warmup: 1 });
  const fillOnly = measure('  of which: recording 20,000 requests', () => fill(), { iterations: 3, batches: 5, warmup: 1 });
  const prom = measure('prometheus() with 1,000 series', () => m.prometheus().length, { iterations: 3, batches: 5, warmup: 1 });
  const fleet = await measureAsync('fleetWindow (1 series, MemoryStore)', () => m.fleetWindow('t1', 'v1', 60_000), { iterations: 200, batches: 5 });
  printResults('flush / prometheus / fleetWindow', [flush, fillOnly, prom, fleet]);
  const text = m.prometheus();
  console.log(`\nflush of 1,000 series without the recording: ${fmt((flush.nsPerOp - fillOnly.nsPerOp) / 1e6)} ms; prometheus() output: ${fmt(text.length / 1024)} KiB, ${text.split('\n').length} lines`);
  await d.close();
}

// --- quantile error -----------------------------------------------------------------------------------------
{
  const dists: [string, () => number][] = [
    ['log-uniform 1 µs..10 s', () => 10 ** (-3 + 7 * rand())],
    ['lognormal (median 50 ms)', () => 50 * Math.exp(0.8 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()))],
    ['uniform 10..20 ms', () => 10 + 10 * rand()],
    ['bimodal 5 ms / 800 ms', () => (rand() < 0.9 ? 5 + rand() : 800 + 50 * rand())],
  ];
  const qs = [0.5, 0.75, 0.9, 0.95, 0.99, 0.999];
  const rows: (string | number)[][] = [];
  for (const [name, gen] of dists) {
    let max = 0;
    let sum = 0;
    let n = 0;
    const t0 = performance.now();
    for (let run = 0; run < 20; run++) {
      const samples = Array.from({ length: 10_000 }, gen);
      const h = new LatencyHistogram();
      for (const s of samples) h.record(s);
      samples.sort((a, b) => a - b);
      for (const q of qs) {
        const exact = samples[Math.max(1, Math.ceil(q * samples.length)) - 1]!;
        const err = Math.abs(h.quantile(q) - exact) / exact;
        max = Math.max(max, err);
        sum += err;
        n++;
      }
    }
    rows.push([name, `${(100 * max).toFixed(3)}%`, `${(100 * (sum / n)).toFixed(3)}%`, Math.round(performance.now() - t0)]);
  }
  table('histogram quantile error vs exact (20 runs x 10,000 samples, q = 0.5..0.999)', ['distribution', 'max rel. error', 'mean rel. error', 'ms'], rows);
}
