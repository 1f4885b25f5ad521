// A fleet of three processes on one Redis, started with ONE command:
//
//   npx tsx examples/redis-fleet.ts                    (Redis at redis://127.0.0.1:6379)
//   REDIS_URL=redis://127.0.0.1:6380 npx tsx examples/redis-fleet.ts
//
// This parent process forks three workers (examples/redis-fleet-worker.ts). Each one is an instance of the same
// service: it creates a delivery on a RedisStore, registers the same canary ('checkout', v1 -> v2) and sends itself
// synthetic traffic whose outcomes and latencies are recorded as real metrics. When all three are up, the parent tells
// them to start: every process asks for the rollout's lease, exactly one gets it and runs the analysis once a second
// (reading the metrics of all three from Redis), and every process routes with the weight it reads from the store.
// The parent prints each weight as each process sees it, then a table of who led and what each process saw, and
// checks that there was one leader, that every process saw the same weights, and that the canary was promoted.
// Everything lives under a fresh key prefix that is deleted at the end. It takes about 10 s and exits 0.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { ParentMessage, WorkerMessage } from './redis-fleet-worker.js';

const WORKERS = 3;
const DEADLINE_MS = 25_000;
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `pd-example-fleet:${randomBytes(4).toString('hex')}:`;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(4)}s`;

// 1. Is Redis there? Say so in one line if not.
const admin = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 1, retryStrategy: () => null });
admin.on('error', () => {}); // the connect() rejection below says it
try {
  await admin.connect();
  await admin.ping();
} catch (err) {
  console.error(`no Redis answers at ${url} (${(err as Error).message}): start one (redis-server --daemonize yes) or set REDIS_URL`);
  admin.disconnect();
  process.exit(1);
}
console.log(`Redis ${url}, key prefix ${prefix}`);

// 2. Fork the workers and collect what they report.
interface Row {
  pid: number;
  weights: number[];
  leaderChanges: boolean[];
  finished?: { phase: string; message: string };
  done?: Extract<WorkerMessage, { type: 'done' }>;
  exitCode?: number | null;
}
const rows = new Map<number, Row>();
const children: ChildProcess[] = [];
const workerFile = fileURLToPath(new URL('./redis-fleet-worker.ts', import.meta.url));
let onMessage: () => void = () => {};
let failure: string | undefined; // a worker that died early: stop waiting
const exited: Promise<void>[] = [];

for (let w = 1; w <= WORKERS; w++) {
  // fork() reuses this process's node flags (the tsx loader), so the worker runs as TypeScript too
  const child = fork(workerFile, [], { env: { ...process.env, REDIS_URL: url, FLEET_PREFIX: prefix, FLEET_WORKER: String(w) } });
  children.push(child);
  exited.push(
    new Promise((resolve) =>
      child.once('close', (code) => {
        const row = rows.get(w);
        if (row) row.exitCode = code;
        if (!row?.done) failure ??= `worker ${w} exited early (code ${code}) before reporting`;
        resolve();
        onMessage();
      }),
    ),
  );
  child.on('message', (m: WorkerMessage) => {
    if (m.type === 'ready') rows.set(m.worker, { pid: m.pid, weights: [], leaderChanges: [] });
    const row = rows.get(m.worker);
    if (!row) return;
    if (m.type === 'leader') {
      row.leaderChanges.push(m.leading);
      console.log(`${elapsed()}  worker ${m.worker} ${m.leading ? 'took the lease: it runs the analysis' : 'lost the lease'}`);
    } else if (m.type === 'weight') {
      row.weights.push(m.weight);
      console.log(`${elapsed()}  worker ${m.worker} routes at weight ${String(m.weight).padStart(3)}%  (${m.phase}${m.leading ? ', leader' : ''})`);
    } else if (m.type === 'finished') {
      row.finished = { phase: m.phase, message: m.message };
    } else if (m.type === 'done') {
      row.done = m;
    }
    onMessage();
  });
}

const send = (m: ParentMessage) => children.forEach((c) => c.connected && c.send(m));
/** Resolves when `cond` holds (checked at every message), rejects at the deadline. */
const until = (what: string, cond: () => boolean) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting until ${what}`)), Math.max(0, DEADLINE_MS - (Date.now() - started)));
    onMessage = () => {
      if (failure) {
        clearTimeout(timer);
        reject(new Error(failure));
        return;
      }
      if (!cond()) return;
      clearTimeout(timer);
      resolve();
    };
    onMessage();
  });
