// HTTP mirroring with Express: the live service (v1) answers clients; a share of its traffic is replayed to the new
// deployment (v2) after each response, and the answers are compared. Both servers listen on 127.0.0.1.
// Run: npx tsx examples/express-mirror.ts (exits 0).
import express from 'express';
import { createDelivery, httpComparator } from '../src/index.js'; // in an application: 'progressive-delivery'
import { mirrorMiddleware } from '../src/integrations/express/index.js'; // in an application: 'progressive-delivery/express'
import { listenOnLoopback } from './shared/loopback.js';

// v2: the new deployment. It sees X-Shadow-Request: 1 on mirrored traffic and skips side effects then.
const orders: unknown[] = [];
const v2 = express();
v2.use(express.json());
v2.get('/products/:id', (req, res) => {
  const id = Number(req.params.id);
  res.json({ id, name: `Product ${id}`, price: id === 3 ? 9.5 : 10, servedBy: 'v2', generatedAt: Date.now() });
});
v2.post('/orders', (req, res) => {
  if (req.get('x-shadow-request') !== '1') orders.push(req.body); // no double writes from mirrored requests
  res.status(201).json({ ok: true, items: (req.body as { items: unknown[] }).items.length });
});
const shadow = await listenOnLoopback(v2);

// v1: the live service, with the mirror in front of its routes.
const delivery = createDelivery();
await delivery.ready();
const mirror = mirrorMiddleware({
  target: shadow.base,
  percentage: 100,
  timeoutMs: 2000,
  delivery, // counters appear in delivery.metrics.prometheus()
  name: 'products-v2',
  compare: httpComparator({ ignorePaths: ['body.servedBy', 'body.generatedAt'] }),
  onMismatch: (r) => console.log(`mismatch ${r.request.method} ${r.request.url}:`, r.diffs.map((d) => `${d.path} ${JSON.stringify(d.primary)} -> ${JSON.stringify(d.shadow)}`).join('; ')),
});
const v1 = express();
v1.use(mirror);
v1.use(express.json());
v1.get('/products/:id', (req, res) => {
  const id = Number(req.params.id);
  res.json({ id, name: `Product ${id}`, price: 10, servedBy: 'v1', generatedAt: Date.now() });
});
v1.post('/orders', (req, res) => res.status(201).json({ ok: true, items: (req.body as { items: unknown[] }).items.length }));
const primary = await listenOnLoopback(v1);

for (let id = 1; id <= 5; id++) {
  const res = await fetch(`${primary.base}/products/${id}`);
  const body = (await res.json()) as { servedBy: string };
  if (body.servedBy !== 'v1') throw new Error('clients are always served by the primary');
}
await fetch(`${primary.base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [1, 2] }) });

while (mirror.stats().inFlight > 0) await new Promise((r) => setTimeout(r, 10));
const s = mirror.stats();
console.log(`mirrored ${s.mirrored} of ${s.calls}: matched ${s.matched}, mismatched ${s.mismatched}, timeouts ${s.timeouts}`);
console.log(delivery.metrics.prometheus().split('\n').filter((l) => l.startsWith('progressive_delivery_shadow_results_total')).join('\n'));
if (s.mismatched !== 1 || s.matched !== 5 || orders.length !== 0) throw new Error('unexpected mirror outcome');

await primary.close();
await shadow.close();
await delivery.close();
