// docs/grafana-dashboard.json: importable shape (schemaVersion, gridPos, targets, template variables) and every
// metric name in every PromQL expression is a series that a real delivery's metrics.prometheus() exports.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { createDelivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';

interface Target {
  expr: string;
  legendFormat: string;
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  datasource?: { uid: string };
}
interface Dashboard {
  schemaVersion: number;
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

/** The expression as Prometheus receives it once Grafana has substituted the variables. */
const substituted = (expr: string): string =>
  expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__range/g, '1h')
    .replace(/\$\{?(\w+)\}?/g, (_, v: string) => ({ target: 'checkout', name: '.*', new_version: 'canary', old_version: 'stable' })[v] ?? v);

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard;

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects: identifiers that are not functions, keywords, labels or variables. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings (label values, regexes)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery durations
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' '); // dashboard variables
  const out = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = m[0];
    const after = stripped.slice(m.index + name.length).trimStart();
    const before = stripped.slice(0, m.index);
    if (after.startsWith('(')) continue; // a function or aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (/[0-9.]$/.test(before) || /^[eE]$/.test(name)) continue; // part of a number such as 1e3
    out.add(name);
  }
  return [...out];
}

/** Series names and family types in a text exposition. */
function exposition(text: string): { series: Set<string>; types: Map<string, string> } {
  const series = new Set<string>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    else if (line && !line.startsWith('#')) series.add(/^[^{\s]+/.exec(line)![0]);
  }
  return { series, types };
}

/** A name the dashboard may use: an exported series whose family (suffix stripped for histograms) is declared. */
function exported(name: string, ex: ReturnType<typeof exposition>): boolean {
  if (!ex.series.has(name)) return false;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && ex.types.get(m[1]!) === 'histogram') return true;
  return ex.types.has(name);
}

async function fullDelivery(): Promise<string> {
  const clock = createManualClock(1_700_000_000_000);
  const d = createDelivery({ clock, random: seededRandom(3) });
  try {
    await d.ready();
    await d.flags.put(booleanFlag('new-checkout-flow', { percentage: 50 }));
    for (let i = 0; i < 10; i++) d.flags.isEnabled('new-checkout-flow', { userId: `u${i}` });
    await d.experiments.put({ key: 'exp', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], status: 'running' });
    for (let i = 0; i < 10; i++) d.experiments.assign('exp', { userId: `u${i}` });
    const shadow = d.shadow({ name: 'pricing', primary: (x: number) => x, shadow: (x: number) => x + (x % 2) });
    for (let i = 0; i < 4; i++) await shadow.call(i);
    const canary = d.rollouts.canary<number, number>({
      name: 'checkout',
      stable: (x) => x,
      canary: (x) => {
        if (x % 10 === 0) throw new Error('boom');
        return x;
      },
      stickyBy: (x) => String(x),
      analysis: { interval: '1m', threshold: 3, stepWeight: 50, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 90 } }] },
    });
    const bg = d.rollouts.blueGreen<number, number>({ name: 'api', blue: (x) => x, green: (x) => x });
    const rings = d.rollouts.rings<number, number>({ name: 'search', stable: (x) => x, next: (x) => x, rings: [{ name: 'all', percentage: 100 }], context: (x) => ({ userId: String(x) }) });
    await d.rollouts.guardedFlag({ flag: 'new-checkout-flow', steps: [10], analysis: { interval: '1m', threshold: 1, metrics: [] } }).runAnalysis();
    await canary.runAnalysis();
    for (let i = 0; i < 100; i++) await canary.call(i).catch(() => undefined);
    await bg.switch();
    await rings.advance();
    await bg.call(1);
    await d.flush();
    return d.metrics.prometheus();
  } finally {
    await d.close();
  }
}

describe('docs/grafana-dashboard.json', () => {
  it('has the shape Grafana imports: schemaVersion, uid, panels with gridPos and PromQL targets', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('progressive-delivery');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos, p.title).toEqual({ x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number) });
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource?.uid).toBe('${datasource}');
      for (const t of p.targets ?? []) {
        expect(t.expr, p.title).toMatch(/\S/);
        expect(typeof t.legendFormat, p.title).toBe('string');
      }
    }
  });

  it('has the panels of the seed plus flags, experiments and shadows', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const t of ['Deployment progress (canary weight)', 'Success rate by version', 'p99 latency by version', 'Error-rate difference ($new_version - $old_version)', 'Flag evaluations', 'Experiment exposures', 'Shadow results']) {
      expect(titles).toContain(t);
    }
  });

  it('declares a datasource variable and the $target and $name variables the expressions use', () => {
    const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars.get('target')).toMatchObject({ type: 'query' });
    expect(vars.get('name')).toMatchObject({ type: 'query' });
    const used = new Set(dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => [...t.expr.matchAll(/\$(\w+)/g)].map((m) => m[1]!))));
    for (const v of used) if (!v.startsWith('__')) expect(vars.has(v), `$${v}`).toBe(true);
    expect(used).toContain('target');
    expect(used).toContain('name');
  });

  it('the metric-name extractor finds selectors and skips functions, labels, keywords and variables', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (version, le) (rate(http_request_duration_seconds_bucket{target=~"$target"}[$__rate_interval])))')).toEqual([
      'http_request_duration_seconds_bucket',
    ]);
    expect(metricNames('100 * (sum(rate(a_total{code=~"5.."}[5m])) or vector(0)) / sum without (pod) (rate(b_total[1m])) > bool 1e3')).toEqual(['a_total', 'b_total']);
    expect(metricNames('max by (name, phase) (x_phase{name=~"$name"}) == 1 unless on (name) y')).toEqual(['x_phase', 'y']);
  });

  it('names only series that metrics.prometheus() exports', async () => {
    const ex = exposition(await fullDelivery());
    const names = new Set(dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))));
    expect(names.size).toBeGreaterThanOrEqual(8);
    const missing = [...names].filter((n) => !exported(n, ex));
    expect(missing).toEqual([]);
    // and the check can fail: a family that does not exist is caught
    expect(exported('progressive_delivery_canary_weight_bucket', ex)).toBe(false);
    expect(exported('http_requests', ex)).toBe(false);
  });

  it.skipIf(!hasPromtool)('every expression parses as PromQL (promtool check rules), variables substituted', () => {
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => substituted(t.expr)));
    const dir = mkdtempSync(join(tmpdir(), 'pd-grafana-'));
    try {
      const rules = exprs.map((e, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(e)}`).join('\n');
      writeFileSync(join(dir, 'rules.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
      const r = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8', timeout: 20_000 });
      expect(`${r.stdout}${r.stderr}`).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
