// Requests/s of a minimal Express app and a minimal Koa app, bare and with deliveryMiddleware + abTestMiddleware,
// side by side in one run. Each app runs in its own child process (so the load generator does not share its event
// loop); autocannon drives it over 127.0.0.1 with a different X-User-ID per request (10,000 users). Cases are
// interleaved over several rounds and the median of each is reported.
//   npx tsx bench/middleware.bench.ts [seconds per run, default 5] [rounds, default 3]
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { table } from './harness.js';

type Kind = 'express-bare' | 'express-delivery' | 'koa-bare' | 'koa-delivery';
const KINDS: Kind[] = ['express-bare', 'express-delivery', 'koa-bare', 'koa-delivery'];

interface AutocannonResult {
  requests: { average: number; mean: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  requests?: { setupRequest?: (req: { headers?: Record<string, string> }) => unknown }[];
}) => Promise<AutocannonResult>;

async function serve(kind: Kind): Promise<void> {
  const { createDelivery } = await import('../src/delivery.js');
  const delivery = createDelivery();
  await delivery.ready();
  await delivery.experiments.put({ key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }] });
  let handler: Parameters<typeof createServer>[1];
  if (kind.startsWith('express')) {
    const { default: express } = await import('express');
    const ex = await import('../src/integrations/express/index.js');
    const app = express();
    if (kind === 'express-delivery') {
      app.use(ex.deliveryMiddleware(delivery));
      app.use(ex.abTestMiddleware(delivery, 'btn'));
    }
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    handler = app;
  } else {
    const { default: Koa } = await import('koa');
    const k = await import('../src/integrations/koa/index.js');
    const app = new Koa();
    if (kind === 'koa-delivery') {
      app.use(k.deliveryMiddleware(delivery));
      app.use(k.abTestMiddleware(delivery, 'btn'));
    }
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    handler = app.callback();
  }
  const server = createServer(handler);
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

function start(kind: Kind): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind], { execArgv: process.execArgv, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 3);
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const runs = new Map<Kind, AutocannonResult[]>(KINDS.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const kind of r % 2 ? [...KINDS].reverse() : KINDS) {
      const { child, port } = await start(kind);
      let n = 0;
      const result = await autocannon({
        url: `http://127.0.0.1:${port}/`,
        connections: 32,
        duration: seconds,
        requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'x-user-id': `user-${n++ % 10_000}` } }) }],
      });
      runs.get(kind)!.push(result);
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rps = (k: Kind) => median(runs.get(k)!.map((x) => x.requests.average));
  const p99 = (k: Kind) => median(runs.get(k)!.map((x) => x.latency.p99));
  const rows = KINDS.map((k) => {
    const bare = rps(k.startsWith('express') ? 'express-bare' : 'koa-bare');
    const errors = runs.get(k)!.reduce((s, x) => s + x.errors + x.non2xx, 0);
    return [k, rps(k), p99(k), k.endsWith('bare') ? '-' : `${(((bare - rps(k)) / bare) * 100).toFixed(1)}%`, errors];
  });
  table(`middleware overhead (${rounds} rounds x ${seconds}s, 32 connections, median)`, ['app', 'req/s', 'p99 ms', 'overhead', 'errors'], rows);
}

if (process.argv[2] === '--serve') void serve(process.argv[3] as Kind);
else await main();
