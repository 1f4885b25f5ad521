import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucket } from '../../src/core/bucket.js';
import { makeBucketer, onCanary } from '../../src/rollout/router.js';

describe('sticky bucketer', () => {
  it('equals bucket(salt, unit) for any salt and unit (UTF-8 included)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), (salt, unit) => {
        expect(makeBucketer(salt)(unit)).toBe(bucket(salt, unit));
      }),
      { numRuns: 2000 },
    );
  });

  it('a key on the canary at weight w stays there at every larger weight', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (key, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const k = makeBucketer('checkout')(key);
        if (onCanary(k, lo)) expect(onCanary(k, hi)).toBe(true);
      }),
    );
  });
});
