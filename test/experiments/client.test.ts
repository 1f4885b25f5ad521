import { afterEach, describe, expect, it } from 'vitest';
import { NS } from '../../src/core/context.js';
import { ValidationError, type DeliveryError } from '../../src/core/errors.js';
import { createDelivery } from '../../src/delivery.js';
import { ExperimentClient } from '../../src/experiments/client.js';
import type { ExposureEvent } from '../../src/experiments/types.js';
import { MemoryStore } from '../../src/store/memory.js';
import { clientOn, fleet, users, type Fleet } from './helpers.js';

const AB = { key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], metrics: [{ key: 'buy', type: 'binomial' as const }] };
let f: Fleet | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('experiments client: definitions', () => {
  it('put validates everything and writes nothing on error', async () => {
    f = await fleet();
    const x = f.deliveries[0]!.experiments;
    const err = await x.put({ key: 'bad key', variants: [{ key: 'a', weight: 0 }] } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['key', 'variants', 'variants[0].weight']);
    expect(await f.store.list(NS.experiments)).toEqual([]);
    expect(x.list()).toEqual([]);
  });

  it('assign sees a put at once, get/list/delete work, unknown is never a throw', async () => {
    f = await fleet();
    const x = f.deliveries[0]!.experiments;
    expect(x.assign('btn', { userId: 'u1' })).toEqual({ experiment: 'btn', inExperiment: false, reason: 'UNKNOWN_EXPERIMENT' });
    await x.put(AB);
    expect(x.assign('btn', { userId: 'u1' }).inExperiment).toBe(true);
    expect(x.get('btn')).toEqual(AB);
    expect(x.list().map((d) => d.key)).toEqual(['btn']);
    expect(x.assign('btn', undefined as never).reason).toBe('MISSING_UNIT');
    expect(await x.delete('btn')).toBe(true);
    expect(x.assign('btn', { userId: 'u1' }).reason).toBe('UNKNOWN_EXPERIMENT');
    expect(await x.delete('btn')).toBe(false);
  });

  it('answers NOT_READY before ready()', async () => {
    const d = createDelivery();
    expect(d.experiments.assign('btn', { userId: 'u1' }).reason).toBe('NOT_READY');
    await d.close();
  });

  it('another delivery on the same store sees puts through the watch', async () => {
    f = await fleet(2);
    const [a, b] = f.deliveries;
    await a!.experiments.put(AB);
    await f.clock.advanceAsync(0);
    expect(b!.experiments.get('btn')).toEqual(AB);
    expect(b!.experiments.assign('btn', { userId: 'u9' })).toEqual(a!.experiments.assign('btn', { userId: 'u9' }));
    await a!.experiments.delete('btn');
    await f.clock.advanceAsync(0);
    expect(b!.experiments.get('btn')).toBeUndefined();
  });

  it('refuses a layer whose allocations would pass 100%', async () => {
    f = await fleet();
    const x = f.deliveries[0]!.experiments;
    await x.put({ ...AB, key: 'one', layer: 'home', trafficAllocation: 70 });
    const err = await x.put({ ...AB, key: 'two', layer: 'home', trafficAllocation: 40 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]!.path).toBe('trafficAllocation');
    expect((err as ValidationError).message).toMatch(/at most 30/);
    await x.put({ ...AB, key: 'two', layer: 'home', trafficAllocation: 30 });
    await x.put({ ...AB, key: 'one', layer: 'home', trafficAllocation: 60 }); // re-putting itself does not count twice
  });

  it('ignores invalid definitions written straight to the store, reporting once', async () => {
    f = await fleet();
    const d = f.deliveries[0]!;
    const errors: DeliveryError[] = [];
    d.on('error', (e) => errors.push(e));
    await f.store.put(`${NS.experiments}junk`, { key: 'junk', variants: 'nope' });
    await f.clock.advanceAsync(0);
    expect(d.experiments.get('junk')).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['VALIDATION']);
  });
});

