import { describe, expect, it } from 'vitest';
import { consoleTable } from './parse-output.js';
import { runExampleOk } from './run-example.js';

// `npx tsx examples/koa-ab-test.ts`: a real Koa server on 127.0.0.1 that the script sends requests to.
describe('examples/koa-ab-test.ts', () => {
  it('assigns variants, keeps an anonymous visitor through the cookie, and prints conversion and revenue results', async () => {
    const out = await runExampleOk('examples/koa-ab-test.ts', {}, 20_000);
    expect(out).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);

    for (const user of ['alice', 'bob', 'carol', 'dave']) expect(out).toMatch(new RegExp(`^${user} +-> X-Variant: (blue|green)$`, 'm'));
    const anon = /^anonymous \(pd_uid=[\w-]+\) -> (\w+), then (\w+)$/m.exec(out);
    expect(anon).not.toBeNull();
    expect(['blue', 'green']).toContain(anon![1]);
    expect(anon![2]).toBe(anon![1]);

    // one row per variant; 400 shoppers, 4 known users and the anonymous visitor (counted once) are the units
    const rows = consoleTable(out);
    expect(rows.map((x) => x.variant)).toEqual(['blue', 'green']);
    const arm = Object.fromEntries(
      rows.map((x) => [x.variant!, { units: Number(x.units), conversions: Number(x.conversions), rate: Number(x.rate), revenue: Number(x['revenue/unit']) }]),
    );
    expect(arm.blue!.units + arm.green!.units).toBe(405);
    for (const a of Object.values(arm)) {
      expect(a.rate).toBeCloseTo(a.conversions / a.units, 3);
      // revenue is tracked with each purchase, of 20 to 49: per unit it lies between 20 and 49 times the rate
      expect(a.revenue).toBeGreaterThanOrEqual(20 * a.rate - 0.01);
      expect(a.revenue).toBeLessThanOrEqual(49 * a.rate + 0.01);
    }
    expect(arm.green!.rate).toBeGreaterThan(arm.blue!.rate); // green converts 30% against 20%

    // sequential results: an always-valid p for each metric; the purchase lift agrees with the table
    const purchase = /^green vs blue on purchase: lift (-?[\d.]+)%, always-valid p = ([\d.]+)$/m.exec(out);
    const revenue = /^green vs blue on revenue: lift (-?[\d.]+)%, always-valid p = ([\d.]+)$/m.exec(out);
    expect(purchase).not.toBeNull();
    expect(revenue).not.toBeNull();
    expect(Number(purchase![1])).toBeCloseTo((arm.green!.conversions / arm.green!.units / (arm.blue!.conversions / arm.blue!.units) - 1) * 100, 1);
    expect(Number(revenue![1])).toBeGreaterThan(0);
    for (const p of [purchase![2], revenue![2]]) {
      expect(Number(p)).toBeGreaterThan(0);
      expect(Number(p)).toBeLessThanOrEqual(1);
    }

    // GET /metrics (served by the Koa metricsHandler) counts the same exposures as the table
    for (const v of ['blue', 'green']) {
      expect(out).toContain(`progressive_delivery_experiment_exposures_total{experiment="checkout-button",variant="${v}"} ${arm[v]!.units}`);
    }
  }, 30_000);
});
