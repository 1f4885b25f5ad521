import { describe, expectTypeOf, it } from 'vitest';
import { createDelivery } from '../../src/delivery.js';
import type { CanaryStatus, WebhookPayload } from '../../src/rollout/types.js';

describe('canary types', () => {
  it('call, route, status and events carry the handler types', async () => {
    const delivery = createDelivery();
    const c = delivery.rollouts.canary({
      name: 'typed',
      stable: (req: { id: number }) => ({ ok: true, id: req.id }),
      canary: async (req: { id: number }) => ({ ok: false, id: req.id }),
      stickyBy: (req) => String(req.id),
      analysis: {
        interval: '1m',
        threshold: 1,
        stepWeight: 10,
        metrics: [{ name: 'custom', thresholdRange: { max: 1 }, query: ({ from, to }) => to - from }],
        webhooks: [{ name: 'w', type: 'event', run: (p) => void expectTypeOf(p).toEqualTypeOf<WebhookPayload>() }],
      },
    });
    expectTypeOf(c.call).parameter(0).toEqualTypeOf<{ id: number }>();
    expectTypeOf(c.call({ id: 1 })).resolves.toEqualTypeOf<{ ok: boolean; id: number }>();
    expectTypeOf(c.route({ id: 1 })).toEqualTypeOf<'stable' | 'canary'>();
    expectTypeOf(c.status()).toEqualTypeOf<CanaryStatus>();
    expectTypeOf(c.runAnalysis()).resolves.toEqualTypeOf<CanaryStatus>();
    expectTypeOf(c.on('promoted', (s) => expectTypeOf(s).toEqualTypeOf<CanaryStatus>())).toEqualTypeOf(c);
    await delivery.close();
  });
});
