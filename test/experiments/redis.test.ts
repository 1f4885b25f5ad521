import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { createDelivery } from '../../src/delivery.js';
import type { ExperimentDefinition, ExposureEvent } from '../../src/experiments/types.js';
import { RedisStore } from '../../src/store/redis.js';
import { redisBinaryAvailable, spawnRedis, type SpawnedRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';
import { clientOn, users } from './helpers.js';

const DEF: ExperimentDefinition = {
  key: 'checkout',
  variants: [
    { key: 'control', weight: 1 },
    { key: 'treatment', weight: 1 },
  ],
  metrics: [
    { key: 'purchase', type: 'binomial' },
    { key: 'revenue', type: 'continuous' },
  ],
};

const waitUntil = (check: () => boolean, what: string): Promise<void> => until(check, { what, timeoutMs: 2000, everyMs: 10 });

describe.skipIf(!redisBinaryAvailable())('experiments on a shared Redis', () => {
  let redis: SpawnedRedis;
  beforeAll(async () => {
    redis = await spawnRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two deliveries assign the same variants, record one exposure per unit and produce one set of results', async () => {
    const prefix = 'exp-shared:';
    const s1 = new RedisStore({ url: redis.url, prefix });
    const s2 = new RedisStore({ url: redis.url, prefix });
    const d1 = createDelivery({ store: s1 });
    const d2 = createDelivery({ store: s2 });
    await d1.ready();
    await d2.ready();
    const events: ExposureEvent[] = [];
    d1.experiments.on('exposure', (e) => events.push(e));
    d2.experiments.on('exposure', (e) => events.push(e));
    await d1.experiments.put(DEF);
    await waitUntil(() => d2.experiments.get('checkout') !== undefined, 'the definition to reach d2');

    const rnd = seededRandom(3);
    const truth = new Map<string, { variant: string; converted: boolean; revenue: number }>();
    for (const u of users(400)) {
      const a1 = d1.experiments.assign('checkout', { userId: u });
      const a2 = d2.experiments.assign('checkout', { userId: u });
      expect(a2).toEqual(a1);
      const t = { variant: a1.variant!, converted: false, revenue: 0 };
      truth.set(u, t);
      if (rnd() < (t.variant === 'treatment' ? 0.3 : 0.2)) {
        for (const d of [d1, d2]) {
          const amount = Math.round(rnd() * 5000) / 100;
          d.experiments.track('checkout', { userId: u }, 'purchase');
          d.experiments.track('checkout', { userId: u }, 'revenue', amount);
          t.revenue += amount;
        }
        t.converted = true;
      }
    }
    await Promise.all([d1.flush(), d2.flush()]);
    expect(events).toHaveLength(400);
    const r1 = await d1.experiments.results('checkout');
    const r2 = await d2.experiments.results('checkout');
    expect(r2).toEqual(r1);
    for (const v of r1.variants) {
      const arm = [...truth.values()].filter((t) => t.variant === v.key);
      expect(v.units).toBe(arm.length);
      expect(v.metrics.purchase!.conversions).toBe(arm.filter((t) => t.converted).length);
      const mean = arm.reduce((s, t) => s + t.revenue, 0) / arm.length;
      expect(v.metrics.revenue!.mean).toBeCloseTo(mean, 9);
    }
    await d1.close();
    await d2.close();
    await s1.close();
    await s2.close();
  });

  it('Redis down during track: buffered up to the bound, then dropped, counted and logged; one error event, never thrown; resumes after', async () => {
    const store = new RedisStore({ url: redis.url, prefix: 'exp-outage:', commandTimeoutMs: 300 });
    const { d, x, errors, warnings } = await clientOn(store, DEF, { maxBuffer: 20 });

    await redis.stop();
    for (const u of users(15)) x.assign('checkout', { userId: u });
    for (const u of users(30)) expect(() => x.track('checkout', { userId: u }, 'purchase')).not.toThrow();
    await x.flush();
    await x.flush();
    expect(x.stats()).toMatchObject({ buffered: 35, dropped: 10 });
    expect(errors.map((e) => e.code)).toEqual(['STORE_UNAVAILABLE']);
    expect(warnings.filter((w) => w.code === 'BUFFER_FULL')).toHaveLength(1);

    await redis.restart(); // empty: the buffered exposures and the tracks of exposed units are written now
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      await x.flush();
      ok = x.stats().buffered <= 5; // tracks of the 5 units never exposed wait out their grace period
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ok).toBe(true);
    // the restarted Redis holds no definitions (no persistence): the snapshot follows it, so re-seed the experiment
    await waitUntil(() => x.get('checkout') === undefined, 'the resync to drop the vanished definition');
    await x.put(DEF);
    const r = await x.results('checkout');
    expect(r.variants.reduce((s, v) => s + v.units, 0)).toBe(15);
    expect(r.variants.reduce((s, v) => s + v.metrics.purchase!.conversions!, 0)).toBe(15);
    expect(errors).toHaveLength(1);
    await x.close();
    await d.close();
    await store.close();
  });
});
