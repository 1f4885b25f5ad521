import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { RedisStore } from '../../src/store/redis.js';
import type { StoreChange } from '../../src/store/types.js';
import { freePort, redisBinaryAvailable, spawnRedis, type SpawnedRedis } from '../helpers/redis.js';
import { settle } from '../../src/testing/contract-watch.js';
import { until as poll } from '../helpers/wait.js';

const available = redisBinaryAvailable();
const BOUND_MS = 300;

/** Resolves with what `p` settled to, or 'hung' if it did not settle within `ms` (a hang is the failure). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<{ value?: unknown; error?: unknown } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => {
    timer = setTimeout(() => r('hung'), ms);
  });
  const settled = p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const out = await Promise.race([settled, hung]);
  clearTimeout(timer);
  return out;
}

// reconnecting to a restarted Redis can take seconds on a busy machine
const until = (check: () => boolean): Promise<void> => poll(check, { timeoutMs: 10_000 });

describe.skipIf(!available)('RedisStore when Redis goes down and comes back', () => {
  let redis: SpawnedRedis;
  const stores: RedisStore[] = [];
  const store = (opts: ConstructorParameters<typeof RedisStore>[0] = {}) => {
    const s = new RedisStore({ url: redis.url, commandTimeoutMs: BOUND_MS, ...opts });
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    redis = await spawnRedis();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('rejects every call with StoreUnavailableError within the bound while down, then works again; the watcher resyncs what it missed', async () => {
    const watcherStore = store();
    const writer = store();
    const seen: StoreChange[] = [];
    watcherStore.watch('flags/', (c) => seen.push(c));
    await settle(watcherStore, 'flags/', writer); // a write racing the watch's first listing would count as existing state
    await writer.put('flags/keep', 'same');
    await writer.put('flags/changed', 'before');
    await writer.put('flags/gone', 'will vanish');
    await until(() => seen.length === 3);

    await redis.stop();
    for (const call of [
      () => watcherStore.get('flags/keep'),
      () => watcherStore.list('flags/'),
      () => writer.put('flags/x', 1),
      () => writer.delete('flags/keep'),
      () => writer.increment('c', 'f', 1),
      () => writer.counters('c'),
      () => writer.setIfAbsent('s', 1),
      () => writer.acquireLease('l', 'me', 1000),
      () => writer.releaseLease('l', 'me'),
    ]) {
      const out = await settlesWithin(call(), BOUND_MS + 2000);
      expect(out).not.toBe('hung');
      expect((out as { error?: unknown }).error).toBeInstanceOf(StoreUnavailableError);
    }
    // let the watcher's reconnect back-off grow, so the writes below land while it is still disconnected
    await new Promise((r) => setTimeout(r, 1200));

    await redis.restart(); // empty: versions restart
    const other = store();
    await other.put('flags/keep', 'same'); // same content, new incarnation
    await other.put('flags/changed', 'after');
    await other.put('flags/new', { fresh: true });
    seen.length = 0;
    await until(() => seen.some((c) => c.key === 'flags/gone' && c.deleted) && seen.some((c) => c.key === 'flags/new') && seen.some((c) => c.key === 'flags/changed' && c.value === 'after'));
    expect(seen.find((c) => c.key === 'flags/new')).toMatchObject({ value: { fresh: true }, deleted: false });
    expect(seen.find((c) => c.key === 'flags/gone')).toMatchObject({ deleted: true });
    // the stores that saw the outage work again
    expect((await watcherStore.get('flags/changed'))?.value).toBe('after');
    expect(await writer.put('flags/again', 1)).toBe(1);
    await until(() => seen.some((c) => c.key === 'flags/again'));
    // after the resync, later writes of the new incarnation (low versions) still reach the watcher
    await other.put('flags/changed', 'later');
    await until(() => seen.some((c) => c.key === 'flags/changed' && c.value === 'later'));
  });

  it('a watcher keeps receiving after its subscriber connection is killed (CLIENT KILL TYPE pubsub)', async () => {
    const s = store();
    const writer = store();
    const seen: string[] = [];
    s.watch('k/', (c) => {
      seen.push(`${c.key}=${String(c.value)}`);
    });
    await settle(s, 'k/', writer);
    await writer.put('k/1', 'a');
    await until(() => seen.includes('k/1=a'));
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await writer.put('k/2', 'b'); // probably missed by pub/sub, caught by the resync
    await until(() => seen.includes('k/2=b'));
    await writer.put('k/3', 'c');
    await until(() => seen.includes('k/3=c'));
    await admin.quit();
  });

  it('close() leaves a caller-provided client open and quits only what it created', async () => {
    const client = new Redis(redis.url);
    const s = new RedisStore({ client, prefix: 'own:' });
    s.watch('x/', () => {});
    await s.put('x/1', 1);
    await s.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    await expect(s.get('x/1')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await client.quit();
  });
});

describe.skipIf(!available)('RedisStore against a server that accepts connections but never answers', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    port = await freePort();
    server = createServer((sock) => {
      sockets.add(sock); // swallow everything: no reply, ever
      sock.on('close', () => sockets.delete(sock));
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('rejects with StoreUnavailableError within the bound instead of hanging', async () => {
    const s = new RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: BOUND_MS });
    for (const call of [() => s.get('a'), () => s.put('a', 1), () => s.list('')]) {
      const out = await settlesWithin(call(), BOUND_MS + 2000);
      expect(out).not.toBe('hung');
      expect((out as { error?: unknown }).error).toBeInstanceOf(StoreUnavailableError);
    }
    await s.close();
  });
});
