// Blue-green and ring hot paths: blueGreen.call() and rings.call() against calling the handler directly,
// rings.route() per ring kind (audience conditions, percentage, both), and, when a Redis answers on
// 127.0.0.1:6379, how fast a blue-green switch reaches every instance of a three-instance fleet (goal: 100 ms).
import { seededRandom } from '../src/core/random.js';
import { createDelivery } from '../src/delivery.js';
import type { Ring } from '../src/rollout/types.js';
import { measureConvergence, onEvent, printConvergence } from './convergence.js';
import { bestOfAsync, measure, printResults, table, type BenchResult } from './harness.js';
import { openBenchRedis } from './redis.js';

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
  const [direct, bgCall, ringCall] = (await bestOfAsync(
    [
      { name: 'handler called directly (await)', fn: async (i) => handler(users[i & n]!) },
      { name: 'blueGreen.call (side + handler + record)', fn: (i) => bg.call(users[i & n]!) },
      { name: 'rings.call (route + handler + record)', fn: (i) => three.call(users[i & n]!) },
    ],
    { iterations: 50_000 },
  )) as [BenchResult, BenchResult, BenchResult];
  printResults('call', [direct, bgCall, ringCall]);
  table('call overhead', ['case', 'ns/op'], [
    ['blueGreen.call - direct', bgCall.nsPerOp - direct.nsPerOp],
    ['rings.call - direct', ringCall.nsPerOp - direct.nsPerOp],
  ]);
  await delivery.close();
}

async function convergence(): Promise<void> {
  const redis = await openBenchRedis('switch convergence not measured');
  if (!redis) return;
  const { deliveries: fleet, close } = redis.fleet(`bench-bluegreen-${process.pid}:`, 3);
  const sides = fleet.map((d) => d.rollouts.blueGreen<number, number>({ name: 'conv', blue: () => 1, green: () => 2 }));
  await Promise.all(fleet.map((d) => d.ready()));
  const result = await measureConvergence(sides, 60, () => {
    const target = sides[0]!.active() === 'blue' ? 'green' : 'blue';
    return {
      watch: onEvent('switched', (st: { active: string }) => st.active === target),
      trigger: () => sides[0]!.switch(),
    };
  });
  printConvergence('blue-green switch convergence on Redis (3 instances, 60 switches; ms from switch() to the switched event)', 'other instances serve the new side', result);
  await close();
  redis.close();
}

await hotPaths();
await convergence();
