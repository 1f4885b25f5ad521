import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateConditions, validateFlag, validateFlagSet, validateSegment } from '../../src/flags/validate.js';

const junk = fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, maxDepth: 3 });
const flagish = fc.record(
  { key: fc.oneof(fc.constant('f'), junk), enabled: fc.oneof(fc.boolean(), junk), variants: junk, fallthrough: junk, rules: fc.oneof(junk, fc.array(fc.record({ conditions: fc.array(junk), serve: junk }))), prerequisites: junk, targets: junk },
  { requiredKeys: [] },
);

describe('validation properties', () => {
  it('never throws and always returns issues with a string path and message, for any input', () => {
    fc.assert(
      fc.property(fc.oneof(junk, flagish), fc.array(fc.oneof(junk, flagish), { maxLength: 4 }), (one, many) => {
        const all = [validateFlag(one), validateSegment(one), validateConditions(one, 'c'), validateFlagSet({ flags: many, segments: many })].flat();
        for (const i of all) {
          expect(typeof i.path).toBe('string');
          expect(typeof i.message).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });


  it('regression (found by the property above): values without a primitive conversion in messages', () => {
    const bare = Object.create(null) as object;
    expect(validateFlag({ key: 'f', enabled: bare })[0]?.message).toBe('enabled must be true or false, got an object');
    expect(validateFlagSet({ flags: [{ enabled: bare }, { key: bare, enabled: true, prerequisites: [{ flag: bare, variant: 'on' }] }], segments: [] }).length).toBeGreaterThan(0);
    expect(validateFlag({ key: 'f', enabled: true, fallthrough: { split: [{ variant: 'on', weight: bare }] } }).map((i) => i.path)).toEqual(['fallthrough.split[0].weight']);
  });
});
