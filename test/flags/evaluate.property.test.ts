import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFlag } from '../../src/flags/compile.js';
import { compileSegment } from '../../src/flags/conditions.js';
import { evaluate, newResolution, resolve } from '../../src/flags/evaluate.js';
import { OPERATORS } from '../../src/flags/operators.js';
import type { Condition, EvaluationContext, FlagDefinition, FlagValue, Operator } from '../../src/flags/types.js';
import { validateFlag } from '../../src/flags/validate.js';

const ATTRS = ['userId', 'groups', 'plan', 'country', 'age', 'version', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const VARIANTS = ['on', 'off', 'a', 'b'];

const valuesFor = (op: Operator): fc.Arbitrary<Condition['values']> => {
  switch (op) {
    case 'lt': case 'lte': case 'gt': case 'gte':
      return fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 3 });
    case 'before': case 'after':
      return fc.array(fc.oneof(fc.constant('2025-01-01'), fc.constant('2024-06-01T10:00:00Z'), fc.integer()), { maxLength: 3 });
    case 'semverEq': case 'semverLt': case 'semverGt':
      return fc.array(fc.constantFrom('1.0.0', 'v2.3.4-beta.1', '0.0.1+b'), { maxLength: 3 });
    case 'matches':
      return fc.array(fc.constantFrom('^a', 'b+$', '[0-9]{2}', 'x|y'), { maxLength: 2 });
    case 'inSegment':
      return fc.array(fc.constantFrom('seg'), { maxLength: 1 });
    case 'contains': case 'startsWith': case 'endsWith':
      return fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 });
    default:
      return fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()), { maxLength: 4 });
  }
};

const condition: fc.Arbitrary<Condition> = fc
  .record({ attribute: fc.constantFrom(...ATTRS), operator: fc.constantFrom(...OPERATORS), negate: fc.boolean() })
  .chain((c) => valuesFor(c.operator).map((values) => ({ ...c, values })));

const serve = fc.oneof(
  fc.constantFrom(...VARIANTS).map((variant) => ({ variant })),
  fc.uniqueArray(fc.constantFrom(...VARIANTS), { minLength: 1, maxLength: 4 }).chain((vs) =>
    fc
      .tuple(fc.constantFrom(...ATTRS), ...vs.map(() => fc.double({ min: 0.001, max: 100, noNaN: true })))
      .map(([bucketBy, ...ws]) => ({ split: vs.map((variant, i) => ({ variant, weight: ws[i]! })), bucketBy })),
  ),
);

/** Variant values of every JSON type, so evaluation meets values of another type than the default. */
const variantValue = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null) as fc.Arbitrary<FlagValue>,
);

/** Flags the prerequisites may name: one always on, one split and itself gated on the first; 'p-missing' is absent. */
const PREREQUISITE_FLAGS = new Map<string, FlagDefinition>([
  ['p-on', { key: 'p-on', enabled: true, fallthrough: { variant: 'on' } }],
  ['p-split', { key: 'p-split', enabled: true, prerequisites: [{ flag: 'p-on', variant: 'on' }], fallthrough: { split: [{ variant: 'on', weight: 50 }, { variant: 'off', weight: 50 }] } }],
]);

const definition: fc.Arbitrary<FlagDefinition> = fc.record(
  {
    key: fc.constant('prop-flag'),
    enabled: fc.boolean(),
    variants: fc.oneof(fc.constant({ on: 'x', off: 'y', a: 'z', b: 'w' }), fc.record({ on: variantValue, off: variantValue, a: variantValue, b: variantValue })),
    offVariant: fc.option(fc.constantFrom(...VARIANTS), { nil: undefined }),
    bucketBy: fc.option(fc.constantFrom(...ATTRS), { nil: undefined }),
    prerequisites: fc.option(fc.array(fc.record({ flag: fc.constantFrom('p-on', 'p-split', 'p-missing'), variant: fc.constantFrom(...VARIANTS) }), { maxLength: 3 }), { nil: undefined }),
    fallthrough: serve,
    targets: fc.option(fc.record({ a: fc.array(fc.constantFrom('u1', 'u2', '__proto__'), { maxLength: 2 }) }), { nil: undefined }),
    rules: fc.array(fc.record({ id: fc.option(fc.uuid(), { nil: undefined }), conditions: fc.array(condition, { maxLength: 4 }), serve }), { maxLength: 4 }),
    salt: fc.option(fc.string(), { nil: undefined }),
    hashing: fc.constantFrom('default' as const, 'crc32-mod100' as const),
  },
  { requiredKeys: ['key', 'enabled', 'variants', 'fallthrough', 'rules', 'hashing'] },
);

const hostileValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constant('x'.repeat(200_000)),
  fc.constant(Number.NaN),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(Number.NaN), fc.array(fc.array(fc.string()))), { maxLength: 5 }),
  fc.anything(),
  fc.constant(Object.prototype),
  fc.constant(() => 1),
);

const context: fc.Arbitrary<EvaluationContext> = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...ATTRS), fc.string()), hostileValue), { maxLength: 8 }).map((entries) => {
  const ctx = {};
  for (const [k, v] of entries) Object.defineProperty(ctx, k, { value: v, enumerable: true, configurable: true, writable: true });
  return ctx as EvaluationContext;
});

describe('evaluation properties', () => {
  it('never throws for valid definitions and hostile contexts, and always answers a well-formed detail', () => {
    const segs = new Map([['seg', compileSegment({ key: 'seg', included: ['u1'], rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', values: ['pro'] }] }] })]]);
    const prerequisites = new Map([...PREREQUISITE_FLAGS].map(([k, def]) => [k, compileFlag(def)]));
    const env = { flag: (k: string) => prerequisites.get(k), segment: (k: string) => segs.get(k) };
    fc.assert(
      fc.property(definition, context, (def, ctx) => {
        fc.pre(validateFlag(def).length === 0);
        const cf = compileFlag(def);
        const out = newResolution();
        resolve(cf, ctx, env, out); // the core itself, without the safety net
        const d = evaluate(def, ctx, 'default', { flags: PREREQUISITE_FLAGS, segments: new Map([['seg', { key: 'seg', included: ['u1'] }]]) });
        expect(['DISABLED', 'PREREQUISITE_FAILED', 'TARGET_MATCH', 'RULE_MATCH', 'SPLIT', 'DEFAULT', 'ERROR']).toContain(d.reason);
        // GENERAL would mean the safety net caught a throw
        expect([undefined, 'TARGETING_KEY_MISSING', 'TYPE_MISMATCH']).toContain(d.errorCode);
        if (d.errorCode === 'TYPE_MISMATCH') expect(d.value).toBe('default');
        else {
          expect(d.variant).toBeDefined();
          expect(d.value).toEqual(def.variants![d.variant!]);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('splits land within 1% of their weights over 100,000 units', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.5, max: 100, noNaN: true }), { minLength: 2, maxLength: 4 }), fc.string({ maxLength: 8 }), (weights, salt) => {
        const names = weights.map((_, i) => `v${i}`);
        const def: FlagDefinition = { key: 'w', salt, enabled: true, variants: Object.fromEntries(names.map((n) => [n, n])), fallthrough: { split: names.map((variant, i) => ({ variant, weight: weights[i]! })) } };
        const counts = new Map<string, number>();
        const cf = compileFlag(def);
        const out = newResolution();
        const env = { flag: () => undefined, segment: () => undefined };
        for (let u = 0; u < 100_000; u++) {
          resolve(cf, { userId: `unit-${u}` }, env, out);
          const v = cf.variantNames[out.variant]!;
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        const total = weights.reduce((a, b) => a + b, 0);
        names.forEach((n, i) => expect(Math.abs((counts.get(n) ?? 0) / 100_000 - weights[i]! / total)).toBeLessThan(0.01));
      }),
      { numRuns: 6 },
    );
  });

  it('raising a percentage never moves a unit out', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.array(fc.string(), { minLength: 1, maxLength: 50 }), fc.constantFrom('default' as const, 'crc32-mod100' as const), (p1, p2, units, hashing) => {
        const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const at = (p: number): FlagDefinition => ({ key: 'grow', enabled: true, hashing, fallthrough: { split: [{ variant: 'on', weight: p }, { variant: 'off', weight: 100 - p }] } });
        for (const userId of units) {
          if (lo > 0 && evaluate<boolean>(at(lo), { userId }, false).value) expect(evaluate<boolean>(at(hi), { userId }, false).value).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the same unit gets the same variant in another process', () => {
    const def: FlagDefinition = { key: 'xproc', enabled: true, variants: { a: 'a', b: 'b', c: 'c' }, fallthrough: { split: [{ variant: 'a', weight: 34 }, { variant: 'b', weight: 33 }, { variant: 'c', weight: 33 }] } };
    const units = Array.from({ length: 500 }, (_, i) => `user-${i}-\u00e9\u{1F600}`);
    const here = units.map((userId) => evaluate(def, { userId }, '').variant).join(',');
    const evalPath = fileURLToPath(new URL('../../src/flags/evaluate.ts', import.meta.url));
    const script = `import(${JSON.stringify(evalPath)}).then((m) => { const def = ${JSON.stringify(def)}; const units = ${JSON.stringify(units)}; process.stdout.write(units.map((userId) => m.evaluate(def, { userId }, '').variant).join(',')); });`;
    const there = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(there).toBe(here);
  });
});
