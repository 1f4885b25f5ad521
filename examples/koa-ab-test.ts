// An A/B test in a Koa app: abTestMiddleware assigns each visitor a variant (X-User-ID, or an anonymous cookie)
// and puts it on ctx.state.variant; the handler renders it and tracks a purchase; metricsHandler serves GET /metrics.
// The script starts the server on 127.0.0.1, sends requests to itself, prints the results table, and exits.
//   npx tsx examples/koa-ab-test.ts
import Koa from 'koa';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDelivery } from '../src/index.js';
import { abTestMiddleware, deliveryMiddleware, metricsHandler } from '../src/integrations/koa/index.js';

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

const server = createServer(app.callback());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`listening on ${base}`);

for (const user of ['alice', 'bob', 'carol', 'dave']) {
  const res = await fetch(`${base}/checkout`, { headers: { 'x-user-id': user } });
  console.log(`${user.padEnd(6)} -> X-Variant: ${res.headers.get('x-variant')}`);
}
const first = await fetch(`${base}/checkout`);
const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
const again = await fetch(`${base}/checkout`, { headers: { cookie } });
console.log(`anonymous (${cookie}) -> ${first.headers.get('x-variant')}, then ${again.headers.get('x-variant')}`);

for (let i = 0; i < 400; i++) {
  const headers = { 'x-user-id': `user-${i}` };
  const variant = (await fetch(`${base}/checkout`, { headers })).headers.get('x-variant');
  if ((i * 7919) % 100 < (variant === 'green' ? 30 : 20)) {
    await fetch(`${base}/buy?amount=${20 + (i % 30)}`, { method: 'POST', headers });
  }
}

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

server.closeAllConnections();
await new Promise<void>((resolve) => server.close(() => resolve()));
await delivery.close();
