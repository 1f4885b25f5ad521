import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/core/errors.js';
import { MemoryStore } from '../../src/store/memory.js';
import { requestRolloutAction } from '../../src/rollout/commands.js';
import { listRolloutStates, updateState } from '../../src/rollout/state.js';
import { createManualClock } from '../../src/core/clock.js';
import { MIN, makeCanary, setup, traffic, watchEvents, type Env } from './helpers.js';

const envs: Env[] = [];
const open = async (o: Parameters<typeof setup>[0] = {}): Promise<Env> => {
  const e = await setup(o);
  envs.push(e);
  return e;
};
afterEach(async () => {
  for (const e of envs.splice(0)) await e.delivery.close();
});

const okQuery = { name: 'q', thresholdRange: { min: 1 }, query: () => 1 };

describe('gates and hooks', () => {
  it('confirm-rollout gates hold the start; pre-rollout failures are failed checks', async () => {
    const env = await open();
    let open1 = false;
    let preOk = false;
    const c = makeCanary(env, {
      stepWeight: 25,
      threshold: 5,
      metrics: [okQuery],
      webhooks: [
        { name: 'gate', type: 'confirm-rollout', run: () => open1 },
        { name: 'pre', type: 'pre-rollout', run: () => preOk },
      ],
    });
    await c.load();
    await c.runAnalysis();
    expect(c.status()).toMatchObject({ phase: 'Initialized', weight: 0, failedChecks: 0, message: 'waiting for confirm-rollout: gate' });
    open1 = true;
    await c.runAnalysis();
    expect(c.status()).toMatchObject({ phase: 'Initialized', weight: 0, failedChecks: 1 });
    expect(c.status().message).toMatch(/pre-rollout failed: pre/);
    preOk = true;
    await c.runAnalysis();
    expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 25, failedChecks: 1 });
  });

  it('rollout hooks run every iteration and a failure is a failed check', async () => {
    const env = await open();
    const seen: number[] = [];
    let ok = true;
    const c = makeCanary(env, {
      stepWeight: 25,
      metrics: [okQuery],
      webhooks: [{ name: 'load-test', type: 'rollout', run: (p) => (seen.push(p.weight), ok) }],
    });
    await c.load();
    await c.runAnalysis();
    await c.runAnalysis();
    ok = false;
    await c.runAnalysis();
    expect(seen).toEqual([25, 50]);
    expect(c.status()).toMatchObject({ weight: 50, failedChecks: 1 });
    expect(c.status().message).toMatch(/rollout hooks failed: load-test/);
  });

  it('confirm-promotion not confirmed waits in WaitingPromotion, then promotes', async () => {
    const env = await open();
    let confirmed = false;
    const c = makeCanary(env, { stepWeight: 50, maxWeight: 50, metrics: [okQuery], webhooks: [{ name: 'approve', type: 'confirm-promotion', run: () => confirmed }] });
    const seen = watchEvents(c);
    await c.load();
    await c.runAnalysis(); // 50
    await c.runAnalysis(); // at max, passing, not confirmed
    expect(c.status()).toMatchObject({ phase: 'WaitingPromotion', weight: 50, message: 'waiting for confirm-promotion: approve' });
    await c.runAnalysis();
    expect(c.status().phase).toBe('WaitingPromotion');
    confirmed = true;
    await c.runAnalysis();
    expect(c.status()).toMatchObject({ phase: 'Succeeded', weight: 100 });
    expect(seen.phases).toEqual(['Progressing', 'WaitingPromotion', 'Promoting', 'Succeeded']);
  });

  it('a hook that throws or hangs past timeoutMs is a failure and is reported, never thrown', async () => {
    const env = await open();
    const c = makeCanary(env, {
      stepWeight: 50,
      threshold: 2,
      metrics: [okQuery],
      webhooks: [
        { name: 'boom', type: 'pre-rollout', run: () => { throw new Error('kaput'); } },
        { name: 'slow', type: 'pre-rollout', timeoutMs: 5000, run: () => new Promise<boolean>(() => undefined) },
      ],
    });
    await c.load();
    const pending = c.runAnalysis();
    await env.clock.advanceAsync(5000);
    await pending;
    expect(c.status().message).toMatch(/pre-rollout failed: boom, slow/);
    expect(env.errors.map((e) => (e as Error).message).join('\n')).toMatch(/kaput[\s\S]*timed out after 5000 ms/);
  });
});

