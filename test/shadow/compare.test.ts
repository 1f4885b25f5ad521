import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { diffValues, jsonComparator } from '../../src/shadow/compare.js';
import { WILDCARD, coversPath, formatPath, parsePath, type Token } from '../../src/shadow/paths.js';
import type { Diff } from '../../src/shadow/types.js';

const ok = (value: unknown) => ({ value, durationMs: 1 });
const fail = (error: unknown) => ({ error, durationMs: 1 });

describe('jsonComparator: paths and kinds', () => {
  it.each([
    ['equal objects', { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, []],
    ['changed leaf', { items: [{ price: 1 }, { price: 2 }, { price: 3 }] }, { items: [{ price: 1 }, { price: 2 }, { price: 4 }] }, [{ path: 'items[2].price', kind: 'changed', primary: 3, shadow: 4 }]],
    ['root primitive', 1, 2, [{ path: '', kind: 'changed', primary: 1, shadow: 2 }]],
    ['added key', { a: 1 }, { a: 1, b: 2 }, [{ path: 'b', kind: 'added', shadow: 2 }]],
    ['removed key', { a: 1, b: 2 }, { a: 1 }, [{ path: 'b', kind: 'removed', primary: 2 }]],
    ['added element', [1], [1, 2], [{ path: '[1]', kind: 'added', shadow: 2 }]],
    ['type change', { a: [1] }, { a: { 0: 1 } }, [{ path: 'a', kind: 'changed', primary: [1], shadow: { 0: 1 } }]],
    ['odd key quoted', { 'a.b': 1 }, { 'a.b': 2 }, [{ path: '["a.b"]', kind: 'changed', primary: 1, shadow: 2 }]],
    ['hyphen key plain', { headers: { 'content-type': 'a' } }, { headers: { 'content-type': 'b' } }, [{ path: 'headers.content-type', kind: 'changed', primary: 'a', shadow: 'b' }]],
    ['undefined counts as absent', { a: 1, b: undefined }, { a: 1 }, []],
    ['NaN equals NaN', { a: NaN }, { a: NaN }, []],
    ['null vs missing', { a: null }, {}, [{ path: 'a', kind: 'removed', primary: null }]],
  ] as [string, unknown, unknown, Diff[]][])('%s', (_name, a, b, expected) => {
    expect(jsonComparator()(ok(a), ok(b))).toEqual(expected);
  });

  it('handles Dates, Maps, Sets, typed arrays, ArrayBuffers, bigint, boxed values and RegExps', () => {
    const a = {
      d: new Date(5), m: new Map<unknown, unknown>([['x', 1], [2, { y: 1 }]]), s: new Set([1, 2, 3]), t: new Uint8Array([1, 2, 3]),
      f: new Float64Array([0.5]), buf: new Uint8Array([9]).buffer, big: 10n ** 30n, boxed: new String('s'), r: /a/g,
    };
    const same = structuredClone(a);
    expect(jsonComparator()(ok(a), ok(same))).toEqual([]);
    const b = {
      ...same, d: new Date(6), m: new Map<unknown, unknown>([['x', 1], [2, { y: 2 }], ['z', 0]]), s: new Set([3, 2, 4]), t: new Uint8Array([1, 5, 3]),
      f: new Float32Array([0.5]), buf: new Uint8Array([8]).buffer, big: 10n ** 30n + 1n, boxed: new String('t'), r: /a/i,
    };
    const diffs = jsonComparator()(ok(a), ok(b));
    expect(diffs.map((d) => `${d.kind} ${d.path}`).sort()).toEqual([
      'added m.z', 'added s[2]', 'changed big', 'changed boxed', 'changed buf[0]', 'changed d', 'changed f', 'changed m[2].y', 'changed r', 'changed t[1]', 'removed s[0]',
    ].sort());
  });

  it('survives cycles on either or both sides without throwing', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    const b: Record<string, unknown> = { n: 1 };
    b.self = b;
    expect(jsonComparator()(ok(a), ok(b))).toEqual([]);
    const c: Record<string, unknown> = { n: 2 };
    c.self = c;
    expect(jsonComparator()(ok(a), ok(c)).map((d) => d.path)).toContain('n');
    const tree = { n: 1, self: { n: 1, self: { n: 1 } } };
    expect(() => jsonComparator()(ok(a), ok(tree))).not.toThrow();
  });

  it('compares errors by name and message; one side erroring is kind error', () => {
    const cmp = jsonComparator();
    expect(cmp(fail(new TypeError('x')), fail(new TypeError('x')))).toEqual([]);
    expect(cmp(fail(new TypeError('x')), fail(new RangeError('x')))[0]).toMatchObject({ path: '', kind: 'error' });
    expect(cmp(fail(new Error('x')), fail(new Error('y')))).toHaveLength(1);
    expect(cmp(ok(1), fail(new Error('boom')))).toEqual([{ path: '', kind: 'error', primary: 1, shadow: { name: 'Error', message: 'boom' } }]);
    expect(cmp(fail('plain string'), ok(1))[0]).toMatchObject({ kind: 'error', primary: { name: 'string', message: 'plain string' } });
    const hostile = { get message(): string { throw new Error('no'); } };
    expect(() => cmp(fail(hostile), ok(1))).not.toThrow();
  });

  it('applies numericTolerance absolutely', () => {
    const cmp = jsonComparator({ numericTolerance: 0.01 });
    expect(cmp(ok({ p: 10 }), ok({ p: 10.009 }))).toEqual([]);
    expect(cmp(ok({ p: 10 }), ok({ p: 10.02 }))).toHaveLength(1);
    expect(cmp(ok({ p: 1000 }), ok({ p: 1000.02 }))).toHaveLength(1);
  });

  it('ignorePaths: exact, * for one segment, whole subtrees', () => {
    const a = { id: 1, meta: { ts: 1, host: 'a' }, items: [{ id: 'x', p: 1 }, { id: 'y', p: 2 }], headers: { date: 'a', etag: 'b' } };
    const b = { id: 2, meta: { ts: 2, host: 'b' }, items: [{ id: 'z', p: 1 }, { id: 'w', p: 3 }], headers: { date: 'c', etag: 'd' } };
    const paths = (opts: string[]) => jsonComparator({ ignorePaths: opts })(ok(a), ok(b)).map((d) => d.path);
    expect(paths([])).toEqual(['id', 'meta.ts', 'meta.host', 'items[0].id', 'items[1].id', 'items[1].p', 'headers.date', 'headers.etag']);
    expect(paths(['meta', 'items[*].id', 'headers.*'])).toEqual(['id', 'items[1].p']);
    expect(paths(['*'])).toEqual([]);
    expect(paths(['items[1]'])).toEqual(['id', 'meta.ts', 'meta.host', 'items[0].id', 'headers.date', 'headers.etag']);
  });

  it('ignoreArrayOrder compares arrays as multisets', () => {
    const cmp = jsonComparator({ ignoreArrayOrder: true });
    expect(cmp(ok([1, { a: 1 }, 2]), ok([2, 1, { a: 1 }]))).toEqual([]);
    expect(cmp(ok([1, 1, 2]), ok([1, 2, 2]))).toEqual([
      { path: '[1]', kind: 'removed', primary: 1 },
      { path: '[1]', kind: 'added', shadow: 2 },
    ]);
    expect(cmp(ok([3, 1, 2]), ok([1, 2, 4]))).toEqual([
      { path: '[0]', kind: 'removed', primary: 3 },
      { path: '[2]', kind: 'added', shadow: 4 },
    ]);
    const withIgnore = jsonComparator({ ignoreArrayOrder: true, ignorePaths: ['[*].ts'] });
    expect(withIgnore(ok([{ id: 1, ts: 1 }, { id: 2, ts: 2 }]), ok([{ id: 2, ts: 9 }, { id: 1, ts: 8 }]))).toEqual([]);
  });

  it('bounds the number of diffs', () => {
    const a = Array.from({ length: 5000 }, (_, i) => i);
    expect(diffValues(a, a.map((x) => x + 1), { maxDiffs: 10 })).toHaveLength(10);
  });

  it('rejects bad options with every problem listed', () => {
    try {
      jsonComparator({ ignorePaths: ['a[', 'b..c', 7 as unknown as string], numericTolerance: -1, maxDiffs: 0 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['ignorePaths[0]', 'ignorePaths[1]', 'ignorePaths[2]', 'numericTolerance', 'maxDiffs']);
    }
  });
});

const valueArb = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withBoxedValues: true,
  withSparseArray: true,
});
const jsonArb = fc.jsonValue({ maxDepth: 4 });
// few, prefix-sharing keys and short arrays: sibling paths like `a` / `ab`, `[1]` / `[10]` that a matcher must tell apart
const nearKey = fc.constantFrom('a', 'ab', 'a.b', '0', 'b');
const leaf = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 12 }));
const nearArb = fc.dictionary(nearKey, fc.oneof(leaf, fc.dictionary(nearKey, leaf)));

