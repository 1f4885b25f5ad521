import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucket, crc32, crc32Mod100 } from '../../src/core/bucket.js';
import { bucketFrom, crc32Continue, mod100Bucket, saltSeed } from '../../src/flags/hash.js';
import { evaluate } from '../../src/flags/evaluate.js';
import type { FlagDefinition } from '../../src/flags/types.js';

describe('fast bucketing equals core bucket()', () => {
  it('for arbitrary UTF-16 strings, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (salt, unit) => {
        expect(crc32Continue(0, unit)).toBe(crc32(unit));
        expect(bucketFrom(saltSeed(salt), unit)).toBe(bucket(salt, unit));
      }),
      { numRuns: 2000 },
    );
  });

  it('for known values', () => {
    expect(crc32Continue(0, 'hello')).toBe(0x3610a686);
    expect(crc32Continue(0, '\ud800')).toBe(crc32('\ufffd'));
  });
});

describe("hashing: 'crc32-mod100'", () => {
  it('reproduces crc32(userId) % 100 < percentage exactly', () => {
    for (const pct of [0.5, 1, 20, 33, 50, 99]) {
      const def: FlagDefinition = { key: 'seed-flag', enabled: true, hashing: 'crc32-mod100', fallthrough: { split: [{ variant: 'on', weight: pct }, { variant: 'off', weight: 100 - pct }] } };
      for (let i = 0; i < 2000; i++) {
        const userId = `user-${i}`;
        const seed = (crc32(userId) >>> 0) % 100 < pct;
        expect(evaluate(def, { userId }, false).value).toBe(seed);
        expect(mod100Bucket(userId)).toBe(crc32Mod100(userId) * 1000);
      }
    }
  });
});
