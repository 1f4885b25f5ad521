// Blue-green and ring hot paths: blueGreen.call() and rings.call() against calling the handler directly,
// rings.route() per ring kind (audience conditions, percentage, both), and, when a Redis answers on
// 127.0.0.1:6379, how fast a blue-green switch reaches every instance of a three-instance fleet (goal: 100 ms).
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../src/core/random.js';
import { createDelivery } from '../src/delivery.js';
import type { Ring } from '../src/rollout/types.js';
import { measure, measureAsync, percentile, printResults, table, type BenchResult } from './harness.js';

type Req = { user: string; groups: string[] };
const users: Req[] = Array.from({ length: 4096 }, (_, i) => ({ user: `user-${i}`, groups: i % 40 === 0 ? ['employees'] : i % 7 === 0 ? ['beta'] : [] }));
const n = users.length - 1;

async function hotPaths(): Promise<void> {
  const delivery = createDelivery({ random: seededRandom(1) });
  await delivery.ready();
  const handler = (r: Req): number => r.user.length;
  const bg = delivery.rollouts.blueGreen<Req, number>({ name: 'bg', blue: handler, green: handler });
  const rings = (name: string, list: Ring[]) =>
    delivery.rollouts.rings<Req, number>({ name, stable: handler, next: handler, rings: list, context: (r) => ({ userId: r.user, groups: r.groups }) });
  const internal: Ring = { name: 'internal', audience: [{ attribute: 'groups', operator: 'in', values: ['employees'] }] };
  const friendly: Ring = { name: 'friendly', audience: [{ attribute: 'groups', operator: 'in', values: ['beta'] }], percentage: 5 };
  const audience = rings('audience', [internal]);
  const percent = rings('percent', [{ name: 'ten', percentage: 10 }]);
  const three = rings('three', [internal, friendly, { name: 'everyone', percentage: 100 }]);
  for (const r of [audience, percent, three]) await r.advance();
  await three.advance(); // internal + friendly open: outsiders check both rings and land on stable
  await bg.load();
  const results: BenchResult[] = [
    measure('rings.route: one audience ring (groups in [employees])', (i) => audience.route(users[i & n]!)),
    measure('rings.route: one percentage ring (bucket)', (i) => percent.route(users[i & n]!)),
    measure('rings.route: two open rings (audience, audience or 5%)', (i) => three.route(users[i & n]!)),
  ];
  printResults('rings.route', results);
  const direct = await measureAsync('handler called directly (await)', async (i) => handler(users[i & n]!), { iterations: 50_000 });
  const bgCall = await measureAsync('blueGreen.call (side + handler + record)', (i) => bg.call(users[i & n]!), { iterations: 50_000 });
  const ringCall = await measureAsync('rings.call (route + handler + record)', (i) => three.call(users[i & n]!), { iterations: 50_000 });
  printResults('call', [direct, bgCall, ringCall]);
  table('call overhead', ['case', 'ns/op'], [
    ['blueGreen.call - direct', bgCall.nsPerOp - direct.nsPerOp],
    ['rings.call - direct', ringCall.nsPerOp - direct.nsPerOp],
  ]);
  await delivery.close();
}

async function convergence(): Promise<void> {
  let RedisStore: typeof import('../src/store/redis.js').RedisStore;
  let Redis: typeof import('ioredis').Redis;
  try {
    ({ RedisStore } = await import('../src/store/redis.js'));
    ({ Redis } = await import('ioredis'));
    const probe = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0 });
    await probe.connect();
    await probe.ping();
    probe.disconnect();
  } catch {
    console.log('\n(no Redis on 127.0.0.1:6379: switch convergence not measured)');
    return;
  }
  const prefix = `bench-bluegreen-${process.pid}:`;
  const fleet = Array.from({ length: 3 }, () => createDelivery({ store: new RedisStore({ url: 'redis://127.0.0.1:6379', prefix }) }));
  const sides = fleet.map((d) => d.rollouts.blueGreen<number, number>({ name: 'conv', blue: () => 1, green: () => 2 }));
  await Promise.all(fleet.map((d) => d.ready()));
  const lags: number[] = [];
  const worst: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    const seenAt: number[] = [];
    const target = sides[0]!.active() === 'blue' ? 'green' : 'blue';
    await new Promise<void>((resolve) => {
      sides.forEach((s, k) => {
        const on = (st: { active: string }): void => {
          if (st.active !== target || seenAt[k] !== undefined) return;
          seenAt[k] = performance.now() - t0;
          s.off('switched', on);
          if (seenAt.filter((x) => x !== undefined).length === sides.length) resolve();
        };
        s.on('switched', on);
      });
      void sides[0]!.switch();
    });
    lags.push(...seenAt.slice(1));
    worst.push(Math.max(...seenAt));
  }
  table('blue-green switch convergence on Redis (3 instances, 60 switches; ms from switch() to the switched event)', ['measure', 'p50', 'p99', 'max'], [
    ['other instances serve the new side', percentile(lags, 50), percentile(lags, 99), Math.max(...lags)],
    ['all three instances agree', percentile(worst, 50), percentile(worst, 99), Math.max(...worst)],
  ]);
  for (const d of fleet) await d.close();
  const admin = new Redis('redis://127.0.0.1:6379');
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
}

await hotPaths();
await convergence();
