// Requests/s of a minimal Express app and a minimal Koa app, bare and with deliveryMiddleware + abTestMiddleware,
// side by side in one run. Each app runs in its own child process (so the load generator does not share its event
// loop); autocannon drives it over 127.0.0.1 with a different X-User-ID per request (10,000 users), after a
// warm-up of 20,000 requests that is not measured. Cases are
// interleaved over several rounds and the median of each is reported. Besides requests/s (which on a small machine
// shares its cores with the load generator), each server reports its own CPU time per request, and a control app
// with two pass-through middlewares shows what the framework itself charges for two layers. The apps run the library bundled by tsup
// (bench/middleware-server.ts), as users run the built package: through tsx, esbuild's name-keeping wrappers alone
// cost a few microseconds per request.
//   npx tsx bench/middleware.bench.ts [seconds per run, default 3] [rounds, default 5]
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { table } from './harness.js';

import type { CpuReading, Kind } from './middleware-server.js';
const KINDS: Kind[] = ['express-bare', 'express-noop2', 'express-delivery', 'koa-bare', 'koa-noop2', 'koa-delivery'];

interface AutocannonResult {
  requests: { average: number; mean: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
const USERS = 10_000;

type Autocannon = (opts: {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  pipelining?: number;
  requests?: { setupRequest?: (req: { headers?: Record<string, string> }) => unknown }[];
}) => Promise<AutocannonResult>;

const PINNED = availableParallelism() >= 2 && spawnSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;

/** Asks the server for its CPU time and request count. */
function cpu(child: ChildProcess): Promise<CpuReading> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as CpuReading));
    child.send('cpu');
  });
}

function start(server: string, kind: Kind): Promise<{ child: ChildProcess; port: number }> {
  // with taskset, the server gets core 1 and the load generator (this process) core 0, so they do not trade places
  const child = PINNED
    ? spawn('taskset', ['-c', '1', process.execPath, server, kind], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
    : fork(server, [kind], { execArgv: [], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

/** Bundles bench/middleware-server.ts (the library included; express and koa from node_modules) into a temp dir. */
async function buildServer(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-middleware-bench-'));
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const entry = fileURLToPath(new URL('./middleware-server.ts', import.meta.url));
  await build({ config: false, entry: { server: entry }, format: ['cjs'], outDir: join(dir, 'dist'), splitting: false, dts: false, silent: true, target: 'node20', platform: 'node', external: ['express', 'koa', 'ioredis'] });
  return join(dir, 'dist', 'server.cjs');
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 5);
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const server = await buildServer();
  const own = spawnSync(process.execPath, [server, '--in-process'], { encoding: 'utf8' });
  if (own.status !== 0) throw new Error(`in-process run failed: ${own.stderr}`);
  const ns = JSON.parse(own.stdout.trim().split('\n').pop()!) as Record<'expressNoop' | 'expressDelivery' | 'koaNoop' | 'koaDelivery', number>;
  table(
    'the middlewares without HTTP: ns per request (fresh request/response each, a handler that sets one header, 10,000 users; median of 15 batches)',
    ['framework', 'two pass-through middlewares', 'deliveryMiddleware + abTestMiddleware', 'ours'],
    [
      ['express', ns.expressNoop.toFixed(0), ns.expressDelivery.toFixed(0), (ns.expressDelivery - ns.expressNoop).toFixed(0)],
      ['koa', ns.koaNoop.toFixed(0), ns.koaDelivery.toFixed(0), (ns.koaDelivery - ns.koaNoop).toFixed(0)],
    ],
  );
  const runs = new Map<Kind, (AutocannonResult & { cpuPerRequest: number })[]>(KINDS.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const kind of r % 2 ? [...KINDS].reverse() : KINDS) {
      const { child, port } = await start(server, kind);
      let n = 0;
      const load = { url: `http://127.0.0.1:${port}/`, connections: 32, requests: [{ setupRequest: (req: { headers?: Record<string, string> }) => ({ ...req, headers: { ...req.headers, 'x-user-id': `user-${n++ % USERS}` } }) }] };
      // warm-up, not measured: the JIT settles and every user has been seen once (first exposures are recorded
      // then; their cost is in experiments.bench.ts), so the run below measures the steady state of every app alike
      await autocannon({ ...load, amount: USERS * 2 });
      const before = await cpu(child);
      const result = await autocannon({ ...load, duration: seconds });
      const after = await cpu(child);
      runs.get(kind)!.push({ ...result, cpuPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, after.requests - before.requests) });
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rps = (k: Kind) => median(runs.get(k)!.map((x) => x.requests.average));
  const p99 = (k: Kind) => median(runs.get(k)!.map((x) => x.latency.p99));
  const cpuUs = (k: Kind) => median(runs.get(k)!.map((x) => x.cpuPerRequest));
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows = KINDS.map((k) => {
    const bare: Kind = k.startsWith('express') ? 'express-bare' : 'koa-bare';
    const errors = runs.get(k)!.reduce((s, x) => s + x.errors + x.non2xx, 0);
    const isBare = k === bare;
    return [
      k,
      rps(k),
      p99(k),
      cpuUs(k).toFixed(1),
      isBare ? '-' : pct((rps(bare) - rps(k)) / rps(bare)),
      isBare ? '-' : pct((cpuUs(k) - cpuUs(bare)) / cpuUs(bare)),
      errors,
    ];
  });
  table(
    `middleware overhead (${rounds} rounds x ${seconds}s, 32 connections, median; overhead against the bare app of the same framework${PINNED ? '; server on core 1, autocannon on core 0' : ''})`,
    ['app', 'req/s', 'p99 ms', 'server CPU µs/req', 'req/s overhead', 'CPU overhead', 'errors'],
    rows,
  );
  for (const fw of ['express', 'koa'] as const) {
    const own = cpuUs(`${fw}-delivery`) - cpuUs(`${fw}-noop2`);
    console.log(`${fw}: deliveryMiddleware + abTestMiddleware cost ${own.toFixed(2)} µs of CPU per request beyond two pass-through middlewares (${pct(own / cpuUs(`${fw}-bare`))} of the bare app)`);
  }
}

await main();
