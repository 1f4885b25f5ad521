// Shadow calls: the latency a ShadowClient adds to the primary's path (mirroring 100% to a shadow 50 ms slower),
// what mirrorMiddleware adds to a real Express request on 127.0.0.1, memory when shadows arrive 100x faster than they
// complete, and jsonComparator throughput on a 10 KB document.
// Run: npm run bench shadow   (or: node --import tsx --expose-gc bench/shadow.bench.ts [--quick] [--only=mirror])
import express from 'express';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createDelivery } from '../src/delivery.js';
import { mirrorMiddleware } from '../src/integrations/express/mirror.js';
import { jsonComparator } from '../src/shadow/compare.js';
import type { ShadowClient } from '../src/shadow/client.js';
import { fmt, measure, percentile, printResults, table } from './harness.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const gc = (globalThis as { gc?: () => void }).gc;
const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Res { id: number; total: number; items: { sku: string; qty: number }[] }
const make = (id: number): Res => ({ id, total: id * 2, items: [{ sku: `s${id % 10}`, qty: 1 }] });
const primary = async (id: number): Promise<Res> => make(id);
const slowShadow = async (id: number): Promise<Res> => {
  await sleep(50);
  return make(id);
};

/**
 * Per-call latency, direct and through the shadow client, interleaved call by call in one run. Every `chunk` calls the
 * loop yields to the event loop so shadows start and complete as they would between requests of a server.
 */
async function addedLatency(client: ShadowClient<number, Res>, calls: number, chunk: number): Promise<{ direct: number[]; shadowed: number[] }> {
  const direct: number[] = [];
  const shadowed: number[] = [];
  for (let i = 0; i < calls; i++) {
    let t0 = performance.now();
    await primary(i);
    direct.push(performance.now() - t0);
    t0 = performance.now();
    await client.call(i);
    shadowed.push(performance.now() - t0);
    if (i % chunk === chunk - 1) await yieldLoop();
  }
  return { direct, shadowed };
}

