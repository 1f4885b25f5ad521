import { describe, expect, expectTypeOf, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import type { FleetWindow, LatencyHistogramView, MetricsSnapshot, RecordInput } from '../../src/metrics/types.js';
import { rig } from './helpers.js';

const ok = (durationMs: number, status = 200): RecordInput => ({ target: 'checkout', version: 'v2', success: true, durationMs, status });
const fail = (durationMs: number, status = 503): RecordInput => ({ target: 'checkout', version: 'v2', success: false, durationMs, status });

describe('metrics windows', () => {
  it('counts requests, errors, status classes and latency quantiles in a window', () => {
    const { metrics } = rig();
    for (let i = 1; i <= 100; i++) metrics.record(ok(i));
    for (let i = 0; i < 5; i++) metrics.record(fail(1000));
    metrics.record({ target: 'checkout', version: 'v2', success: false, durationMs: 3, status: 404 });
    const s = metrics.snapshot('checkout', 'v2', 60_000);
    expect(s.requests).toBe(106);
    expect(s.errors).toBe(6);
    expect(s.successRate).toBeCloseTo((100 * 100) / 106, 10);
    expect(s.statusClasses).toEqual({ '1xx': 0, '2xx': 100, '3xx': 0, '4xx': 1, '5xx': 5 });
    // nearest rank 53 of [1, 2, 3, 3, 4, ..., 100, 1000 x5] is 52
    expect(Math.abs(s.p50 - 52) / 52).toBeLessThanOrEqual(0.01);
    expect(s.histogram.count).toBe(106);
    expect(s.p99).toBeCloseTo(1000, -1);
    expect(s.meanMs).toBeCloseTo((5050 + 5000 + 3) / 106, 10);
    expect(s.instances).toBe(1);
  });

  it('reads only the slots inside the window, rounded to whole slots (resolution 5 s)', () => {
    const { metrics, clock } = rig({ options: { resolution: '5s' } });
    clock.advance(5_000 - (clock.now() % 5_000)); // align to a slot start
    for (let step = 0; step < 12; step++) {
      for (let i = 0; i < step + 1; i++) metrics.record(ok(10));
      clock.advance(5_000);
    }
    // slots hold 1, 2, ..., 12 requests; the slot in progress is empty
    expect(metrics.snapshot('checkout', 'v2', 5_000).requests).toBe(12);
    expect(metrics.snapshot('checkout', 'v2', 10_000).requests).toBe(12 + 11);
    expect(metrics.snapshot('checkout', 'v2', 60_000).requests).toBe(78);
    // a window that does not fall on slot bounds reaches back to the slot it starts in
    expect(metrics.snapshot('checkout', 'v2', 7_000).requests).toBe(12 + 11);
    const s = metrics.snapshot('checkout', 'v2', 10_000);
    expect(s.to - s.from).toBe(15_000);
    expect(s.to).toBe(clock.now() + 5_000);
  });

  it('accepts duration strings for the window', () => {
    const { metrics } = rig();
    metrics.record(ok(5));
    expect(metrics.snapshot('checkout', 'v2', '1m').requests).toBe(1);
  });

  it('keeps data for the retention and no longer; longer windows are cut to the retention', () => {
    const { metrics, clock } = rig({ options: { resolution: '1s', retention: '1m' } });
    metrics.record(ok(5));
    clock.advance(30_000);
    metrics.record(ok(5));
    expect(metrics.snapshot('checkout', 'v2', '1m').requests).toBe(2);
    clock.advance(40_000); // the first record is 70 s old
    expect(metrics.snapshot('checkout', 'v2', '1h').requests).toBe(1);
    clock.advance(40_000);
    expect(metrics.snapshot('checkout', 'v2', '1h').requests).toBe(0);
  });

  it('reuses ring slots: a long run of traffic never holds more than the retention', () => {
    const { metrics, clock } = rig({ options: { resolution: '1s', retention: '10s' } });
    for (let t = 0; t < 100; t++) {
      metrics.record(ok(1));
      clock.advance(1_000);
    }
    expect(metrics.snapshot('checkout', 'v2', '10s').requests).toBe(10);
    expect(metrics.snapshot('checkout', 'v2', '10m').requests).toBe(10);
  });

  it('answers NaN quantiles and success rate without data, for unknown series too', () => {
    const { metrics } = rig();
    const s = metrics.snapshot('nobody', 'v1', 60_000);
    expect(s).toMatchObject({ requests: 0, errors: 0, instances: 0 });
    expect(s.successRate).toBeNaN();
    expect(s.p50).toBeNaN();
    expect(s.p99).toBeNaN();
    expect(s.histogram.count).toBe(0);
  });

  it('keeps series apart', () => {
    const { metrics } = rig();
    metrics.record({ target: 'a', version: 'stable', success: true, durationMs: 1 });
    metrics.record({ target: 'a', version: 'canary', success: false, durationMs: 1 });
    metrics.record({ target: 'b', version: 'stable', success: true, durationMs: 1 });
    metrics.record({ target: 'a', version: 'stable', success: true, durationMs: 1 });
    expect(metrics.snapshot('a', 'stable', 1000).requests).toBe(2);
    expect(metrics.snapshot('a', 'canary', 1000).errors).toBe(1);
    expect(metrics.snapshot('b', 'stable', 1000).requests).toBe(1);
    expect(metrics.series()).toEqual([
      { target: 'a', version: 'stable' },
      { target: 'a', version: 'canary' },
      { target: 'b', version: 'stable' },
    ]);
  });

  it('zero-duration records (a manual clock) count with latency 0', () => {
    const { metrics } = rig();
    for (let i = 0; i < 10; i++) metrics.record(ok(0));
    const s = metrics.snapshot('checkout', 'v2', 1000);
    expect(s.requests).toBe(10);
    expect(s.p99).toBe(0);
  });

  it('a clock that goes back keeps counting in the newest slot', () => {
    const { metrics, clock } = rig({ options: { resolution: '1s' } });
    metrics.record(ok(1));
    clock.advance(5_000);
    metrics.record(ok(1));
    // a manual clock cannot go back: wrap its now() to simulate a system clock step
    const real = clock.now.bind(clock);
    let offset = 0;
    clock.now = () => real() + offset;
    offset = -3_000;
    metrics.record(ok(1));
    offset = 0;
    expect(metrics.snapshot('checkout', 'v2', '1m').requests).toBe(3);
    expect(metrics.snapshot('checkout', 'v2', 1000).requests).toBe(2);
  });

  it('a record after the slot was sealed by a flush reopens it', async () => {
    const { metrics, clock } = rig({ options: { resolution: '1s' } });
    metrics.record(ok(1));
    clock.advance(1_500);
    await metrics.flush(); // seals the slot of the first record
    metrics.record(ok(2));
    metrics.record(ok(3));
    const s = metrics.snapshot('checkout', 'v2', 5000);
    expect(s.requests).toBe(3);
    expect(s.histogram.buckets().length).toBe(3);
  });
});

describe('invalid records are counted and dropped, never thrown', () => {
  const bad: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'x'],
    ['no target', { version: 'v', success: true, durationMs: 1 }],
    ['empty target', { target: '', version: 'v', success: true, durationMs: 1 }],
    ['long target', { target: 'x'.repeat(129), version: 'v', success: true, durationMs: 1 }],
    ['numeric version', { target: 't', version: 2, success: true, durationMs: 1 }],
    ['success not boolean', { target: 't', version: 'v', success: 'yes', durationMs: 1 }],
    ['negative duration', { target: 't', version: 'v', success: true, durationMs: -1 }],
    ['NaN duration', { target: 't', version: 'v', success: true, durationMs: NaN }],
    ['infinite duration', { target: 't', version: 'v', success: true, durationMs: Infinity }],
    ['string duration', { target: 't', version: 'v', success: true, durationMs: '5' }],
    ['status 99', { target: 't', version: 'v', success: true, durationMs: 1, status: 99 }],
    ['status 600', { target: 't', version: 'v', success: true, durationMs: 1, status: 600 }],
    ['status 200.5', { target: 't', version: 'v', success: true, durationMs: 1, status: 200.5 }],
    ['a getter that throws', Object.defineProperty({}, 'target', { get: () => { throw new Error('boom'); } })],
  ];
  it.each(bad)('%s', (_name, input) => {
    const { metrics, warnings } = rig();
    expect(() => metrics.record(input as RecordInput)).not.toThrow();
    expect(metrics.stats().dropped).toBe(1);
    expect(metrics.stats().series).toBe(0);
    expect(metrics.snapshot('t', 'v', 1000).requests).toBe(0);
    expect(warnings.length).toBe(1);
  });

  it('warns once, then only counts', () => {
    const { metrics, warnings } = rig();
    for (let i = 0; i < 10; i++) metrics.record({ target: 't', version: 'v', success: true, durationMs: -1 });
    expect(metrics.stats().dropped).toBe(10);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/durationMs must be a finite number >= 0/);
  });

  it('a clock that throws drops the record instead of throwing', () => {
    const { metrics, clock } = rig();
    clock.now = () => {
      throw new Error('clock broke');
    };
    expect(() => metrics.record(ok(1))).not.toThrow();
    expect(metrics.stats().dropped).toBe(1);
  });
});

