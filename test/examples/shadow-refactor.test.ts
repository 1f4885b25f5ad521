import { describe, expect, it } from 'vitest';
import { runExampleOk } from './run-example.js';

// `npx tsx examples/shadow-refactor.ts`: a function-level shadow on the in-memory store, with noise learning.
describe('examples/shadow-refactor.ts', () => {
  it('mirrors every call, learns the timestamp as noise per country, and reports the tax rounding mismatches', async () => {
    const out = await runExampleOk('examples/shadow-refactor.ts', {}, 20_000);

    const m = /^calls (\d+), mirrored (\d+), dropped (\d+), matched (\d+), mismatched (\d+), timeouts (\d+), shadow errors (\d+)$/m.exec(out);
    expect(m).not.toBeNull();
    const [calls, mirrored, dropped, matched, mismatched, timeouts, errors] = m!.slice(1).map(Number) as number[];
    expect({ calls, mirrored, dropped, timeouts, errors }).toEqual({ calls: 200, mirrored: 200, dropped: 0, timeouts: 0, errors: 0 });
    expect(matched! + mismatched!).toBe(200);
    // per-line rounding changes the tax of some carts only; without the noise filter computedAt would fail them all
    expect(matched).toBeGreaterThan(0);
    expect(mismatched).toBeGreaterThan(0);

    // the rewrite waits 2 ms per call; a timer may fire up to 1 ms early and the p50 comes from a histogram
    const latency = /^latency p50 primary ([\d.e-]+) ms, shadow ([\d.]+) ms$/m.exec(out);
    expect(latency).not.toBeNull();
    expect(Number(latency![2])).toBeGreaterThanOrEqual(1);

    // computedAt was learned and filtered on every call, per country (200 carts: 67 DE, 67 FR, 66 US)
    const noise = [...out.matchAll(/^noise (\w+): computedAt \(seen (\d+), filtered (\d+)\)$/gm)].map((x) => ({ country: x[1], seen: Number(x[2]), filtered: Number(x[3]) }));
    expect(noise).toEqual([
      { country: 'DE', seen: 67, filtered: 67 },
      { country: 'FR', seen: 67, filtered: 67 },
      { country: 'US', seen: 66, filtered: 66 },
    ]);

    // the last three mismatches: tax and gross differ by a cent, and the timestamp is not among the diffs
    const mismatches = [...out.matchAll(/^mismatch cart (\d+): (.*)$/gm)];
    expect(mismatches).toHaveLength(3);
    for (const x of mismatches) {
      const diffs = x[2]!.split('; ').map((d) => /^(\w+) ([\d.]+) -> ([\d.]+)$/.exec(d));
      expect(diffs.map((d) => d?.[1])).toEqual(['tax', 'gross']);
      for (const d of diffs) expect(Math.abs(Number(d![2]) - Number(d![3]))).toBeCloseTo(0.01, 6);
    }
  }, 30_000);
});
