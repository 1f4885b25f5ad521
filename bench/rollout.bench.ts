// Canary hot paths: canary.call() against calling the handler directly (goal: under 300 ns of overhead), route()
// ns/op per routing mode, and, when a Redis answers on 127.0.0.1:6379, how fast a weight change reaches every
// instance of a three-instance fleet (the acceptance goal is 100 ms).
import { createDelivery } from '../src/delivery.js';
import { seededRandom } from '../src/core/random.js';
import type { Canary } from '../src/rollout/canary.js';
import type { Analysis } from '../src/rollout/types.js';
import { measureConvergence, onEvent, printConvergence } from './convergence.js';
import { bestOfAsync, measure, printResults, table, type BenchResult } from './harness.js';
import { openBenchRedis } from './redis.js';

type Req = { user: string; beta: boolean };
const analysis: Analysis = { interval: '1m', threshold: 3, stepWeights: [30], metrics: [{ name: 'q', thresholdRange: { min: 1 }, query: () => 1 }] };
const users = Array.from({ length: 4096 }, (_, i) => ({ user: `user-${i}`, beta: i % 50 === 0 }));

async function hotPaths(): Promise<void> {
  const delivery = createDelivery({ random: seededRandom(1) });
  await delivery.ready();
  const handler = (r: Req): number => r.user.length;
  const make = (name: string, extra: object): Canary<Req, number> => delivery.rollouts.canary<Req, number>({ name, stable: handler, canary: handler, analysis, ...extra });
  const sticky = make('sticky', { stickyBy: (r: Req) => r.user });
  const random = make('random', {});
  const matched = make('matched', { stickyBy: (r: Req) => r.user, match: [(r: Req) => r.beta] });
  for (const c of [sticky, random, matched]) {
    await c.load();
    await c.runAnalysis(); // weight 30
  }
  const n = users.length - 1;
  const results: BenchResult[] = [
    measure('route: stickyBy (bucket of the key)', (i) => sticky.route(users[i & n]!)),
    measure('route: random split', (i) => random.route(users[i & n]!)),
    measure('route: match rule + stickyBy', (i) => matched.route(users[i & n]!)),
  ];
  printResults('canary.route', results);

  const [direct, call] = (await bestOfAsync(
    [
      { name: 'handler called directly (await)', fn: async (i) => handler(users[i & n]!) },
      { name: 'canary.call (route + handler + record)', fn: (i) => sticky.call(users[i & n]!) },
    ],
    { iterations: 50_000 },
  )) as [BenchResult, BenchResult];
  printResults('canary.call', [direct, call]);
  table('canary.call overhead', ['case', 'ns/op', 'goal'], [['call - direct', call.nsPerOp - direct.nsPerOp, '< 300 ns']]);
  await delivery.close();
}

async function convergence(): Promise<void> {
  const redis = await openBenchRedis('weight convergence not measured');
  if (!redis) return;
  const { deliveries: fleet, close } = redis.fleet(`bench-rollout-${process.pid}:`, 3);
  const steps: Analysis = { ...analysis, stepWeight: 1, stepWeights: undefined, maxWeight: 100, threshold: 1 };
  const canaries = fleet.map((d) => d.rollouts.canary<Req, number>({ name: 'conv', stable: () => 1, canary: () => 2, analysis: steps }));
  await Promise.all(fleet.map((d) => d.ready()));
  const result = await measureConvergence(canaries, 60, (i) => ({
    watch: onEvent('weight', (s: { weight: number }) => s.weight === i + 1),
    trigger: () => canaries[0]!.runAnalysis(),
  }));
  printConvergence('weight convergence on Redis (3 instances, 60 changes; ms from runAnalysis() to the weight event)', 'other instances see the new weight', result);
  await close();
  redis.close();
}

await hotPaths();
await convergence();
