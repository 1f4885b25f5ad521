// Admin dashboard: server-side render time of each page (the core, without HTTP) with realistic sizes, a full GET
// through a real Express server on 127.0.0.1, and the delay from a flag write to the 'change' event at 20 open
// live-update streams.
// Run: npm run bench admin   (or: node --import tsx bench/admin.bench.ts [--quick])
import express from 'express';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AdminApp } from '../src/admin/app.js';
import type { AdminRequest } from '../src/admin/types.js';
import { createDelivery } from '../src/delivery.js';
import { booleanFlag } from '../src/flags/builders.js';
import { adminRouter } from '../src/integrations/express/index.js';
import { measureAsync, percentile, printResults, table } from './harness.js';

const quick = process.argv.includes('--quick');
const FLAGS = 1000;

const delivery = createDelivery({ metrics: { flushInterval: 0 } });
await delivery.ready();
for (let i = 0; i < FLAGS; i++) {
  await delivery.flags.put({ ...booleanFlag(`flag-${String(i).padStart(4, '0')}`, { percentage: i % 100, userIds: [`u${i}`] }), description: `Flag number ${i} <with markup to escape>` });
}
await delivery.experiments.put({ key: 'exp', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], metrics: [{ key: 'buy', type: 'binomial' }] });
for (let i = 0; i < 2000; i++) {
  const a = delivery.experiments.assign('exp', { userId: `u${i}` });
  if (a.variant && i % 9 === 0) delivery.experiments.track('exp', { userId: `u${i}` }, 'buy');
}
await delivery.flush();
for (let r = 0; r < 10; r++) {
  const c = delivery.rollouts.canary({ name: `svc-${r}`, stable: () => 1, canary: () => 2, analysis: { interval: '1m', threshold: 2, stepWeight: 10, metrics: [] } });
  await c.runAnalysis();
  for (let i = 0; i < 500; i++) delivery.metrics.record({ target: `svc-${r}`, version: i % 2 ? 'stable' : 'canary', success: i % 50 !== 0, durationMs: 10 + (i % 30) });
}
const shadow = delivery.shadow<number, { v: number }>({ name: 'sh', primary: (n) => ({ v: n }), shadow: (n) => ({ v: n % 3 ? n : n + 1 }) });
for (let i = 0; i < 300; i++) await shadow.call(i);
await new Promise((r) => setImmediate(r));

const core = new AdminApp(delivery, { insecure: true });
const req = (url: string): AdminRequest => ({
  method: 'GET',
  path: url.split('?')[0]!,
  base: '/delivery',
  query: new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''),
  headers: { host: 'localhost', cookie: 'pd_admin_session=abcdefghijklmnopqrstuvwxyz0123456789ABCD' },
  node: {} as IncomingMessage,
  secure: false,
  authArg: undefined,
});
const it = quick ? 50 : 300;
const pages = ['/flags', '/flags?q=flag-09', '/flags/flag-0042', '/experiments/exp', '/rollouts', '/shadows'];
const results = [];
for (const p of pages) {
  results.push(
    await measureAsync(`render ${p.padEnd(16)} (${p.startsWith('/flags') && !p.includes('/flag-') ? `${FLAGS} flags` : p === '/rollouts' ? '10 canaries' : '-'})`, () => core.handle(req(p)), { iterations: it, batches: 5, warmup: 20 }),
  );
}
printResults('Admin page render (core, no HTTP)', results);

// HTTP: sequential GETs through Express on 127.0.0.1
const app = express();
const router = adminRouter(delivery, { insecure: true });
app.use('/delivery', router);
const server = createServer(app);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const rows: (string | number)[][] = [];
for (const p of ['/flags', '/rollouts']) {
  const times: number[] = [];
  for (let i = 0; i < (quick ? 30 : 200); i++) {
    const t0 = performance.now();
    const r = await fetch(origin + '/delivery' + p);
    await r.text();
    times.push(performance.now() - t0);
  }
  rows.push([p, percentile(times, 50), percentile(times, 99)]);
}
table('GET over HTTP (Express, 127.0.0.1), ms', ['page', 'p50', 'p99'], rows);

// SSE: flag write -> 'change' event at 20 streams
const STREAMS = 20;
const readers = await Promise.all(
  Array.from({ length: STREAMS }, async () => {
    const r = await fetch(origin + '/delivery/events');
    return r.body!.getReader();
  }),
);
const dec = new TextDecoder();
const lags: number[] = [];
for (let round = 0; round < (quick ? 5 : 30); round++) {
  const key = `sse-${round}`;
  const t0 = performance.now();
  const waits = readers.map(async (rd) => {
    let text = '';
    while (!text.includes(`"key":"${key}"`)) text += dec.decode((await rd.read()).value, { stream: true });
    return performance.now() - t0;
  });
  await delivery.flags.put(booleanFlag(key));
  lags.push(...(await Promise.all(waits)));
}
table(`Flag write -> change event at ${STREAMS} open streams, ms`, ['p50', 'p99', 'max'], [[percentile(lags, 50), percentile(lags, 99), Math.max(...lags)]]);
for (const rd of readers) await rd.cancel();
router.close();
core.close();
server.closeAllConnections();
server.close();
await delivery.close();
