// Stores: MemoryStore get/put ops/s; RedisStore get/put round trips and write-to-watch propagation latency between
// two connections on loopback (p50/p99 over 1,000 changes). Redis parts need 127.0.0.1:6379 (skipped otherwise).
// `--quick` for a short run.
import { performance } from 'node:perf_hooks';
import { MemoryStore } from '../src/store/memory.js';
import { RedisStore } from '../src/store/redis.js';
import { measureAsync, percentile, printResults, table } from './harness.js';
import { openBenchRedis } from './redis.js';

const quick = process.argv.includes('--quick');

const memory = new MemoryStore();
const value = { key: 'flag', enabled: true, rules: [{ conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }], serve: { variant: 'on' } }] };
await memory.put('flags/hot', value);
const memOpts = { iterations: quick ? 5_000 : 50_000, batches: quick ? 3 : 10 };
printResults('MemoryStore', [
  await measureAsync('get (hit)', () => memory.get('flags/hot'), memOpts),
  await measureAsync('put (1 key, overwrite)', (i) => memory.put('flags/hot', { ...value, i }), memOpts),
  await measureAsync('put (1,000 keys, round robin)', (i) => memory.put(`flags/k${i % 1000}`, value), memOpts),
  await measureAsync('increment', () => memory.increment('metrics/c', 'n', 1), memOpts),
]);
await memory.close();

const redis = await openBenchRedis('RedisStore benchmarks skipped');
if (redis) {
  const prefix = `pd-bench:${process.pid}:`;
  const writer = new RedisStore({ url: redis.url, prefix });
  const reader = new RedisStore({ url: redis.url, prefix });
  await writer.put('flags/hot', value);
  const rOpts = { iterations: quick ? 500 : 5_000, batches: quick ? 3 : 5, warmup: 500 };
  printResults('RedisStore (loopback, one connection, sequential awaits)', [
    await measureAsync('get', () => reader.get('flags/hot'), rOpts),
    await measureAsync('put (Lua: version + publish)', (i) => writer.put('flags/hot', { ...value, i }), rOpts),
    await measureAsync('put with expectedVersion (CAS)', async () => {
      const cur = await writer.get('flags/cas');
      await writer.put('flags/cas', 1, { expectedVersion: cur?.version ?? 0 });
    }, rOpts),
    await measureAsync('increment', () => writer.increment('metrics/c', 'n', 1), rOpts),
  ]);

  // propagation: writer puts, reader's watcher sees it; one change at a time
  const changes = quick ? 200 : 1_000;
  let resolveSeen: (() => void) | undefined;
  let expected = -1;
  reader.watch('prop/', (c) => {
    if ((c.value as { n: number }).n === expected) resolveSeen?.();
  });
  // let the subscription come up
  for (let i = 0; ; i++) {
    expected = -1 - i;
    const seen = new Promise<boolean>((r) => {
      resolveSeen = () => r(true);
      setTimeout(() => r(false), 50);
    });
    await writer.put('prop/k', { n: expected });
    if (await seen) break;
  }
  const latencies: number[] = [];
  for (let n = 0; n < changes; n++) {
    expected = n;
    const seen = new Promise<void>((r) => (resolveSeen = r));
    const t0 = performance.now();
    await writer.put('prop/k', { n });
    await seen;
    latencies.push(performance.now() - t0);
  }
  table(`RedisStore write-to-watch propagation, two connections on loopback (${changes} changes)`, ['p50 ms', 'p90 ms', 'p99 ms', 'max ms'], [
    [percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99), Math.max(...latencies)],
  ]);
  // clean up
  for (const e of await writer.list('')) await writer.delete(e.key);
  await writer.close();
  await reader.close();
  await redis.deleteKeys(prefix);
  redis.close();
}
