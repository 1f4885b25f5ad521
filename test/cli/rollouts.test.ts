// The built CLI beside a live delivery on the same Redis: rollout actions reach the canary's process, watch
// follows the store, experiment results match the library's.
import { describe, expect, it } from 'vitest';
import { keys } from '../../src/experiments/recorder.js';
import { requestRolloutAction } from '../../src/rollout/commands.js';
import type { Analysis } from '../../src/rollout/types.js';
import { redisAvailable, SHARED_REDIS_URL } from '../helpers/redis.js';
import { cliSuite, runCli, startCli, until } from './helpers.js';

const available = await redisAvailable();
const built = cliSuite(available);

const ANALYSIS = { interval: '1h', threshold: 3, stepWeight: 10, maxWeight: 50, metrics: [{ name: 'ok', thresholdRange: { min: 1 }, query: () => 1 }] } as Analysis;

/** A service instance running canaries `names`, each moved to Progressing at 10%. */
async function service(...names: string[]) {
  const { prefix, store, delivery: d } = built.service('pd-cli-ro');
  const canaries = names.map((name) => d.rollouts.canary<number, number>({ name, stable: (x) => x, canary: (x) => x + 1, analysis: ANALYSIS }));
  await d.ready();
  for (const c of canaries) {
    await c.runAnalysis();
    c.start();
  }
  const cli = (...args: string[]) => runCli(built.cli, ['--redis', SHARED_REDIS_URL, '--prefix', prefix, ...args]);
  return { prefix, store, d, canaries, cli };
}

type Row = { name: string; kind: string; phase: string; weight: number; requestedAction: { action: string; reason: string | null } | null; message: string };

describe.skipIf(!available)('rollouts', () => {
  it('list and status show the state the service wrote', async () => {
    const { cli, canaries } = await service('checkout', 'search');
    expect(canaries[0]!.status()).toMatchObject({ phase: 'Progressing', weight: 10 });
    const list = await cli('rollouts', 'list', '--json');
    expect(list.code).toBe(0);
    expect(list.json<Row[]>().map((r) => [r.name, r.kind, r.phase, r.weight])).toEqual([
      ['checkout', 'canary', 'Progressing', 10],
      ['search', 'canary', 'Progressing', 10],
    ]);
    const human = await cli('rollouts', 'list');
    expect(human.stdout).toMatch(/^NAME\s+KIND\s+PHASE\s+WEIGHT\s+FAILED\s+ITER\s+PENDING\s+CHANGED\s+MESSAGE$/m);
    expect(human.stdout).toMatch(/^checkout\s+canary\s+Progressing\s+10% \/ 50%\s+0\s+1\s+\d+s ago/m);
    const status = await cli('rollouts', 'status', 'checkout');
    expect(status.stdout).toMatch(/^phase\s+Progressing$/m);
    expect(status.stdout).toMatch(/^weight\s+10% \/ 50%$/m);
    expect((await cli('rollouts', 'status', 'checkout', '--json')).json()).toMatchObject({ name: 'checkout', phase: 'Progressing', weight: 10, version: expect.any(Number) });
  });

  it('an unknown rollout is exit 1 in one line, for status and for every action', async () => {
    const { cli } = await service('checkout');
    for (const args of [['status', 'chekout'], ['promote', 'chekout'], ['abort', 'chekout'], ['pause', 'chekout'], ['resume', 'chekout']]) {
      const r = await cli('rollouts', ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim()).toBe("error: unknown rollout 'chekout'; did you mean 'checkout'?");
    }
  });

  it('promote and abort are applied by the process running the canary', async () => {
    const { cli, canaries } = await service('checkout', 'payments');
    const [checkout, payments] = canaries;
    const promoted = await cli('rollouts', 'promote', 'checkout', '--wait', '10s', '--json');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.json()).toMatchObject({ name: 'checkout', phase: 'Succeeded', requestedAction: null });
    await until(() => checkout!.status().phase === 'Succeeded');
    const aborted = await cli('rollouts', 'abort', 'payments', '--reason', 'p99 alarm', '--wait=10s');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toContain("rollout 'payments' aborted: phase Failed, weight 0% / 50% (aborted: p99 alarm)");
    await until(() => payments!.status().phase === 'Failed');
    expect(payments!.status().message).toBe('aborted: p99 alarm');
    expect(payments!.route(1)).toBe('stable');
    const again = await cli('rollouts', 'abort', 'payments');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe("error: cannot abort rollout 'payments': the rollout is Failed: nothing to abort");
  });

  it('pause and resume; without --wait the request is written and left to the service', async () => {
    const { cli, canaries, store, d } = await service('checkout');
    const req = await cli('rollouts', 'pause', 'checkout', '--json');
    expect(req.code).toBe(0);
    expect(req.json()).toMatchObject({ requestedAction: { action: 'pause', requestedBy: expect.stringMatching(/^cli:/) } });
    await until(() => canaries[0]!.status().phase === 'Paused');
    const resumed = await cli('rollouts', 'resume', 'checkout', '--wait', '10s');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(canaries[0]!.status().phase).toBe('Progressing');
    // --direct applies at once, with nobody running the rollout
    await d.close();
    const direct = await cli('rollouts', 'pause', 'checkout', '--direct', '--json');
    expect(direct.json()).toMatchObject({ phase: 'Paused', requestedAction: null });
    // a request nobody applies: --wait gives up with exit 1 and leaves it pending
    const waited = await cli('rollouts', 'resume', 'checkout', '--wait', '300ms');
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('no instance applied it within 0.3s');
    const s = await store.get('rollouts/checkout');
    expect((s?.value as { requestedAction: { action: string } }).requestedAction.action).toBe('resume');
  });

  it('watch --json prints the state, then every change, and exits after --for', async () => {
    const { prefix, store } = await service('checkout');
    const w = startCli(built.cli, ['watch', '--json', '--for', '2500ms', '--redis', SHARED_REDIS_URL, '--prefix', prefix]);
    await until(() => w.state.stdout.includes('\n'));
    const first = JSON.parse(w.state.stdout.split('\n')[0]!) as { rollouts: Row[] };
    expect(first.rollouts.map((r) => [r.name, r.phase])).toEqual([['checkout', 'Progressing']]);
    await requestRolloutAction(store, 'checkout', 'pause', { reason: 'look' });
    await until(() => w.state.stdout.split('\n').some((l) => l.includes('"Paused"')));
    expect(await w.exited).toBe(0);
    const lines = w.state.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rollouts: Row[] });
    expect(lines.at(-1)!.rollouts[0]!.phase).toBe('Paused');
  });

  it('watch --once prints one plain table; watch ends on SIGINT with exit 0', async () => {
    const { prefix, cli } = await service('checkout');
    const once = await cli('watch', '--once');
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/^checkout\s+canary\s+Progressing/m);
    expect(once.stdout).not.toMatch(/\x1b\[/);
    const w = startCli(built.cli, ['watch', '--redis', SHARED_REDIS_URL, '--prefix', prefix]);
    await until(() => w.state.stdout.includes('checkout'));
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(0);
  });
});

