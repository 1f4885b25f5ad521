// Flag evaluation: ns per evaluation over 100,000 distinct users (cycling, after warm-up) for four scenarios, side by
// side with other SDKs in equivalent configurations, plus the cost of evaluation counting and the Redis
// change-propagation delay between two deliveries. Peers load from bench/peers/node_modules
// (`npm --prefix bench/peers install`); a missing peer is skipped with a printed line.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import CRC32 from 'crc-32';
import { createDelivery } from '../src/delivery.js';
import { FlagClient } from '../src/flags/client.js';
import { evaluate } from '../src/flags/evaluate.js';
import type { EvaluationContext, FlagDefinition } from '../src/flags/types.js';
import { fmt, measure, measureAsync, percentile, table, type BenchResult } from './harness.js';
import { openBenchRedis, redact } from './redis.js';

const N = 100_000;
const here = dirname(fileURLToPath(import.meta.url));
const peerRequire = createRequire(join(here, 'peers', 'package.json'));
const quick = process.argv.includes('--quick');
const SYNC = { iterations: quick ? 20_000 : N, batches: quick ? 3 : 11 };
const ASYNC = { iterations: quick ? 5_000 : 20_000, batches: quick ? 3 : 7 };

function peer<T>(name: string): T | undefined {
  try {
    return peerRequire(name) as T;
  } catch {
    console.log(`(skipped ${name}: not installed; run npm --prefix bench/peers install)`);
    return undefined;
  }
}

// ---- the four scenarios, in our vocabulary ----
const PLANS = ['free', 'pro', 'enterprise'];
const COUNTRIES = ['DE', 'FR', 'US', 'DE'];
const users = Array.from({ length: N }, (_, i) => ({ id: `user-${i}`, plan: PLANS[i % 3]!, country: COUNTRIES[i % 4]! }));
const split30 = { split: [{ variant: 'on', weight: 30 }, { variant: 'off', weight: 70 }] };
const defs: FlagDefinition[] = [
  { key: 's1', enabled: true },
  { key: 's2', enabled: true, fallthrough: split30 },
  {
    key: 's3',
    enabled: true,
    fallthrough: { variant: 'off' },
    rules: [{ conditions: [{ attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] }, { attribute: 'country', operator: 'equals', values: ['DE'] }], serve: split30 }],
  },
  { key: 's4', enabled: true, variants: { a: 'a', b: 'b', c: 'c' }, fallthrough: { split: [{ variant: 'a', weight: 34 }, { variant: 'b', weight: 33 }, { variant: 'c', weight: 33 }] } },
];
const SCENARIOS = [
  ['S1', 's1', 'on for everyone'],
  ['S2', 's2', '30% split by userId'],
  ['S3', 's3', "plan in [pro, enterprise] AND country = DE, then 30%"],
  ['S4', 's4', 'three-way string split 34/33/33'],
] as const;

function cycling<C>(contexts: C[]): () => C {
  let k = 0;
  return () => {
    const c = contexts[k]!;
    k = k + 1 === contexts.length ? 0 : k + 1;
    return c;
  };
}

type Runner = { name: string; note: string; run: (flag: string, scenario: string) => Promise<BenchResult> | BenchResult; close?: () => Promise<void> | void };
const runners: Runner[] = [];

// ---- progressive-delivery ----
const delivery = createDelivery();
await delivery.ready();
for (const d of defs) await delivery.flags.put(d);
const ours: EvaluationContext[] = users.map((u) => ({ userId: u.id, plan: u.plan, country: u.country }));
runners.push({
  name: 'progressive-delivery',
  note: 'flags.isEnabled / flags.variant (sync)',
  run: (flag, s) => {
    const next = cycling(ours);
    return s === 'S4' ? measure(s, () => delivery.flags.variant(flag, next()), SYNC) : measure(s, () => delivery.flags.isEnabled(flag, next()), SYNC);
  },
  close: () => delivery.close(),
});

