// Bad input is one ValidationError listing every problem with its path; nothing is computed from it.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  mannWhitneyU,
  mannWhitneyUFromCounts,
  sampleSizeTwoProportions,
  srmTest,
  twoProportionZTest,
  welchTTest,
} from '../../src/stats/index.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).code).toBe('VALIDATION');
    return (e as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('twoProportionZTest input', () => {
  it('lists negative, fractional, non-finite counts and conversions above users', () => {
    const issues = issuesOf(() =>
      twoProportionZTest({ users: -5, conversions: Number.NaN }, { users: 10.5, conversions: 20 }, { alpha: 0 }),
    );
    expect(issues.map((i) => i.path)).toEqual(['a.users', 'a.conversions', 'b.users', 'b.conversions', 'opts.alpha']);
    expect(issues[0]!.message).toMatch(/negative/);
    expect(issues[1]!.message).toMatch(/finite/);
    expect(issues[2]!.message).toMatch(/whole/);
    expect(issues[3]!.message).toMatch(/cannot exceed users/);
  });

  it('rejects Infinity and non-objects', () => {
    expect(issuesOf(() => twoProportionZTest({ users: Infinity, conversions: 1 }, null as never)).map((i) => i.path)).toEqual(['a.users', 'b']);
  });
});

describe('welchTTest input', () => {
  it('lists bad summary fields of both arms', () => {
    const issues = issuesOf(() => welchTTest({ mean: Number.NaN, variance: -1, n: 2.5 }, { mean: 1, variance: Infinity, n: -3 }));
    expect(issues.map((i) => i.path)).toEqual(['a.mean', 'a.variance', 'a.n', 'b.variance', 'b.n']);
  });

  it('lists non-finite raw values by index, bounded for huge inputs', () => {
    expect(issuesOf(() => welchTTest([1, Number.NaN, 3], [Infinity, 2])).map((i) => i.path)).toEqual(['a[1]', 'b[0]']);
    const huge = new Array<number>(10_000).fill(Number.NaN);
    const issues = issuesOf(() => welchTTest(huge, [1, 2]));
    expect(issues.length).toBe(101);
    expect(issues[100]!.message).toMatch(/9900 more/);
  });
});

describe('srmTest input', () => {
  it('lists mismatched lengths, bad counts and bad weights', () => {
    const issues = issuesOf(() => srmTest([10, -1, 2.5], [0.5, 0]));
    expect(issues.map((i) => i.path)).toEqual(['weights', 'counts[1]', 'counts[2]', 'weights[1]']);
  });
  it('needs two variants and a threshold in (0, 1)', () => {
    expect(issuesOf(() => srmTest([10], [1], { threshold: 2 })).map((i) => i.path)).toEqual(['counts', 'opts.threshold']);
  });
});

describe('mannWhitneyU input', () => {
  it('lists non-finite values and unknown methods', () => {
    expect(issuesOf(() => mannWhitneyU([1, Number.NaN], [2], { method: 'bogus' as never })).map((i) => i.path)).toEqual(['a[1]', 'opts.method']);
  });
  it('lists bad buckets', () => {
    const issues = issuesOf(() => mannWhitneyUFromCounts([{ value: 1, count: -1 }, { value: Number.NaN, count: 1.5 }], [null as never]));
    expect(issues.map((i) => i.path)).toEqual(['a[0].count', 'a[1].value', 'a[1].count', 'b[0]']);
  });
});

describe('sampleSizeTwoProportions input', () => {
  it('lists every bad option', () => {
    const issues = issuesOf(() => sampleSizeTwoProportions({ baselineRate: 1.2, minimumDetectableEffect: 0, alpha: 1, power: 0 }));
    expect(issues.map((i) => i.path)).toEqual(['baselineRate', 'minimumDetectableEffect', 'alpha', 'power']);
  });
  it('rejects an effect that leaves [0, 1]', () => {
    expect(issuesOf(() => sampleSizeTwoProportions({ baselineRate: 0.95, minimumDetectableEffect: 0.1 })).map((i) => i.path)).toEqual([
      'minimumDetectableEffect',
    ]);
  });
});
