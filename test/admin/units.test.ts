import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineChart } from '../../src/admin/chart.js';
import { applyForm, editModel, fieldOf, parseIds } from '../../src/admin/flag-form.js';
import { History } from '../../src/admin/history.js';
import { escapeHtml, html, raw } from '../../src/admin/html.js';
import { resolveAdminOptions } from '../../src/admin/options.js';
import { ValidationError } from '../../src/core/errors.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { validateFlag } from '../../src/flags/validate.js';

describe('admin options', () => {
  it('needs authorize or insecure: true, and says what to pass', () => {
    for (const bad of [undefined, null, {}, { insecure: false }, { prefix: '/d' }]) {
      const e = (() => {
        try {
          resolveAdminOptions(bad);
        } catch (err) {
          return err;
        }
      })();
      expect(e, JSON.stringify(bad)).toBeInstanceOf(ValidationError);
      expect((e as Error).message).toMatch(/authorize/);
      expect((e as Error).message).toMatch(/insecure: true/);
    }
    expect(resolveAdminOptions({ insecure: true }).authorize).toBeUndefined();
    expect(resolveAdminOptions({ authorize: () => true }).prefix).toBe('');
  });

  it('lists every problem with its path', () => {
    try {
      resolveAdminOptions({ authorize: 'yes', prefix: 'delivery', csrfSecret: 'short', trustedOrigins: ['https://ok.example', 'not a url'], bodyLimit: 5, liveInterval: 1, metricsWindow: 'soon', colour: 'red' });
      expect.unreachable();
    } catch (err) {
      const paths = (err as ValidationError).issues.map((i) => i.path).sort();
      expect(paths).toEqual(['authorize', 'bodyLimit', 'colour', 'csrfSecret', 'liveInterval', 'metricsWindow', 'prefix', 'trustedOrigins[1]'].sort());
    }
  });

  it('normalises the prefix and applies defaults', () => {
    const o = resolveAdminOptions({ insecure: true, prefix: '/ops/delivery/', metricsWindow: '1m', trustedOrigins: ['https://ops.example.com'] });
    expect(o).toMatchObject({ prefix: '/ops/delivery', metricsWindowMs: 60_000, historyIntervalMs: 60_000, historySize: 120, bodyLimit: 65_536, trustedOrigins: ['https://ops.example.com'] });
  });
});

describe('html escaping', () => {
  it('escapes every interpolated value and keeps trusted fragments', () => {
    const evil = `<script>alert('x')</script>"&\``;
    expect(html`<td title="${evil}">${evil}</td>`.value).toBe(
      '<td title="&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;&#96;">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;&#96;</td>',
    );
    expect(html`<p>${raw('<b>ok</b>')}${[1, '<i>', html`<u>x</u>`]}${null}${undefined}${false}</p>`.value).toBe('<p><b>ok</b>1&lt;i&gt;<u>x</u></p>');
  });

  it('never lets a markup character through (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = html`<div>${s}</div><a href="${s}">`.value;
        const inner = out.slice(5, out.indexOf('</div>'));
        return !/[<>"'`]/.test(inner) && escapeHtml(s).length >= s.length;
      }),
    );
  });
});