describe('types: the contract the rollout analysis codes against', () => {
  it('snapshot() and fleetWindow() return FleetWindows (MetricsSnapshot + histogram)', () => {
    const { metrics } = rig();
    expectTypeOf(metrics.snapshot('t', 'v', 1)).toMatchTypeOf<FleetWindow>();
    expectTypeOf(metrics.snapshot('t', 'v', 1)).toMatchTypeOf<MetricsSnapshot>();
    expectTypeOf(metrics.fleetWindow('t', 'v', 1)).resolves.toMatchTypeOf<FleetWindow>();
    expectTypeOf(metrics.snapshot('t', 'v', 1).histogram).toMatchTypeOf<LatencyHistogramView>();
    expectTypeOf(metrics.record).parameter(0).toEqualTypeOf<RecordInput>();
    expectTypeOf(metrics.record).returns.toBeVoid();
  });
});

describe('snapshot arguments and options', () => {
  it('rejects a window that is not a positive duration', () => {
    const { metrics } = rig();
    for (const w of [0, -5, NaN, 'soon'] as unknown[]) expect(() => metrics.snapshot('t', 'v', w as number)).toThrow(ValidationError);
  });

  it('validates options as a whole, every problem with its path', () => {
    try {
      rig({ options: { flushInterval: 'often', resolution: 10, retention: '1s', maxTargets: 0, maxVersions: 1.5, buckets: [1, 0.5, -1] } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const paths = (e as ValidationError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(['metrics.flushInterval', 'metrics.resolution', 'metrics.maxTargets', 'metrics.maxVersions', 'metrics.buckets[1]', 'metrics.buckets[2]']),
      );
    }
    expect(() => rig({ options: { resolution: '100ms', retention: '1h' } })).toThrow(/at most 10000/);
    expect(() => rig({ options: { retention: '1s', resolution: '5s' } })).toThrow(/shorter than the resolution/);
  });
});
