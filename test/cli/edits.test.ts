// The pure parts of the CLI: what `set --percentage` and `target` do to a definition (checked through the library's
// evaluation), the dry-run diff, the document plan (merged validation, paths, write order) and table alignment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/flags/evaluate.js';
import type { FlagDefinition } from '../../src/flags/types.js';
import { validateFlag } from '../../src/flags/validate.js';
import { jsonDiff } from '../../src/cli/diff.js';
import { parsePercentage, setPercentage, setTargets } from '../../src/cli/flag-edits.js';
import { planDocument } from '../../src/cli/plan.js';
import type { StoreState } from '../../src/cli/repo.js';
import { renderTable } from '../../src/cli/table.js';

const base: FlagDefinition = { key: 'f', enabled: true };
const on = (def: FlagDefinition, userId: string) => evaluate(def, { userId }, false).value;
const users = Array.from({ length: 2000 }, (_, i) => `user-${i}`);

describe('set --percentage', () => {
  it('a unit on at N% stays on at any larger M%, and about N% of units are on', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (a, b) => {
        const [n, m] = [Math.min(a, b) / 1000, Math.max(a, b) / 1000];
        const atN = setPercentage(base, n);
        const atM = setPercentage(atN, m);
        expect(validateFlag(atN)).toEqual([]);
        const onN = users.filter((u) => on(atN, u));
        for (const u of onN) expect(on(atM, u)).toBe(true);
        expect(Math.abs(onN.length / users.length - n / 100)).toBeLessThan(0.05);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps targets, rules, the kill switch and a split bucketBy; --rule changes only that rule', () => {
    const def: FlagDefinition = {
      key: 'f',
      enabled: false,
      targets: { on: ['u1'] },
      rules: [{ id: 'gates', conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }], serve: { variant: 'on' } }],
      fallthrough: { split: [{ variant: 'on', weight: 5 }, { variant: 'off', weight: 95 }], bucketBy: 'accountId' },
    };
    expect(setPercentage(def, 30)).toEqual({ ...def, fallthrough: { split: [{ variant: 'on', weight: 30 }, { variant: 'off', weight: 70 }], bucketBy: 'accountId' } });
    expect(setPercentage(def, 30, { rule: 'gates' }).rules![0]!.serve).toEqual({ split: [{ variant: 'on', weight: 30 }, { variant: 'off', weight: 70 }] });
    expect(setPercentage(def, 30, { rule: 'gates' }).fallthrough).toEqual(def.fallthrough);
    expect(() => setPercentage(def, 30, { rule: 'nope' })).toThrow("flag 'f' has no rule with id 'nope' (rule ids: gates)");
    expect(() => setPercentage(def, 30, { variant: 'off' })).toThrow("--variant 'off' is the flag's off variant");
  });

  it.each([
    ['0', 0],
    ['12.5', 12.5],
    ['100', 100],
    ['0.001', 0.001],
    ['101', 'error'],
    ['-0.5', 'error'],
    ['', 'error'],
    ['ten', 'error'],
    ['0.0001', 'error'],
  ])('parsePercentage(%j)', (text, want) => {
    const got = parsePercentage(text);
    if (want === 'error') expect(typeof got).toBe('string');
    else expect(got).toBe(want);
  });
});

describe('target', () => {
  it('each user ends up in exactly one variant target list, in the order given', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('on', 'off'), fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1 }), fc.boolean()), { maxLength: 12 }), (ops) => {
        let def: FlagDefinition = base;
        const expected = new Map<string, string>();
        for (const [variant, ids, remove] of ops) {
          def = setTargets(def, variant, ids, remove);
          for (const u of ids) {
            if (remove) {
              if (expected.get(u) === variant) expected.delete(u);
            } else expected.set(u, variant);
          }
        }
        const got = new Map<string, string>();
        for (const [v, ids] of Object.entries(def.targets ?? {})) {
          expect(ids.length).toBeGreaterThan(0);
          for (const u of ids) {
            expect(got.has(u)).toBe(false);
            got.set(u, v);
          }
        }
        expect(got).toEqual(expected);
        expect(validateFlag(def)).toEqual([]);
      }),
    );
  });
});

describe('jsonDiff', () => {
  it('reports changed, added and removed paths; arrays as whole values', () => {
    expect(jsonDiff({ a: 1, b: { c: [1, 2], d: 'x' }, e: true }, { a: 1, b: { c: [1, 3] }, f: null })).toEqual([
      { path: 'b.c', before: [1, 2], after: [1, 3] },
      { path: 'b.d', before: 'x' },
      { path: 'e', before: true },
      { path: 'f', after: null },
    ]);
    expect(jsonDiff({ 'odd key': 1 }, { 'odd key': 2 })).toEqual([{ path: '["odd key"]', before: 1, after: 2 }]);
    expect(jsonDiff({ x: [1] }, { x: [1] })).toEqual([]);
  });
});

describe('planDocument', () => {
  const state = (): StoreState => ({
    flags: new Map([
      ['parent', { def: { key: 'parent', enabled: true }, version: 3 }],
      ['child', { def: { key: 'child', enabled: true, prerequisites: [{ flag: 'parent', variant: 'on' }] }, version: 1 }],
    ]),
    segments: new Map([['beta', { def: { key: 'beta', included: ['u1'] }, version: 2 }]]),
    experiments: new Map(),
    unreadable: [],
  });

  it('validates the document merged into the store and reports stored definitions it breaks at their own path', () => {
    const r = planDocument({ flags: [{ key: 'parent', enabled: true, variants: { yes: true, no: false }, offVariant: 'no', fallthrough: { variant: 'yes' } }] }, state());
    expect(r.changes).toEqual([]);
    expect(r.issues).toEqual([{ path: '(stored) flags/child.prerequisites[0].variant', message: expect.stringContaining("flag 'parent' has no variant 'on'") }]);
  });

  it('writes segments first, prerequisites before the flags that need them, deletes last; versions are the ones read', () => {
    const r = planDocument(
      {
        flags: [
          { key: 'z-child', enabled: true, prerequisites: [{ flag: 'a-new', variant: 'on' }], rules: [{ conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['seg'] }], serve: { variant: 'on' } }] },
          { key: 'a-new', enabled: true, prerequisites: [{ flag: 'parent', variant: 'on' }] },
          { key: 'parent', enabled: false },
          { key: 'child', enabled: true, prerequisites: [{ flag: 'parent', variant: 'on' }] },
        ],
        segments: [{ key: 'seg', included: ['u9'] }],
      },
      state(),
      { prune: true },
    );
    expect(r.issues).toEqual([]);
    expect(r.changes.map((c) => `${c.action} ${c.kind} ${c.key} @${c.expectedVersion}`)).toEqual([
      'create segment seg @0',
      'update flag parent @3',
      'create flag a-new @0',
      'create flag z-child @0',
      'delete segment beta @2',
    ]);
  });
});

describe('renderTable', () => {
  it('aligns columns by visible width (ANSI styles do not count) and trims trailing spaces', () => {
    const t = renderTable([{ header: 'NAME' }, { header: 'N', align: 'right' }, { header: 'NOTE' }], [
      ['\x1b[32mab\x1b[39m', '5', ''],
      ['abcdef', '123', 'x'],
    ]);
    expect(t.replace(/\x1b\[\d+m/g, '').split('\n')).toEqual(['NAME      N  NOTE', 'ab        5', 'abcdef  123  x']);
  });
});
