import CRC32 from 'crc-32';

/** Number of buckets: percentages have a resolution of 0.001%. */
export const BUCKETS = 100_000;

const encoder = new TextEncoder();

/**
 * Unsigned CRC-32 (IEEE) of the UTF-8 bytes of `s`. crc-32's `str` encodes to UTF-8 as it goes (2x faster than
 * encoding first); a string with lone surrogates goes through TextEncoder, so it hashes as the U+FFFD bytes
 * any UTF-8 encoder would send.
 */
export function crc32(s: string): number {
  return (s.isWellFormed() ? CRC32.str(s) : CRC32.buf(encoder.encode(s))) >>> 0;
}

/**
 * A non-linear 32-bit finaliser (the murmur3 fmix32 constants). CRC-32 is affine over GF(2), so the raw CRCs
 * of one unit under two salts are correlated; multiplying by odd constants between xor-shifts breaks that.
 */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The bucket of `unit` under `salt`: an integer in [0, 100000).
 * CRC-32 of `salt + '.' + unit`, mixed, then reduced by multiply-shift (a 32-bit value times 100000 over 2^32):
 * each bucket receives 42949 or 42950 of the 2^32 hash values, a bias of 2.3e-5 relative.
 * A unit in a p% split (bucket < p * 1000) stays in when p grows.
 * @example bucket('new-checkout', 'user-42') // stable across processes and versions
 */
export function bucket(salt: string, unit: string): number {
  let seed = saltSeeds.get(salt);
  if (seed === undefined || !unit.isWellFormed()) {
    if (seed === undefined && salt.isWellFormed()) {
      if (saltSeeds.size >= MAX_SALT_SEEDS) saltSeeds.clear();
      saltSeeds.set(salt, CRC32.str(`${salt}.`));
    }
    return Math.floor((mix32(crc32(`${salt}.${unit}`)) * BUCKETS) / 4294967296);
  }
  // CRC-32 runs left to right, so the CRC of `salt.` continued over `unit` is the CRC of the whole string; the
  // prefix's CRC is computed once per salt and the hot path neither concatenates nor re-hashes the salt
  return Math.floor((mix32(CRC32.str(unit, seed) >>> 0) * BUCKETS) / 4294967296);
}

/** CRC-32 (crc-32's signed form) of `salt + '.'` for each well-formed salt seen; flags and experiments hold few. */
const saltSeeds = new Map<string, number>();
const MAX_SALT_SEEDS = 10_000;

/** The seed's scheme: `crc32(unit) % 100`, for interoperating with services that already bucket that way. */
export function crc32Mod100(unit: string): number {
  return crc32(unit) % 100;
}