// ---- unleash-client (bootstrapped, offline: refreshInterval 0, metrics off; its url is never contacted) ----
const unleashMod = peer<{ Unleash: new (o: object) => { isEnabled(n: string, c: object): boolean; getVariant(n: string, c: object): { name: string }; on(e: string, f: (...a: unknown[]) => void): void; destroy(): void } }>('unleash-client');
if (unleashMod) {
  const rollout = (pct: number, constraints: object[] = []) => ({ name: 'flexibleRollout', parameters: { rollout: String(pct), stickiness: 'userId', groupId: 'g' }, constraints });
  const data = [
    { name: 's1', enabled: true, strategies: [{ name: 'default', parameters: {}, constraints: [] }] },
    { name: 's2', enabled: true, strategies: [rollout(30)] },
    { name: 's3', enabled: true, strategies: [rollout(30, [{ contextName: 'plan', operator: 'IN', values: ['pro', 'enterprise'] }, { contextName: 'country', operator: 'IN', values: ['DE'] }])] },
    {
      name: 's4',
      enabled: true,
      strategies: [{ name: 'default', parameters: {}, constraints: [] }],
      variants: [
        { name: 'a', weight: 340, weightType: 'fix', stickiness: 'userId' },
        { name: 'b', weight: 330, weightType: 'fix', stickiness: 'userId' },
        { name: 'c', weight: 330, weightType: 'fix', stickiness: 'userId' },
      ],
    },
  ];
  const unleash = new unleashMod.Unleash({ appName: 'bench', url: 'http://127.0.0.1:9/api/', refreshInterval: 0, disableMetrics: true, bootstrap: { data }, skipInstanceCountWarning: true });
  unleash.on('error', () => {});
  await new Promise<void>((resolve) => {
    unleash.on('ready', () => resolve());
    setTimeout(resolve, 2000);
  });
  const ctxs = users.map((u) => ({ userId: u.id, properties: { plan: u.plan, country: u.country } }));
  if (!unleash.isEnabled('s1', ctxs[0]!)) console.log('(unleash-client did not load its bootstrap: results below are meaningless)');
  runners.push({
    name: 'unleash-client',
    note: 'isEnabled / getVariant (sync)',
    run: (flag, s) => {
      const next = cycling(ctxs);
      return s === 'S4' ? measure(s, () => unleash.getVariant(flag, next()).name, SYNC) : measure(s, () => unleash.isEnabled(flag, next()), SYNC);
    },
    close: () => unleash.destroy(),
  });
}

// ---- @growthbook/growthbook (GrowthBookClient, multi-user server mode) ----
const gbMod = peer<{ GrowthBookClient: new (o?: object) => { initSync(o: object): unknown; isOn(k: string, c: object): boolean; getFeatureValue(k: string, d: unknown, c: object): unknown; destroy(): void } }>('@growthbook/growthbook');
if (gbMod) {
  const features = {
    s1: { defaultValue: true },
    s2: { defaultValue: false, rules: [{ force: true, coverage: 0.3, hashAttribute: 'id' }] },
    s3: { defaultValue: false, rules: [{ condition: { plan: { $in: ['pro', 'enterprise'] }, country: 'DE' }, force: true, coverage: 0.3, hashAttribute: 'id' }] },
    s4: { defaultValue: 'a', rules: [{ key: 's4', variations: ['a', 'b', 'c'], weights: [0.34, 0.33, 0.33], hashAttribute: 'id' }] },
  };
  const gb = new gbMod.GrowthBookClient({ enableDevMode: false });
  gb.initSync({ payload: { features } });
  const ctxs = users.map((u) => ({ attributes: { id: u.id, plan: u.plan, country: u.country } }));
  runners.push({
    name: '@growthbook/growthbook',
    note: 'GrowthBookClient.isOn / getFeatureValue (sync)',
    run: (flag, s) => {
      const next = cycling(ctxs);
      return s === 'S4' ? measure(s, () => gb.getFeatureValue(flag, 'a', next()), SYNC) : measure(s, () => gb.isOn(flag, next()), SYNC);
    },
    close: () => gb.destroy(),
  });
}

