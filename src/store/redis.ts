import { Redis, Cluster, type RedisOptions } from 'ioredis';
import { systemClock, type Clock } from '../core/clock.js';
import { ConflictError, DeliveryError, StoreUnavailableError, ValidationError } from '../core/errors.js';
import { assertKey, type JsonValue } from '../core/json.js';
import { DELETE, escapeGlob, INCREMENT, parseChange, PUT, RELEASE_LEASE, RENEW_LEASE, type Script } from './redis-scripts.js';
import { WatchHub, type RawEntry } from './redis-watch.js';
import type { PutOptions, Store, StoreChange, Versioned } from './types.js';
import { checkIncrement, checkLease, checkPut, checkTtl, checkVersion } from './validate.js';

type Client = Redis | Cluster;

export interface RedisStoreOptions {
  /**
   * Your own ioredis client (a `Redis` or a `Cluster`), reused as is; `close()` leaves it open.
   * Give either `client` or `url`; with neither, `redis://127.0.0.1:6379`.
   * Do not set ioredis' `keyPrefix` on it: use `prefix`.
   */
  client?: Client;
  /** A Redis URL (`redis://[:password@]host:port[/db]`); the store creates the client and `close()` quits it. */
  url?: string;
  /** Prepended to every Redis key and to the pub/sub channel, so several deliveries can share one Redis. @default 'pd:' */
  prefix?: string;
  /**
   * Upper bound for every call, waiting for a connection included: past it the call rejects with
   * StoreUnavailableError. Nothing is queued without bound while Redis is down. @default 2000
   */
  commandTimeoutMs?: number;
  /** How long a deleted key's version is remembered, so versions keep growing across delete and re-create. @default 86400000 (1 day) */
  tombstoneTtlMs?: number;
  /** Time source for the timeouts. @default the system clock (unref'd timers) */
  clock?: Clock;
}

const UNAVAILABLE_REPLY = /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|BUSY|READONLY)/;

/**
 * A Store on Redis or Redis Cluster, shared by every instance of a fleet. Versions and compare-and-set run in Lua
 * (atomic); changes reach every process's watchers through pub/sub, and after a reconnect each watcher re-reads its
 * prefixes and emits what it missed. When Redis is down every call rejects with StoreUnavailableError within
 * `commandTimeoutMs`. This is the only file of the library that imports ioredis.
 * @example
 * import { RedisStore } from 'progressive-delivery/redis';
 * const delivery = createDelivery({ store: new RedisStore({ url: process.env.REDIS_URL, prefix: 'shop:' }) });
 */
export class RedisStore implements Store {
  readonly #client: Client;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #timeoutMs: number;
  readonly #tombstoneTtlMs: number;
  readonly #clock: Clock;
  readonly #hub: WatchHub;
  #sub: Client | undefined;
  #closed = false;