describe('the CLI keeps itself alive while it waits', () => {
  it('watch --for holds the process for that long even when nothing else does (a --file store has no socket)', async () => {
    const file = built.file('no-rollouts.json', { flags: [] });
    const started = performance.now();
    const w = await runCli(built.cli, ['watch', '--json', '--for', '1500ms', '--file', file]);
    const tookMs = performance.now() - started;
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout.trim().split('\n')[0]!)).toMatchObject({ rollouts: [] });
    // an unref'd timer would let Node exit right after the first line, long before --for
    expect(tookMs).toBeGreaterThanOrEqual(1400);
  });
});

describe.skipIf(!available)('experiments', () => {
  it('list and results match the library, with the SRM warning when units do not split as weighted', async () => {
    const { prefix, store, delivery: d } = built.service('pd-cli-exp');
    await d.ready();
    await d.experiments.put({ key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], metrics: [{ key: 'buy', type: 'binomial' }, { key: 'rev', type: 'continuous' }] });
    for (let i = 0; i < 400; i++) {
      const ctx = { userId: `u${i}` };
      const { variant } = d.experiments.assign('btn', ctx);
      if (i % (variant === 'b' ? 3 : 5) === 0) d.experiments.track('btn', ctx, 'buy');
      if (i % 4 === 0) d.experiments.track('btn', ctx, 'rev', (i % 7) + 1);
    }
    await d.flush();
    const cli = (...args: string[]) => runCli(built.cli, ['--redis', SHARED_REDIS_URL, '--prefix', prefix, ...args]);
    const expected = await d.experiments.results('btn');
    const r = await cli('experiments', 'results', 'btn', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual(JSON.parse(JSON.stringify(expected)));
    const human = await cli('experiments', 'results', 'btn');
    expect(human.stdout).toMatch(/^VARIANT\s+UNITS\s+CONVERSIONS\s+RATE\s+LIFT\s+95% CI \(difference\)\s+P-VALUE\s+ADJ\. P\s+SIGNIFICANT$/m);
    const a = expected.variants.find((v) => v.key === 'a')!;
    expect(human.stdout).toContain(`${(a.metrics.buy!.rate! * 100).toFixed(2)}%`);
    expect(human.stdout).toMatch(/^sample ratio: chi-square [\d.]+, p = [\d.<]+ ok$/m);
    const list = await cli('experiments', 'list', '--json');
    expect(list.json()).toEqual([expect.objectContaining({ key: 'btn', status: 'running', units: { a: a.units, b: expected.variants[1]!.units } })]);
    expect((await cli('experiments', 'get', 'btn', '--json')).json()).toMatchObject({ key: 'btn', version: 1 });
    // a broken split: 3x as many units in a as in b
    await store.increment(keys.counters('btn'), 'units:a', 600);
    const srm = await cli('experiments', 'results', 'btn');
    expect(srm.stdout).toContain('WARNING: sample ratio mismatch');
    const bad = await cli('experiments', 'results', 'btn', '--alpha', '2');
    expect(bad.code).toBe(2);
    const unknown = await cli('experiments', 'results', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe("error: unknown experiment 'nope'");
  });
});
