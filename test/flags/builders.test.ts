import { describe, expect, it } from 'vitest';
import { booleanFlag } from '../../src/flags/builders.js';
import { evaluate } from '../../src/flags/evaluate.js';
import { validateFlag } from '../../src/flags/validate.js';

describe('booleanFlag', () => {
  it('new-checkout-flow: on for u1, for group beta, and for about 20% of everyone else', () => {
    const def = booleanFlag('new-checkout-flow', { percentage: 20, userIds: ['u1'], groups: ['beta'] });
    expect(validateFlag(def)).toEqual([]);
    expect(evaluate(def, { userId: 'u1' }, false)).toMatchObject({ value: true, reason: 'TARGET_MATCH' });
    expect(evaluate(def, { userId: 'zz', groups: ['x', 'beta'] }, false)).toMatchObject({ value: true, reason: 'RULE_MATCH', ruleId: 'groups' });
    let on = 0;
    for (let i = 0; i < 20_000; i++) if (evaluate(def, { userId: `user-${i}` }, false).value) on++;
    expect(on / 20_000).toBeGreaterThan(0.19);
    expect(on / 20_000).toBeLessThan(0.21);
  });

  it('gates are ANDed: failing any is off; passing all enters the percentage (100 without one)', () => {
    const gates = [
      { attribute: 'country', operator: 'equals' as const, values: ['DE'] },
      { attribute: 'appVersion', operator: 'semverGt' as const, values: ['2.0.0'] },
    ];
    const all = booleanFlag('g', { rules: gates, userIds: ['vip'] });
    expect(evaluate(all, { userId: 'a', country: 'DE', appVersion: '2.1.0' }, false).value).toBe(true);
    expect(evaluate(all, { userId: 'a', country: 'DE', appVersion: '1.9.0' }, false).value).toBe(false);
    expect(evaluate(all, { userId: 'vip' }, false).value).toBe(true);
    const half = booleanFlag('g', { rules: gates, percentage: 50 });
    let on = 0;
    for (let i = 0; i < 4000; i++) if (evaluate(half, { userId: `u${i}`, country: 'DE', appVersion: '3.0.0' }, false).value) on++;
    expect(on).toBeGreaterThan(1800);
    expect(on).toBeLessThan(2200);
  });

  it('defaults: everyone without an audience; only the audience with userIds/groups; disabled is off', () => {
    expect(evaluate(booleanFlag('a'), { userId: 'x' }, false).value).toBe(true);
    expect(evaluate(booleanFlag('a', { groups: ['beta'] }), { userId: 'x' }, false).value).toBe(false);
    expect(evaluate(booleanFlag('a', { enabled: false, userIds: ['x'] }), { userId: 'x' }, true).value).toBe(false);
    expect(evaluate(booleanFlag('a', { percentage: 0 }), { userId: 'x' }, true).value).toBe(false);
  });

  it('produces plain JSON definitions', () => {
    const def = booleanFlag('a', { percentage: 20, userIds: ['u1'], groups: ['beta'], rules: [{ attribute: 'c', operator: 'in', values: ['x'] }] });
    expect(JSON.parse(JSON.stringify(def))).toEqual(def);
    expect(validateFlag(def)).toEqual([]);
  });
});