const all = (f: (r: Row) => boolean) => rows.size === WORKERS && [...rows.values()].every(f);

let ok = false;
try {
  await until('every worker is ready', () => rows.size === WORKERS);
  console.log(`${elapsed()}  three workers ready (pids ${[...rows.values()].map((r) => r.pid).join(', ')}): start`);
  send({ type: 'start' });
  await until('every worker sees the canary finish', () => all((r) => r.finished !== undefined));
  send({ type: 'stop' });
  await until('every worker has closed', () => all((r) => r.done !== undefined && r.exitCode !== undefined));
  ok = report();
} catch (err) {
  console.error((err as Error).message);
  for (const c of children) if (c.exitCode === null) c.kill(); // only the processes this script forked
} finally {
  await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 3000).unref())]);
  const removed = await cleanUp();
  console.log(`removed ${removed} keys under ${prefix}`);
  admin.disconnect();
}
console.log(`done in ${elapsed().trim()}`);
process.exit(ok ? 0 : 1);

/** Prints the per-process table and the checks; true when they all hold. */
function report(): boolean {
  const sorted = [...rows.entries()].sort(([a], [b]) => a - b);
  const arrow = (ws: number[]) => ws.join(' -> ');
  const header = ['worker', 'pid', 'leader', 'analysis writes', 'weights seen', 'served v1 / v2', 'final phase'];
  const lines = sorted.map(([w, r]) => [
    String(w),
    String(r.pid),
    r.done?.everLeader ? 'yes' : 'no',
    String(r.done?.analysisWrites ?? '?'),
    arrow(r.weights),
    `${r.done?.requests.stable ?? 0} / ${r.done?.requests.canary ?? 0}`,
    r.finished?.phase ?? '?',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${fmt(header)}\n${widths.map((n) => '-'.repeat(n)).join('  ')}`);
  for (const l of lines) console.log(fmt(l));
  console.log('');

  const leaders = sorted.filter(([, r]) => r.done?.everLeader).map(([w]) => w);
  const writers = sorted.filter(([, r]) => (r.done?.analysisWrites ?? 0) > 0).map(([w]) => w);
  const sequences = new Set(sorted.map(([, r]) => arrow(r.weights)));
  const promoted = sorted.every(([, r]) => r.finished?.phase === 'Succeeded');
  const exits = sorted.every(([, r]) => r.exitCode === 0);
  const window = sorted.find(([w]) => w === leaders[0])?.[1].done?.fleetWindow;
  const checks: [boolean, string][] = [
    [leaders.length === 1, leaders.length === 1 ? `exactly one leader: worker ${leaders[0]}` : `expected one leader, got ${leaders.length} (${leaders.join(', ')})`],
    [writers.length === 1 && writers[0] === leaders[0], `analysis steps written only by the leader: ${writers.length === 1 ? `worker ${writers[0]}` : `workers ${writers.join(', ') || 'none'}`}`],
    [sequences.size === 1, sequences.size === 1 ? `every process saw the same weights: ${[...sequences][0]}` : `the processes saw different weights: ${[...sequences].join(' | ')}`],
    [promoted, promoted ? `promoted: every process serves v2 at 100% (${sorted[0]![1].finished?.message})` : 'not promoted everywhere'],
    [exits, exits ? 'every worker closed its delivery and exited 0' : 'a worker exited with an error'],
  ];
  if (window) {
    console.log(`the leader's fleet window of the canary (last 5 s, read from Redis): ${window.requests} requests from ${window.instances} instances, ` +
      `success rate ${window.successRate.toFixed(2)}%, p99 ${window.p99.toFixed(1)} ms`);
  }
  for (const [pass, text] of checks) console.log(`${pass ? 'ok  ' : 'FAIL'} ${text}`);
  return checks.every(([pass]) => pass);
}

/** Deletes every key of this run (SCAN, never KEYS). */
async function cleanUp(): Promise<number> {
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) removed += await admin.del(...keys);
    } while (cursor !== '0');
  } catch (err) {
    console.error(`cleaning up ${prefix}*: ${(err as Error).message}`);
  }
  return removed;
}
