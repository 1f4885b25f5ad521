import { expect, it } from 'vitest';
import { DeliveryError, ValidationError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { Store, StoreChange } from '../store/types.js';
import { rejection } from './contract-util.js';

/** Bad keys every store rejects with a ValidationError: empty, over 512 UTF-8 bytes, control characters. */
export const BAD_KEYS: [string, unknown][] = [
  ['empty', ''],
  ['over 512 bytes', 'k'.repeat(513)],
  ['over 512 bytes in UTF-8 (257 x 2 bytes)', 'é'.repeat(257)],
  ['a newline', 'a\nb'],
  ['a NUL', 'a\u0000b'],
  ['DEL (0x7f)', 'a\u007fb'],
  ['not a string', 42],
];

/** The read part of the contract, against a store that holds exactly `entries` (plus possibly other keys). */
export function readContract(make: () => Promise<Store>, entries: Record<string, unknown>): void {
  const keys = Object.keys(entries).sort();

  it('get returns every held value with a positive integer version', async () => {
    const s = await make();
    for (const k of keys) {
      const got = await s.get(k);
      expect(got, k).toBeDefined();
      expect(got!.value).toEqual(entries[k]);
      expect(Number.isInteger(got!.version) && got!.version > 0).toBe(true);
    }
  });

  it('get of a missing key resolves undefined', async () => {
    const s = await make();
    expect(await s.get('no-such-key/anywhere-at-all')).toBeUndefined();
  });

  it('list(prefix) returns the keys under prefix, sorted, and nothing else', async () => {
    const s = await make();
    const all = await s.list('');
    const listed = all.map((e) => e.key).filter((k) => k in entries);
    expect(listed).toEqual(keys);
    const sorted = [...all.map((e) => e.key)].sort();
    expect(all.map((e) => e.key)).toEqual(sorted);
    const first = keys[0];
    if (first !== undefined) {
      const prefix = first.slice(0, first.indexOf('/') + 1) || first;
      const sub = await s.list(prefix);
      expect(sub.every((e) => e.key.startsWith(prefix))).toBe(true);
      expect(sub.map((e) => e.key)).toEqual(keys.filter((k) => k.startsWith(prefix)));
      for (const e of sub) expect(e.value).toEqual(entries[e.key]);
    }
    expect(await s.list('no-such-prefix/')).toEqual([]);
  });

  it('returned values are copies: mutating them changes nothing stored', async () => {
    const s = await make();
    const objectKey = keys.find((k) => typeof entries[k] === 'object' && entries[k] !== null);
    if (!objectKey) return;
    const got = (await s.get(objectKey))!.value as Record<string, JsonValue>;
    (got as Record<string, unknown>)['__mutated__'] = true;
    const listed = (await s.list(objectKey)).find((e) => e.key === objectKey)!.value as Record<string, unknown>;
    listed['__mutated_too__'] = true;
    expect((await s.get(objectKey))!.value).toEqual(entries[objectKey]);
  });

  it.each(BAD_KEYS)('get rejects a key that is %s with a ValidationError', async (_label, key) => {
    const s = await make();
    const err = await rejection(() => s.get(key as string));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.length).toBeGreaterThan(0);
  });

  // Only the held documents are read-only: counter sets (increment) are a separate space that no entry names.
  it('put, delete and setIfAbsent of a held key reject with READ_ONLY and change nothing', async () => {
    const s = await make();
    const before = await s.list('');
    const changes: StoreChange[] = [];
    const stop = s.watch('', (c) => changes.push(c));
    for (const k of keys) {
      const { version } = (await s.get(k))!;
      // the right expectedVersion, so a writable store would succeed rather than reject with a ConflictError;
      // setIfAbsent of a present key would resolve false on a writable store, so only a rejection passes
      const writes: [string, () => Promise<unknown>][] = [
        ['put', () => s.put(k, { overwritten: true })],
        ['put at its version', () => s.put(k, { overwritten: true }, { expectedVersion: version })],
        ['delete', () => s.delete(k)],
        ['delete at its version', () => s.delete(k, { expectedVersion: version })],
        ['setIfAbsent', () => s.setIfAbsent(k, { overwritten: true })],
      ];
      for (const [label, write] of writes) {
        const err = await rejection(write);
        expect(err, `${label} ${k}`).toBeInstanceOf(DeliveryError);
        expect((err as DeliveryError).code, `${label} ${k}`).toBe('READ_ONLY');
      }
    }
    // same values at the same versions, and no watcher told of a change
    expect(await s.list('')).toEqual(before);
    stop();
    expect(changes).toEqual([]);
  });

  it('a closed store rejects calls with a DeliveryError', async () => {
    const s = await make();
    await s.close();
    expect(await rejection(() => s.get(keys[0] ?? 'x'))).toBeInstanceOf(DeliveryError);
  });
}
