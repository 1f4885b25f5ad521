/**
 * Real Redis for tests: the shared server on 127.0.0.1:6379 and servers spawned on free loopback ports.
 * Nothing here talks to an address outside 127.0.0.0/8.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { until } from './wait.js';

const HOW_TO = 'apt-get install -y redis-server';

let binaryCache: boolean | undefined;

/** True when a `redis-server` binary is on PATH. Prints one loud line when it is not. */
export function redisBinaryAvailable(): boolean {
  if (binaryCache === undefined) {
    const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
    binaryCache = r.status === 0 && !r.error;
    if (!binaryCache) {
      console.warn(`\n!!! redis-server not found: Redis test suites are SKIPPED. Enable them with: ${HOW_TO}\n`);
    }
  }
  return binaryCache;
}

/** Sends PING to host:port over a raw socket; true when it answers +PONG within `timeoutMs`. */
export function ping(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let buf = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('error', () => done(false));
    sock.connect(port, host, () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

/**
 * True when a redis-server binary is on PATH and 127.0.0.1:6379 answers PING.
 * Without the binary it prints one loud line saying how to enable the Redis suites.
 */
export async function redisAvailable(): Promise<boolean> {
  if (!redisBinaryAvailable()) return false;
  const ok = await ping(6379);
  if (!ok) console.warn(`\n!!! no Redis answers on 127.0.0.1:6379: shared-Redis suites are SKIPPED (start one: redis-server --daemonize yes)\n`);
  return ok;
}

/** The URL of the shared Redis on 127.0.0.1:6379. */
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other test (or engineer) uses: `test:<random>:`. */
export function uniquePrefix(label = 'test'): string {
  return `${label}:${randomBytes(6).toString('hex')}:`;
}

/**
 * Deletes every key under `prefix` on the shared Redis (SCAN, so a large keyspace is never blocked): tombstones and
 * indexes the store leaves behind included. Uses `client` when given (left open), else its own connection.
 * @example afterAll(() => deleteKeys(prefix));
 */
export async function deleteKeys(prefix: string, client?: Redis): Promise<void> {
  const r = client ?? new Redis(SHARED_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    if (!client) await r.quit();
  }
}

/** A free TCP port on 127.0.0.1 (asks the OS for one, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface SpawnedRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: like a crash) and waits for the process to exit. */
  stop(): Promise<void>;
  /** Starts a fresh server on the same port (empty: no persistence). */
  restart(): Promise<void>;
}

export interface SpawnRedisOptions {
  /** Extra redis-server arguments, e.g. ['--cluster-enabled', 'yes']. */
  args?: string[];
  /** Fixed port; default a free one. */
  port?: number;
  /** Working directory (cluster config files go there); default a fresh temp dir. */
  dir?: string;
}

const waitFor = (check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> => until(check, { timeoutMs, what, everyMs: 25 });

/**
 * Starts `redis-server --port <free port> --save '' --appendonly no` bound to 127.0.0.1.
 * @example const r = await spawnRedis(); new RedisStore({ url: r.url }); await r.stop();
 */
export async function spawnRedis(opts: SpawnRedisOptions = {}): Promise<SpawnedRedis> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'pd-redis-'));
  const ownDir = opts.dir === undefined;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(opts.args ?? [])],
        { stdio: 'ignore' },
      );
      child = proc;
      let exited = false;
      proc.once('exit', () => {
        exited = true;
      });
      try {
        await waitFor(async () => exited || (await ping(port, '127.0.0.1', 200)), 5000, `redis-server on port ${port}`);
      } catch (err) {
        proc.kill('SIGKILL');
        throw err;
      }
      if (!exited) return;
      // the port may still be in TIME_WAIT / held briefly after a kill: retry a few times
      if (attempt >= 20) throw new Error(`redis-server could not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };

  await start();
  const handle: SpawnedRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await stop();
    },
    restart: async () => {
      await stop();
      await start();
    },
  };
  // remove the temp dir once the server is stopped for good (best effort, on process exit)
  if (ownDir) process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return handle;
}

export interface SpawnedCluster {
  ports: number[];
  /** Startup nodes for `new Cluster(nodes)`. */
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/**
 * Spawns `masters` cluster-enabled servers on free ports and joins them with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`.
 */
export async function spawnRedisCluster(masters = 3): Promise<SpawnedCluster> {
  const servers: SpawnedRedis[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'pd-cluster-'));
      servers.push(
        await spawnRedis({ dir, args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000'] }),
      );
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    // wait until every node reports cluster_state:ok
    for (const s of servers) {
      await waitFor(
        async () => spawnSync('redis-cli', ['-p', String(s.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok'),
        15_000,
        `cluster_state:ok on ${s.port}`,
      );
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  return {
    ports: servers.map((s) => s.port),
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
