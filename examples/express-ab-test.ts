// An A/B test in an Express app: abTestMiddleware assigns each visitor a variant (X-User-ID, or an anonymous
// cookie), the handler renders it and tracks a purchase, and /metrics serves Prometheus text. The script starts the
// server on 127.0.0.1, sends requests to itself, prints what happened and the results table, and exits.
//   npx tsx examples/express-ab-test.ts
import express from 'express';
import { createDelivery } from '../src/index.js';
import { abTestMiddleware, deliveryMiddleware, metricsHandler } from '../src/integrations/express/index.js';
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
  metrics: [{ key: 'purchase', type: 'binomial' }],
});

const app = express();
app.get('/metrics', metricsHandler(delivery));
app.use(deliveryMiddleware(delivery, { metricsTarget: 'shop' }));
app.use(abTestMiddleware(delivery, 'checkout-button'));
app.get('/checkout', (req, res) => {
  res.send(`<button class="${req.variant ?? 'blue'}">Buy</button>`);
});
app.post('/buy', (req, res) => {
  req.delivery?.track('checkout-button', 'purchase');
  res.json({ ok: true, variant: req.variant });
});

const server = await listenOnLoopback(app);
const { base } = server;
console.log(`listening on ${base}`);

// Known users always see the same variant; an anonymous visitor keeps theirs through a cookie.
await showAssignments(base, { withBody: true });
// 400 simulated users: green converts a bit better.
await simulateShoppers(base);

const results = await delivery.experiments.results('checkout-button');
console.table(
  results.variants.map((v) => ({ variant: v.key, units: v.units, conversions: v.metrics.purchase?.conversions, rate: v.metrics.purchase?.rate?.toFixed(3) })),
);
for (const c of results.comparisons) {
  console.log(`${c.variant} vs ${results.control} on ${c.metric}: lift ${(c.relativeLift * 100).toFixed(1)}%, p = ${c.pValue.toFixed(4)}, significant: ${c.significant}`);
}
console.log(`sample ratio mismatch: ${results.srm.mismatch} (p = ${results.srm.pValue.toFixed(3)})`);

const metrics = await (await fetch(`${base}/metrics`)).text();
console.log(metrics.split('\n').filter((l) => l.startsWith('progressive_delivery_experiment_exposures_total') || l.startsWith('http_requests_total')).join('\n'));

await server.close();
await delivery.close();
