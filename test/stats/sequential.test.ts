// The mixture SPRT keeps its false-positive rate under continuous peeking; the plain z-test does not.
import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../../src/core/random.js';
import { ValidationError } from '../../src/core/errors.js';
import {
  defaultMixingVariance,
  mixtureSprtMeans,
  mixtureSprtProportions,
  twoProportionZTest,
  welchTTest,
} from '../../src/stats/index.js';

/** Binomial(n, p) by summing Bernoulli draws (exact, and fast enough for these sizes). */
function binomial(random: Random, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

describe('peeking simulation (2,000 A/A runs, 20 looks, alpha 0.05)', () => {
  const RUNS = 2000;
  const LOOKS = 20;
  const PER_LOOK = 250; // units per arm added between looks: 5,000 per arm at the last look
  const RATE = 0.1;
  const random = seededRandom(20261126);
  let zFalsePositives = 0;
  let sequentialFalsePositives = 0;
  let zSingleLook = 0;
  for (let run = 0; run < RUNS; run++) {
    const a = { users: 0, conversions: 0 };
    const b = { users: 0, conversions: 0 };
    let zHit = false;
    let seqHit = false;
    for (let look = 0; look < LOOKS; look++) {
      a.users += PER_LOOK;
      b.users += PER_LOOK;
      a.conversions += binomial(random, PER_LOOK, RATE);
      b.conversions += binomial(random, PER_LOOK, RATE);
      if (twoProportionZTest(a, b).significant) zHit = true;
      if (mixtureSprtProportions(a, b).significant) seqHit = true;
    }
    if (twoProportionZTest(a, b).significant) zSingleLook++;
    if (zHit) zFalsePositives++;
    if (seqHit) sequentialFalsePositives++;
  }
  const zRate = zFalsePositives / RUNS;
  const seqRate = sequentialFalsePositives / RUNS;

  it('the sequential test stays at or below 0.06', () => {
    expect(seqRate).toBeLessThanOrEqual(0.06);
  });

  it('the plain z-test with the same peeking exceeds alpha (and is near alpha with one look)', () => {
    expect(zRate).toBeGreaterThan(0.06);
    expect(zRate).toBeGreaterThan(2 * seqRate);
    // One look at the end is a fixed-horizon test: about 5% (binomial 3-sigma band for 2,000 runs).
    expect(Math.abs(zSingleLook / RUNS - 0.05)).toBeLessThan(0.015);
  });

  it('the means version also holds under peeking (normal data, 300 runs, 20 looks)', () => {
    const rnd = seededRandom(7);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    let seq = 0;
    let welch = 0;
    for (let run = 0; run < 300; run++) {
      const a: number[] = [];
      const b: number[] = [];
      let seqHit = false;
      let welchHit = false;
      for (let look = 0; look < 20; look++) {
        for (let i = 0; i < 50; i++) {
          a.push(10 + 3 * gauss());
          b.push(10 + 3 * gauss());
        }
        if (mixtureSprtMeans(a, b, { plannedUnitsPerArm: 1000 }).significant) seqHit = true;
        if (welchTTest(a, b).significant) welchHit = true;
      }
      if (seqHit) seq++;
      if (welchHit) welch++;
    }
    expect(seq / 300).toBeLessThanOrEqual(0.06);
    expect(welch / 300).toBeGreaterThan(seq / 300);
  });
});

describe('mixtureSprtProportions', () => {
  it('detects a real effect and its confidence sequence covers it', () => {
    const r = mixtureSprtProportions({ users: 20000, conversions: 2000 }, { users: 20000, conversions: 2300 });
    expect(r.significant).toBe(true);
    expect(r.difference).toBeCloseTo(0.015, 12);
    expect(r.ci[0]).toBeGreaterThan(0);
    expect(r.ci[0]).toBeLessThan(0.015);
    expect(r.ci[1]).toBeGreaterThan(0.015);
  });

  it('is more conservative than the fixed-horizon z-test: larger p, wider interval', () => {
    const a = { users: 8000, conversions: 800 };
    const b = { users: 8000, conversions: 880 };
    const seq = mixtureSprtProportions(a, b);
    const z = twoProportionZTest(a, b);
    expect(seq.pValue).toBeGreaterThan(z.pValue);
    expect(seq.ci[0]).toBeLessThan(z.ci[0]);
    expect(seq.ci[1]).toBeGreaterThan(z.ci[1]);
  });

  it('matches the closed form of the normal-mixture likelihood ratio', () => {
    const a = { users: 5000, conversions: 500 };
    const b = { users: 5000, conversions: 560 };
    const tau2 = 1e-4;
    const r = mixtureSprtProportions(a, b, { mixingVariance: tau2 });
    const pooled = 1060 / 10000;
    const v = pooled * (1 - pooled) * (2 / 5000);
    const d = 0.012;
    const lambda = Math.sqrt(v / (v + tau2)) * Math.exp((tau2 * d * d) / (2 * v * (v + tau2)));
    expect(r.mixingVariance).toBe(tau2);
    expect(r.likelihoodRatio).toBeCloseTo(lambda, 10);
    expect(r.pValue).toBeCloseTo(Math.min(1, 1 / lambda), 12);
    // The confidence sequence is exactly where the likelihood ratio at the boundary equals 1 / alpha.
    const vc = 0.1 * 0.9 / 5000 + 0.112 * 0.888 / 5000;
    const lambdaAt = (theta: number) => Math.sqrt(vc / (vc + tau2)) * Math.exp((tau2 * (d - theta) ** 2) / (2 * vc * (vc + tau2)));
    expect(lambdaAt(r.ci[0])).toBeCloseTo(20, 8);
    expect(lambdaAt(r.ci[1])).toBeCloseTo(20, 8);
  });

  it('derives the default mixing variance from the planned units per arm and says which it used', () => {
    const a = { users: 1000, conversions: 100 };
    const b = { users: 1000, conversions: 120 };
    const pooled = 220 / 2000;
    expect(mixtureSprtProportions(a, b).mixingVariance).toBeCloseTo(defaultMixingVariance(pooled * (1 - pooled), 0.05, 10000), 15);
    const l = 2 * Math.log(20);
    expect(defaultMixingVariance(1, 0.05, 10000)).toBeCloseTo((l + Math.log(1 + l)) / 5000, 15);
    const planned = mixtureSprtProportions(a, b, { plannedUnitsPerArm: 1000 });
    expect(planned.mixingVariance).toBeCloseTo(defaultMixingVariance(pooled * (1 - pooled), 0.05, 1000), 15);
  });

  it('is undefined (NaN, not significant) when nobody or everybody converted, or an arm is empty', () => {
    for (const [a, b] of [
      [{ users: 100, conversions: 0 }, { users: 100, conversions: 0 }],
      [{ users: 100, conversions: 100 }, { users: 50, conversions: 50 }],
      [{ users: 0, conversions: 0 }, { users: 50, conversions: 5 }],
    ]) {
      const r = mixtureSprtProportions(a!, b!);
      expect(r.pValue).toBeNaN();
      expect(r.significant).toBe(false);
    }
  });

  it('rejects bad counts and options with every problem listed', () => {
    try {
      mixtureSprtProportions({ users: -1, conversions: 2.5 }, { users: 10, conversions: 11 }, { alpha: 2, mixingVariance: -1, plannedUnitsPerArm: 0 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual([
        'a.users',
        'a.conversions',
        'a.conversions',
        'b.conversions',
        'opts.alpha',
        'opts.mixingVariance',
        'opts.plannedUnitsPerArm',
      ]);
    }
  });
});

describe('mixtureSprtMeans', () => {
  it('accepts summaries and raw arrays alike', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    const b = [2, 3, 4, 5, 6, 7, 8, 9];
    const raw = mixtureSprtMeans(a, b, { mixingVariance: 0.5 });
    const sum = mixtureSprtMeans({ mean: 4.5, variance: 6, n: 8 }, { mean: 5.5, variance: 6, n: 8 }, { mixingVariance: 0.5 });
    expect(raw.pValue).toBeCloseTo(sum.pValue, 12);
    expect(raw.ci[0]).toBeCloseTo(sum.ci[0], 12);
    expect(raw.difference).toBe(1);
  });

  it('is undefined with zero variance or n < 2', () => {
    expect(mixtureSprtMeans({ mean: 1, variance: 0, n: 10 }, { mean: 2, variance: 0, n: 10 }).pValue).toBeNaN();
    expect(mixtureSprtMeans([1], [2, 3]).significant).toBe(false);
  });
});
