import { describe, expect, it } from 'vitest';
import { validateConditions, validateFlag, validateFlagSet, validateSegment } from '../../src/flags/validate.js';

const paths = (issues: { path: string }[]) => issues.map((i) => i.path);

describe('validateFlag', () => {
  it('accepts a minimal and a full definition', () => {
    expect(validateFlag({ key: 'a', enabled: true })).toEqual([]);
    expect(
      validateFlag({
        key: 'checkout.v2_new-flow',
        enabled: false,
        variants: { red: 'r', green: 'g', blue: 'b' },
        offVariant: 'red',
        fallthrough: { split: [{ variant: 'green', weight: 0.5 }, { variant: 'blue', weight: 99.5 }], bucketBy: 'accountId' },
        targets: { green: ['u1'], blue: ['u2'] },
        rules: [{ id: 'de', conditions: [{ attribute: 'country', operator: 'equals', values: ['DE'] }], serve: { variant: 'blue' } }],
        salt: 's',
        bucketBy: 'userId',
        hashing: 'crc32-mod100',
        description: 'd',
        tags: ['t'],
      }),
    ).toEqual([]);
  });

  it('reports every problem with its path, and hints operator typos', () => {
    const issues = validateFlag({
      key: '-bad key',
      enabled: 'yes',
      enable: true,
      variants: { on: true, off: 'no' },
      rules: [
        { id: 'r', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], serve: { variant: 'onn' } },
        { id: 'r', conditions: [{ attribute: 'age', operator: 'gt', values: ['18'] }, { attribute: 'v', operator: 'semverLt', values: ['1.x'] }], serve: { split: [{ variant: 'on', weight: -1 }] } },
        { conditions: [{ attribute: 'n', operator: 'lt', values: [Number.NaN, Infinity] }, { attribute: 'x', operator: 'matches', values: ['(a+)+$', '[', 'a'.repeat(300)] }], serve: { split: [{ variant: 'on', weight: 0 }, { variant: 'off', weight: 0 }] } },
      ],
      hashing: 'crc32',
    });
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['key']).toMatch(/must match/);
    expect(byPath['enabled']).toMatch(/true or false/);
    expect(byPath['enable']).toMatch(/did you mean 'enabled'/);
    expect(byPath['variants.off']).toMatch(/same type/);
    expect(byPath['rules[0].conditions[0].operator']).toBe("unknown operator 'eq'; did you mean 'equals'?");
    expect(byPath['rules[0].serve.variant']).toMatch(/unknown variant 'onn'; did you mean 'on'/);
    expect(byPath['rules[1].id']).toMatch(/duplicate rule id 'r'/);
    expect(byPath['rules[1].conditions[0].values[0]']).toMatch(/compares numbers.*write 18 without quotes/);
    expect(byPath['rules[1].conditions[1].values[0]']).toMatch(/SemVer/);
    expect(byPath['rules[1].serve.split[0].weight']).toMatch(/>= 0/);
    expect(byPath['rules[2].conditions[0].values[0]']).toMatch(/finite/);
    expect(byPath['rules[2].conditions[0].values[1]']).toMatch(/finite/);
    expect(byPath['rules[2].conditions[1].values[0]']).toMatch(/nested quantifiers/);
    expect(byPath['rules[2].conditions[1].values[1]']).toMatch(/does not compile/);
    expect(byPath['rules[2].conditions[1].values[2]']).toMatch(/limit is 256/);
    expect(byPath['rules[2].serve.split']).toMatch(/all zero/);
    expect(byPath['hashing']).toMatch(/did you mean 'crc32-mod100'/);
  });

  it.each([
    ['(a*)*', true],
    ['(?:\\d+x)+', true],
    ['(a|b+){2,}', true],
    ['((a)+)+', true],
    ['(a+)?', false],
    ['(a+){1}', false],
    ['[(a+)]+', false],
    ['\\(a+\\)+', false],
    ['^[a-z]+@[a-z]+\\.com$', false],
  ])('nested quantifier check on %s -> %s', (pattern, nested) => {
    const issues = validateConditions([{ attribute: 'a', operator: 'matches', values: [pattern] }], 'c');
    expect(issues.some((i) => /nested/.test(i.message))).toBe(nested);
  });

  it('requires a fallthrough when there is no "on" variant, and checks offVariant', () => {
    expect(paths(validateFlag({ key: 'a', enabled: true, variants: { x: 1, y: 2 } }))).toEqual(['fallthrough']);
    expect(paths(validateFlag({ key: 'a', enabled: true, variants: { x: 1 }, fallthrough: { variant: 'x' }, offVariant: 'z' }))).toEqual(['offVariant']);
  });

  it('rejects a user targeted to two variants and unknown target variants', () => {
    const issues = validateFlag({ key: 'a', enabled: true, targets: { on: ['u1'], off: ['u1'], maybe: ['u2'] } });
    expect(paths(issues).sort()).toEqual(['targets.maybe', 'targets.off']);
  });

  it('non-objects are one issue', () => {
    expect(validateFlag(null)).toHaveLength(1);
    expect(validateFlag([])).toHaveLength(1);
  });
});

