import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { assertJson, assertKey, cloneJson, jsonEqual, jsonIssues } from '../../src/core/json.js';

describe('JSON values', () => {
  it('accepts any plain JSON value and clones it deeply', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonIssues(v)).toEqual([]);
        const c = cloneJson(v as never);
        expect(jsonEqual(c, v)).toBe(true);
        if (v !== null && typeof v === 'object') expect(c).not.toBe(v);
      }),
    );
  });

  it('reports every non-JSON part with its path', () => {
    const cyclic: Record<string, unknown> = { ok: 1 };
    cyclic['self'] = cyclic;
    expect(jsonIssues({ a: [1, undefined, () => 1], b: { c: Number.NaN, d: new Date(0) }, e: BigInt(2), s: Symbol('x') }).map((i) => i.path)).toEqual([
      'a[1]',
      'a[2]',
      'b.c',
      'b.d',
      'e',
      's',
    ]);
    expect(jsonIssues(cyclic)).toEqual([{ path: 'self', message: expect.stringContaining('circular') }]);
    expect(jsonIssues({ skipped: undefined })).toEqual([]);
    expect(() => assertJson(undefined)).toThrow(ValidationError);
    expect(() => assertJson(new Map())).toThrow(/Map instance/);
    expect(jsonIssues(Object.create(null))).toEqual([]);
  });

  it('bounds the work on deep or huge inputs', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(jsonIssues(deep)[0]?.message).toMatch(/deeper than 100/);
    expect(jsonIssues(Array.from({ length: 100 }, () => Number.NaN))).toHaveLength(20);
  });

  it('jsonEqual ignores key order and undefined properties, not array order', () => {
    expect(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, x: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: [] }, { a: {} })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });
});

describe('store keys', () => {
  it.each([['a'], ['flags/new-checkout'], ['x'.repeat(512)], ['é'.repeat(256)], ['ünï ☃ {tag}']])('accepts %j', (key) => {
    expect(() => assertKey(key)).not.toThrow();
  });
  it.each([[''], ['x'.repeat(513)], ['é'.repeat(257)], ['a\nb'], ['a\tb'], ['\u0000'], ['\u007f'], [42], [undefined]])('rejects %j with a ValidationError', (key) => {
    expect(() => assertKey(key)).toThrow(ValidationError);
  });
});
