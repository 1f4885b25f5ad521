// bucket(): ns per call over 100,000 distinct units, next to its parts (CRC-32 of the UTF-8 bytes, the mixer) and the
// seed's crc32-mod100 scheme. `--quick` for a short run.
import { bucket, crc32, crc32Mod100, mix32 } from '../src/core/bucket.js';
import { measure, printResults } from './harness.js';

const quick = process.argv.includes('--quick');
const N = 100_000;
const units = Array.from({ length: N }, (_, i) => `user-${i}-${(i * 2654435761) >>> 0}`);
const uuids = Array.from({ length: N }, (_, i) => `550e8400-e29b-41d4-a716-${String(i).padStart(12, '0')}`);
const opts = { iterations: quick ? 20_000 : N, batches: quick ? 3 : 15 };

printResults('bucket(salt, unit): ns per call', [
  measure('bucket(salt, short id)', (i) => bucket('new-checkout-flow', units[i % N]!), opts),
  measure('bucket(salt, uuid)', (i) => bucket('new-checkout-flow', uuids[i % N]!), opts),
  measure('crc32(salt.unit) only', (i) => crc32(`new-checkout-flow.${units[i % N]!}`), opts),
  measure('mix32 only', (i) => mix32(i), opts),
  measure("crc32Mod100(unit) ('crc32-mod100' hashing)", (i) => crc32Mod100(units[i % N]!), opts),
]);
