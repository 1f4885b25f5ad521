import { describe, expectTypeOf, it } from 'vitest';
import { createDelivery } from '../../src/delivery.js';
import { evaluate } from '../../src/flags/evaluate.js';
import type { EvaluationDetail, FlagDefinition, FlagValue } from '../../src/flags/types.js';

describe('public generic types', () => {
  it('value() and evaluate() keep the default value type', () => {
    const flags = createDelivery().flags;
    expectTypeOf(flags.value('k', {}, 5)).toEqualTypeOf<number>(); // widened, not the literal 5
    expectTypeOf(flags.value('k', {}, true)).toEqualTypeOf<boolean>();
    expectTypeOf(flags.evaluate('k', {}, 'x')).toEqualTypeOf<EvaluationDetail<string>>();
    expectTypeOf(flags.value<string>('k', {}, 'x')).toEqualTypeOf<string>();
    expectTypeOf(flags.evaluate('k', undefined, { a: 1 })).toEqualTypeOf<EvaluationDetail<{ a: number }>>();
    expectTypeOf(flags.evaluateAll()).toEqualTypeOf<Record<string, EvaluationDetail<FlagValue>>>();
    expectTypeOf(flags.isEnabled).returns.toEqualTypeOf<boolean>();
    expectTypeOf(flags.variant).returns.toEqualTypeOf<string | undefined>();
    expectTypeOf(evaluate<boolean>({ key: 'k', enabled: true }, {}, false)).toEqualTypeOf<EvaluationDetail<boolean>>();
  });

  it('definitions reject unknown operators and serves at compile time', () => {
    // @ts-expect-error 'eq' is not an Operator
    const bad: FlagDefinition = { key: 'k', enabled: true, rules: [{ conditions: [{ attribute: 'a', operator: 'eq', values: [] }], serve: { variant: 'on' } }] };
    expectTypeOf(bad).toMatchTypeOf<FlagDefinition>();
  });
});
