import { afterEach, describe, expect, it } from 'vitest';
import { MIN, makeCanary, setup, successRate, traffic, watchEvents, type Env } from './helpers.js';

let env: Env;
afterEach(async () => {
  await env?.delivery.close();
});

describe('canary analysis on the manual clock', () => {
  it('a healthy canary goes 10, 20, 30, 40, 50, then promotes', async () => {
    env = await setup();
    const post: unknown[] = [];
    const c = makeCanary(env, {
      stepWeight: 10,
      maxWeight: 50,
      metrics: [successRate(99)],
      webhooks: [{ name: 'notify', type: 'post-rollout', run: (p) => void post.push(p) }],
    });
    const seen = watchEvents(c);
    await c.load();
    c.start();
    for (let i = 0; i < 6; i++) {
      await traffic(c, 300, i * 300);
      await env.clock.advanceAsync(MIN);
    }
    expect(seen.weights).toEqual([10, 20, 30, 40, 50, 100]);
    expect(c.status().phase).toBe('Succeeded');
    expect(seen.phases).toEqual(['Progressing', 'Promoting', 'Succeeded']);
    expect(seen.events.filter((e) => e === 'promoted')).toHaveLength(1);
    expect(post).toEqual([{ name: 'checkout', phase: 'Promoting', weight: 100, failedChecks: 0, metadata: {} }]);
    // once promoted, nothing more happens and every call goes to the canary
    await env.clock.advanceAsync(3 * MIN);
    expect(seen.weights).toEqual([10, 20, 30, 40, 50, 100]);
    expect(c.route({ user: 'anyone' })).toBe('canary');
    expect(env.errors).toEqual([]);
  });

  it('5% canary errors with request-success-rate min 99 fail threshold times and roll back', async () => {
    env = await setup();
    const order: string[] = [];
    const c = makeCanary(
      env,
      {
        stepWeight: 10,
        maxWeight: 50,
        threshold: 3,
        metrics: [successRate(99)],
        webhooks: [
          { name: 'rb', type: 'rollback', run: (p) => void order.push(`rollback:${p.phase}:${p.failedChecks}`) },
          { name: 'post', type: 'post-rollout', run: (p) => void order.push(`post:${p.phase}`) },
          { name: 'ev', type: 'event', run: (p) => void order.push(`event:${p.phase}`) },
        ],
      },
      {},
      20,
    );
    const seen = watchEvents(c);
    await c.load();
    c.start();
    const failed: number[] = [];
    for (let i = 0; i < 5; i++) {
      await traffic(c, 1000, i * 1000);
      await env.clock.advanceAsync(MIN);
      failed.push(c.status().failedChecks);
    }
    expect(failed).toEqual([0, 1, 2, 3, 3]);
    const s = c.status();
    expect(s.phase).toBe('Failed');
    expect(s.weight).toBe(0);
    expect(s.message).toMatch(/request-success-rate 9[4-6](\.\d+)? < min 99; failed checks 3 reached threshold 3: rolled back/);
    expect(seen.weights).toEqual([10, 0]);
    expect(seen.events.slice(-3)).toEqual(['phase:Failed', 'weight:0', 'rolledBack']);
    expect(order).toEqual(['event:Progressing', 'event:Failed', 'rollback:Failed:3', 'post:Failed']);
    expect(c.route({ user: 'u1' })).toBe('stable');
  });

  it('stepWeights [1, 5, 10, 25, 50] are applied in order', async () => {
    env = await setup();
    const c = makeCanary(env, { stepWeights: [1, 5, 10, 25, 50], metrics: [{ name: 'ok', thresholdRange: { min: 1 }, query: () => 1 }] });
    const seen = watchEvents(c);
    await c.load();
    for (let i = 0; i < 6; i++) await c.runAnalysis();
    expect(seen.weights).toEqual([1, 5, 10, 25, 50, 100]);
    expect(c.status().phase).toBe('Succeeded');
  });

  it('no data holds the weight (noData hold), and counts as a failure with noData fail', async () => {
    env = await setup();
    const c = makeCanary(env, { stepWeight: 10, metrics: [successRate(99)] });
    await c.load();
    await c.runAnalysis();
    await c.runAnalysis();
    await c.runAnalysis();
    expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 10, failedChecks: 0, iteration: 3 });
    expect(c.status().message).toMatch(/no data \(canary 0 requests, minRequests 1\): holding at weight 10/);
    await env.delivery.close();

    env = await setup();
    const f = makeCanary(env, { stepWeight: 10, noData: 'fail', threshold: 2, metrics: [successRate(99)] });
    await f.load();
    await f.runAnalysis();
    await f.runAnalysis();
    expect(f.status().failedChecks).toBe(1);
    await f.runAnalysis();
    expect(f.status()).toMatchObject({ phase: 'Failed', weight: 0, failedChecks: 2 });
  });

  it('minRequests turns a thin window into no data', async () => {
    env = await setup();
    const c = makeCanary(env, { stepWeight: 50, minRequests: 100, metrics: [successRate(99)] });
    await c.load();
    await c.runAnalysis();
    await traffic(c, 100);
    await env.clock.advanceAsync(1000);
    await c.runAnalysis();
    expect(c.status().weight).toBe(50);
    expect(c.status().message).toMatch(/minRequests 100/);
    await traffic(c, 400, 100);
    await c.runAnalysis();
    expect(c.status().weight).toBe(100);
  });

  it('rolls back when Progressing makes no step for longer than progressDeadline', async () => {
    env = await setup();
    const c = makeCanary(env, { stepWeight: 10, metrics: [successRate(99)] }, { progressDeadline: '150s' });
    const seen = watchEvents(c);
    await c.load();
    c.start();
    await env.clock.advanceAsync(MIN); // first step: 10
    await env.clock.advanceAsync(MIN); // no data: hold (60s since the step)
    await env.clock.advanceAsync(MIN); // hold (120s)
    expect(c.status().phase).toBe('Progressing');
    await env.clock.advanceAsync(MIN); // 180s > 150s
    expect(c.status()).toMatchObject({ phase: 'Failed', weight: 0 });
    expect(c.status().message).toMatch(/no progress for 180s \(progressDeadline 150s\)/);
    expect(seen.events).toContain('rolledBack');
  });

  it('consecutiveFailures rolls back after that many failed iterations in a row', async () => {
    env = await setup();
    const outcomes = [0, 1, 0, 0]; // 0 fails (value below min)
    let i = 0;
    const c = makeCanary(env, { stepWeight: 10, threshold: 10, consecutiveFailures: 2, metrics: [{ name: 'q', thresholdRange: { min: 1 }, query: () => outcomes[i++] }] });
    await c.load();
    await c.runAnalysis(); // start
    await c.runAnalysis(); // fail (1 in a row)
    await c.runAnalysis(); // pass: resets the streak, weight 20
    expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 20, failedChecks: 1 });
    await c.runAnalysis(); // fail
    await c.runAnalysis(); // fail: 2 in a row
    expect(c.status()).toMatchObject({ phase: 'Failed', weight: 0, failedChecks: 3 });
    expect(c.status().message).toMatch(/2 failed iterations in a row/);
  });

  it('iterations mode keeps weight 0, routes match rules to the canary, and promotes after N passing iterations', async () => {
    env = await setup();
    const c = makeCanary(env, { iterations: 3, metrics: [{ name: 'q', thresholdRange: { min: 1 }, query: () => 1 }] }, { match: [(r) => r.beta === true] });
    await c.load();
    expect(c.route({ user: 'a', beta: true })).toBe('stable'); // not started: match rules are off
    await c.runAnalysis();
    expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 0 });
    expect(c.route({ user: 'a', beta: true })).toBe('canary');
    expect(c.route({ user: 'a' })).toBe('stable');
    await c.runAnalysis();
    await c.runAnalysis();
    expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 0 });
    await c.runAnalysis();
    expect(c.status()).toMatchObject({ phase: 'Succeeded', weight: 100 });
  });
});
