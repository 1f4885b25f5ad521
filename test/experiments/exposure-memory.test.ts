import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExposureMemory } from '../../src/experiments/exposure-memory.js';

describe('ExposureMemory', () => {
  it('remembers at least the last max pairs touched, with their latest values, and never holds more than 2 * max', () => {
    const op = fc.record({ exp: fc.constantFrom('a', 'b', 'c'), unit: fc.integer({ min: 0, max: 30 }).map(String), value: fc.constantFrom('', '?', 'x', 'y'), read: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 300 }), (max, ops) => {
        const m = new ExposureMemory(max);
        const latest = new Map<string, string>();
        const touched: string[] = []; // pair keys, most recent last
        for (const o of ops) {
          const k = `${o.exp}/${o.unit}`;
          if (o.read) {
            const got = m.get(o.exp, o.unit);
            if (got !== undefined) {
              expect(got).toBe(latest.get(k)); // never a stale or made-up value
              touched.push(k);
            }
          } else {
            m.set(o.exp, o.unit, o.value);
            latest.set(k, o.value);
            touched.push(k);
          }
          expect(m.size).toBeLessThanOrEqual(2 * max);
        }
        const recent = [...new Set(touched.reverse())].slice(0, max);
        for (const k of recent) {
          const [exp, unit] = k.split('/') as [string, string];
          expect(m.get(exp, unit)).toBe(latest.get(k));
        }
      }),
    );
  });

  it('forgets the oldest pairs once two generations are full', () => {
    const m = new ExposureMemory(2);
    for (const u of ['1', '2', '3', '4', '5']) m.set('e', u, u);
    expect(m.get('e', '1')).toBeUndefined();
    expect(m.get('e', '5')).toBe('5');
  });
});
