// An A/B test in a Koa app: abTestMiddleware assigns each visitor a variant (X-User-ID, or an anonymous cookie)
// and puts it on ctx.state.variant; the handler renders it and tracks a purchase; metricsHandler serves GET /metrics.
// The script starts the server on 127.0.0.1, sends requests to itself, prints the results table, and exits.
//   npx tsx examples/koa-ab-test.ts
import Koa from 'koa';
import { createDelivery } from '../src/index.js';
import { abTestMiddleware, deliveryMiddleware, metricsHandler } from '../src/integrations/koa/index.js';
import { listenOnLoopback } from './shared/loopback.js';
import { showAssignments, simulateShoppers } from './shared/shoppers.js';

const delivery = createDelivery();
await delivery.ready();
await delivery.experiments.put({
  key: 'checkout-button',
  variants: [
    { key: 'blue', weight: 50 },
    { key: 'green', weight: 50 },
  ],
  metrics: [
    { key: 'purchase', type: 'binomial' },
    { key: 'revenue', type: 'continuous' },
  ],
});

const app = new Koa();
app.use(metricsHandler(delivery)); // GET /metrics
app.use(deliveryMiddleware(delivery, { metricsTarget: 'shop' }));
app.use(abTestMiddleware(delivery, 'checkout-button'));
app.use(async (ctx) => {
  if (ctx.path === '/buy' && ctx.method === 'POST') {
    const amount = Number(ctx.query.amount ?? 0);
    ctx.state.delivery?.track('checkout-button', 'purchase');
    ctx.state.delivery?.track('checkout-button', 'revenue', amount);
    ctx.body = { ok: true, variant: ctx.state.variant };
    return;
  }
  ctx.body = `<button class="${ctx.state.variant ?? 'blue'}">Buy</button>`;
});

const server = await listenOnLoopback(app.callback());
const { base } = server;
console.log(`listening on ${base}`);

await showAssignments(base);
// 400 simulated users: green converts a bit better; each purchase carries an amount for the revenue metric.
await simulateShoppers(base, (i) => `/buy?amount=${20 + (i % 30)}`);

const results = await delivery.experiments.results('checkout-button', { sequential: true });
console.table(
  results.variants.map((v) => ({
    variant: v.key,
    units: v.units,
    conversions: v.metrics.purchase?.conversions,
    rate: v.metrics.purchase?.rate?.toFixed(3),
    'revenue/unit': v.metrics.revenue?.mean?.toFixed(2),
  })),
);
for (const c of results.comparisons) {
  console.log(`${c.variant} vs ${results.control} on ${c.metric}: lift ${(c.relativeLift * 100).toFixed(1)}%, always-valid p = ${c.pValue.toFixed(4)}`);
}
console.log((await (await fetch(`${base}/metrics`)).text()).split('\n').filter((l) => l.startsWith('progressive_delivery_experiment_exposures_total')).join('\n'));

await server.close();
await delivery.close();
