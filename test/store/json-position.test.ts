import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonWithPosition } from '../../src/store/json-position.js';

describe('parseJsonWithPosition', () => {
  it.each([
    ['{"a": }', 1, 7, /a JSON value/],
    ['{\n  "a": 1,\n}', 3, 1, /trailing comma/],
    ['[1, 2', 1, 6, /',' or ']'/],
    ['{"a" 1}', 1, 6, /':'/],
    ["{'a': 1}", 1, 2, /double quotes/],
    ['{"a": "x\ty"}', 1, 9, /control character/],
    ['{"a": 01}', 1, 8, /',' or '}'/],
    ['{} x', 1, 4, /end of the document/],
    ['', 1, 1, /a JSON value/],
    ['{"a": tru}', 1, 7, /a JSON value/],
  ])('%j fails at line %i, column %i', (text, line, column, message) => {
    const r = parseJsonWithPosition(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.problem.line, r.problem.column]).toEqual([line, column]);
    expect(r.problem.message).toMatch(message);
  });

  it('agrees with JSON.parse on valid documents, whatever their layout', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const r = parseJsonWithPosition(text);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value).toEqual(JSON.parse(text));
      }),
    );
  });

  it('locates a problem inside the text for every corrupted document JSON.parse rejects', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.constantFrom('', '}', ']', ',', ':', '"', 'x', '\n'), (text, at, junk) => {
        const pos = at % (text.length + 1);
        const bad = text.slice(0, pos) + junk + text.slice(pos + 1);
        let valid = true;
        try {
          JSON.parse(bad);
        } catch {
          valid = false;
        }
        const r = parseJsonWithPosition(bad);
        expect(r.ok).toBe(valid);
        if (!r.ok) {
          expect(r.problem.offset).toBeGreaterThanOrEqual(0);
          expect(r.problem.offset).toBeLessThanOrEqual(bad.length);
          expect(r.problem.line).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });
});
