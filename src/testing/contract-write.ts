import { expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import { BAD_KEYS } from './contract-read.js';
import { rejection, type ContractEnv } from './contract-util.js';

/** Versions, compare-and-set, delete, list, validation and copies. */
export function writeContract(env: () => ContractEnv): void {
  it('put resolves a positive version that grows with every write, across delete and re-create', async () => {
    const { store, ns } = env();
    const s = await store();
    const v1 = await s.put(`${ns}a`, 1);
    const v2 = await s.put(`${ns}a`, 2);
    expect(Number.isInteger(v1) && v1 > 0).toBe(true);
    expect(v2).toBeGreaterThan(v1);
    expect(await s.get(`${ns}a`)).toEqual({ value: 2, version: v2 });
    expect(await s.delete(`${ns}a`)).toBe(true);
    const v3 = await s.put(`${ns}a`, 3);
    expect(v3).toBeGreaterThan(v2);
  });

  it('round-trips every kind of JSON value', async () => {
    const { store, ns } = env();
    const s = await store();
    const values: JsonValue[] = [null, true, false, 0, -1.5, 1e21, '', 'héllo \u2603 "quoted"\n', [], {}, [1, 'a', null, { b: [true] }], { nested: { deep: [1, { x: 'y' }] }, 'key with spaces': 1 }];
    for (const [i, v] of values.entries()) {
      await s.put(`${ns}v${i}`, v);
      expect((await s.get(`${ns}v${i}`))?.value, JSON.stringify(v)).toEqual(v);
    }
  });

  it('compare-and-set: expectedVersion 0 means "must not exist"', async () => {
    const { store, ns } = env();
    const s = await store();
    const v1 = await s.put(`${ns}cas`, 'first', { expectedVersion: 0 });
    const err = await rejection(() => s.put(`${ns}cas`, 'second', { expectedVersion: 0 }));
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe('CONFLICT');
    expect((await s.get(`${ns}cas`))?.value).toBe('first');
    const v2 = await s.put(`${ns}cas`, 'third', { expectedVersion: v1 });
    expect(v2).toBeGreaterThan(v1);
  });

  it('compare-and-set with a stale version rejects with ConflictError and writes nothing', async () => {
    const { store, ns } = env();
    const s = await store();
    const v1 = await s.put(`${ns}stale`, { n: 1 });
    const v2 = await s.put(`${ns}stale`, { n: 2 });
    expect(await rejection(() => s.put(`${ns}stale`, { n: 99 }, { expectedVersion: v1 }))).toBeInstanceOf(ConflictError);
    expect(await rejection(() => s.put(`${ns}missing`, 1, { expectedVersion: 1 }))).toBeInstanceOf(ConflictError);
    expect(await s.get(`${ns}stale`)).toEqual({ value: { n: 2 }, version: v2 });
    expect(await s.get(`${ns}missing`)).toBeUndefined();
  });

  it('delete: true when something was deleted, false when absent; compare-and-delete', async () => {
    const { store, ns } = env();
    const s = await store();
    expect(await s.delete(`${ns}nothing`)).toBe(false);
    const v1 = await s.put(`${ns}d`, 'x');
    expect(await rejection(() => s.delete(`${ns}d`, { expectedVersion: v1 + 5 }))).toBeInstanceOf(ConflictError);
    expect((await s.get(`${ns}d`))?.value).toBe('x');
    expect(await s.delete(`${ns}d`, { expectedVersion: v1 })).toBe(true);
    expect(await s.get(`${ns}d`)).toBeUndefined();
    expect(await s.delete(`${ns}d`)).toBe(false);
    expect(await rejection(() => s.delete(`${ns}d`, { expectedVersion: v1 }))).toBeInstanceOf(ConflictError);
    await s.put(`${ns}d`, 'again', { expectedVersion: 0 });
  });

  it('list(prefix) is sorted by key, literal (glob characters match themselves) and excludes other prefixes', async () => {
    const { store, ns } = env();
    const s = await store();
    for (const k of ['b', 'a', 'c/1', 'c/0', '[x]*?', 'aa']) await s.put(`${ns}list/${k}`, k);
    await s.put(`${ns}other/a`, 'no');
    const listed = await s.list(`${ns}list/`);
    expect(listed.map((e) => e.key)).toEqual(['[x]*?', 'a', 'aa', 'b', 'c/0', 'c/1'].map((k) => `${ns}list/${k}`));
    expect(listed.every((e) => e.value === e.key.slice(`${ns}list/`.length) && e.version > 0)).toBe(true);
    expect((await s.list(`${ns}list/c/`)).map((e) => e.key)).toEqual([`${ns}list/c/0`, `${ns}list/c/1`]);
    expect((await s.list(`${ns}list/[x]`)).map((e) => e.key)).toEqual([`${ns}list/[x]*?`]);
    expect(await s.list(`${ns}list/*`)).toEqual([]);
    await s.delete(`${ns}list/b`);
    expect((await s.list(`${ns}list/`)).map((e) => e.key)).not.toContain(`${ns}list/b`);
  });

  it('values are copies: mutating what was put or what was read changes nothing stored', async () => {
    const { store, ns } = env();
    const s = await store();
    const original = { a: [1, 2], b: { c: 'd' } };
    await s.put(`${ns}copy`, original);
    original.a.push(3);
    original.b.c = 'changed';
    const read = (await s.get(`${ns}copy`))!.value as { a: number[] };
    expect(read).toEqual({ a: [1, 2], b: { c: 'd' } });
    read.a.push(4);
    const listed = (await s.list(`${ns}copy`))[0]!.value as { a: number[] };
    listed.a.push(5);
    expect((await s.get(`${ns}copy`))!.value).toEqual({ a: [1, 2], b: { c: 'd' } });
  });

  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  it.each([
    ['a function', () => 1],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', BigInt(1)],
    ['a Date', new Date(0)],
    ['a Map inside an object', { m: new Map() }],
    ['undefined inside an array', [1, undefined]],
    ['a cycle', cyclic],
  ])('put rejects %s with a ValidationError and writes nothing', async (_label, value) => {
    const { store, ns } = env();
    const s = await store();
    const err = await rejection(() => s.put(`${ns}bad`, value as JsonValue));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.length).toBeGreaterThan(0);
    expect(await s.get(`${ns}bad`)).toBeUndefined();
    expect(await rejection(() => s.setIfAbsent(`${ns}bad`, value as JsonValue))).toBeInstanceOf(ValidationError);
  });

  it.each(BAD_KEYS)('put, delete, increment and setIfAbsent reject a key that is %s', async (_label, key) => {
    const { store } = env();
    const s = await store();
    const k = key as string;
    for (const call of [() => s.put(k, 1), () => s.delete(k), () => s.increment(k, 'f', 1), () => s.counters(k), () => s.setIfAbsent(k, 1)]) {
      expect(await rejection(call)).toBeInstanceOf(ValidationError);
    }
  });

  it('accepts a key of exactly 512 UTF-8 bytes and printable unicode', async () => {
    const { store, ns } = env();
    const s = await store();
    const k512 = `${ns}${'x'.repeat(512 - Buffer.byteLength(ns) - 2)}é`;
    expect(Buffer.byteLength(k512)).toBe(512);
    await s.put(k512, 'ok');
    expect((await s.get(k512))?.value).toBe('ok');
    await s.put(`${ns}ünïcødé ☃ {tag}`, 1);
    expect((await s.get(`${ns}ünïcødé ☃ {tag}`))?.value).toBe(1);
  });

  it('rejects a bad expectedVersion or ttlMs with a ValidationError', async () => {
    const { store, ns } = env();
    const s = await store();
    for (const opts of [{ expectedVersion: -1 }, { expectedVersion: 1.5 }, { ttlMs: 0 }, { ttlMs: -5 }, { ttlMs: Number.NaN }]) {
      expect(await rejection(() => s.put(`${ns}opts`, 1, opts)), JSON.stringify(opts)).toBeInstanceOf(ValidationError);
    }
    expect(await s.get(`${ns}opts`)).toBeUndefined();
  });

  it('50 concurrent compare-and-set increments of one document from two clients end at exactly 50', async () => {
    const { store, other, ns } = env();
    const a = await store();
    const b = await other(a);
    await a.put(`${ns}count`, { n: 0 });
    const incrementOnce = async (s: typeof a): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        const cur = (await s.get(`${ns}count`))!;
        try {
          await s.put(`${ns}count`, { n: (cur.value as { n: number }).n + 1 }, { expectedVersion: cur.version });
          return attempt;
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
        }
      }
    };
    const attempts = await Promise.all(Array.from({ length: 50 }, (_, i) => incrementOnce(i % 2 ? b : a)));
    expect((await a.get(`${ns}count`))?.value).toEqual({ n: 50 });
    expect((await b.get(`${ns}count`))?.value).toEqual({ n: 50 });
    expect(attempts.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(50);
  });
}