describe('experiments client: exposures', () => {
  it('fires exposure once per unit fleet-wide, however often and wherever it is assigned', async () => {
    f = await fleet(3);
    await f.deliveries[0]!.experiments.put(AB);
    await f.clock.advanceAsync(0);
    const events: ExposureEvent[] = [];
    for (const d of f.deliveries) d.experiments.on('exposure', (e) => events.push(e));
    for (let round = 0; round < 3; round++) for (const d of f.deliveries) for (const u of users(200)) d.experiments.assign('btn', { userId: u });
    await Promise.all(f.deliveries.map((d) => d.flush()));
    expect(events).toHaveLength(200);
    expect(new Set(events.map((e) => e.unit)).size).toBe(200);
    for (const e of events) expect(e.variant).toBe(f.deliveries[0]!.experiments.assign('btn', { userId: e.unit }).variant);
    const r = await f.deliveries[1]!.experiments.results('btn');
    expect(r.variants.reduce((s, v) => s + v.units, 0)).toBe(200);
    expect(f.deliveries.reduce((s, d) => s + d.experiments.stats().exposures, 0)).toBe(200);
  });

  it('writes on the flush timer without an explicit flush', async () => {
    f = await fleet();
    const x = f.deliveries[0]!.experiments;
    await x.put(AB);
    const events: ExposureEvent[] = [];
    x.on('exposure', (e) => events.push(e));
    x.assign('btn', { userId: 'u1' });
    expect(events).toHaveLength(0);
    expect(x.stats().buffered).toBe(1);
    await f.clock.advanceAsync(1000);
    expect(events).toEqual([{ experiment: 'btn', variant: x.assign('btn', { userId: 'u1' }).variant, unit: 'u1' }]);
    expect(x.stats().buffered).toBe(0);
  });

  it('counts nothing for draft and stopped experiments; a winner is served to everyone', async () => {
    f = await fleet();
    const x = f.deliveries[0]!.experiments;
    await x.put({ ...AB, status: 'draft' });
    for (const u of users(20)) expect(x.assign('btn', { userId: u }).variant).toBeUndefined();
    await x.put({ ...AB, status: 'stopped', winner: 'b' });
    for (const u of users(20)) {
      expect(x.assign('btn', { userId: u })).toEqual({ experiment: 'btn', variant: 'b', inExperiment: false, reason: 'WINNER' });
      x.track('btn', { userId: u }, 'buy');
    }
    const r = await x.results('btn');
    expect(r.variants.map((v) => v.units)).toEqual([0, 0]);
    expect(x.stats()).toMatchObject({ exposures: 0, ignored: 20 });
  });

  it('a listener that throws is reported, not thrown', async () => {
    f = await fleet();
    const d = f.deliveries[0]!;
    const errors: DeliveryError[] = [];
    d.on('error', (e) => errors.push(e));
    await d.experiments.put(AB);
    d.experiments.on('exposure', () => {
      throw new Error('boom');
    });
    d.experiments.assign('btn', { userId: 'u1' });
    await d.flush();
    expect(errors.map((e) => e.code)).toEqual(['USER_CODE']);
  });

  it('exports progressive_delivery_experiment_exposures_total', async () => {
    const store = new MemoryStore();
    const collectors: (() => unknown)[] = [];
    const d = createDelivery({ store });
    await d.ready();
    const x = new ExperimentClient({ ...d.context, addCollector: (c) => void collectors.push(c) });
    await x.load();
    await x.put(AB);
    for (const u of users(10)) x.assign('btn', { userId: u });
    await x.flush();
    const fam = (collectors[0]!() as { name: string; samples: { labels: Record<string, string>; value: number }[] }[])[0]!;
    expect(fam.name).toBe('progressive_delivery_experiment_exposures_total');
    expect(fam.samples.reduce((s, x) => s + x.value, 0)).toBe(10);
    expect(fam.samples.map((s) => s.labels.experiment)).toEqual(fam.samples.map(() => 'btn'));
    await x.close();
    await d.close();
  });
});

describe('experiments client: track and bounds', () => {
  it('counts only exposed units; an unexposed unit is dropped after the grace period', async () => {
    f = await fleet();
    const x = f.deliveries[0]!.experiments;
    await x.put(AB);
    x.assign('btn', { userId: 'in' });
    x.track('btn', { userId: 'in' }, 'buy');
    x.track('btn', { userId: 'never-assigned' }, 'buy');
    x.track('btn', { userId: 'in' }, 'no-such-metric');
    x.track('btn', {}, 'buy');
    await x.flush();
    expect(x.stats().buffered).toBe(1); // the unexposed one waits for an exposure from another instance
    await f.clock.advanceAsync(10_000);
    await x.flush();
    expect(x.stats()).toMatchObject({ buffered: 0, ignored: 3 });
    const r = await x.results('btn');
    const v = x.assign('btn', { userId: 'in' }).variant!;
    expect(r.variants.find((y) => y.key === v)!.metrics.buy).toEqual({ conversions: 1, rate: 1 });
  });

  it('a store that fails: buffered up to the bound, then dropped, counted and logged once; one error event (the store), never thrown', async () => {
    const store = new MemoryStore();
    const { d, x, errors, warnings } = await clientOn(store, AB, { maxBuffer: 5 });
    await store.close(); // every call now rejects
    for (const u of users(8)) x.assign('btn', { userId: u });
    expect(x.stats()).toMatchObject({ buffered: 5, dropped: 3 });
    await x.flush();
    await x.flush();
    for (const u of users(8)) x.track('btn', { userId: u }, 'buy');
    await x.flush();
    expect(x.stats()).toMatchObject({ buffered: 10, dropped: 6 });
    expect(errors.map((e) => e.code)).toEqual(['STORE_CLOSED']);
    expect(warnings.filter((w) => w.code === 'BUFFER_FULL')).toHaveLength(1);
    await x.close();
    await d.close();
  });

  it('a healthy store outpaced by a burst: buffer full is one BUFFER_FULL error event', async () => {
    const store = new MemoryStore();
    const { d, x, errors, warnings } = await clientOn(store, AB, { maxBuffer: 5 });
    for (const u of users(8)) x.assign('btn', { userId: u }); // faster than any flush
    for (const u of users(8, 'v')) x.assign('btn', { userId: u });
    await x.flush();
    expect(x.stats()).toMatchObject({ buffered: 0, exposures: 5, dropped: 11 });
    expect(errors.map((e) => e.code)).toEqual(['BUFFER_FULL']);
    expect(warnings).toEqual([]);
    await x.close();
    await d.close();
    await store.close();
  });
});
