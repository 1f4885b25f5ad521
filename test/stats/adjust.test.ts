import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { adjustPValues } from '../../src/stats/index.js';

const pValue = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.05, 0.01));
const pList = fc.array(pValue, { minLength: 0, maxLength: 30 });

describe('adjustPValues', () => {
  it.each([
    [[0.01, 0.04, 0.03], 'holm', [0.03, 0.06, 0.06]],
    [[0.01, 0.04, 0.03], 'bonferroni', [0.03, 0.12, 0.09]],
    [[0.01, 0.04, 0.03], 'none', [0.01, 0.04, 0.03]],
    [[0.5, 0.6], 'holm', [1, 1]],
    [[0.001, 0.2, 0.01, 0.04], 'holm', [0.004, 0.2, 0.03, 0.08]],
    [[], 'holm', []],
  ] as const)('%j with %s gives %j', (input, method, expected) => {
    const out = adjustPValues([...input], method);
    expect(out.length).toBe(expected.length);
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 15));
  });

  it('keeps NaN as NaN and leaves it out of m', () => {
    const out = adjustPValues([0.01, NaN, 0.02], 'holm');
    expect(out[1]).toBeNaN();
    expect(out[0]).toBeCloseTo(0.02, 15);
    expect(out[2]).toBeCloseTo(0.02, 15);
    expect(adjustPValues([NaN, 0.3], 'bonferroni')).toEqual([NaN, 0.3]);
  });

  it('does not modify its input', () => {
    const input = [0.04, 0.01];
    adjustPValues(input, 'holm');
    expect(input).toEqual([0.04, 0.01]);
  });

  it('Holm is never below the raw p, never above Bonferroni, at most 1', () => {
    fc.assert(
      fc.property(pList, (ps) => {
        const holm = adjustPValues(ps, 'holm');
        const bonf = adjustPValues(ps, 'bonferroni');
        ps.forEach((p, i) => {
          expect(holm[i]).toBeGreaterThanOrEqual(p);
          expect(holm[i]).toBeLessThanOrEqual(bonf[i] as number);
          expect(holm[i]).toBeLessThanOrEqual(1);
          expect(bonf[i]).toBe(Math.min(1, ps.length * p));
        });
      }),
    );
  });

  it('Holm is monotone in the raw p-values (a smaller raw p never gets a larger adjusted one)', () => {
    fc.assert(
      fc.property(pList, (ps) => {
        const holm = adjustPValues(ps, 'holm');
        for (let i = 0; i < ps.length; i++) {
          for (let j = 0; j < ps.length; j++) {
            if ((ps[i] as number) <= (ps[j] as number)) expect(holm[i]).toBeLessThanOrEqual(holm[j] as number);
          }
        }
      }),
    );
  });

  it('Holm rejects at least what Bonferroni rejects, and only what a step-down procedure allows', () => {
    fc.assert(
      fc.property(pList, fc.constantFrom(0.01, 0.05, 0.1), (ps, alpha) => {
        const holm = adjustPValues(ps, 'holm');
        const bonf = adjustPValues(ps, 'bonferroni');
        const m = ps.length;
        // Direct step-down: reject the k smallest while p_(k) <= alpha / (m - k).
        const sorted = [...ps].sort((a, b) => a - b);
        let k = 0;
        while (k < m && (sorted[k] as number) <= alpha / (m - k)) k++;
        const rejected = holm.filter((p) => p <= alpha).length;
        expect(rejected).toBeGreaterThanOrEqual(bonf.filter((p) => p <= alpha).length);
        expect(rejected).toBe(k);
      }),
    );
  });

  it('rejects p-values outside [0, 1] and unknown methods, listing every problem', () => {
    try {
      adjustPValues([0.1, -0.2, 1.5, Infinity], 'sidak' as never);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['pValues[1]', 'pValues[2]', 'pValues[3]', 'method']);
    }
  });
});
