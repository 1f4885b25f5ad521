import { describe, expect, it } from 'vitest';
import { conditionsMatch } from '../../src/flags/evaluate.js';
import type { Condition, EvaluationContext, Operator, SegmentDefinition } from '../../src/flags/types.js';

type Row = [Operator, Condition['values'], EvaluationContext[string], boolean];
const cases: Row[] = [
  ['equals', ['pro'], 'pro', true],
  ['equals', ['pro'], 'Pro', false], // case-sensitive
  ['equals', [5], 5, true],
  ['equals', [5], '5', false], // numbers only equal numbers
  ['equals', ['5'], 5, false],
  ['equals', [true], true, true],
  ['equals', [true], 'true', false],
  ['equals', [], 'x', false], // empty values never match
  ['in', ['pro', 'enterprise'], 'enterprise', true],
  ['in', ['pro', 'enterprise'], 'free', false],
  ['in', ['beta'], ['alpha', 'beta'], true], // any element of an array attribute
  ['in', ['beta'], [], false],
  ['contains', ['@example'], 'a@example.com', true],
  ['contains', ['x'], 5, false],
  ['startsWith', ['/api'], '/api/v1', true],
  ['startsWith', ['/api'], '/web', false],
  ['endsWith', ['.com', '.de'], 'x.de', true],
  ['matches', ['^u[0-9]+$'], 'u123', true],
  ['matches', ['^u[0-9]+$'], 'user', false],
  ['matches', ['^u'], 7, false],
  ['lt', [10], 9, true],
  ['lt', [10], 10, false],
  ['lt', [10], '9', false], // a numeric string is not a number
  ['lte', [10], 10, true],
  ['gt', [10], 11, true],
  ['gt', [10, 20], 15, true], // at least one value
  ['gte', [10], 10, true],
  ['gte', [10], Number.NaN, false],
  ['before', ['2025-01-01'], '2024-12-31T23:59:59Z', true],
  ['before', ['2025-01-01'], '2025-01-01T00:00:00Z', false],
  ['before', [1735689600000], 1735689599999, true],
  ['after', ['2025-01-01T00:00:00+01:00'], '2025-01-01T00:00:00Z', true],
  ['after', ['2025-01-01'], 'yesterday', false], // not a date: false
  ['after', ['2025-01-01'], '2025-06-01T12:00:00', false], // no offset: not accepted
  ['semverEq', ['1.2.3'], 'v1.2.3', true],
  ['semverEq', ['1.2.3'], '1.2.3+build', true],
  ['semverLt', ['2.0.0'], '1.99.0', true],
  ['semverLt', ['1.0.0'], '1.0.0-rc.1', true],
  ['semverGt', ['1.0.0-alpha'], '1.0.0-alpha.1', true],
  ['semverGt', ['1.0.0'], 'banana', false],
  ['semverGt', ['1.0.0'], 2, false],
  ['exists', [], 'x', true],
  ['exists', [], '', true],
  ['exists', [], null, false],
  ['exists', [], undefined, false],
];

describe('operators', () => {
  it.each(cases)('%s %j on %j -> %s', (operator, values, attr, expected) => {
    const ctx: EvaluationContext = { userId: 'u1', a: attr };
    expect(conditionsMatch([{ attribute: 'a', operator, values }], ctx)).toBe(expected);
    // negate inverts every result, including "wrong type" and "absent"
    expect(conditionsMatch([{ attribute: 'a', operator, values, negate: true }], ctx)).toBe(!expected);
  });

  it('absent attribute with negated in is true (NOT_IN)', () => {
    expect(conditionsMatch([{ attribute: 'plan', operator: 'in', values: ['pro'], negate: true }], { userId: 'u' })).toBe(true);
    expect(conditionsMatch([{ attribute: 'plan', operator: 'in', values: ['pro'] }], { userId: 'u' })).toBe(false);
  });

  it('reads only own properties: __proto__, constructor and toString are data', () => {
    const inherited = Object.create({ plan: 'pro' }) as EvaluationContext;
    expect(conditionsMatch([{ attribute: 'plan', operator: 'equals', values: ['pro'] }], inherited)).toBe(false);
    expect(conditionsMatch([{ attribute: 'constructor', operator: 'exists', values: [] }], {})).toBe(false);
    expect(conditionsMatch([{ attribute: 'toString', operator: 'exists', values: [] }], {})).toBe(false);
    const hostile = JSON.parse('{"__proto__": "x", "constructor": "y"}') as EvaluationContext;
    expect(conditionsMatch([{ attribute: '__proto__', operator: 'equals', values: ['x'] }], hostile)).toBe(true);
    expect(conditionsMatch([{ attribute: 'constructor', operator: 'equals', values: ['y'] }], hostile)).toBe(true);
    expect(conditionsMatch([{ attribute: '__proto__', operator: 'exists', values: [] }], {})).toBe(false);
  });

  it('ANDs conditions; an empty list matches everyone', () => {
    const conds: Condition[] = [
      { attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] },
      { attribute: 'country', operator: 'equals', values: ['DE'] },
    ];
    expect(conditionsMatch(conds, { plan: 'pro', country: 'DE' })).toBe(true);
    expect(conditionsMatch(conds, { plan: 'pro', country: 'FR' })).toBe(false);
    expect(conditionsMatch([], {})).toBe(true);
  });

  it('inSegment: excluded, included, then rules; the attribute keys the lists', () => {
    const segments = new Map<string, SegmentDefinition>([
      ['beta', { key: 'beta', included: ['u1'], excluded: ['u2'], rules: [{ conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@corp.com'] }] }] }],
    ]);
    const c: Condition[] = [{ attribute: 'userId', operator: 'inSegment', values: ['beta'] }];
    expect(conditionsMatch(c, { userId: 'u1' }, segments)).toBe(true);
    expect(conditionsMatch(c, { userId: 'u2', email: 'a@corp.com' }, segments)).toBe(false);
    expect(conditionsMatch(c, { userId: 'u3', email: 'a@corp.com' }, segments)).toBe(true);
    expect(conditionsMatch(c, { userId: 'u3' }, segments)).toBe(false);
    expect(conditionsMatch([{ attribute: 'userId', operator: 'inSegment', values: ['missing'] }], { userId: 'u1' }, segments)).toBe(false);
  });

  it('never throws on malformed conditions', () => {
    expect(conditionsMatch([{ attribute: 'a', operator: 'nope' as Operator, values: ['x'] }], { a: 'x' })).toBe(false);
    expect(conditionsMatch(null as unknown as Condition[], {})).toBe(false);
    expect(conditionsMatch([null as unknown as Condition], {})).toBe(false);
    expect(conditionsMatch([{ attribute: 'a', operator: 'matches', values: ['(('] }], { a: 'x' })).toBe(false);
  });
});
