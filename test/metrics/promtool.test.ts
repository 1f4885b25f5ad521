// The exposition checked by a real parser: `promtool check metrics` (Debian package `prometheus`).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createDelivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/index.js';
import { rig } from './helpers.js';

const available = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!available) {
  console.warn('\n!!! promtool not found: the Prometheus exposition is NOT checked by a real parser. Install it with: apt-get install -y prometheus\n');
}

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!available)('promtool check metrics', () => {
  it('accepts the full exposition: every built-in series, hostile label values, and other modules’ families', () => {
    const { metrics, ctx, clock } = rig({ options: { maxTargets: 5, maxVersions: 2 } });
    const names = ['checkout', 'search "beta"', 'path\\with\\backslashes', 'multi\nline', 'ünïcödé', 'overflow'];
    for (let i = 0; i < 500; i++) {
      const target = names[i % names.length]!;
      metrics.record({ target, version: ['stable', 'canary', 'v3'][Math.floor(i / 6) % 3]!, success: i % 17 !== 0, durationMs: (i * 7.3) % 3000, status: i % 11 === 0 ? 503 : i % 13 === 0 ? undefined : 200 });
      clock.advance(10);
    }
    metrics.record({ target: 'bad', version: 'x', success: true, durationMs: -1 });
    ctx.addCollector(() => [
      { name: 'progressive_delivery_canary_weight', help: 'Current canary traffic weight (percent).', type: 'gauge', samples: [{ labels: { name: 'checkout' }, value: 30 }] },
      {
        name: 'progressive_delivery_canary_phase',
        help: 'Canary phase: 1 for the current one.',
        type: 'gauge',
        samples: ['Initialized', 'Progressing', 'Failed'].map((phase) => ({ labels: { name: 'checkout', phase }, value: phase === 'Progressing' ? 1 : 0 })),
      },
      { name: 'progressive_delivery_flag_evaluations_total', help: 'Flag evaluations.', type: 'counter', samples: [{ labels: { flag: 'new-checkout-flow', variant: 'on', reason: 'SPLIT' }, value: 12 }] },
    ]);
    ctx.addCollector(() => [
      { name: 'progressive_delivery_shadow_results_total', help: 'Shadow results.', type: 'counter', samples: [{ labels: { name: 'pricing', result: 'mismatched' }, value: 3 }] },
      { name: 'progressive_delivery_experiment_exposures_total', help: 'Exposures.', type: 'counter', samples: [{ labels: { experiment: 'exp"1', variant: 'b' }, value: 7 }] },
      { name: 'progressive_delivery_canary_weight', help: 'dup', type: 'gauge', samples: [{ labels: { name: 'search' }, value: 5 }] },
      { name: 'progressive_delivery_canary_weight', help: 'conflict', type: 'counter', samples: [{ labels: { name: 'x' }, value: 1 }] },
      { name: 'bad name', help: 'invalid', type: 'gauge', samples: [] },
    ]);
    const text = metrics.prometheus();
    expect(text).toContain('http_requests_total{target="search \\"beta\\"",version="stable",code="200"}');
    expect(text).toContain('http_requests_total{target="multi\\nline",version="canary",code="503"}');
    expect(text).toMatch(/^http_requests_total\{target="other",version="other",code="\d{3}"\} \d+$/m);
    expect(text).toContain('http_request_duration_seconds_bucket{target="other"');
    const r = promtool(text);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('accepts a real delivery’s exposition, with the flags, experiments, shadow and canary collectors registered', async () => {
    const d = createDelivery();
    try {
      await d.ready();
      await d.flags.put(booleanFlag('new-checkout-flow', { percentage: 50 }));
      for (let i = 0; i < 20; i++) d.flags.isEnabled('new-checkout-flow', { userId: `u${i}` });
      const shadow = d.shadow({ name: 'pricing', primary: (x: number) => x, shadow: (x: number) => x + (x % 2) });
      for (let i = 0; i < 5; i++) await shadow.call(i);
      const canary = d.rollouts.canary({
        name: 'api',
        stable: () => 1,
        canary: () => 2,
        analysis: { interval: '1m', threshold: 2, stepWeight: 10, maxWeight: 50, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] },
      });
      await canary.runAnalysis();
      for (let i = 0; i < 10; i++) await canary.call({});
      await d.experiments.put({ key: 'exp', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], status: 'running' });
      for (let i = 0; i < 10; i++) d.experiments.assign('exp', { userId: `u${i}` });
      await d.flush();
      const text = d.metrics.prometheus();
      for (const family of [
        'http_requests_total',
        'http_request_duration_seconds',
        'progressive_delivery_canary_weight',
        'progressive_delivery_canary_phase',
        'progressive_delivery_flag_evaluations_total',
        'progressive_delivery_shadow_results_total',
        'progressive_delivery_experiment_exposures_total',
      ]) {
        expect(text).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
      }
      expect(text).toMatch(/^http_requests_total\{target="api",version="(stable|canary)",code="2xx"\} \d+$/m);
      const r = promtool(text);
      expect(r.output).toBe('');
      expect(r.status).toBe(0);
    } finally {
      await d.close();
    }
  });

  it('accepts an empty exposition (no traffic yet)', () => {
    const { metrics } = rig();
    const r = promtool(metrics.prometheus());
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('the parser does reject a broken exposition (the check is real)', () => {
    expect(promtool('x{a="b} 1\n').status).not.toBe(0);
  });
});
