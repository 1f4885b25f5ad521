import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { parseDuration } from '../../src/core/duration.js';

describe('parseDuration', () => {
  it.each([
    [250, 250],
    [0, 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    [' 2m ', 120_000],
  ])('%j -> %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([['30'], ['30 s'], ['1d'], ['-1s'], ['s'], [''], [-1], [Number.NaN], [Number.POSITIVE_INFINITY], [null], [{}]])(
    '%j is a ValidationError naming the value and the path',
    (input) => {
      let err: unknown;
      try {
        parseDuration(input as string, 'analysis.interval');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      const issue = (err as ValidationError).issues[0]!;
      expect(issue.path).toBe('analysis.interval');
      expect(issue.message).toContain(typeof input === 'number' ? String(input) : JSON.stringify(input));
    },
  );
});