describe('the flag edit form', () => {
  const flag = { ...booleanFlag('f', { percentage: 20, userIds: ['u1'] }), description: 'd' };

  it('reads a boolean flag as a percentage and writes it back as a split or a single variant', () => {
    const m = editModel(flag);
    expect(m).toMatchObject({ booleanShaped: true, percentage: 20, servePath: 'fallthrough', targets: { on: ['u1'], off: [] } });
    expect(applyForm(flag, { percentage: '35.5%' }).def.fallthrough).toEqual({ split: [{ variant: 'on', weight: 35.5 }, { variant: 'off', weight: 64.5 }] });
    expect(applyForm(flag, { percentage: '100' }).def.fallthrough).toEqual({ variant: 'on' });
    expect(applyForm(flag, { percentage: '0' }).def.fallthrough).toEqual({ variant: 'off' });
    for (const bad of ['', 'abc', '-1', '101', '1e3', 'NaN']) expect(applyForm(flag, { percentage: bad }).issues.map((i) => i.path), bad).toEqual(['percentage']);
  });

  it('edits the gates rule of a booleanFlag built with rules', () => {
    const gated = booleanFlag('g', { percentage: 30, rules: [{ attribute: 'country', operator: 'in', values: ['NL'] }] });
    const m = editModel(gated);
    expect(m).toMatchObject({ percentage: 30, servePath: 'rules[0].serve' });
    const next = applyForm(gated, { percentage: '60' }).def;
    expect(next.rules![0]!.serve).toEqual({ split: [{ variant: 'on', weight: 60 }, { variant: 'off', weight: 40 }] });
    expect(next.fallthrough).toEqual({ variant: 'off' });
  });

  it('changes only the fields present, and keeps a split bucketBy', () => {
    const f = { ...flag, fallthrough: { split: [{ variant: 'on', weight: 1 }, { variant: 'off', weight: 3 }], bucketBy: 'accountId' } };
    expect(editModel(f).percentage).toBe(25);
    const next = applyForm(f, { percentage: '50' }).def;
    expect(next.fallthrough).toEqual({ split: [{ variant: 'on', weight: 50 }, { variant: 'off', weight: 50 }], bucketBy: 'accountId' });
    expect(next.targets).toEqual(f.targets);
    expect(next.description).toBe('d');
    expect(applyForm(f, { 'targets.on': '', 'targets.off': '' }).def.targets).toBeUndefined();
    expect(applyForm(f, { description: '  ' }).def.description).toBeUndefined();
  });

  it('maps library issue paths to form fields', () => {
    const multi = { key: 'm', enabled: true, variants: { a: 1, b: 2 }, offVariant: 'a', fallthrough: { split: [{ variant: 'a', weight: 1 }, { variant: 'b', weight: 1 }] } };
    const mm = editModel(multi);
    expect(fieldOf('fallthrough.split[1].weight', mm, multi)).toBe('weight.b');
    expect(fieldOf('fallthrough.split', mm, multi)).toBe('weights');
    expect(fieldOf('targets.b[3]', mm, multi)).toBe('targets.b');
    expect(fieldOf('rules[0].conditions[0].operator', mm, multi)).toBe('');
    expect(fieldOf('fallthrough', editModel(flag), flag)).toBe('percentage');
    // an actual library issue lands on its field
    const both = applyForm(flag, { 'targets.on': 'u1 u2', 'targets.off': 'u2' }).def;
    const issues = validateFlag(both);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.map((i) => fieldOf(i.path, editModel(flag), both))).toContain('targets.off');
  });

  it('parses id lists by lines, commas and spaces, without duplicates', () => {
    expect(parseIds(' a\nb, c  a\r\n\nd ')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('any percentage from 0 to 100 gives a valid definition that reads back the same (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (milli) => {
        const p = milli / 1000;
        const r = applyForm(flag, { percentage: String(p) });
        return r.issues.length === 0 && validateFlag(r.def).length === 0 && Math.abs(editModel(r.def).percentage - p) < 1e-9;
      }),
    );
  });
});

describe('History', () => {
  it('stays bounded, ordered, and keeps the first and the last point (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 40 }), fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 400 }), (size, gaps) => {
        const h = new History(size);
        let at = 0;
        for (const g of gaps) h.add('s', { at: (at += g), values: { v: at } });
        const pts = h.get('s');
        if (gaps.length === 0) return pts.length === 0;
        return pts.length <= size && pts[0]!.at === gaps[0] && pts[pts.length - 1]!.at === at && pts.every((p, i) => i === 0 || p.at >= pts[i - 1]!.at);
      }),
    );
  });

  it('drops out-of-order points, replaces close ones, and caps subjects', () => {
    const h = new History(10, 2);
    h.add('a', { at: 10, values: { w: 1 } });
    h.add('a', { at: 20, values: { w: 2 } });
    h.add('a', { at: 5, values: { w: 9 } });
    h.add('a', { at: 25, values: { w: 3 } }, 10);
    expect(h.get('a').map((p) => p.values.w)).toEqual([1, 3]);
    h.add('b', { at: 1, values: {} });
    h.add('c', { at: 1, values: {} });
    expect(h.subjects()).toEqual(['b', 'c']);
  });
});

describe('lineChart', () => {
  it('draws one path per series with data, escapes names, and shows a placeholder without data', () => {
    const svg = lineChart(
      [
        { name: '<b>', points: [{ at: 0, value: 0.1 }, { at: 60_000, value: 0.12 }] },
        { name: 'b', points: [{ at: 0, value: NaN }] },
      ],
      { title: 't', now: 120_000, yFormat: (v) => v.toFixed(2) },
    ).value;
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toMatch(/style=/);
    expect(lineChart([{ name: 'x', points: [] }], { title: 't', now: 0, yFormat: String }).value).toContain('no data yet');
  });
});