describe('validateFlagSet', () => {
  it('finds cycles through several flags, depth over 10, missing prerequisites, variants and segments', () => {
    const chain = Array.from({ length: 12 }, (_, i) => ({ key: `c${i}`, enabled: true, prerequisites: i < 11 ? [{ flag: `c${i + 1}`, variant: 'on' }] : [] }));
    const issues = validateFlagSet({
      flags: [
        { key: 'a', enabled: true, prerequisites: [{ flag: 'b', variant: 'on' }] },
        { key: 'b', enabled: true, prerequisites: [{ flag: 'c', variant: 'on' }] },
        { key: 'c', enabled: true, prerequisites: [{ flag: 'a', variant: 'on' }] },
        { key: 'd', enabled: true, prerequisites: [{ flag: 'nope', variant: 'on' }, { flag: 'a', variant: 'green' }] },
        { key: 'e', enabled: true, rules: [{ conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['betaa'] }], serve: { variant: 'on' } }] },
        { key: 'a', enabled: true },
        ...chain,
      ],
      segments: [{ key: 'beta' }, { key: 'beta' }, { key: 'bad', rules: [{ conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['beta'] }] }] }],
    });
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['flags[0].prerequisites']).toMatch(/cycle.*a -> b -> c -> a/);
    expect(byPath['flags[1].prerequisites']).toMatch(/cycle/);
    expect(byPath['flags[3].prerequisites[0].flag']).toMatch(/'nope' does not exist/);
    expect(byPath['flags[3].prerequisites[1].variant']).toMatch(/no variant 'green'/);
    expect(byPath['flags[4].rules[0].conditions[0].values[0]']).toMatch(/segment 'betaa' does not exist; did you mean 'beta'/);
    expect(byPath['flags[5].key']).toMatch(/duplicate flag key 'a'/);
    expect(byPath['flags[6].prerequisites']).toMatch(/11 flags deep; the limit is 10/);
    expect(byPath['flags[7].prerequisites']).toBeUndefined(); // c1: depth 10 is fine
    expect(byPath['segments[1].key']).toMatch(/duplicate segment/);
    expect(byPath['segments[2].rules[0].conditions[0].operator']).toMatch(/cannot be used inside a segment/);
  });

  it('a self-prerequisite is a cycle', () => {
    const issues = validateFlagSet({ flags: [{ key: 'a', enabled: true, prerequisites: [{ flag: 'a', variant: 'on' }] }], segments: [] });
    expect(issues.map((i) => i.message).join()).toMatch(/requires itself/);
  });
});

describe('validateSegment', () => {
  it('checks key, lists and rules', () => {
    expect(validateSegment({ key: 's', included: ['a'], excluded: [], rules: [{ conditions: [] }] })).toEqual([]);
    expect(paths(validateSegment({ key: '', included: [1], rulez: [] })).sort()).toEqual(['included[0]', 'key', 'rulez']);
  });
});
