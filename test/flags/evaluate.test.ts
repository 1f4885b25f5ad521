import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/flags/evaluate.js';
import type { FlagDefinition, SegmentDefinition } from '../../src/flags/types.js';

const flags = (...defs: FlagDefinition[]) => new Map(defs.map((d) => [d.key, d]));

const full: FlagDefinition = {
  key: 'checkout',
  enabled: true,
  variants: { off: 'old', blue: 'blue', green: 'green' },
  offVariant: 'off',
  targets: { green: ['vip'] },
  prerequisites: [{ flag: 'payments', variant: 'on' }],
  rules: [
    { id: 'de-pro', conditions: [{ attribute: 'country', operator: 'equals', values: ['DE'] }, { attribute: 'plan', operator: 'in', values: ['pro'] }], serve: { variant: 'blue' } },
    { conditions: [{ attribute: 'country', operator: 'equals', values: ['FR'] }], serve: { split: [{ variant: 'blue', weight: 1 }, { variant: 'green', weight: 1 }] } },
  ],
  fallthrough: { variant: 'off' },
};
const payments: FlagDefinition = { key: 'payments', enabled: true };
const env = { flags: flags(full, payments) };

describe('evaluation order', () => {
  it('missing flag -> ERROR/FLAG_NOT_FOUND', () => {
    expect(evaluate(undefined, { userId: 'u' }, 'dflt')).toEqual({ key: '', value: 'dflt', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });
  it('disabled -> offVariant/DISABLED, before anything else', () => {
    expect(evaluate({ ...full, enabled: false }, { userId: 'vip' }, 'd', env)).toEqual({ key: 'checkout', value: 'old', variant: 'off', reason: 'DISABLED' });
  });
  it('prerequisite failing -> offVariant/PREREQUISITE_FAILED (missing, disabled or other variant)', () => {
    for (const p of [undefined, { ...payments, enabled: false }, { ...payments, fallthrough: { variant: 'off' } }]) {
      const e = { flags: p ? flags(full, p) : flags(full) };
      expect(evaluate(full, { userId: 'vip' }, 'd', e)).toMatchObject({ value: 'old', variant: 'off', reason: 'PREREQUISITE_FAILED' });
    }
  });
  it('targets -> TARGET_MATCH, before rules', () => {
    expect(evaluate(full, { userId: 'vip', country: 'DE', plan: 'pro' }, 'd', env)).toEqual({ key: 'checkout', value: 'green', variant: 'green', reason: 'TARGET_MATCH' });
  });
  it('rules in order -> RULE_MATCH with ruleIndex and ruleId', () => {
    expect(evaluate(full, { userId: 'u1', country: 'DE', plan: 'pro' }, 'd', env)).toEqual({ key: 'checkout', value: 'blue', variant: 'blue', reason: 'RULE_MATCH', ruleIndex: 0, ruleId: 'de-pro' });
    const fr = evaluate(full, { userId: 'u1', country: 'FR' }, 'd', env);
    expect(fr).toMatchObject({ reason: 'RULE_MATCH', ruleIndex: 1 });
    expect(fr.ruleId).toBeUndefined();
  });
  it('fallthrough -> DEFAULT (one variant) or SPLIT', () => {
    expect(evaluate(full, { userId: 'u1', country: 'US' }, 'd', env)).toEqual({ key: 'checkout', value: 'old', variant: 'off', reason: 'DEFAULT' });
    const split = { ...full, fallthrough: { split: [{ variant: 'blue', weight: 50 }, { variant: 'green', weight: 50 }] } };
    expect(evaluate(split, { userId: 'u1' }, 'd', env).reason).toBe('SPLIT');
  });
  it('a split without its bucketBy attribute serves offVariant with TARGETING_KEY_MISSING', () => {
    const split: FlagDefinition = { key: 's', enabled: true, fallthrough: { split: [{ variant: 'on', weight: 1 }, { variant: 'off', weight: 1 }], bucketBy: 'accountId' } };
    for (const ctx of [{ userId: 'u1' }, { accountId: '' }, {}, undefined])
      expect(evaluate(split, ctx, true)).toEqual({ key: 's', value: false, variant: 'off', reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    expect(evaluate(split, { accountId: 'acme' }, true).reason).toBe('SPLIT');
  });
  it('a default of another type -> the default with TYPE_MISMATCH', () => {
    expect(evaluate({ key: 'b', enabled: true }, {}, 'x')).toEqual({ key: 'b', value: 'x', reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    expect(evaluate({ key: 'o', enabled: true, variants: { on: { a: 1 }, off: {} } }, {}, [] as never).value).toEqual({ a: 1 });
  });
  it('disabled without an off variant serves the caller default', () => {
    expect(evaluate({ key: 'x', enabled: false, variants: { a: 1 }, fallthrough: { variant: 'a' } }, {}, 7)).toEqual({ key: 'x', value: 7, reason: 'DISABLED' });
  });
  it('prerequisites chain through several flags, and inSegment uses the given segments', () => {
    const segments = new Map<string, SegmentDefinition>([['staff', { key: 'staff', included: ['u9'] }]]);
    const a: FlagDefinition = { key: 'a', enabled: true, prerequisites: [{ flag: 'b', variant: 'on' }] };
    const b: FlagDefinition = { key: 'b', enabled: true, fallthrough: { variant: 'off' }, rules: [{ conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['staff'] }], serve: { variant: 'on' } }] };
    expect(evaluate(a, { userId: 'u9' }, false, { flags: flags(a, b), segments }).value).toBe(true);
    expect(evaluate(a, { userId: 'u1' }, false, { flags: flags(a, b), segments }).reason).toBe('PREREQUISITE_FAILED');
  });
  it('a cycle in unvalidated data fails the prerequisite instead of looping', () => {
    const a: FlagDefinition = { key: 'a', enabled: true, prerequisites: [{ flag: 'b', variant: 'on' }] };
    const b: FlagDefinition = { key: 'b', enabled: true, prerequisites: [{ flag: 'a', variant: 'on' }] };
    expect(evaluate(a, {}, false, { flags: flags(a, b) }).reason).toBe('PREREQUISITE_FAILED');
  });
  it('never throws: a throwing getter in the context gives ERROR/GENERAL', () => {
    const ctx = {};
    Object.defineProperty(ctx, 'plan', { get: () => { throw new Error('boom'); }, enumerable: true });
    const def: FlagDefinition = { key: 'g', enabled: true, rules: [{ conditions: [{ attribute: 'plan', operator: 'exists', values: [] }], serve: { variant: 'off' } }] };
    expect(evaluate(def, ctx, true)).toEqual({ key: 'g', value: true, reason: 'ERROR', errorCode: 'GENERAL' });
  });
  it('number units bucket as their decimal string; fractional weights work', () => {
    const def: FlagDefinition = { key: 'n', enabled: true, bucketBy: 'accountId', fallthrough: { split: [{ variant: 'on', weight: 0.5 }, { variant: 'off', weight: 99.5 }] } };
    expect(evaluate(def, { accountId: 42 }, false)).toEqual(evaluate(def, { accountId: '42' }, false));
    let on = 0;
    for (let i = 0; i < 100_000; i++) if (evaluate(def, { accountId: i }, false).value) on++;
    expect(on / 100_000).toBeGreaterThan(0.004);
    expect(on / 100_000).toBeLessThan(0.006);
  });
});