// ---- @openfeature/server-sdk with its InMemoryProvider (splits need a contextEvaluator: crc32 % 100, as the seed) ----
type OFClient = { getBooleanValue(k: string, d: boolean, c: object): Promise<boolean>; getStringValue(k: string, d: string, c: object): Promise<string> };
const ofMod = peer<{ OpenFeature: { setProviderAndWait(p: unknown): Promise<void>; getClient(): OFClient; close(): Promise<void> }; InMemoryProvider: new (f: object) => unknown }>('@openfeature/server-sdk');
if (ofMod) {
  const pct = (key: string, p: number) => (CRC32.str(key) >>> 0) % 100 < p;
  const flags = {
    s1: { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
    s2: { variants: { on: true, off: false }, defaultVariant: 'off', disabled: false, contextEvaluator: (c: { targetingKey: string }) => (pct(`s2.${c.targetingKey}`, 30) ? 'on' : 'off') },
    s3: {
      variants: { on: true, off: false },
      defaultVariant: 'off',
      disabled: false,
      contextEvaluator: (c: { targetingKey: string; plan: string; country: string }) => ((c.plan === 'pro' || c.plan === 'enterprise') && c.country === 'DE' && pct(`s3.${c.targetingKey}`, 30) ? 'on' : 'off'),
    },
    s4: {
      variants: { a: 'a', b: 'b', c: 'c' },
      defaultVariant: 'a',
      disabled: false,
      contextEvaluator: (c: { targetingKey: string }) => {
        const b = (CRC32.str(`s4.${c.targetingKey}`) >>> 0) % 100;
        return b < 34 ? 'a' : b < 67 ? 'b' : 'c';
      },
    },
  };
  await ofMod.OpenFeature.setProviderAndWait(new ofMod.InMemoryProvider(flags));
  const client = ofMod.OpenFeature.getClient();
  const ctxs = users.map((u) => ({ targetingKey: u.id, plan: u.plan, country: u.country }));
  runners.push({
    name: '@openfeature/server-sdk InMemoryProvider',
    note: 'getBooleanValue / getStringValue (async)',
    run: (flag, s) => {
      const next = cycling(ctxs);
      return s === 'S4' ? measureAsync(s, () => client.getStringValue(flag, 'a', next()), ASYNC) : measureAsync(s, () => client.getBooleanValue(flag, false, next()), ASYNC);
    },
    close: () => ofMod.OpenFeature.close(),
  });
}

// ---- @launchdarkly/node-server-sdk with its TestData source (no network, events off) ----
type LDClient = { variation(k: string, c: object, d: unknown): Promise<unknown>; waitForInitialization(o: object): Promise<unknown>; close(): void };
const ldMod = peer<{ init(key: string, o: object): LDClient; integrations: { TestData: new () => { getFactory(): unknown; usePreconfiguredFlag(f: object): Promise<unknown> } }; basicLogger(o: object): unknown }>('@launchdarkly/node-server-sdk');
if (ldMod) {
  const td = new ldMod.integrations.TestData();
  const rollout = (weights: number[]) => ({ rollout: { variations: weights.map((weight, variation) => ({ variation, weight })) } });
  const base = { on: true, version: 1, offVariation: 1, targets: [], contextTargets: [], rules: [], prerequisites: [] };
  await td.usePreconfiguredFlag({ ...base, key: 's1', salt: 's1', variations: [true, false], fallthrough: { variation: 0 } });
  await td.usePreconfiguredFlag({ ...base, key: 's2', salt: 's2', variations: [true, false], fallthrough: rollout([30_000, 70_000]) });
  await td.usePreconfiguredFlag({
    ...base,
    key: 's3',
    salt: 's3',
    variations: [true, false],
    fallthrough: { variation: 1 },
    rules: [{ id: 'r', clauses: [{ attribute: 'plan', op: 'in', values: ['pro', 'enterprise'], negate: false }, { attribute: 'country', op: 'in', values: ['DE'], negate: false }], ...rollout([30_000, 70_000]) }],
  });
  await td.usePreconfiguredFlag({ ...base, key: 's4', salt: 's4', variations: ['a', 'b', 'c'], fallthrough: rollout([34_000, 33_000, 33_000]) });
  const local = 'http://127.0.0.1:9';
  const ld = ldMod.init('sdk-bench', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    baseUri: local,
    streamUri: local,
    eventsUri: local,
    logger: ldMod.basicLogger({ level: 'none' }),
  });
  await ld.waitForInitialization({ timeout: 5 });
  const ctxs = users.map((u) => ({ kind: 'user', key: u.id, plan: u.plan, country: u.country }));
  runners.push({
    name: '@launchdarkly/node-server-sdk TestData',
    note: 'variation (async)',
    run: (flag, s) => {
      const next = cycling(ctxs);
      return measureAsync(s, () => ld.variation(flag, next(), s === 'S4' ? 'a' : false), ASYNC);
    },
    close: () => ld.close(),
  });
}