describe('manual actions', () => {
  it('pause holds everything; resume continues and restarts the progress deadline', async () => {
    const env = await open();
    const c = makeCanary(env, { stepWeight: 10, metrics: [okQuery] }, { progressDeadline: '90s' });
    await c.load();
    c.start();
    await env.clock.advanceAsync(MIN);
    expect(c.status().weight).toBe(10);
    await c.pause();
    expect(c.status()).toMatchObject({ phase: 'Paused', weight: 10 });
    await env.clock.advanceAsync(5 * MIN);
    expect(c.status()).toMatchObject({ phase: 'Paused', weight: 10 });
    expect(c.route({ user: 'u1' })).toBe(c.route({ user: 'u1' }));
    await c.resume();
    expect(c.status().phase).toBe('Progressing');
    await env.clock.advanceAsync(MIN);
    expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 20 });
    await expect(c.resume()).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('abort rolls back with the reason; a failed rollout stays failed', async () => {
    const env = await open();
    const hooks: string[] = [];
    const c = makeCanary(env, { stepWeight: 10, metrics: [okQuery], webhooks: [{ name: 'rb', type: 'rollback', run: (p) => void hooks.push(`${p.weight}`) }] });
    const seen = watchEvents(c);
    await c.load();
    await c.runAnalysis();
    await c.runAnalysis();
    await c.abort('p99 alarm');
    expect(c.status()).toMatchObject({ phase: 'Failed', weight: 0, message: 'aborted: p99 alarm' });
    expect(hooks).toEqual(['20']);
    expect(seen.events.at(-1)).toBe('rolledBack');
    await c.runAnalysis();
    expect(c.status().phase).toBe('Failed');
    await expect(c.promote()).rejects.toBeInstanceOf(DeliveryError);
  });

  it('promote skips to promotion: post-rollout hooks then Succeeded', async () => {
    const env = await open();
    const post: string[] = [];
    const c = makeCanary(env, { stepWeight: 10, metrics: [okQuery], webhooks: [{ name: 'p', type: 'post-rollout', run: (p) => void post.push(p.phase) }] });
    const seen = watchEvents(c);
    await c.load();
    await c.runAnalysis();
    await c.promote();
    expect(c.status()).toMatchObject({ phase: 'Succeeded', weight: 100 });
    expect(post).toEqual(['Promoting']);
    expect(seen.events).toEqual(['phase:Progressing', 'weight:10', 'phase:Promoting', 'weight:100', 'phase:Succeeded', 'promoted']);
  });
});

