// Shared helpers for the benchmark scripts: each bench/*.bench.ts is a standalone program that prints
// markdown tables; bench/run.ts runs them one after another so they never compete for the CPU.
import { performance } from 'node:perf_hooks';

export interface BenchResult {
  name: string;
  nsPerOp: number;
  opsPerSec: number;
  samples: number;
}

/**
 * Times `fn` (called with the iteration index) in batches after a warm-up and reports the median batch.
 * `fn` should return something so the call cannot be optimised away; results are sunk into a global.
 */
export function measure(name: string, fn: (i: number) => unknown, opts: { iterations?: number; batches?: number; warmup?: number } = {}): BenchResult {
  const iterations = opts.iterations ?? 100_000;
  const batches = opts.batches ?? 15;
  const warmup = opts.warmup ?? iterations;
  let sink: unknown;
  for (let i = 0; i < warmup; i++) sink = fn(i);
  const perOp: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) sink = fn(i);
    perOp.push(((performance.now() - t0) * 1e6) / iterations);
  }
  (globalThis as { __benchSink?: unknown }).__benchSink = sink;
  perOp.sort((a, b) => a - b);
  const ns = perOp[Math.floor(perOp.length / 2)]!;
  return { name, nsPerOp: ns, opsPerSec: 1e9 / ns, samples: batches * iterations };
}

/** Async variant: awaits each call. */
export async function measureAsync(name: string, fn: (i: number) => Promise<unknown>, opts: { iterations?: number; batches?: number; warmup?: number } = {}): Promise<BenchResult> {
  const iterations = opts.iterations ?? 10_000;
  const batches = opts.batches ?? 10;
  const warmup = opts.warmup ?? Math.min(iterations, 5_000);
  for (let i = 0; i < warmup; i++) await fn(i);
  const perOp: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) await fn(i);
    perOp.push(((performance.now() - t0) * 1e6) / iterations);
  }
  perOp.sort((a, b) => a - b);
  const ns = perOp[Math.floor(perOp.length / 2)]!;
  return { name, nsPerOp: ns, opsPerSec: 1e9 / ns, samples: batches * iterations };
}

/**
 * Measures several async cases in interleaved rounds and keeps each case's best median: noise (a collection, another
 * process) only ever adds time, so the best round is the steadiest estimate, and interleaving gives every case the
 * same machine state. Use it where a difference between cases is the result (overhead against a direct call).
 */
export async function bestOfAsync(
  cases: { name: string; fn: (i: number) => Promise<unknown> }[],
  opts: { iterations?: number; batches?: number; warmup?: number; rounds?: number } = {},
): Promise<BenchResult[]> {
  const best = new Map<string, BenchResult>();
  for (let round = 0; round < (opts.rounds ?? 3); round++) {
    for (const c of cases) {
      const r = await measureAsync(c.name, c.fn, opts);
      const prev = best.get(c.name);
      if (!prev || r.nsPerOp < prev.nsPerOp) best.set(c.name, { ...r, samples: r.samples + (prev?.samples ?? 0) });
      else prev.samples += r.samples;
    }
  }
  return cases.map((c) => best.get(c.name)!);
}

/** Percentile of a sorted-on-demand array of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Prints a markdown table. */
export function table(title: string, header: string[], rows: (string | number)[][]): void {
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.map((c) => (typeof c === 'number' ? fmt(c) : c)).join(' | ')} |`);
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function printResults(title: string, results: BenchResult[]): void {
  table(title, ['case', 'ns/op', 'ops/s'], results.map((r) => [r.name, r.nsPerOp, r.opsPerSec]));
}