// ---- run: scenario by scenario, every SDK, so they share the machine's state; three interleaved rounds, the
// best of each (one round of one case can be twice as slow when a collection of another SDK's garbage lands in it)
const results = new Map<string, Map<string, number>>();
for (let round = 0; round < (quick ? 1 : 3); round++) {
  for (const [s, flag] of SCENARIOS) {
    for (const r of runners) {
      const res = await r.run(flag, s);
      if (!results.has(r.name)) results.set(r.name, new Map());
      const best = results.get(r.name)!;
      best.set(s, Math.min(best.get(s) ?? Infinity, res.nsPerOp));
    }
  }
}
const oursNs = results.get('progressive-delivery')!;
table(
  `ns per evaluation, ${N.toLocaleString('en-US')} distinct users cycling (lower is better; ratio = peer / ours)`,
  ['SDK', 'API', ...SCENARIOS.map(([s, , what]) => `${s}: ${what}`)],
  runners.map((r) => [
    r.name,
    r.note,
    ...SCENARIOS.map(([s]) => {
      const ns = results.get(r.name)!.get(s)!;
      return r.name === 'progressive-delivery' ? `${fmt(ns)}` : `${fmt(ns)} (x${fmt(ns / oursNs.get(s)!)})`;
    }),
  ]),
);

// ---- the cost of evaluation counting (decides whether it is on by default: under 10% of an evaluation) ----
{
  const counted = delivery.flags;
  const uncounted = new FlagClient(delivery.context, { evaluationCounting: false });
  await uncounted.load();
  const rows: (string | number)[][] = [];
  for (const [s, flag] of SCENARIOS) {
    const a = cycling(ours);
    const b = cycling(ours);
    // interleaved rounds, best of each: the difference is a few ns, smaller than the noise of one round
    let on = Infinity;
    let off = Infinity;
    for (let round = 0; round < 3; round++) {
      on = Math.min(on, measure(`${s} counted`, () => counted.isEnabled(flag, a()), SYNC).nsPerOp);
      off = Math.min(off, measure(`${s} uncounted`, () => uncounted.isEnabled(flag, b()), SYNC).nsPerOp);
    }
    rows.push([s, off, on, `${fmt(((on - off) / off) * 100)}%`]);
  }
  await uncounted.close();
  table('evaluation counting (progressive_delivery_flag_evaluations_total)', ['scenario', 'ns uncounted', 'ns counted', 'overhead'], rows);
  const pure = cycling(ours);
  const s3 = defs[2]!;
  table('pure evaluate(def, ctx, default) with a full detail object', ['case', 'ns/op'], [['S3 evaluate()', Math.min(...[0, 1, 2].map(() => measure('pure', () => evaluate(s3, pure(), false), SYNC).nsPerOp))]]);
}

for (const r of runners) await r.close?.();

// ---- Redis: how long a change made by one delivery takes to reach another ----
await redisPropagation();

async function redisPropagation(): Promise<void> {
  const redis = await openBenchRedis('skipped Redis propagation');
  if (!redis) return;
  const { url, RedisStore } = redis;
  const prefix = `bench-flags:${process.pid}:${Date.now()}:`;
  const sa = new RedisStore({ url, prefix });
  const sb = new RedisStore({ url, prefix });
  const a = createDelivery({ store: sa });
  const b = createDelivery({ store: sb });
  await Promise.all([a.ready(), b.ready()]);
  const delays: number[] = [];
  let waiting: ((t: number) => void) | undefined;
  b.flags.on('change', () => waiting?.(performance.now()));
  const rounds = quick ? 30 : 200;
  for (let i = 0; i < rounds; i++) {
    const seen = new Promise<number>((resolve) => (waiting = resolve));
    const t0 = performance.now();
    await a.flags.put({ key: 'propagation', enabled: true, description: `round ${i}` });
    delays.push((await seen) - t0);
  }
  await a.close();
  await b.close();
  await sa.close();
  await sb.close();
  await redis.deleteKeys(prefix);
  redis.close();
  table(`Redis change propagation, delivery A put -> delivery B 'change' (${rounds} rounds, ${redact(url)})`, ['p50 ms', 'p90 ms', 'p99 ms', 'max ms'], [[percentile(delays, 50), percentile(delays, 90), percentile(delays, 99), Math.max(...delays)]]);
}
