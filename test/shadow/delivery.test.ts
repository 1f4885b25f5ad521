import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createDelivery } from '../../src/delivery.js';
import { mirrorMiddleware } from '../../src/integrations/express/mirror.js';
import { never, settle } from './helpers.js';

describe('delivery.shadow() through the facade', () => {
  it('uses a real flag as kill switch and exports counters in metrics.prometheus()', async () => {
    const clock = createManualClock(1_000);
    const delivery = createDelivery({ clock });
    await delivery.ready();
    const client = delivery.shadow<{ user: string }, { n: number }>({
      name: 'pricing-v2',
      primary: () => ({ n: 1 }),
      shadow: (r) => ({ n: r.user === 'b' ? 2 : 1 }),
      enabledFlag: 'shadow-pricing',
      context: (r) => ({ userId: r.user }),
    });
    await client.call({ user: 'a' });
    expect(client.stats()).toMatchObject({ mirrored: 0, skipped: 1 });
    await delivery.flags.put({ key: 'shadow-pricing', enabled: true });
    await client.call({ user: 'a' });
    await client.call({ user: 'b' });
    await settle();
    expect(client.stats()).toMatchObject({ mirrored: 2, matched: 1, mismatched: 1 });
    await delivery.flags.put({ key: 'shadow-pricing', enabled: false });
    await client.call({ user: 'b' });
    expect(client.stats()).toMatchObject({ mirrored: 2, skipped: 2 });

    const mirror = mirrorMiddleware({ target: 'http://127.0.0.1:9', name: 'api-mirror', delivery });
    expect(mirror.stats().calls).toBe(0);
    const text = delivery.metrics.prometheus();
    expect(text).toMatch(/progressive_delivery_shadow_results_total\{name="pricing-v2",result="matched"\} 1/);
    expect(text).toMatch(/progressive_delivery_shadow_results_total\{name="pricing-v2",result="mismatched"\} 1/);
    expect(text).toMatch(/progressive_delivery_shadow_results_total\{name="api-mirror",result="matched"\} 0/);
    await delivery.close();
  });

  it('delivery.close() clears the shadow timeouts', async () => {
    const clock = createManualClock();
    const delivery = createDelivery({ clock });
    await delivery.ready();
    const client = delivery.shadow<number, number>({ name: 'hung', primary: (x) => x, shadow: () => never() });
    await client.call(1);
    await settle();
    const before = clock.pending();
    expect(before).toBeGreaterThanOrEqual(1);
    await delivery.close();
    expect(client.stats()).toMatchObject({ timeouts: 1, inFlight: 0 });
    expect(await client.call(2)).toBe(2);
  });
});
