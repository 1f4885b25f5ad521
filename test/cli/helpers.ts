/**
 * Runs the BUILT CLI as a child process: `buildCli()` bundles src/cli/main.ts with tsup (the options of
 * tsup.config.ts' bin build: one CommonJS file) into a private temp dir, never into the shared dist/.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'tsup';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { RedisStore } from '../../src/store/redis.js';
import { deleteKeys, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { until as poll } from '../helpers/wait.js';

export interface Built {
  cli: string;
  dir: string;
  /** Writes a file in the temp dir and returns its path. */
  file(name: string, content: unknown): string;
  cleanup(): void;
}

export async function buildCli(): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-cli-'));
  // ioredis and the dependencies stay external, as in the package: they resolve from the repo's node_modules
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
  await build({
    config: false,
    entry: { cli: 'src/cli/main.ts' },
    format: ['cjs'],
    outDir: join(dir, 'dist'),
    splitting: false,
    dts: false,
    sourcemap: false,
    clean: false,
    silent: true,
    target: 'node20',
    platform: 'node',
    external: ['ioredis'],
  });
  return {
    cli: join(dir, 'dist', 'cli.cjs'),
    dir,
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface CliSuite extends Built {
  /** A fresh key prefix on the shared Redis (`uniquePrefix(label)`); its keys are deleted after the file. */
  prefix(label: string): string;
  /** A delivery (lease 5 s) on its own RedisStore under a fresh prefix, standing for the service the CLI talks to; closed after each test. */
  service(label: string): { prefix: string; store: RedisStore; delivery: Delivery };
}

/**
 * For a test file of the CLI: builds it once (beforeAll) and, after the file, removes the build and, when the shared
 * Redis is `available`, the keys under every prefix handed out.
 * @example const built = cliSuite(await redisAvailable()); await runCli(built.cli, ['--prefix', built.prefix('pd-cli'), ...]);
 */
export function cliSuite(available: boolean): CliSuite {
  let built: Built | undefined;
  const prefixes: string[] = [];
  const services: Delivery[] = [];
  beforeAll(async () => {
    built = await buildCli();
  }, 60_000);
  afterEach(async () => {
    for (const d of services.splice(0)) await d.close();
  });
  afterAll(async () => {
    built?.cleanup();
    if (available) for (const p of prefixes) await deleteKeys(p);
  });
  const get = (): Built => {
    if (!built) throw new Error('the CLI is built in beforeAll');
    return built;
  };
  return {
    get cli() {
      return get().cli;
    },
    get dir() {
      return get().dir;
    },
    file: (name, content) => get().file(name, content),
    cleanup: () => get().cleanup(),
    prefix(label) {
      const p = uniquePrefix(label);
      prefixes.push(p);
      return p;
    },
    service(label) {
      const prefix = this.prefix(label);
      const store = new RedisStore({ url: SHARED_REDIS_URL, prefix });
      const delivery = createDelivery({ store, leaseTtl: '5s' });
      services.push(delivery);
      return { prefix, store, delivery };
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON. */
  json<T = unknown>(): T;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** Runs `node cli.js ...args`; colour variables are cleared unless given. */
export function runCli(cli: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, PD_REDIS_URL: undefined, ...opts.env })) {
      if (v !== undefined) env[k] = v;
    }
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 15_000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        stdout,
        stderr,
        json<T>() {
          return JSON.parse(stdout) as T;
        },
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Spawns the CLI and returns the child, for long-running commands (watch). */
export function startCli(cli: string, args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (state.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (state.stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, state, exited };
}

/** Waits until `cond` holds (real time, polled). */
export const until = (cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => poll(cond, { timeoutMs: ms, everyMs: 20 });
