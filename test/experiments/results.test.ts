import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { computeResults, meanVariance } from '../../src/experiments/results.js';
import type { ExperimentDefinition } from '../../src/experiments/types.js';
import { adjustPValues, mixtureSprtMeans, mixtureSprtProportions, twoProportionZTest, welchTTest } from '../../src/stats/index.js';
import { fleet, users, type Fleet } from './helpers.js';

let f: Fleet | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const DEF: ExperimentDefinition = {
  key: 'checkout',
  variants: [
    { key: 'control', weight: 1 },
    { key: 'green', weight: 1 },
    { key: 'blue', weight: 1 },
  ],
  metrics: [
    { key: 'purchase', type: 'binomial' },
    { key: 'revenue', type: 'continuous' },
  ],
};

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

/** Runs a simulated experiment over two deliveries and keeps the ground truth per unit. */
async function simulate(n: number) {
  f = await fleet(2);
  const [d1, d2] = f.deliveries;
  await d1!.experiments.put(DEF);
  await f.clock.advanceAsync(0);
  const rnd = seededRandom(7);
  const truth = new Map<string, { variant: string; converted: boolean; revenue: number }>();
  for (const u of users(n)) {
    const d = rnd() < 0.5 ? d1! : d2!;
    const a = d.experiments.assign('checkout', { userId: u });
    const t = { variant: a.variant!, converted: false, revenue: 0 };
    truth.set(u, t);
    const p = a.variant === 'green' ? 0.14 : 0.1;
    // some units convert several times, on either instance; some buy several items
    for (let k = 0; k < 3; k++) {
      if (rnd() < p) {
        const other = rnd() < 0.5 ? d1! : d2!;
        other.experiments.track('checkout', { userId: u }, 'purchase');
        const amount = Math.round(rnd() * 10_000) / 100;
        other.experiments.track('checkout', { userId: u }, 'revenue', amount);
        t.converted = true;
        t.revenue += amount;
      }
    }
  }
  await d1!.flush();
  await d2!.flush();
  return { d1: d1!, d2: d2!, truth };
}