  constructor(opts: RedisStoreOptions = {}) {
    const issues: { path: string; message: string }[] = [];
    if (opts.client !== undefined && opts.url !== undefined) issues.push({ path: 'url', message: 'give either client or url, not both' });
    if (opts.prefix !== undefined && typeof opts.prefix !== 'string') issues.push({ path: 'prefix', message: 'must be a string' });
    const timeout = opts.commandTimeoutMs ?? 2000;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      issues.push({ path: 'commandTimeoutMs', message: `must be a positive number of milliseconds, got ${String(timeout)}` });
    }
    const tomb = opts.tombstoneTtlMs ?? 86_400_000;
    if (typeof tomb !== 'number' || !Number.isInteger(tomb) || tomb <= 0) {
      issues.push({ path: 'tombstoneTtlMs', message: `must be a positive integer of milliseconds, got ${String(tomb)}` });
    }
    if (issues.length) throw new ValidationError(issues, { subject: 'RedisStore options' });
    this.#prefix = opts.prefix ?? 'pd:';
    this.#channel = `${this.#prefix}changes`;
    this.#timeoutMs = timeout;
    this.#tombstoneTtlMs = tomb;
    this.#clock = opts.clock ?? systemClock;
    if (opts.client) {
      this.#client = opts.client;
      this.#ownsClient = false;
    } else {
      const bounded: RedisOptions = {
        enableOfflineQueue: false, // never queue while down: calls wait for 'ready' up to the timeout, then fail
        maxRetriesPerRequest: 0, // in-flight commands fail at a disconnect instead of being replayed later
        commandTimeout: timeout,
        connectTimeout: Math.max(timeout, 1000),
        retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
      };
      this.#client = new Redis(opts.url ?? 'redis://127.0.0.1:6379', bounded);
      this.#client.on('error', () => {}); // surfaced through the calls that fail
      this.#ownsClient = true;
    }
    this.#hub = new WatchHub((p) => this.#listRaw(p), this.#clock);
  }

  #key(key: string): string {
    return `${this.#prefix}d:${key}`;
  }

  #check(): void {
    if (this.#closed) throw new DeliveryError('RedisStore is closed', 'STORE_CLOSED');
  }

  /** Waits (bounded) until `client` is ready when it cannot queue, then runs `fn` under the timeout. */
  async #run<T>(fn: (c: Client) => Promise<T>, what: string, client: Client = this.#client): Promise<T> {
    this.#check();
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(
        () => reject(new StoreUnavailableError(`Redis did not answer ${what} within ${this.#timeoutMs} ms: check that it is running and reachable`)),
        this.#timeoutMs,
      );
    });
    timeout.catch(() => {});
    try {
      return await Promise.race([this.#whenReady(client, what).then(() => fn(client)), timeout]);
    } catch (err) {
      throw this.#translate(err, what);
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  async #whenReady(client: Client, what: string): Promise<void> {
    if (client.status === 'ready') return;
    if (client.status === 'end' || client.status === 'close') {
      if (client !== this.#client || !this.#ownsClient) throw new StoreUnavailableError(`Redis connection is closed (${what})`);
    }
    const offlineQueue = (client as Redis).options?.enableOfflineQueue ?? (client as Cluster).options?.enableOfflineQueue;
    if (offlineQueue !== false) return; // the client queues by itself; the timeout still bounds the call
    await new Promise<void>((resolve) => {
      const onReady = () => {
        client.off('ready', onReady);
        resolve();
      };
      client.on('ready', onReady);
      // the race in #run bounds this wait; drop the listener once the call is over
      this.#clock.setTimeout(() => client.off('ready', onReady), this.#timeoutMs + 10);
    });
  }

  #translate(err: unknown, what: string): Error {
    if (err instanceof DeliveryError) return err;
    const e = err as { name?: string; message?: string };
    const msg = e?.message ?? String(err);
    if (e?.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(msg)) {
      return new DeliveryError(`Redis refused ${what}: ${msg}`, 'STORE_ERROR', { cause: err });
    }
    return new StoreUnavailableError(`Redis is unavailable (${what}): ${msg}`, { cause: err });
  }

  async #eval(client: Client, s: Script, key: string, args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(s.sha, 1, key, ...args);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      return client.eval(s.lua, 1, key, ...args);
    }
  }

  async get(key: string): Promise<Versioned | undefined> {
    this.#check();
    assertKey(key);
    const [ver, raw] = await this.#run((c) => c.hmget(this.#key(key), 'ver', 'v'), `get('${key}')`);
    if (raw === null || raw === undefined || ver === null || ver === undefined) return undefined;
    return { value: JSON.parse(raw) as JsonValue, version: Number(ver) };
  }

  async list(prefix: string): Promise<({ key: string } & Versioned)[]> {
    this.#check();
    if (typeof prefix !== 'string') throw new DeliveryError('prefix must be a string', 'VALIDATION');
    const raw = await this.#listRaw(prefix);
    return raw.map((e) => ({ key: e.key, value: JSON.parse(e.raw) as JsonValue, version: e.version }));
  }

  /** SCAN every master for `<prefix>d:<prefix>*`, then read each hash on the node that holds it. Sorted by key. */
  async #listRaw(prefix: string): Promise<RawEntry[]> {
    const pattern = `${escapeGlob(this.#key(prefix))}*`;
    const strip = this.#key('').length;
    return this.#run(
      async (c) => {
        const nodes: Redis[] = c instanceof Cluster ? c.nodes('master') : [c];
        const out: RawEntry[] = [];
        await Promise.all(
          nodes.map(async (node) => {
            let cursor = '0';
            do {
              const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
              cursor = next;
              if (!keys.length) continue;
              const pipe = node.pipeline();
              for (const k of keys) pipe.hmget(k, 'ver', 'v');
              const replies = (await pipe.exec()) ?? [];
              keys.forEach((k, i) => {
                const [err, reply] = replies[i] ?? [null, null];
                if (err) throw err;
                const [ver, raw] = (reply as (string | null)[] | null) ?? [];
                if (ver && raw !== null && raw !== undefined) out.push({ key: k.slice(strip), version: Number(ver), raw });
              });
            } while (cursor !== '0');
          }),
        );
        return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      },
      `list('${prefix}')`,
    );
  }

  async put(key: string, value: JsonValue, opts: PutOptions = {}): Promise<number> {
    this.#check();
    checkPut(key, value, opts);
    return this.#write(key, value, opts.expectedVersion, opts.ttlMs, `put('${key}')`);
  }

  async #write(key: string, value: JsonValue, expected: number | undefined, ttlMs: number | undefined, what: string): Promise<number> {
    const raw = JSON.stringify(value);
    const ttl = ttlMs === undefined ? '' : String(Math.max(1, Math.ceil(ttlMs)));
    const reply = (await this.#run(
      (c) => this.#eval(c, PUT, this.#key(key), [raw, expected === undefined ? '' : String(expected), ttl, this.#channel, key]),
      what,
    )) as [number, number];
    const [version, live] = reply;
    if (version === -1) throw new ConflictError(key, expected, live === 0 ? undefined : live);
    this.#hub.apply({ key, version, deleted: false, raw });
    return version;
  }

  async delete(key: string, opts: { expectedVersion?: number } = {}): Promise<boolean> {
    this.#check();
    assertKey(key);
    if (opts.expectedVersion !== undefined) checkVersion(opts.expectedVersion);
    const expected = opts.expectedVersion === undefined ? '' : String(opts.expectedVersion);
    const [status, version] = (await this.#run(
      (c) => this.#eval(c, DELETE, this.#key(key), [expected, this.#channel, key, this.#tombstoneTtlMs]),
      `delete('${key}')`,
    )) as [number, number];
    if (status === -1) throw new ConflictError(key, opts.expectedVersion, version === 0 ? undefined : version);
    if (status === 0) return false;
    this.#hub.apply({ key, version, deleted: true });
    return true;
  }

  watch(prefix: string, listener: (change: StoreChange) => void): () => void {
    this.#check();
    if (typeof prefix !== 'string') throw new DeliveryError('prefix must be a string', 'VALIDATION');
    if (typeof listener !== 'function') throw new DeliveryError('listener must be a function', 'VALIDATION');
    this.#subscriber();
    return this.#hub.add(prefix, listener);
  }

  /** A dedicated connection, duplicated from the client, subscribed to the change channel; re-subscribes on every reconnect. */
  #subscriber(): void {
    if (this.#sub) return;
    const sub =
      this.#client instanceof Cluster
        ? this.#client.duplicate()
        : this.#client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: false, commandTimeout: undefined, lazyConnect: false });
    this.#sub = sub;
    sub.on('error', () => {});
    sub.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const change = parseChange(message);
      if (change) this.#hub.apply(change);
    });
    sub.on('close', () => this.#hub.disconnected());
    sub.on('end', () => this.#hub.disconnected());
    const subscribe = () => {
      if (this.#closed) return;
      sub.subscribe(this.#channel).then(
        () => this.#hub.subscribed(),
        () => {}, // the next 'ready' tries again
      );
    };
    sub.on('ready', subscribe);
    if (sub.status === 'ready') subscribe();
  }

  async increment(key: string, field: string, by: number, opts: { ttlMs?: number } = {}): Promise<number> {
    this.#check();
    checkIncrement(key, field, by);
    if (opts.ttlMs !== undefined) checkTtl(opts.ttlMs);
    const ttl = opts.ttlMs === undefined ? '' : String(Math.max(1, Math.ceil(opts.ttlMs)));
    const byText = Number.isSafeInteger(by) ? String(by) : by.toPrecision(17);
    const reply = await this.#run((c) => this.#eval(c, INCREMENT, `${this.#prefix}c:${key}`, [field, byText, ttl]), `increment('${key}')`);
    return Number(reply);
  }

  async counters(key: string): Promise<Record<string, number>> {
    this.#check();
    assertKey(key);
    const all = await this.#run((c) => c.hgetall(`${this.#prefix}c:${key}`), `counters('${key}')`);
    const out: Record<string, number> = {};
    for (const [f, v] of Object.entries(all)) out[f] = Number(v);
    return out;
  }

  async setIfAbsent(key: string, value: JsonValue, opts: { ttlMs?: number } = {}): Promise<boolean> {
    this.#check();
    checkPut(key, value, opts);
    try {
      await this.#write(key, value, 0, opts.ttlMs, `setIfAbsent('${key}')`);
      return true;
    } catch (err) {
      if (err instanceof ConflictError) return false;
      throw err;
    }
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#check();
    checkLease(name, owner, ttlMs);
    const key = `${this.#prefix}l:${name}`;
    const px = Math.max(1, Math.ceil(ttlMs));
    return this.#run(async (c) => {
      if ((await c.set(key, owner, 'PX', px, 'NX')) === 'OK') return true;
      return (await this.#eval(c, RENEW_LEASE, key, [owner, px])) === 1;
    }, `acquireLease('${name}')`);
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.#check();
    checkLease(name, owner);
    await this.#run((c) => this.#eval(c, RELEASE_LEASE, `${this.#prefix}l:${name}`, [owner]), `releaseLease('${name}')`);
  }

  /** Stops the watchers and the subscriber connection; quits the client only if this store created it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.close();
    const sub = this.#sub;
    this.#sub = undefined;
    await Promise.all([sub ? quit(sub) : undefined, this.#ownsClient ? quit(this.#client) : undefined]);
  }
}

/** QUIT politely when connected, otherwise drop the connection at once (no reconnect loop left behind). */
async function quit(c: Client): Promise<void> {
  if (c.status === 'ready') {
    try {
      await Promise.race([c.quit(), new Promise((r) => systemClock.setTimeout(() => r(undefined), 500))]);
    } catch {
      // already gone
    }
  }
  c.disconnect();
}
