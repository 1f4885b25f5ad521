import { describe, expect, it } from 'vitest';
import type { MetricFamily } from '../../src/core/telemetry.js';
import { escapeHelp, escapeLabelValue, formatValue, renderExposition, type RenderProblem } from '../../src/metrics/prometheus.js';
import { rig } from './helpers.js';

/** Parses `name{labels} value` lines into a map (test helper; promtool.test.ts checks with the real parser). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1).replace('+Inf', 'Infinity')));
  }
  return out;
}

describe('escaping and formatting', () => {
  it.each([
    ['plain', 'plain'],
    ['back\\slash', 'back\\\\slash'],
    ['a "quote"', 'a \\"quote\\"'],
    ['two\nlines', 'two\\nlines'],
    ['\\"\n', '\\\\\\"\\n'],
  ])('label value %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  it('HELP escapes backslash and newline but not quotes', () => {
    expect(escapeHelp('a\\b\n"c"')).toBe('a\\\\b\\n"c"');
  });

  it.each([
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [0, '0'],
    [2000, '2000'],
    [0.0025, '0.0025'],
    [1e21, '1e+21'],
  ])('value %s -> %s', (v, s) => {
    expect(formatValue(v)).toBe(s);
  });
});

describe('renderExposition', () => {
  it('writes HELP and TYPE once per family and merges families by name', () => {
    const fams: MetricFamily[] = [
      { name: 'x_total', help: 'first', type: 'counter', samples: [{ labels: { a: '1' }, value: 1 }] },
      { name: 'y', help: 'gauge', type: 'gauge', samples: [{ labels: {}, value: 3 }] },
      { name: 'x_total', help: 'second', type: 'counter', samples: [{ labels: { a: '2' }, value: 2 }] },
    ];
    expect(renderExposition(fams)).toBe(
      ['# HELP x_total first', '# TYPE x_total counter', 'x_total{a="1"} 1', 'x_total{a="2"} 2', '# HELP y gauge', '# TYPE y gauge', 'y 3', ''].join('\n'),
    );
  });

  it('leaves out conflicting types, invalid names and duplicate series, and says why', () => {
    const problems: RenderProblem[] = [];
    const text = renderExposition(
      [
        { name: 'x', help: '', type: 'gauge', samples: [{ labels: { ok: 'v' }, value: 1 }, { labels: { ok: 'v' }, value: 9 }] },
        { name: 'x', help: 'h', type: 'counter', samples: [{ labels: {}, value: 2 }] },
        { name: 'bad-name', help: 'h', type: 'gauge', samples: [{ labels: {}, value: 1 }] },
        { name: 'z', help: 'h', type: 'gauge', samples: [{ labels: { 'bad-label': 'v' }, value: 1 }, { labels: { __reserved: 'v' }, value: 1 }, { labels: { fine: 'v' }, value: 4 }] },
      ],
      problems,
    );
    expect(text).toBe(['# HELP x x', '# TYPE x gauge', 'x{ok="v"} 1', '# HELP z h', '# TYPE z gauge', 'z{fine="v"} 4', ''].join('\n'));
    expect(problems.map((p) => p.family)).toEqual(['x', 'bad-name', 'z', 'z']);
  });
});

describe('metrics.prometheus()', () => {
  it('exposes http_requests_total by target, version and code, with 2xx/5xx when no status was given', () => {
    const { metrics } = rig();
    metrics.record({ target: 'checkout', version: 'v1', success: true, durationMs: 3, status: 200 });
    metrics.record({ target: 'checkout', version: 'v1', success: true, durationMs: 3, status: 200 });
    metrics.record({ target: 'checkout', version: 'v1', success: false, durationMs: 3, status: 503 });
    metrics.record({ target: 'checkout', version: 'v1', success: true, durationMs: 3 });
    metrics.record({ target: 'checkout', version: 'v1', success: false, durationMs: 3 });
    const s = samples(metrics.prometheus());
    expect(s.get('http_requests_total{target="checkout",version="v1",code="200"}')).toBe(2);
    expect(s.get('http_requests_total{target="checkout",version="v1",code="503"}')).toBe(1);
    expect(s.get('http_requests_total{target="checkout",version="v1",code="2xx"}')).toBe(1);
    expect(s.get('http_requests_total{target="checkout",version="v1",code="5xx"}')).toBe(1);
    // the seed's error queries use code=~"5..": both error codes match it
    const fivexx = [...s].filter(([k]) => k.startsWith('http_requests_total') && /^5..$/.test(/code="([^"]*)"/.exec(k)![1]!));
    expect(fivexx.reduce((n, [, v]) => n + v, 0)).toBe(2);
  });

  it('exposes a cumulative duration histogram in seconds with exact le counts, _sum and _count', () => {
    const { metrics } = rig();
    const durations = [0.5, 1, 1.0001, 5, 5, 99.9, 100, 100.1, 2500, 2500.01, 59_999, 61_000];
    for (const d of durations) metrics.record({ target: 't', version: 'v', success: true, durationMs: d });
    const s = samples(metrics.prometheus());
    const bucket = (le: string) => s.get(`http_request_duration_seconds_bucket{target="t",version="v",le="${le}"}`);
    expect(bucket('0.001')).toBe(2); // 0.5 ms and exactly 1 ms
    expect(bucket('0.0025')).toBe(3);
    expect(bucket('0.005')).toBe(5);
    expect(bucket('0.1')).toBe(7);
    expect(bucket('0.25')).toBe(8);
    expect(bucket('2.5')).toBe(9); // exactly 2.5 s counts; 2500.01 ms does not
    expect(bucket('5')).toBe(10);
    expect(bucket('60')).toBe(11);
    expect(bucket('+Inf')).toBe(12);
    expect(s.get('http_request_duration_seconds_count{target="t",version="v"}')).toBe(12);
    expect(s.get('http_request_duration_seconds_sum{target="t",version="v"}')).toBeCloseTo(durations.reduce((a, b) => a + b) / 1000, 9);
  });

  it('counters are cumulative since start, not windowed', () => {
    const { metrics, clock } = rig({ options: { retention: '1m', resolution: '1s' } });
    metrics.record({ target: 't', version: 'v', success: true, durationMs: 1, status: 200 });
    clock.advance(3_600_000);
    metrics.record({ target: 't', version: 'v', success: true, durationMs: 1, status: 200 });
    expect(samples(metrics.prometheus()).get('http_requests_total{target="t",version="v",code="200"}')).toBe(2);
  });

  it('honours custom buckets', () => {
    const { metrics } = rig({ options: { buckets: [0.01, 0.1] } });
    metrics.record({ target: 't', version: 'v', success: true, durationMs: 50 });
    const text = metrics.prometheus();
    expect(text).toContain('http_request_duration_seconds_bucket{target="t",version="v",le="0.01"} 0\n');
    expect(text).toContain('http_request_duration_seconds_bucket{target="t",version="v",le="0.1"} 1\n');
    expect(text).toContain('http_request_duration_seconds_bucket{target="t",version="v",le="+Inf"} 1\n');
  });

  it('escapes label values from targets and versions', () => {
    const { metrics } = rig();
    metrics.record({ target: 'a"b\\c\nd', version: 'v', success: true, durationMs: 1, status: 201 });
    expect(metrics.prometheus()).toContain('http_requests_total{target="a\\"b\\\\c\\nd",version="v",code="201"} 1\n');
  });

  it("renders every collector's families, merged with the same names from other collectors", () => {
    const { metrics, ctx } = rig();
    ctx.addCollector(() => [
      { name: 'progressive_delivery_canary_weight', help: 'Canary weight.', type: 'gauge', samples: [{ labels: { name: 'c1' }, value: 20 }] },
    ]);
    ctx.addCollector(() => [
      { name: 'progressive_delivery_canary_weight', help: 'Canary weight (again).', type: 'gauge', samples: [{ labels: { name: 'c2' }, value: 40 }] },
      { name: 'progressive_delivery_canary_phase', help: 'Phase.', type: 'gauge', samples: [{ labels: { name: 'c1', phase: 'Progressing' }, value: 1 }] },
    ]);
    const text = metrics.prometheus();
    expect(text.match(/# TYPE progressive_delivery_canary_weight gauge/g)).toHaveLength(1);
    expect(text).toContain('progressive_delivery_canary_weight{name="c1"} 20\nprogressive_delivery_canary_weight{name="c2"} 40\n');
    expect(text).toContain('progressive_delivery_canary_phase{name="c1",phase="Progressing"} 1\n');
  });

  it('a collector that throws is reported once and left out; the rest still renders', () => {
    const { metrics, ctx, errors } = rig();
    ctx.addCollector(() => {
      throw new Error('collector broke');
    });
    ctx.addCollector(() => [{ name: 'fine_total', help: 'ok', type: 'counter', samples: [{ labels: {}, value: 1 }] }]);
    metrics.prometheus();
    const text = metrics.prometheus();
    expect(text).toContain('fine_total 1\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/collector broke/);
  });

  it("exposes the module's own counters", () => {
    const { metrics } = rig({ options: { maxTargets: 1 } });
    metrics.record({ target: 'a', version: 'v', success: true, durationMs: 1 });
    metrics.record({ target: 'b', version: 'v', success: true, durationMs: 1 });
    metrics.record({ target: 'c', version: 'v', success: true, durationMs: -1 });
    const s = samples(metrics.prometheus());
    expect(s.get('progressive_delivery_metrics_series')).toBe(2);
    expect(s.get('progressive_delivery_metrics_records_folded_total')).toBe(1);
    expect(s.get('progressive_delivery_metrics_records_dropped_total')).toBe(1);
    expect(s.get('http_requests_total{target="other",version="v",code="2xx"}')).toBe(1);
  });
});