const swap = (d: Diff): string => {
  const kind = d.kind === 'added' ? 'removed' : d.kind === 'removed' ? 'added' : d.kind;
  return `${kind} ${d.path}`;
};

/**
 * The oracle for ignorePaths, written on path strings and independent of src/shadow/paths.ts: the pattern is turned
 * into one regular expression per segment (`*` matching any one `.key`, `[i]` or `["key"]`), and a path is under it
 * when it starts with the pattern and the match ends at a segment boundary.
 */
function underPattern(path: string, pattern: Token[]): boolean {
  if (pattern.length === 0) return true; // the root covers every path
  const segment = String.raw`(?:\.[^.[]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])`;
  const first = String.raw`(?:[^.[]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])`;
  const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const source = pattern
    .map((t, i) => {
      if (t === WILDCARD) return i === 0 ? first : segment;
      if (typeof t === 'number') return esc(`[${t}]`);
      const key = String(t);
      const plain = /^[A-Za-z0-9_$-]+$/.test(key) ? (i === 0 ? key : `.${key}`) : null;
      return plain === null ? esc(`[${JSON.stringify(key)}]`) : esc(plain);
    })
    .join('');
  // after the prefix the path ends or a new segment starts ('.' or '[')
  return new RegExp(`^${source}(?:$|[.[])`).test(path);
}

