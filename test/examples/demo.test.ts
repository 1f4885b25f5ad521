import { describe, expect, it } from 'vitest';
import { binomialTolerance } from './parse-output.js';
import { runExampleOk } from './run-example.js';

/** The text under the demo's heading `n.` (up to the next heading or the Rollouts summary). */
function section(out: string, n: number): string {
  const start = out.indexOf(`\n${n}. `);
  if (start < 0) return '';
  const rest = out.slice(start + 1);
  const end = rest.search(/\n(\d+\. |Rollouts)/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The canary's analysis lines: phase, weight and failed checks after each iteration. */
const analysisLines = (text: string) =>
  [...text.matchAll(/^ {3}(\w+) +weight +(\d+)% +failed checks (\d+) /gm)].map((m) => ({ phase: m[1]!, weight: Number(m[2]), failedChecks: Number(m[3]) }));

// The README's first command runs this program: it must exit 0 and tell the whole tour, in well under the 40 s the
// issue allows (the tour runs on simulated time; the bound is the functional limit, not a benchmark).
describe('npm run demo', () => {
  it('runs the tour on the in-memory store and exits 0', async () => {
    const started = Date.now();
    const out = await runExampleOk('examples/demo.ts', {}, 60_000);
    expect(Date.now() - started).toBeLessThan(40_000);

    // 1. the healthy canary steps up by 10 to its maxWeight of 50, never failing a check, and is then promoted
    const healthy = section(out, 1);
    const up = analysisLines(healthy);
    expect([...new Set(up.filter((x) => x.phase === 'Progressing').map((x) => x.weight))]).toEqual([10, 20, 30, 40, 50]);
    expect(up.map((x) => x.weight)).toEqual([...up.map((x) => x.weight)].sort((a, b) => a - b)); // never steps back
    expect(up.at(-1)).toEqual({ phase: 'Succeeded', weight: 100, failedChecks: 0 });
    expect(healthy).toMatch(/promoted: the canary now serves 100% of traffic\n.*Succeeded/);
    expect(healthy).not.toMatch(/rolled back/);

    // 2. the faulty one never gets past its first steps: failed checks climb to the threshold of 3, then rollback
    const faulty = section(out, 2);
    const down = analysisLines(faulty);
    expect(Math.max(...down.map((x) => x.weight))).toBeLessThan(50);
    expect(down.map((x) => x.failedChecks)).toEqual([...down.map((x) => x.failedChecks)].sort((a, b) => a - b));
    expect(down.at(-1)).toEqual({ phase: 'Failed', weight: 0, failedChecks: 3 });
    expect(faulty).toMatch(/rolled back: request-success-rate [\d.]+ < min 99;.*failed checks 3 reached threshold 3: rolled back\n.*Failed/);
    expect(faulty).not.toMatch(/promoted/);

    // 3. the flag's share of 10,000 users is near 20%, then 50%, within 4.5 standard deviations of a fair hash
    // (about 180 and 225 users); raising the percentage keeps everyone who was on
    const flag = section(out, 3);
    const at20 = /on for (\d+) of (\d+) users \(([\d.]+)%\)/.exec(flag);
    expect(at20).not.toBeNull();
    const [on20, users] = [Number(at20![1]), Number(at20![2])];
    expect(users).toBe(10_000);
    expect(Math.abs(on20 - 0.2 * users)).toBeLessThanOrEqual(binomialTolerance(users, 0.2));
    expect(Number(at20![3])).toBeCloseTo((on20 / users) * 100, 1);
    const at50 = /raised to 50%: on for (\d+) users; (\d+) of the (\d+) already on stayed on/.exec(flag);
    expect(at50).not.toBeNull();
    expect(Math.abs(Number(at50![1]) - 0.5 * users)).toBeLessThanOrEqual(binomialTolerance(users, 0.5));
    expect([Number(at50![2]), Number(at50![3])]).toEqual([on20, on20]);
    expect(flag).toMatch(/alice: true \(TARGET_MATCH\); bob in group beta: true \(RULE_MATCH groups\)/);

    // 4. both variants in the table (24,000 visitors in all), green significantly better, no sample ratio mismatch
    const ab = section(out, 4);
    const rows = [...ab.matchAll(/^ {3}(control|green) +(\d+) +(\d+) +([\d.]+)%$/gm)].map((m) => ({ variant: m[1], units: Number(m[2]), conversions: Number(m[3]), rate: Number(m[4]) }));
    expect(ab).toMatch(/variant +units +conversions +rate/);
    expect(rows.map((x) => x.variant)).toEqual(['control', 'green']);
    expect(rows[0]!.units + rows[1]!.units).toBe(24_000);
    for (const x of rows) expect(x.rate).toBeCloseTo((x.conversions / x.units) * 100, 2);
    expect(ab).toMatch(/green vs control: lift [\d.]+%, difference [\d.]+% \(95% CI [\d.]+% to [\d.]+%\), p = [\d.]+e-\d+, significant/);
    expect(ab).not.toMatch(/not significant/);
    expect(ab).toMatch(/sample ratio check: chi-square [\d.]+, p = [\d.]+, no mismatch/);

    // 5. every call mirrored; only the couponed ~30% can differ, and the first diff is the total, a cent lower
    const shadow = /(\d+) calls, (\d+) mirrored: (\d+) matched, (\d+) mismatched, (\d+) timeouts/.exec(section(out, 5));
    expect(shadow).not.toBeNull();
    const [calls, mirrored, matched, mismatched, timeouts] = shadow!.slice(1).map(Number) as number[];
    expect([calls, mirrored, timeouts]).toEqual([1000, 1000, 0]);
    expect(matched! + mismatched!).toBe(1000);
    expect(mismatched).toBeGreaterThan(0);
    expect(mismatched).toBeLessThanOrEqual(300 + binomialTolerance(1000, 0.3));
    const first = /first mismatch: total ([\d.]+) -> ([\d.]+)/.exec(section(out, 5));
    expect(first).not.toBeNull();
    expect(Number(first![1]) - Number(first![2])).toBeCloseTo(0.01, 6);

    // 6. blue, then green after the checks, then blue again
    expect(section(out, 6)).toMatch(/serving blue\n.*switched after the pre-switch checks: serving green\n.*rolled back instantly: serving blue/);

    // the summary agrees with the sections
    expect(out).toMatch(/checkout-api +canary +Succeeded +weight 100/);
    expect(out).toMatch(/payments +blueGreen +Failed +weight - +rolled back to blue/);
    expect(out).toMatch(/search-api +canary +Failed +weight 0 /);
    expect(out).toMatch(/done in [\d.]+ s of real time/);
    // no escape codes when stdout is not a TTY
    expect(out).not.toMatch(/\x1b\[/);
  }, 60_000);
});
