// A delivery with something on every page: flags, an experiment with data and a sampled history, a canary that has
// stepped twice with metrics per version, and a shadow client with mismatches. Shared by the HTTP and browser tests
// and by the screenshot script.
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';
import type { Canary } from '../../src/rollout/canary.js';

export interface Fixture {
  delivery: Delivery;
  clock: ManualClock;
  canary: Canary<{ id: number }, string>;
}

export const START = Date.UTC(2026, 10, 26, 9, 0, 0);

/** A ready delivery on a manual clock with flags only (fast). */
export async function flagsDelivery(): Promise<{ delivery: Delivery; clock: ManualClock }> {
  const clock = createManualClock(START);
  const delivery = createDelivery({ clock, metrics: { flushInterval: 0 } });
  await delivery.ready();
  await delivery.flags.put({ ...booleanFlag('new-checkout-flow', { percentage: 20, userIds: ['u1'] }), description: 'New checkout with saved cards', tags: ['checkout'] });
  await delivery.flags.put({ ...booleanFlag('dark-mode', { enabled: false }), description: 'Dark theme for the storefront' });
  await delivery.flags.put({
    key: 'search-ranking',
    enabled: true,
    variants: { bm25: 'bm25', learned: 'learned-v2' },
    offVariant: 'bm25',
    fallthrough: { split: [{ variant: 'bm25', weight: 90 }, { variant: 'learned', weight: 10 }] },
    description: 'Ranking model for search results',
  });
  return { delivery, clock };
}

/** Exposes `n` units to the experiment and converts them at the given rates per variant, then flushes. */
async function traffic(d: Delivery, from: number, n: number, rates: Record<string, number>): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const ctx = { userId: `user-${i}` };
    const a = d.experiments.assign('checkout-button', ctx);
    if (!a.variant) continue;
    // deterministic "random": a hash-like spread of i
    const u = ((i * 2654435761) % 1000) / 1000;
    if (u < (rates[a.variant] ?? 0)) {
      d.experiments.track('checkout-button', ctx, 'purchase');
      d.experiments.track('checkout-button', ctx, 'revenue', 20 + (i % 40));
    }
  }
  await d.flush();
}

/** Everything: flags, an experiment with a 10-point history, a canary at 25% with metrics, a shadow with mismatches. */
export async function fullFixture(mount?: (d: Delivery) => void): Promise<Fixture> {
  const { delivery, clock } = await flagsDelivery();
  mount?.(delivery); // the dashboard records chart history only while it exists
  await delivery.experiments.put({
    key: 'checkout-button',
    variants: [{ key: 'control', weight: 50 }, { key: 'green', weight: 50 }],
    metrics: [{ key: 'purchase', type: 'binomial' }, { key: 'revenue', type: 'continuous' }],
    description: 'Green "Buy now" button against the blue one',
  });
  const canary = delivery.rollouts.canary<{ id: number }, string>({
    name: 'checkout-api',
    stable: () => 'v1',
    canary: () => 'v2',
    analysis: { interval: '1m', threshold: 3, stepWeights: [10, 25, 50], metrics: [{ name: 'request-success-rate', thresholdRange: { min: 90 } }] },
  });
  await canary.runAnalysis(); // Initialized -> Progressing at 10%
  for (let step = 0; step < 10; step++) {
    await traffic(delivery, step * 300, 300, { control: 0.1, green: 0.13 });
    for (let i = 0; i < 40; i++) {
      delivery.metrics.record({ target: 'checkout-api', version: 'stable', success: i % 50 !== 0, durationMs: 20 + (i % 10) * 3 });
      delivery.metrics.record({ target: 'checkout-api', version: 'canary', success: i % 40 !== 0, durationMs: 22 + (i % 10) * 4 });
    }
    await clock.advanceAsync(60_000); // the dashboard's sampler runs once per minute (if a router exists)
    if (step === 4) await canary.runAnalysis(); // 10% -> 25%
  }
  const prices = delivery.shadow<{ sku: string; qty: number }, { total: number; currency: string; items: { sku: string; price: number }[] }>({
    name: 'pricing-v2',
    maxConcurrent: 500,
    primary: (r) => ({ total: r.qty * 10, currency: 'EUR', items: [{ sku: r.sku, price: 10 }] }),
    shadow: (r) => ({ total: r.qty * 10 + (r.qty % 7 === 0 ? 0.5 : 0), currency: r.qty % 11 === 0 ? 'eur' : 'EUR', items: [{ sku: r.sku, price: 10 }] }),
  });
  for (let q = 1; q <= 120; q++) await prices.call({ sku: `SKU-${q % 9}`, qty: q });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  return { delivery, clock, canary };
}