async function latencyBench(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const [label, maxConcurrent] of [['every call mirrored (maxConcurrent 1,000,000)', 1_000_000], ['default maxConcurrent 100 (excess dropped)', 100]] as const) {
    const delivery = createDelivery();
    await delivery.ready();
    const client = delivery.shadow<number, Res>({ name: 'bench', primary, shadow: slowShadow, percentage: 100, maxConcurrent, timeoutMs: 5000 });
    await addedLatency(client, quick ? 2_000 : 20_000, 100); // warm-up
    const { direct, shadowed } = await addedLatency(client, quick ? 10_000 : 100_000, 100);
    await sleep(120); // let the last shadows finish
    const s = client.stats();
    const d50 = percentile(direct, 50) * 1000;
    const s50 = percentile(shadowed, 50) * 1000;
    rows.push([label, d50, s50, s50 - d50, percentile(direct, 99) * 1000, percentile(shadowed, 99) * 1000, `${s.mirrored} / ${s.calls}`, String(s.dropped)]);
    await delivery.close();
  }
  table('Added latency on the primary path, shadow 50 ms slower, 100% mirrored (microseconds per call)', ['case', 'direct p50', 'shadowed p50', 'added p50', 'direct p99', 'shadowed p99', 'mirrored / calls', 'dropped'], rows);
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** One GET over a keep-alive agent; resolves with the wall time from sending to the last body byte, in ms. */
function timedGet(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(performance.now() - t0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The slow shadow target, in its own process (in production it runs elsewhere): answers every request after 50 ms. */
async function spawnSlowTarget(): Promise<{ port: number; stop: () => void }> {
  const code = `const s = require('node:http').createServer((q, r) => setTimeout(() => r.writeHead(200, { 'content-type': 'application/json' }).end(process.argv[1]), 50));
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code, JSON.stringify(make(1))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { port: Number(line.toString().trim()), stop: () => void child.kill() };
}

/**
 * What mirrorMiddleware adds to a real Express request: two identical apps on 127.0.0.1, one bare, one mirroring every
 * request to a target that answers 50 ms later. Sequential requests over a keep-alive connection, in alternating phases
 * (bare, then mirrored, then a pause for the mirrored requests in flight to finish), so the bare phase carries none of
 * the mirror's background work and the mirrored phase carries all of it.
 */
async function mirrorBench(): Promise<void> {
  const target = await spawnSlowTarget();
  const handler = (req: express.Request, res: express.Response): void => void res.json(make(Number(req.query.id ?? 1)));
  const bare = express().get('/quote', handler);
  // maxConcurrent above what 50 ms of requests can reach, so every request is mirrored (stats below show it)
  const mirror = mirrorMiddleware({ target: `http://127.0.0.1:${target.port}`, percentage: 100, maxConcurrent: 100_000, timeoutMs: 5000 });
  const mirrored = express().use(mirror).get('/quote', handler);
  const servers = [createServer(bare), createServer(mirrored)];
  const [barePort, mirroredPort] = await Promise.all(servers.map(listen));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const phase = async (port: number, n: number, into: number[]): Promise<void> => {
    for (let i = 0; i < n; i++) into.push(await timedGet(agent, port, `/quote?id=${i}`));
  };
  const warm: number[] = [];
  await phase(barePort!, quick ? 500 : 5_000, warm);
  await phase(mirroredPort!, quick ? 500 : 5_000, warm);
  await sleep(200);
  const b: number[] = [];
  const m: number[] = [];
  const perPhase = quick ? 1_000 : 5_000;
  for (let round = 0; round < (quick ? 2 : 4); round++) {
    await phase(barePort!, perPhase, b);
    await phase(mirroredPort!, perPhase, m);
    await sleep(200); // the mirrored requests still in flight finish before the next bare phase
  }
  const s = mirror.stats();
  const us = (v: number): number => v * 1000;
  const b50 = us(percentile(b, 50));
  const m50 = us(percentile(m, 50));
  table('mirrorMiddleware on a real Express request, 127.0.0.1, target 50 ms slower, 100% mirrored (microseconds per request)', ['requests per case', 'bare p50', 'mirrored p50', 'added p50', 'bare p99', 'mirrored p99', 'mirrored / requests (with warm-up)', 'timeouts', 'dropped'], [
    [b.length.toLocaleString('en-US'), b50, m50, m50 - b50, us(percentile(b, 99)), us(percentile(m, 99)), `${s.mirrored} / ${s.calls}`, String(s.timeouts), String(s.dropped)],
  ]);
  mirror.close();
  agent.destroy();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map(close));
  target.stop();
}

/** Counts comparisons that ran before the caller of their call had continued (the design says: never). */
async function orderingCheck(): Promise<void> {
  const calls = quick ? 10_000 : 100_000;
  const continued = new Uint8Array(calls);
  let early = 0;
  let compared = 0;
  const delivery = createDelivery();
  await delivery.ready();
  const client = delivery.shadow<number, Res>({
    name: 'order', primary, shadow: primary, maxConcurrent: calls,
    compare: (p) => {
      compared++;
      if (!continued[(p.value as Res).id]) early++;
      return [];
    },
  });
  for (let i = 0; i < calls; i++) {
    await client.call(i);
    continued[i] = 1;
    if (i % 100 === 99) await yieldLoop();
  }
  await sleep(20);
  table('Ordering: the caller continues before its call is compared', ['calls', 'compared', 'compared before the caller continued'], [[calls.toLocaleString('en-US'), compared.toLocaleString('en-US'), String(early)]]);
  await delivery.close();
}

async function memoryBench(): Promise<void> {
  const calls = 100_000;
  const shadowMs = 20;
  const delivery = createDelivery();
  await delivery.ready();
  const client = delivery.shadow<number, Res>({
    name: 'mem', primary, maxConcurrent: 100,
    shadow: async (id) => {
      await sleep(shadowMs);
      return make(id);
    },
  });
  gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    await client.call(i);
    if (i % 1000 === 999) {
      await sleep(1); // ~1,000 arrivals per ms against at most 100 / 20 ms = 5 completions per ms: 100x or more
      if (i % 10_000 === 9_999) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  const elapsed = performance.now() - t0;
  await sleep(shadowMs * 5);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const s = client.stats();
  const arrivalPerSec = calls / (elapsed / 1000);
  const completionPerSec = (s.matched + s.mismatched + s.timeouts) / (elapsed / 1000);
  table('Memory with shadows arriving faster than they complete (100,000 calls, maxConcurrent 100)', ['arrivals/s', 'completions/s', 'ratio', 'mirrored', 'dropped', 'heap growth after gc (MB)', 'peak growth (MB)', 'gc exposed'], [
    [arrivalPerSec, completionPerSec, arrivalPerSec / Math.max(1, completionPerSec), String(s.mirrored), String(s.dropped), (after - before) / 1e6, (peak - before) / 1e6, gc ? 'yes' : 'no'],
  ]);
  await delivery.close();
}

function comparatorBench(): void {
  const doc = {
    id: 'order-1',
    customer: { id: 'c-42', name: 'Ada Lovelace', tags: ['vip', 'beta'], address: { city: 'London', zip: 'NW1' } },
    items: Array.from({ length: 115 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Item number ${i}`, qty: (i % 3) + 1, price: 9.99 + i, discounts: [i % 2 ? 0.1 : 0] })),
    totals: { net: 1234.5, tax: 234.56, gross: 1469.06 },
    meta: { requestId: 'r-1', generatedAt: '2026-01-01T00:00:00Z' },
  };
  const bytes = JSON.stringify(doc).length;
  const copy = JSON.parse(JSON.stringify(doc)) as typeof doc;
  const changed = JSON.parse(JSON.stringify(doc)) as typeof doc;
  changed.items[3]!.price = 1;
  changed.items[100]!.qty = 9;
  changed.meta.requestId = 'r-2';
  const plain = jsonComparator();
  const tuned = jsonComparator({ ignorePaths: ['meta.*', 'items[*].name'], numericTolerance: 0.001 });
  const unordered = jsonComparator({ ignoreArrayOrder: true });
  const shuffled = { ...copy, items: [...copy.items].reverse() };
  const a = { value: doc, durationMs: 1 };
  const iterations = quick ? 500 : 5_000;
  const results = [
    measure('equal copies', () => plain(a, { value: copy, durationMs: 1 }), { iterations, batches: 10 }),
    measure('3 diffs', () => plain(a, { value: changed, durationMs: 1 }), { iterations, batches: 10 }),
    measure('3 diffs, ignorePaths + tolerance', () => tuned(a, { value: changed, durationMs: 1 }), { iterations, batches: 10 }),
    measure('ignoreArrayOrder, reversed items', () => unordered(a, { value: shuffled, durationMs: 1 }), { iterations: Math.max(50, iterations / 10), batches: 10 }),
  ];
  printResults(`jsonComparator on a ${fmt(bytes / 1024)} KB JSON document`, results);
  table('jsonComparator throughput', ['case', 'MB/s of JSON compared'], results.map((r) => [r.name, (bytes * r.opsPerSec) / 1e6]));
}

if (!only || only === 'latency') await latencyBench();
if (!only || only === 'mirror') await mirrorBench();
if (!only || only === 'ordering') await orderingCheck();
if (!only || only === 'memory') await memoryBench();
if (!only || only === 'comparator') comparatorBench();