describe('jsonComparator: properties', () => {
  it('a value compared with a deep copy of itself has no diffs', () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        expect(diffValues(v, structuredClone(v))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('diffs are symmetric up to added/removed', () => {
    fc.assert(
      fc.property(valueArb, valueArb, fc.boolean(), (a, b, unordered) => {
        const ab = diffValues(a, b, { ignoreArrayOrder: unordered }).map(swap).sort();
        const ba = diffValues(b, a, { ignoreArrayOrder: unordered }).map((d) => `${d.kind} ${d.path}`).sort();
        expect(ba).toEqual(ab);
      }),
      { numRuns: 300 },
    );
  });

  it('ignoring a path removes exactly the diffs under it (checked against a string oracle)', () => {
    fc.assert(
      fc.property(fc.oneof(jsonArb, nearArb), fc.oneof(jsonArb, nearArb), fc.nat(), fc.nat(), fc.boolean(), (a, b, pick, cut, wildcard) => {
        const all = diffValues(a, b);
        if (all.length === 0) return;
        const tokens = parsePath(all[pick % all.length]!.path) as Token[];
        let pattern = tokens.slice(0, cut % (tokens.length + 1));
        if (wildcard && pattern.length > 0) pattern = [...pattern.slice(0, -1), WILDCARD];
        const text = formatPath(pattern);
        expect(parsePath(text)).toEqual(pattern);
        const kept = diffValues(a, b, { ignorePaths: [text] });
        const expected = all.filter((d) => !underPattern(d.path, pattern));
        expect(kept).toEqual(expected);
        // noise filtering matches learned paths with coversPath: it must agree with the same oracle
        for (const d of all) expect(coversPath(pattern, parsePath(d.path) as Token[])).toBe(underPattern(d.path, pattern));
      }),
      { numRuns: 300 },
    );
  });

  it('ignoreArrayOrder finds the same matching with and without candidate signatures', () => {
    const item = fc.oneof(fc.record({ a: fc.integer({ min: 0, max: 3 }), b: fc.constantFrom('x', 'y'), c: fc.option(fc.constant(undefined)) }), fc.integer({ min: 0, max: 5 }), fc.constant(NaN));
    const list = fc.array(item, { minLength: 9, maxLength: 40 });
    fc.assert(
      fc.property(list, list, fc.boolean(), (a, b, shuffleCopy) => {
        const other = shuffleCopy ? [...a].reverse() : b;
        const fast = diffValues(a, other, { ignoreArrayOrder: true });
        const slow = diffValues(a, other, { ignoreArrayOrder: true, ignorePaths: ['never-present'] }); // forces the quadratic search
        expect(fast).toEqual(slow);
        if (shuffleCopy) expect(fast).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary input', () => {
    const cmp = jsonComparator({ ignoreArrayOrder: true, numericTolerance: 0.5 });
    fc.assert(fc.property(valueArb, valueArb, (a, b) => void cmp(ok(a), ok(b))), { numRuns: 200 });
  });
});
