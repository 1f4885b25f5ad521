// A canary behind Express: deliveryMiddleware({ canary, metricsTarget }) routes every request to the stable or the
// canary handler and records its status and duration for the side that served it; the canary's analysis reads those
// metrics once a second and moves the weight up, or rolls back. The script starts the app on 127.0.0.1 (a free port),
// sends itself synthetic requests with fetch, prints the weight as it climbs and a few /metrics lines, and exits 0.
//
//   npx tsx examples/express-canary.ts             a healthy canary: 20% -> 40% -> 60% -> 80%, then promoted
//   FAULTY=1 npx tsx examples/express-canary.ts    the canary answers 503 to a third of its requests: rolled back
import express, { type Request, type Response } from 'express';
import { createDelivery, type CanaryStatus } from '../src/index.js'; // in an application: 'progressive-delivery'
import { deliveryMiddleware, metricsHandler } from '../src/integrations/express/index.js'; // 'progressive-delivery/express'
import { listenOnLoopback } from './shared/loopback.js';

const faulty = process.env.FAULTY === '1';
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(4)}s`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// Windows in 250 ms slots, so a 1-second analysis reads exactly the last second or two (the default slot is 5 s).
const delivery = createDelivery({ metrics: { resolution: '250ms' } });
delivery.on('error', (e) => console.error(`delivery error ${e.code}: ${e.message}`));

interface Quote {
  version: 'v1' | 'v2';
  price: number;
}
/** The code in production. */
function quoteV1(req: Request): Quote {
  return { version: 'v1', price: 100 + (req.query.items ? Number(req.query.items) : 1) * 10 };
}
/** The new code: faster, and with FAULTY=1 broken for a third of the requests. */
function quoteV2(req: Request): Quote {
  if (faulty && Math.random() < 1 / 3) throw new Error('v2: inventory service unavailable');
  return { version: 'v2', price: 100 + (req.query.items ? Number(req.query.items) : 1) * 10 };
}

// The canary decides the side; the app calls that side's handler. The analysis reads what the middleware recorded
// under metricsTarget, so metricsTarget is the canary's name.
const canary = delivery.rollouts.canary<Request, Quote>({
  name: 'quote',
  stable: quoteV1,
  canary: quoteV2,
  stickyBy: (req) => req.get('x-user-id'), // a user keeps their side while the weight grows
  analysis: {
    interval: '1s',
    threshold: 2, // two failed checks: roll back
    stepWeight: 20,
    maxWeight: 80, // 20, 40, 60, 80, then promoted to 100
    minRequests: 10,
    metrics: [
      { name: 'request-success-rate', thresholdRange: { min: 95 } },
      { name: 'request-duration', thresholdRange: { max: 250 } },
    ],
  },
});

const app = express();
app.get('/metrics', metricsHandler(delivery));
app.use(deliveryMiddleware(delivery, { canary, metricsTarget: 'quote' }));
app.get('/quote', async (req: Request, res: Response) => {
  const version = req.delivery?.version === 'canary' ? 'canary' : 'stable';
  await sleep(5 + Math.random() * 10); // the work
  try {
    const quote = (version === 'canary' ? quoteV2 : quoteV1)(req);
    res.set('x-served-by', quote.version).json(quote);
  } catch (err) {
    res.status(503).set('x-served-by', 'v2').json({ error: (err as Error).message }); // 5xx: an error for the analysis
  }
});

const server = await listenOnLoopback(app);
const { base } = server;
await delivery.ready();
console.log(`listening on ${base}; canary 'quote' ${faulty ? '(FAULTY=1: v2 fails a third of its requests)' : '(healthy)'}`);

// After every analysis iteration, print the canary's status and what the client saw since the previous one: how
// many of its requests v2 served, and how many failed.
let window = { v1: 0, v2: 0, failed: 0 };
let lastIteration = canary.status().iteration;
const watcher = setInterval(() => {
  const s = canary.status();
  if (s.iteration === lastIteration) return;
  lastIteration = s.iteration;
  const total = window.v1 + window.v2;
  const share = total ? ((100 * window.v2) / total).toFixed(0) : '-';
  console.log(`${elapsed()}  weight ${String(s.weight).padStart(3)}%  ${s.phase.padEnd(12)} last second: ${String(total).padStart(3)} requests, ${share.padStart(2)}% on v2, ${window.failed} failed  | ${s.message}`);
  window = { v1: 0, v2: 0, failed: 0 };
}, 20);
const outcome = new Promise<CanaryStatus>((resolve) => {
  canary.on('promoted', resolve);
  canary.on('rolledBack', resolve);
});
canary.start(); // the only instance: it takes the lease and analyses once a second

// Synthetic traffic: 4 clients, each a stream of requests from random users, until the canary is decided.
let running = true;
const client = async () => {
  while (running) {
    const res = await fetch(`${base}/quote?items=${1 + Math.floor(Math.random() * 4)}`, {
      headers: { 'x-user-id': `user-${Math.floor(Math.random() * 1000)}` },
    }).catch(() => undefined);
    if (!res) continue;
    await res.arrayBuffer();
    if (res.headers.get('x-served-by') === 'v2') window.v2++;
    else window.v1++;
    if (res.status >= 500) window.failed++;
    await sleep(5);
  }
};
const clients = Array.from({ length: 4 }, client);
const deadline = setTimeout(() => {
  console.error('no decision within 20 s');
  process.exit(1);
}, 20_000);

const final = await outcome;
running = false;
await Promise.all(clients);
clearTimeout(deadline);
await new Promise((r) => setTimeout(r, 40)); // the watcher prints the deciding iteration
clearInterval(watcher);
console.log(final.phase === 'Succeeded' ? `promoted: v2 serves all traffic (${final.message})` : `rolled back: v1 serves all traffic again (${final.message})`);

// After the decision, every request goes to the side that won.
const after = { v1: 0, v2: 0 };
for (let i = 0; i < 20; i++) {
  const res = await fetch(`${base}/quote`, { headers: { 'x-user-id': `user-${i}` } });
  await res.arrayBuffer();
  after[res.headers.get('x-served-by') === 'v2' ? 'v2' : 'v1']++;
}
console.log(`20 more requests: ${after.v1} on v1, ${after.v2} on v2`);

// What Prometheus would scrape.
const metrics = await (await fetch(`${base}/metrics`)).text();
console.log('\nGET /metrics (excerpt):');
for (const l of metrics.split('\n')) {
  const wanted =
    l.startsWith('http_requests_total{target="quote"') ||
    l.startsWith('progressive_delivery_canary_weight') ||
    (l.startsWith('progressive_delivery_canary_phase') && l.endsWith(' 1')) ||
    (l.startsWith('http_request_duration_seconds_count{target="quote"'));
  if (wanted) console.log(`  ${l}`);
}

await server.close();
await delivery.close();
console.log(`done in ${elapsed().trim()}`);
