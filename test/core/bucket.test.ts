import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucket, BUCKETS, crc32, crc32Mod100, mix32 } from '../../src/core/bucket.js';
import { chiSquareIndependence, chiSquareSurvival, chiSquareUniform } from '../helpers/stats.js';

const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

describe('the chi-square helper itself', () => {
  it.each([
    [3.841458820694124, 1, 0.05],
    [6.634896601021214, 1, 0.01],
    [124.34211340400407, 100, 0.05],
    [123.22522145336181, 99, 0.05],
    [0, 5, 1],
  ])('P(chi2(%d, df=%d) > x) = %d', (x, df, p) => {
    expect(chiSquareSurvival(x, df)).toBeCloseTo(p, 9);
  });
});

describe('bucket(salt, unit)', () => {
  it('is an integer in [0, 100000)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (salt, unit) => {
        const b = bucket(salt, unit);
        expect(Number.isInteger(b) && b >= 0 && b < BUCKETS).toBe(true);
      }),
    );
  });

  it('equals mix32(crc32(salt + "." + unit)) reduced, for any strings (the cached salt prefix changes nothing)', () => {
    const reference = (salt: string, unit: string) => Math.floor((mix32(crc32(`${salt}.${unit}`)) * BUCKETS) / 4294967296);
    // 'binary' strings include lone surrogates, which take the TextEncoder path
    const str = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
    fc.assert(
      fc.property(str, str, (salt, unit) => {
        expect(bucket(salt, unit)).toBe(reference(salt, unit));
        expect(bucket(salt, unit)).toBe(reference(salt, unit)); // second call: the salt's prefix is cached
      }),
      { numRuns: 2000 },
    );
  });

  it('is uniform: chi-square over 100 bins for 100,000 ids has p > 0.001', () => {
    const counts = new Array<number>(100).fill(0);
    for (const id of ids) counts[Math.floor(bucket('new-checkout', id) / 1000)]! += 1;
    const { pValue } = chiSquareUniform(counts);
    expect(pValue).toBeGreaterThan(0.001);
  });

  it('is uniform for random unit strings too (fast-check samples, 20 bins)', () => {
    const units = fc.sample(fc.string({ minLength: 1, maxLength: 40 }), { numRuns: 20_000, seed: 42 });
    const counts = new Array<number>(20).fill(0);
    for (const u of units) counts[Math.floor(bucket('salt', u) / 5000)]! += 1;
    expect(chiSquareUniform(counts).pValue).toBeGreaterThan(0.001);
  });

  it('gives independent buckets under two salts: chi-square independence on a 10x10 table has p > 0.001', () => {
    const table = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (const id of ids) table[Math.floor(bucket('flag-a', id) / 10_000)]![Math.floor(bucket('flag-b', id) / 10_000)]! += 1;
    expect(chiSquareIndependence(table).pValue).toBeGreaterThan(0.001);
  });

  it('documents WHY the mixer exists: raw CRC-32 mod 100 under two salts FAILS the same independence test', () => {
    // CRC-32 is affine over GF(2): for messages of one length, crc(a) ^ crc(b) depends only on a ^ b, so the raw
    // CRCs of one unit under two salts of equal length differ by a constant, and their buckets are correlated.
    const table = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (const id of ids) table[Math.floor((crc32(`flag-a.${id}`) % 100) / 10)]![Math.floor((crc32(`flag-b.${id}`) % 100) / 10)]! += 1;
    expect(chiSquareIndependence(table).pValue).toBeLessThan(0.001);
    // and the affine relation itself: for units of one length, the xor of the two CRCs is one constant
    const sameLength = ids.slice(10_000, 20_000); // user-10000 .. user-19999
    const c = (crc32(`flag-a.${sameLength[0]}`) ^ crc32(`flag-b.${sameLength[0]}`)) >>> 0;
    expect(sameLength.every((id) => ((crc32(`flag-a.${id}`) ^ crc32(`flag-b.${id}`)) >>> 0) === c)).toBe(true);
    expect(sameLength.every((id) => ((mix32(crc32(`flag-a.${id}`)) ^ mix32(crc32(`flag-b.${id}`))) >>> 0) === c)).toBe(false);
  });

  it('keeps a unit in a rollout when the percentage grows (monotonic)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (salt, unit, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        const b = bucket(salt, unit);
        if (b < lo) expect(b < hi).toBe(true);
      }),
    );
    // a 10% population is inside the 20% population, for the same salt
    const at10 = ids.filter((id) => bucket('grow', id) < 10_000);
    const at20 = new Set(ids.filter((id) => bucket('grow', id) < 20_000));
    expect(at10.every((id) => at20.has(id))).toBe(true);
    expect(at10.length / ids.length).toBeCloseTo(0.1, 2);
  });

  it('is deterministic across processes: a child node process computes the same buckets', () => {
    const sample = ids.filter((_, i) => i % 997 === 0);
    const expected = sample.map((id) => [bucket('checkout', id), crc32Mod100(id)]);
    const dir = mkdtempSync(join(tmpdir(), 'pd-bucket-'));
    try {
      const script = join(dir, 'child.mts');
      writeFileSync(
        script,
        `import { bucket, crc32Mod100 } from ${JSON.stringify(resolve('src/core/bucket.ts'))};\n` +
          `const ids = ${JSON.stringify(sample)};\n` +
          `process.stdout.write(JSON.stringify(ids.map((id) => [bucket('checkout', id), crc32Mod100(id)])));\n`,
      );
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: resolve('.') });
      expect(JSON.parse(out)).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is pinned: these buckets never change between versions (changing them is a breaking change)', () => {
    expect(ids.slice(0, 5).map((id) => bucket('new-checkout', id))).toEqual(ids.slice(0, 5).map((id) => Math.floor((mix32(crc32(`new-checkout.${id}`)) * BUCKETS) / 2 ** 32)));
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).toBe(0x514e28b7);
  });
});

describe("hashing 'crc32-mod100': the seed's scheme, bit for bit", () => {
  it.each([
    ['alice', 663665735, 35],
    ['bob', 4123767104, 4],
    ['user-1', 2116437524, 24],
    ['user-42', 2097592435, 35],
    ['550e8400-e29b-41d4-a716-446655440000', 3225157873, 73],
    ['Zoë', 1739342378, 78],
  ])('%s: unsigned CRC-32 %d, bucket %d', (unit, crc, b) => {
    expect(crc32(unit)).toBe(crc);
    expect(crc32Mod100(unit)).toBe(b);
  });

  it('hashes the UTF-8 bytes ("Zoë" is 4 bytes, not 3 UTF-16 units)', () => {
    expect(crc32('Zo\u00eb')).toBe(1739342378);
    expect(crc32('Zoe\u0308')).not.toBe(1739342378); // a different (decomposed) string is a different unit
  });
});
