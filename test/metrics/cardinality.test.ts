import { describe, expect, it } from 'vitest';
import { rig } from './helpers.js';

const rec = (target: string, version: string) => ({ target, version, success: true, durationMs: 1 });

describe('cardinality limits', () => {
  it("folds targets beyond maxTargets into 'other'", () => {
    const { metrics, warnings } = rig({ options: { maxTargets: 3 } });
    for (let t = 0; t < 10; t++) metrics.record(rec(`t${t}`, 'v1'));
    expect(metrics.series().map((s) => s.target)).toEqual(['t0', 't1', 't2', 'other']);
    expect(metrics.snapshot('other', 'v1', 1000).requests).toBe(7);
    expect(metrics.snapshot('t9', 'v1', 1000).requests).toBe(0); // folded names are read under 'other'
    expect(metrics.stats()).toMatchObject({ series: 4, folded: 7 });
    expect(warnings.filter((w) => w.includes('targets'))).toHaveLength(1);
    // known targets keep counting on their own
    metrics.record(rec('t1', 'v1'));
    expect(metrics.snapshot('t1', 'v1', 1000).requests).toBe(2);
  });

  it("folds versions beyond maxVersions (per target) into 'other'", () => {
    const { metrics } = rig({ options: { maxVersions: 2 } });
    for (let v = 0; v < 5; v++) metrics.record(rec('checkout', `v${v}`));
    metrics.record(rec('search', 'v9'));
    expect(metrics.series()).toEqual([
      { target: 'checkout', version: 'v0' },
      { target: 'checkout', version: 'v1' },
      { target: 'checkout', version: 'other' },
      { target: 'search', version: 'v9' },
    ]);
    expect(metrics.snapshot('checkout', 'other', 1000).requests).toBe(3);
    expect(metrics.stats().folded).toBe(3);
  });

  it('bounds the series count at (maxTargets + 1) x (maxVersions + 1) whatever is recorded', () => {
    const { metrics } = rig({ options: { maxTargets: 4, maxVersions: 3 } });
    for (let i = 0; i < 2000; i++) metrics.record(rec(`t${i % 97}`, `v${i % 13}`));
    expect(metrics.stats().series).toBeLessThanOrEqual(5 * 4);
    const total = metrics.series().reduce((n, s) => n + metrics.snapshot(s.target, s.version, 1000).requests, 0);
    expect(total).toBe(2000); // nothing lost: folded, not dropped
  });

  it('a series idle for longer than the retention is evicted once flushed, freeing its place', async () => {
    const { metrics, clock } = rig({ options: { maxTargets: 1, resolution: '1s', retention: '10s' } });
    metrics.record(rec('old', 'v1'));
    await metrics.flush();
    clock.advance(30_000);
    await metrics.flush();
    expect(metrics.series()).toEqual([]);
    metrics.record(rec('new', 'v1'));
    expect(metrics.series()).toEqual([{ target: 'new', version: 'v1' }]);
    expect(metrics.stats().folded).toBe(0);
  });

  it('an idle series with unflushed data is kept while it can still be written, then its slots count as lost', async () => {
    const { metrics, clock, store } = rig({ options: { resolution: '1s', retention: '5s' } });
    const put = store.put.bind(store);
    store.put = async () => {
      throw new Error('down');
    };
    metrics.record(rec('a', 'v1'));
    clock.advance(2_000);
    await metrics.flush();
    expect(metrics.series()).toHaveLength(1);
    expect(metrics.stats()).toMatchObject({ pendingSlots: 1, lostSlots: 0 });
    clock.advance(4_000);
    await metrics.flush();
    expect(metrics.stats()).toMatchObject({ pendingSlots: 0, lostSlots: 1 });
    store.put = put;
    clock.advance(20_000);
    await metrics.flush();
    expect(metrics.series()).toHaveLength(0);
    expect(metrics.stats().lostSlots).toBe(1);
    expect(await store.list('metrics/')).toEqual([]);
  });
});
