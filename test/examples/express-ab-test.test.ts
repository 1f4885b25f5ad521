import { describe, expect, it } from 'vitest';
import { consoleTable } from './parse-output.js';
import { runExampleOk } from './run-example.js';

// `npx tsx examples/express-ab-test.ts`: a real Express server on 127.0.0.1 that the script sends requests to.
describe('examples/express-ab-test.ts', () => {
  it('renders each visitor the assigned variant, keeps an anonymous one through the cookie, and prints the results', async () => {
    const out = await runExampleOk('examples/express-ab-test.ts', {}, 20_000);
    expect(out).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);

    // the page shows the variant the middleware assigned (X-Variant)
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const m = new RegExp(`^${user} +-> X-Variant: (\\w+)  <button class="(\\w+)">Buy</button>$`, 'm').exec(out);
      expect(m, user).not.toBeNull();
      expect(['blue', 'green']).toContain(m![1]);
      expect(m![2]).toBe(m![1]);
    }
    const anon = /^anonymous \(pd_uid=[\w-]+\) -> (\w+), then (\w+)$/m.exec(out);
    expect(anon).not.toBeNull();
    expect(anon![2]).toBe(anon![1]);

    // one row per variant; every visitor is one unit: 400 shoppers, 4 known users, and the anonymous one (counted once)
    const rows = consoleTable(out);
    expect(rows.map((x) => x.variant)).toEqual(['blue', 'green']);
    const units = Object.fromEntries(rows.map((x) => [x.variant!, Number(x.units)]));
    const conversions = Object.fromEntries(rows.map((x) => [x.variant!, Number(x.conversions)]));
    expect(units.blue! + units.green!).toBe(405);
    for (const x of rows) expect(Number(x.rate)).toBeCloseTo(Number(x.conversions) / Number(x.units), 3);
    // green converts 30% against 20%: its rate is the higher one
    expect(conversions.green! / units.green!).toBeGreaterThan(conversions.blue! / units.blue!);

    const cmp = /^green vs blue on purchase: lift (-?[\d.]+)%, p = ([\d.]+), significant: (true|false)$/m.exec(out);
    expect(cmp).not.toBeNull();
    const lift = (conversions.green! / units.green! / (conversions.blue! / units.blue!) - 1) * 100;
    expect(Number(cmp![1])).toBeCloseTo(lift, 1);
    expect(cmp![3]).toBe(String(Number(cmp![2]) < 0.05)); // one comparison: Holm leaves p as it is; alpha 0.05
    // a 50/50 split of 405 units by the hash: no sample ratio alarm (p < 0.001)
    expect(out).toMatch(/^sample ratio mismatch: false \(p = [\d.]+\)$/m);

    // /metrics: exposures match the table, and every request was counted: 6 views from the known and anonymous
    // visitors, 400 shoppers' views, and one POST /buy per conversion
    for (const v of ['blue', 'green']) {
      expect(out).toContain(`progressive_delivery_experiment_exposures_total{experiment="checkout-button",variant="${v}"} ${units[v]}\n`);
    }
    const requests = /^http_requests_total\{target="shop",version="primary",code="200"\} (\d+)$/m.exec(out);
    expect(Number(requests?.[1])).toBe(6 + 400 + conversions.blue! + conversions.green!);
  }, 30_000);
});
