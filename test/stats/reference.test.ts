// Every case of the 7 SciPy families in test/fixtures/stats-reference.json, with the tolerances of its .md.
import { describe, expect, it } from 'vitest';
import {
  mannWhitneyU,
  normalCdf,
  normalPdf,
  normalQuantile,
  normalSf,
  sampleSizePlan,
  sampleSizeTwoProportions,
  srmTest,
  twoProportionZTest,
  welchTTest,
} from '../../src/stats/index.js';
import { CLOSED, expectClose, NORMAL, PVALUE, reference } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Case = { id: string; tags: string[]; inputs: any; expected: any; undefined: string[]; notes: string };
const family = (name: string): Case[] => reference.families[name].cases;

describe('fixture', () => {
  it('holds the 328 cases in 7 families the reference documents', () => {
    const counts = Object.fromEntries(Object.entries(reference.families).map(([k, v]) => [k, (v as { cases: unknown[] }).cases.length]));
    expect(counts).toEqual(reference.counts);
    expect(Object.values(counts).reduce((s, n) => s + (n as number), 0)).toBe(328);
  });
});

describe('twoProportionZTest against SciPy', () => {
  it.each(family('two_proportion_ztest').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const { usersA, conversionsA, usersB, conversionsB } = c.inputs;
    const r = twoProportionZTest({ users: usersA, conversions: conversionsA }, { users: usersB, conversions: conversionsB });
    const e = c.expected;
    expectClose(r.rateA, e.rateA, CLOSED, 'rateA');
    expectClose(r.rateB, e.rateB, CLOSED, 'rateB');
    expectClose(r.difference, e.absoluteDifference, CLOSED, 'difference');
    expectClose(r.relativeLift, e.relativeLift, CLOSED, 'relativeLift');
    expectClose(r.pooledRate, e.pooledRate, CLOSED, 'pooledRate');
    expectClose(r.stdErr, e.pooledStdErr, CLOSED, 'pooledStdErr');
    expectClose(r.unpooledStdErr, e.unpooledStdErr, CLOSED, 'unpooledStdErr');
    expectClose(r.zScore, e.z, CLOSED, 'z');
    expectClose(r.pValue, e.pValue, PVALUE, 'pValue');
    // A degenerate CI (unpooled SE 0) is kept as [diff, diff], as the fixture does.
    expectClose(r.ci[0], e.ciLower, CLOSED, 'ciLower');
    expectClose(r.ci[1], e.ciUpper, CLOSED, 'ciUpper');
    if (e.pValue === null) expect(r.significant).toBe(false);
    else expect(r.significant).toBe(e.pValue < 0.05);
  });
});

describe('welchTTest against SciPy', () => {
  it.each(family('welch_ttest').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const i = c.inputs;
    const e = c.expected;
    const raw = Array.isArray(i.samplesA);
    const r = raw
      ? welchTTest(i.samplesA, i.samplesB)
      : welchTTest({ mean: i.meanA, variance: i.varianceA, n: i.nA }, { mean: i.meanB, variance: i.varianceB, n: i.nB });
    if (raw) {
      expect([r.nA, r.nB]).toEqual([e.nA, e.nB]);
      expectClose(r.meanA, e.meanA, CLOSED, 'meanA');
      expectClose(r.meanB, e.meanB, CLOSED, 'meanB');
      expectClose(r.varianceA, e.varianceA, CLOSED, 'varianceA');
      expectClose(r.varianceB, e.varianceB, CLOSED, 'varianceB');
    }
    expectClose(r.difference, e.meanDifference, CLOSED, 'difference');
    expectClose(r.stdErr, e.stdErr, CLOSED, 'stdErr');
    expectClose(r.tStatistic, e.t, CLOSED, 't');
    expectClose(r.degreesOfFreedom, e.df, CLOSED, 'df');
    expectClose(r.pValue, e.pValue, PVALUE, 'pValue');
    expectClose(r.tCritical, e.tCritical, CLOSED, 'tCritical');
    expectClose(r.ci[0], e.ciLower, CLOSED, 'ciLower');
    expectClose(r.ci[1], e.ciUpper, CLOSED, 'ciUpper');
    expect(r.significant).toBe(e.pValue !== null && e.pValue < 0.05);
  });
});

describe('srmTest against SciPy', () => {
  it.each(family('srm_chisquare').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = srmTest(c.inputs.observed, c.inputs.weights);
    const e = c.expected;
    expect(r.total).toBe(e.total);
    expect(r.degreesOfFreedom).toBe(e.df);
    r.expected.forEach((x, k) => expectClose(x, e.expectedCounts[k], CLOSED, `expected[${k}]`));
    expectClose(r.chiSquare, e.chiSquare, CLOSED, 'chiSquare');
    expectClose(r.pValue, e.pValue, PVALUE, 'pValue');
    expect(r.mismatch).toBe(e.pValue < 0.001);
  });
});

describe('normal distribution against SciPy', () => {
  it.each(family('normal_cdf').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const z = c.inputs.z;
    expectClose(normalCdf(z), c.expected.cdf, NORMAL, 'cdf');
    expectClose(normalSf(z), c.expected.sf, NORMAL, 'sf');
    expectClose(normalPdf(z), c.expected.pdf, NORMAL, 'pdf');
  });
  it.each(family('normal_quantile').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expectClose(normalQuantile(c.inputs.p), c.expected.z, NORMAL, 'z');
  });
});

describe('mannWhitneyU against SciPy', () => {
  it.each(family('mann_whitney_u').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const { samplesA, samplesB } = c.inputs;
    const e = c.expected;
    const r = mannWhitneyU(samplesA, samplesB);
    expect([r.nA, r.nB]).toEqual([e.nA, e.nB]);
    expectClose(r.u, e.uA, CLOSED, 'uA');
    expectClose(r.uB, e.uB, CLOSED, 'uB');
    expectClose(r.tieCorrection, e.tieCorrectionTerm, CLOSED, 'tieCorrectionTerm');
    expect(r.tieCorrection > 0).toBe(e.hasTies);
    expect(r.method).toBe('asymptotic');
    expectClose(r.z, e.asymptotic.z, CLOSED, 'asymptotic.z');
    // The all-tied case: z undefined; we report p = 1 as SciPy's clipped value (U equals its mean exactly).
    expectClose(r.pValue, e.asymptotic.pValue, PVALUE, 'asymptotic.pValue');

    const auto = mannWhitneyU(samplesA, samplesB, { method: 'auto' });
    expect(auto.method).toBe(e.auto.method);
    expectClose(auto.pValue, e.auto.pValue, PVALUE, 'auto.pValue');
  });
});

describe('sampleSizeTwoProportions against SciPy', () => {
  it.each(family('sample_size_two_proportions').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const { baselineRate, mde, alpha, power } = c.inputs;
    const opts = { baselineRate, minimumDetectableEffect: mde, alpha, power };
    const plan = sampleSizePlan(opts);
    const e = c.expected;
    expect(sampleSizeTwoProportions(opts)).toBe(e.nPerArm);
    expect(plan.nPerArm).toBe(e.nPerArm);
    expect(plan.total).toBe(2 * e.nPerArm);
    expectClose(plan.nPerArmUnrounded, e.nPerArmUnrounded, CLOSED, 'nPerArmUnrounded');
    expectClose(plan.p2, e.p2, CLOSED, 'p2');
    expectClose(plan.zAlpha, e.zAlpha, NORMAL, 'zAlpha');
    expectClose(plan.zBeta, e.zBeta, NORMAL, 'zBeta');
  });
});