describe('experiment results', () => {
  it('are exact: unique conversions, per-unit mean and variance with non-converters as 0, the same from every instance', async () => {
    const { d1, d2, truth } = await simulate(3000);
    const r = await d1.experiments.results('checkout');
    expect(await d2.experiments.results('checkout')).toEqual(r);
    expect(r.experiment).toBe('checkout');
    expect(r.control).toBe('control');
    for (const v of r.variants) {
      const arm = [...truth.values()].filter((t) => t.variant === v.key);
      expect(v.units).toBe(arm.length);
      expect(v.metrics.purchase!.conversions).toBe(arm.filter((t) => t.converted).length);
      expect(v.metrics.purchase!.rate).toBeCloseTo(arm.filter((t) => t.converted).length / arm.length, 12);
      const xs = arm.map((t) => t.revenue);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
      expect(rel(v.metrics.revenue!.mean!, mean)).toBeLessThan(1e-9);
      expect(rel(v.metrics.revenue!.variance!, variance)).toBeLessThan(1e-9);
    }
  });

  it('compares every treatment with control through the stats functions, Holm-adjusted per metric', async () => {
    const { d1, truth } = await simulate(3000);
    const r = await d1.experiments.results('checkout');
    const arm = (k: string) => [...truth.values()].filter((t) => t.variant === k);
    const p = (k: string) => ({ users: arm(k).length, conversions: arm(k).filter((t) => t.converted).length });
    expect(r.comparisons.map((c) => `${c.metric}:${c.variant}`)).toEqual(['purchase:green', 'purchase:blue', 'revenue:green', 'revenue:blue']);
    const zs = ['green', 'blue'].map((k) => twoProportionZTest(p('control'), p(k)));
    const holm = adjustPValues(zs.map((z) => z.pValue), 'holm');
    zs.forEach((z, i) => {
      const c = r.comparisons[i]!;
      expect(c.zScore).toBeCloseTo(z.zScore, 9);
      expect(c.pValue).toBeCloseTo(z.pValue, 12);
      expect(c.difference).toBeCloseTo(z.difference, 12);
      expect(c.relativeLift).toBeCloseTo(z.relativeLift, 9);
      expect(c.ci[0]).toBeCloseTo(z.ci[0], 9);
      expect(c.adjustedPValue).toBeCloseTo(holm[i]!, 12);
      expect(c.significant).toBe(holm[i]! < 0.05);
    });
    const ws = ['green', 'blue'].map((k) => welchTTest(arm('control').map((t) => t.revenue), arm(k).map((t) => t.revenue)));
    ws.forEach((w, i) => {
      const c = r.comparisons[2 + i]!;
      expect(rel(c.tStatistic!, w.tStatistic)).toBeLessThan(1e-7);
      expect(rel(c.pValue, w.pValue)).toBeLessThan(1e-6);
      expect(c.relativeLift).toBeCloseTo(w.relativeLift, 9);
    });
    // the simulated effect (10% -> 14% conversion) is found for green, not for blue
    expect(r.comparisons[0]!.significant).toBe(true);
    expect(r.comparisons[0]!.relativeLift).toBeGreaterThan(0.2);
    expect(r.srm.mismatch).toBe(false);
  });

  it('correction none and bonferroni; alpha; sequential uses the mixture SPRT', async () => {
    const { d1, truth } = await simulate(2000);
    const none = await d1.experiments.results('checkout', { correction: 'none', alpha: 0.1 });
    for (const c of none.comparisons) expect(c.significant).toBe(c.pValue < 0.1);
    const bonf = await d1.experiments.results('checkout', { correction: 'bonferroni' });
    for (const c of bonf.comparisons) expect(c.adjustedPValue).toBeCloseTo(Math.min(1, 2 * c.pValue), 12);
    const seq = await d1.experiments.results('checkout', { sequential: true });
    const arm = (k: string) => [...truth.values()].filter((t) => t.variant === k);
    const p = (k: string) => ({ users: arm(k).length, conversions: arm(k).filter((t) => t.converted).length });
    const s = mixtureSprtProportions(p('control'), p('green'));
    expect(seq.comparisons[0]!.pValue).toBeCloseTo(s.pValue, 12);
    expect(seq.comparisons[0]!.ci[1]).toBeCloseTo(s.ci[1], 12);
    const m = mixtureSprtMeans(arm('control').map((t) => t.revenue), arm('blue').map((t) => t.revenue));
    expect(rel(seq.comparisons[3]!.pValue, m.pValue)).toBeLessThan(1e-6);
    const planned = await d1.experiments.results('checkout', { sequential: true, plannedUnitsPerArm: 700 });
    expect(planned.comparisons[0]!.pValue).toBeCloseTo(mixtureSprtProportions(p('control'), p('green'), { plannedUnitsPerArm: 700 }).pValue, 12);
    expect(planned.comparisons[0]!.pValue).not.toBeCloseTo(s.pValue, 6);
    // always-valid p-values are never smaller than the fixed-horizon ones here
    const fixed = await d1.experiments.results('checkout');
    expect(seq.comparisons[0]!.pValue).toBeGreaterThanOrEqual(fixed.comparisons[0]!.pValue);
  });

  it('flags a sample-ratio mismatch when the weights changed under a running experiment', async () => {
    f = await fleet();
    const x = f.deliveries[0]!.experiments;
    await x.put({ ...DEF, variants: [{ key: 'control', weight: 1 }, { key: 'green', weight: 1 }] });
    for (const u of users(2000)) x.assign('checkout', { userId: u });
    await x.put({ ...DEF, variants: [{ key: 'control', weight: 1 }, { key: 'green', weight: 3 }] });
    const r = await x.results('checkout');
    expect(r.srm.mismatch).toBe(true);
    expect(r.srm.pValue).toBeLessThan(0.001);
  });

  it('rejects bad options and unknown experiments', async () => {
    f = await fleet();
    const x = f.deliveries[0]!.experiments;
    await expect(x.results('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await x.put(DEF);
    await expect(x.results('checkout', { alpha: 2, correction: 'x' as never })).rejects.toMatchObject({ code: 'VALIDATION', issues: [{ path: 'alpha' }, { path: 'correction' }] });
  });

  it('undefined quantities are NaN and not significant, never an exception', () => {
    const r = computeResults(DEF, {});
    expect(r.variants.map((v) => v.units)).toEqual([0, 0, 0]);
    expect(r.variants[0]!.metrics.purchase!.rate).toBeNaN();
    expect(r.variants[0]!.metrics.revenue!.mean).toBeNaN();
    for (const c of r.comparisons) expect(c.significant).toBe(false);
    expect(r.srm).toEqual({ chiSquare: NaN, pValue: NaN, mismatch: false });
    const zeroControl = computeResults(DEF, { 'units:control': 100, 'units:green': 100, 'conv:purchase:green': 5 });
    expect(zeroControl.comparisons[0]!.relativeLift).toBeNaN();
    expect(meanVariance(1, 5, 25)).toEqual({ mean: 5, variance: NaN });
  });
});
