// One app of bench/middleware.bench.ts: a minimal Express or Koa app, bare or with deliveryMiddleware +
// abTestMiddleware, on 127.0.0.1. The bench bundles this file with tsup (as users run the built package, not
// TypeScript through a loader) and forks it once per run; it reports its port with process.send.
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { measure } from './harness.js';
import { createDelivery } from '../src/delivery.js';
import * as ex from '../src/integrations/express/index.js';
import * as k from '../src/integrations/koa/index.js';

/** `-noop2`: two pass-through middlewares, what the framework itself charges for two layers (the control). */
export type Kind = 'express-bare' | 'express-noop2' | 'express-delivery' | 'koa-bare' | 'koa-noop2' | 'koa-delivery';

/** The server's own CPU time and request count, asked for by the bench before and after a load run. */
export interface CpuReading {
  cpuMicros: number;
  requests: number;
}

async function serve(kind: Kind): Promise<void> {
  const delivery = createDelivery();
  await delivery.ready();
  await delivery.experiments.put({ key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }] });
  let handler: Parameters<typeof createServer>[1];
  if (kind.startsWith('express')) {
    const { default: express } = await import('express');
    const app = express();
    if (kind === 'express-delivery') {
      app.use(ex.deliveryMiddleware(delivery));
      app.use(ex.abTestMiddleware(delivery, 'btn'));
    } else if (kind === 'express-noop2') {
      for (let i = 0; i < 2; i++) app.use((_req, _res, next) => next());
    }
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    handler = app;
  } else {
    const { default: Koa } = await import('koa');
    const app = new Koa();
    if (kind === 'koa-delivery') {
      app.use(k.deliveryMiddleware(delivery));
      app.use(k.abTestMiddleware(delivery, 'btn'));
    } else if (kind === 'koa-noop2') {
      for (let i = 0; i < 2; i++) app.use((_ctx, next) => next());
    }
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    handler = app.callback();
  }
  const server = createServer(handler);
  let requests = 0;
  server.on('request', () => requests++);
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send!({ cpuMicros: user + system, requests } satisfies CpuReading);
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

/**
 * The middlewares' own cost, without HTTP: per request, a fresh request/response pair (a Koa context for Koa) goes
 * through deliveryMiddleware + abTestMiddleware, or through two pass-through middlewares, then a handler that sets
 * one header; the difference is ours.
 * Prints one JSON line: ns per request for each.
 */
async function inProcess(): Promise<void> {
  const delivery = createDelivery();
  await delivery.ready();
  await delivery.experiments.put({ key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }] });
  const socket = new Socket();
  const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const pair = (i: number): [IncomingMessage, ServerResponse] => {
    const req = new IncomingMessage(socket);
    req.headers = { 'x-user-id': users[i % users.length]! };
    current = new ServerResponse(req);
    return [req, current];
  };
  // the app's own handler sets a header in every case, so the first-header cost of a response is not charged to us
  let current: ServerResponse | undefined;
  const done = () => {
    current!.setHeader('Content-Type', 'text/plain; charset=utf-8');
  };
  const resolved = () => {
    current!.setHeader('Content-Type', 'text/plain; charset=utf-8');
    return Promise.resolve();
  };
  const exDelivery = ex.deliveryMiddleware(delivery);
  const exAb = ex.abTestMiddleware(delivery, 'btn');
  const noopEx = (_req: unknown, _res: unknown, next: () => void) => next();
  const { default: Koa } = await import('koa');
  const app = new Koa();
  const koaDelivery = k.deliveryMiddleware(delivery);
  const koaAb = k.abTestMiddleware(delivery, 'btn');
  const noopKoa = (_ctx: unknown, next: () => Promise<void>) => next();
  const opts = { iterations: 20_000, batches: 15 };
  const cases = {
    expressNoop: (i: number) => {
      const [req, res] = pair(i);
      noopEx(req, res, () => noopEx(req, res, done));
      return req;
    },
    expressDelivery: (i: number) => {
      const [req, res] = pair(i);
      exDelivery(req as never, res as never, () => exAb(req as never, res as never, done));
      return req;
    },
    koaNoop: (i: number) => {
      const [req, res] = pair(i);
      const ctx = app.createContext(req, res);
      return noopKoa(ctx, () => noopKoa(ctx, resolved));
    },
    koaDelivery: (i: number) => {
      const [req, res] = pair(i);
      const ctx = app.createContext(req, res);
      return koaDelivery(ctx, () => koaAb(ctx, resolved));
    },
  };
  // three interleaved rounds, the best median of each: the order of the cases otherwise shows in the numbers
  const out: Record<string, number> = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of Object.entries(cases)) out[name] = Math.min(out[name] ?? Infinity, measure(name, fn, opts).nsPerOp);
  }
  console.log(JSON.stringify(out));
  await delivery.close();
}

if (process.argv[2] === '--in-process') void inProcess();
else void serve(process.argv[2] as Kind);
