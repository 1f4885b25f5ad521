// The bucketing of core/bucket.ts, made cheap for the evaluation hot path: the CRC-32 of `salt + '.'` is computed
// once per flag and continued over the unit's UTF-8 bytes (encoded on the fly, no allocation). The result is
// identical to bucket(salt, unit) and crc32Mod100(unit); tests check that for arbitrary strings.
import { BUCKETS, mix32 } from '../core/bucket.js';

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * Continues a CRC-32 (IEEE) over the UTF-8 encoding of `s`, exactly as TextEncoder encodes it (a lone surrogate
 * becomes U+FFFD). `crc` is a previous result (0 to start). Returns the unsigned CRC.
 */
export function crc32Continue(crc: number, s: string): number {
  let c = ~crc;
  const T = TABLE;
  for (let i = 0; i < s.length; i++) {
    let u = s.charCodeAt(i);
    if (u < 0x80) {
      c = (c >>> 8) ^ T[(c ^ u) & 0xff]!;
      continue;
    }
    if (u < 0x800) {
      c = (c >>> 8) ^ T[(c ^ (0xc0 | (u >> 6))) & 0xff]!;
      c = (c >>> 8) ^ T[(c ^ (0x80 | (u & 0x3f))) & 0xff]!;
      continue;
    }
    if (u >= 0xd800 && u <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (u <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        u = 0x10000 + ((u - 0xd800) << 10) + (next - 0xdc00);
        i++;
        c = (c >>> 8) ^ T[(c ^ (0xf0 | (u >> 18))) & 0xff]!;
        c = (c >>> 8) ^ T[(c ^ (0x80 | ((u >> 12) & 0x3f))) & 0xff]!;
        c = (c >>> 8) ^ T[(c ^ (0x80 | ((u >> 6) & 0x3f))) & 0xff]!;
        c = (c >>> 8) ^ T[(c ^ (0x80 | (u & 0x3f))) & 0xff]!;
        continue;
      }
      u = 0xfffd;
    }
    c = (c >>> 8) ^ T[(c ^ (0xe0 | (u >> 12))) & 0xff]!;
    c = (c >>> 8) ^ T[(c ^ (0x80 | ((u >> 6) & 0x3f))) & 0xff]!;
    c = (c >>> 8) ^ T[(c ^ (0x80 | (u & 0x3f))) & 0xff]!;
  }
  return ~c >>> 0;
}

/** The CRC state after `salt + '.'`, to pass to `bucketFrom`. */
export function saltSeed(salt: string): number {
  return crc32Continue(0, `${salt}.`);
}

/** bucket(salt, unit) given saltSeed(salt): an integer in [0, 100000). */
export function bucketFrom(seed: number, unit: string): number {
  return Math.floor((mix32(crc32Continue(seed, unit)) * BUCKETS) / 4294967296);
}

/** crc32(unit) % 100 scaled to buckets (0, 1000, ..., 99000), so `< percentage * 1000` is `crc32 % 100 < percentage`. */
export function mod100Bucket(unit: string): number {
  return (crc32Continue(0, unit) % 100) * 1000;
}