describe('state in the store', () => {
  it('a restarted process resumes at its step; a new revision restarts the analysis', async () => {
    const clock = createManualClock(1_700_000_000_000);
    const store = new MemoryStore({ clock });
    const a = await open({ clock, store });
    const c1 = makeCanary(a, { stepWeight: 10, metrics: [okQuery] }, { revision: 'r1' });
    await c1.load();
    await c1.runAnalysis();
    await c1.runAnalysis();
    await c1.runAnalysis();
    expect(c1.status().weight).toBe(30);
    await a.delivery.close();

    const b = await open({ clock, store });
    const c2 = makeCanary(b, { stepWeight: 10, metrics: [okQuery] }, { revision: 'r1' });
    const seen = watchEvents(c2);
    await c2.load();
    expect(c2.status()).toMatchObject({ phase: 'Progressing', weight: 30, iteration: 3, revision: 'r1' });
    await c2.runAnalysis();
    expect(c2.status().weight).toBe(40);
    expect(seen.weights).toEqual([30, 40]);
    await b.delivery.close();

    const d = await open({ clock, store });
    const c3 = makeCanary(d, { stepWeight: 10, metrics: [okQuery] }, { revision: 'r2' });
    await c3.load();
    expect(c3.status()).toMatchObject({ phase: 'Initialized', weight: 0, iteration: 0, failedChecks: 0, revision: 'r2' });
    expect(c3.status().message).toMatch(/revision r2: analysis restarted/);
  });

  it('a process holding only the store requests actions; the running instance applies them with its hooks', async () => {
    const env = await open();
    const rb: string[] = [];
    const c = makeCanary(env, { stepWeight: 10, metrics: [okQuery], webhooks: [{ name: 'rb', type: 'rollback', run: (p) => void rb.push(p.phase) }] });
    await c.load();
    c.start();
    await env.clock.advanceAsync(MIN);
    expect(c.status().weight).toBe(10);

    const cli = env.store; // what a CLI process would hold
    const listed = await listRolloutStates(cli);
    expect(listed).toMatchObject([{ name: 'checkout', kind: 'canary', phase: 'Progressing', weight: 10 }]);
    await requestRolloutAction(cli, 'checkout', 'pause', { requestedBy: 'cli:test' });
    await env.clock.advanceAsync(10);
    expect(c.status().phase).toBe('Paused');
    await requestRolloutAction(cli, 'checkout', 'resume');
    await env.clock.advanceAsync(10);
    expect(c.status().phase).toBe('Progressing');
    await requestRolloutAction(cli, 'checkout', 'abort', { reason: 'from the CLI' });
    await env.clock.advanceAsync(10);
    expect(c.status()).toMatchObject({ phase: 'Failed', weight: 0, message: 'aborted: from the CLI' });
    expect(rb).toEqual(['Failed']);
    expect((await listRolloutStates(cli))[0]?.requestedAction).toBeNull();

    await expect(requestRolloutAction(cli, 'checkout', 'promote')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(requestRolloutAction(cli, 'nope', 'abort')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(requestRolloutAction(cli, 'checkout', 'explode' as never)).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('a request that no longer applies is cleared with a message saying why', async () => {
    const env = await open();
    const c = makeCanary(env, { stepWeight: 10, metrics: [okQuery] });
    await c.load();
    await c.runAnalysis();
    // a resume requested while it was paused, arriving after someone else resumed it
    await updateState(env.store, 'checkout', (cur) => cur && { ...cur.doc, requestedAction: { id: 'x', action: 'resume', reason: null, requestedAt: 0, requestedBy: 'cli' } });
    await env.clock.advanceAsync(10);
    expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 10, message: 'requested resume not applied: the rollout is Progressing, not Paused: nothing to resume' });
    expect((await listRolloutStates(env.store))[0]?.requestedAction).toBeNull();
  });

  it('direct requests apply at once by compare-and-set when no instance runs the rollout', async () => {
    const env = await open();
    const c = makeCanary(env, { stepWeight: 10, metrics: [okQuery] });
    await c.load();
    await c.runAnalysis();
    await env.delivery.close();
    const written = await requestRolloutAction(env.store, 'checkout', 'promote', { direct: true });
    expect(written).toMatchObject({ phase: 'Promoting', weight: 100, requestedAction: null });
    const again = await requestRolloutAction(env.store, 'checkout', 'abort', { direct: true, reason: 'changed my mind' });
    expect(again).toMatchObject({ phase: 'Failed', weight: 0, message: 'aborted: changed my mind' });
  });
});

describe('routing and calls', () => {
  it('sticky keys stay on their side while the weight grows; match rules go to the canary while it runs', async () => {
    const env = await open();
    const c = makeCanary(env, { stepWeights: [10, 30, 60], metrics: [okQuery] }, { match: [(r) => r.beta === true] });
    await c.load();
    const users = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    expect(users.every((u) => c.route({ user: u }) === 'stable')).toBe(true);
    let onCanary = new Set<string>();
    const shares: number[] = [];
    for (let step = 0; step < 3; step++) {
      await c.runAnalysis();
      const now = new Set(users.filter((u) => c.route({ user: u }) === 'canary'));
      for (const u of onCanary) expect(now.has(u)).toBe(true);
      for (const u of users) expect(c.route({ user: u })).toBe(now.has(u) ? 'canary' : 'stable');
      shares.push(now.size / users.length);
      onCanary = now;
    }
    expect(shares[0]).toBeGreaterThan(0.07);
    expect(shares[0]).toBeLessThan(0.13);
    expect(shares[2]).toBeGreaterThan(0.55);
    expect(shares[2]).toBeLessThan(0.65);
    expect(c.route({ user: users.find((u) => !onCanary.has(u))!, beta: true })).toBe('canary');
    await c.abort();
    expect(c.route({ user: 'x', beta: true })).toBe('stable');
  });

  it('call settles exactly as the handler did and records each side', async () => {
    const env = await open();
    const boom = new TypeError('v2 broke');
    const c = env.delivery.rollouts.canary<{ user: string }, { v: number }>({
      name: 'pay',
      stable: async () => ({ v: 1 }),
      canary: () => {
        throw boom;
      },
      stickyBy: (r) => r.user,
      analysis: { interval: '1m', threshold: 1, stepWeight: 50, metrics: [okQuery] },
    });
    await c.load();
    await c.runAnalysis();
    const users = Array.from({ length: 200 }, (_, i) => `p${i}`);
    let ok = 0;
    let failed = 0;
    for (const u of users) {
      const side = c.route({ user: u });
      if (side === 'stable') {
        expect(await c.call({ user: u })).toEqual({ v: 1 });
        ok++;
      } else {
        await expect(c.call({ user: u })).rejects.toBe(boom);
        failed++;
      }
    }
    const s = env.delivery.metrics.snapshot('pay', 'stable', MIN);
    const k = env.delivery.metrics.snapshot('pay', 'canary', MIN);
    expect([s.requests, s.errors, k.requests, k.errors]).toEqual([ok, 0, failed, failed]);
  });

  it('a throwing stickyBy or match routes to stable and is reported once', async () => {
    const env = await open();
    const c = makeCanary(env, { stepWeight: 50, metrics: [okQuery] }, { stickyBy: () => { throw new Error('bad key'); } });
    await c.load();
    await c.runAnalysis();
    for (let i = 0; i < 5; i++) expect(c.route({ user: 'a' })).toBe('stable');
    expect(env.errors).toHaveLength(1);
  });

  it('exposes the weight and phase gauges and lists every rollout in status()', async () => {
    const env = await open();
    const c = makeCanary(env, { stepWeight: 10, metrics: [okQuery] });
    await c.load();
    await c.runAnalysis();
    await traffic(c, 10);
    const text = env.delivery.metrics.prometheus();
    expect(text).toMatch(/progressive_delivery_canary_weight\{name="checkout"\} 10/);
    expect(text).toMatch(/progressive_delivery_canary_phase\{name="checkout",phase="Progressing"\} 1/);
    expect(text).toMatch(/progressive_delivery_canary_phase\{name="checkout",phase="Failed"\} 0/);
    expect(env.delivery.rollouts.status()).toEqual([{ name: 'checkout', kind: 'canary', phase: 'Progressing', weight: 10, failedChecks: 0, message: 'advanced to weight 10' }]);
    expect(() => makeCanary(env, { stepWeight: 10, metrics: [okQuery] })).toThrow(/already exists/);
  });
});
