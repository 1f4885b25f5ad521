// Ring deployments on the manual clock and a memory store: audiences, percentages, manual and analysed advance,
// rollback, restarts, the command channel, segment audiences, and the nesting property of open rings.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { bucket } from '../../src/core/bucket.js';
import { ValidationError } from '../../src/core/errors.js';
import { requestRolloutAction } from '../../src/rollout/commands.js';
import type { RingRollout } from '../../src/rollout/rings.js';
import type { Analysis, Ring, RingOptions } from '../../src/rollout/types.js';
import { MIN, setup, type Env } from './helpers.js';

const envs: Env[] = [];
afterEach(async () => {
  for (const e of envs.splice(0)) await e.delivery.close();
});
async function env(opts: Parameters<typeof setup>[0] = {}): Promise<Env> {
  const e = await setup(opts);
  envs.push(e);
  return e;
}

type Req = { user: string; groups?: string[] };
const RINGS: Ring[] = [
  { name: 'internal', audience: [{ attribute: 'groups', operator: 'in', values: ['employees'] }] },
  { name: 'friendly', audience: [{ attribute: 'groups', operator: 'in', values: ['beta'] }], percentage: 5 },
  { name: 'everyone', percentage: 100 },
];

function make(e: Env, extra: Partial<RingOptions<Req, string>> = {}, nextFails = 0): RingRollout<Req, string> {
  let n = 0;
  return e.delivery.rollouts.rings<Req, string>({
    name: 'search',
    stable: () => 'v1',
    next: () => {
      n++;
      if (nextFails > 0 && n % nextFails === 0) throw new Error('next failure');
      return 'v2';
    },
    rings: RINGS,
    context: (r) => ({ userId: r.user, groups: r.groups ?? [] }),
    ...extra,
  });
}

function events(r: RingRollout<Req, string>): string[] {
  const out: string[] = [];
  r.on('phase', (s) => out.push(`phase:${s.phase}`));
  r.on('ring', (s) => out.push(`ring:${s.ring ?? '-'}`));
  r.on('promoted', () => out.push('promoted'));
  r.on('rolledBack', () => out.push('rolledBack'));
  return out;
}

const users = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
const inFivePercent = (u: string): boolean => bucket('search', u) < 5000;

describe('ring routing', () => {
  it('opens rings one by one: employees, then beta or 5% of everyone, then everyone', async () => {
    const e = await env();
    const r = make(e);
    const seen = events(r);
    await r.load();
    const employee = { user: 'e1', groups: ['employees'] };
    const beta = { user: 'b1', groups: ['beta'] };
    const outsider = users.find((u) => !inFivePercent(u))!;
    const lucky = users.find(inFivePercent)!;
    expect([r.route(employee), r.route(beta), r.route({ user: lucky })]).toEqual(['stable', 'stable', 'stable']);
    expect(r.status()).toEqual({ name: 'search', kind: 'rings', phase: 'Initialized', failedChecks: 0, message: 'waiting for the first iteration' });

    await r.advance();
    expect(r.status()).toMatchObject({ phase: 'Progressing', ring: 'internal', message: "ring 'internal' open (1 of 3)" });
    expect([r.route(employee), r.route(beta), r.route({ user: lucky }), r.route({ user: outsider })]).toEqual(['next', 'stable', 'stable', 'stable']);
    expect(await r.call(employee)).toBe('v2');
    expect(await r.call(beta)).toBe('v1');

    await r.advance();
    expect(r.status().ring).toBe('friendly');
    expect([r.route(employee), r.route(beta), r.route({ user: lucky }), r.route({ user: outsider })]).toEqual(['next', 'next', 'next', 'stable']);
    // exactly the units whose bucket is below 5% (salt: the rollout name), nobody else without a group
    const onNext = users.filter((u) => r.route({ user: u }) === 'next');
    expect(onNext).toEqual(users.filter(inFivePercent));
    expect(onNext.length).toBeGreaterThan(60);
    expect(onNext.length).toBeLessThan(140);

    await r.advance();
    expect(r.status()).toMatchObject({ phase: 'Succeeded', ring: 'everyone' });
    expect(users.every((u) => r.route({ user: u }) === 'next')).toBe(true);
    expect(r.route({ user: '' })).toBe('next'); // 100% needs no unit
    await expect(r.advance()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(seen).toEqual(['phase:Progressing', 'ring:internal', 'ring:friendly', 'phase:Succeeded', 'ring:everyone', 'promoted']);
    expect(e.delivery.metrics.snapshot('search', 'next', MIN).requests).toBe(1);
    expect(e.delivery.metrics.snapshot('search', 'stable', MIN).requests).toBe(1);
    expect(r.ringOf({ user: outsider })).toBe('everyone');
    expect(r.ringOf(beta)).toBe('friendly');
  });

  it('rollback() closes every ring, also after success; advance() from Failed starts again at ring 0', async () => {
    const e = await env();
    const r = make(e);
    const seen = events(r);
    await r.load();
    await expect(r.rollback()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await r.advance();
    await r.advance();
    await r.advance();
    await r.rollback('search latency');
    expect(r.status()).toEqual({ name: 'search', kind: 'rings', phase: 'Failed', failedChecks: 0, message: 'rolled back: every ring on stable: search latency' });
    expect(r.route({ user: 'u1', groups: ['employees'] })).toBe('stable');
    expect(seen.slice(-3)).toEqual(['phase:Failed', 'ring:-', 'rolledBack']);
    await r.advance();
    expect(r.status()).toMatchObject({ phase: 'Progressing', ring: 'internal', message: "restarted: ring 'internal' open (1 of 3)" });
  });

  it('a context function that throws routes to stable and is reported once', async () => {
    const e = await env();
    const r = e.delivery.rollouts.rings<Req, string>({
      name: 'search',
      stable: () => 'v1',
      next: () => 'v2',
      rings: [{ name: 'all', percentage: 100 }],
      context: () => {
        throw new Error('no session');
      },
    });
    await r.load();
    await r.advance();
    expect(r.route({ user: 'a' })).toBe('stable');
    expect(await r.call({ user: 'b' })).toBe('v1');
    expect(e.errors).toHaveLength(1);
    expect(String((e.errors[0] as Error).message)).toContain('no session');
  });

  it('audiences may name segments (inSegment), kept current as segments change', async () => {
    const e = await env();
    await e.delivery.flags.putSegment({ key: 'staff', included: ['alice'] });
    const r = make(e, { rings: [{ name: 'staff', audience: [{ attribute: 'userId', operator: 'inSegment', values: ['staff'] }] }, { name: 'all', percentage: 100 }] });
    await r.load();
    await r.advance();
    expect(r.route({ user: 'alice' })).toBe('next');
    expect(r.route({ user: 'bob' })).toBe('stable');
    await e.delivery.flags.putSegment({ key: 'staff', included: ['alice', 'bob'] });
    expect(r.route({ user: 'bob' })).toBe('next');
  });

  it('open rings nest: a request on next stays on next when another ring opens (property)', async () => {
    const e = await env();
    const rings: Ring[] = [{ name: 'r0', audience: [{ attribute: 'groups', operator: 'in', values: ['g0'] }] }, { name: 'r1', percentage: 10 }, { name: 'r2', percentage: 40 }, { name: 'r3', percentage: 100 }];
    const r = make(e, { rings });
    await r.load();
    const reqs = fc.array(fc.record({ user: fc.string({ minLength: 1, maxLength: 12 }), groups: fc.subarray(['g0', 'g1']) }), { minLength: 1, maxLength: 40 });
    const byRing: string[][][] = [];
    const samples = fc.sample(reqs, 20).flat();
    byRing.push(samples.map((q) => [r.route(q)]));
    for (let i = 0; i < rings.length; i++) {
      await r.advance();
      byRing.push(samples.map((q) => [r.route(q)]));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: samples.length - 1 }), fc.integer({ min: 0, max: rings.length - 1 }), (i, k) => {
        const before = byRing[k]![i]![0];
        const after = byRing[k + 1]![i]![0];
        return before === 'stable' || after === 'next';
      }),
    );
    expect(byRing[0]!.every(([x]) => x === 'stable')).toBe(true);
    expect(byRing[rings.length]!.every(([x]) => x === 'next')).toBe(true);
  });
});

const analysis = (extra: Partial<Analysis> = {}): Analysis => ({
  interval: '1m',
  threshold: 2,
  minRequests: 10,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
  ...extra,
});

async function traffic(r: RingRollout<Req, string>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await r.call({ user: `t${i}`, groups: ['employees'] }).catch(() => undefined);
}

describe('rings with an analysis', () => {
  it('opens ring 0, then one ring per passing iteration, then succeeds', async () => {
    const e = await env();
    const r = make(e, { analysis: analysis() });
    const seen = events(r);
    await r.load();
    r.start();
    for (let i = 0; i < 5; i++) {
      await traffic(r, 40);
      await e.clock.advanceAsync(MIN);
    }
    expect(seen).toEqual(['phase:Progressing', 'ring:internal', 'ring:friendly', 'ring:everyone', 'phase:Promoting', 'phase:Succeeded', 'promoted']);
    expect(r.status()).toMatchObject({ phase: 'Succeeded', ring: 'everyone' });
    expect(e.delivery.rollouts.status()).toEqual([{ name: 'search', kind: 'rings', phase: 'Succeeded', failedChecks: 0, ring: 'everyone', message: 'promoted: every ring runs next' }]);
  });

  it('a failing ring closes every ring (everyone on stable) at the threshold', async () => {
    const e = await env();
    const hooks: string[] = [];
    const r = make(e, { analysis: analysis({ webhooks: [{ name: 'rb', type: 'rollback', run: () => void hooks.push('rollback') }] }) }, 5);
    const seen = events(r);
    await r.load();
    r.start();
    for (let i = 0; i < 4; i++) {
      await traffic(r, 40);
      await e.clock.advanceAsync(MIN);
    }
    expect(r.status()).toMatchObject({ phase: 'Failed', failedChecks: 2 });
    expect(r.status().ring).toBeUndefined();
    expect(r.status().message).toMatch(/request-success-rate 80 < min 99; failed checks 2 reached threshold 2: rolled back/);
    expect(seen).toEqual(['phase:Progressing', 'ring:internal', 'phase:Failed', 'ring:-', 'rolledBack']);
    expect(hooks).toEqual(['rollback']);
    expect(r.route({ user: 'x', groups: ['employees'] })).toBe('stable');
  });

  it('survives a restart and takes requests from the store (promote opens every ring)', async () => {
    const a = await env();
    const r = make(a, { analysis: analysis() });
    await r.load();
    await r.advance();
    await a.delivery.close();
    envs.splice(envs.indexOf(a), 1);
    const b = await env({ store: a.store, clock: a.clock });
    const again = make(b, { analysis: analysis() });
    await again.load();
    expect(again.status()).toMatchObject({ phase: 'Progressing', ring: 'internal' });
    again.start();
    await requestRolloutAction(b.store, 'search', 'promote', { clock: b.clock });
    await b.clock.advanceAsync(MIN);
    expect(again.status()).toMatchObject({ phase: 'Succeeded', ring: 'everyone' });
    await requestRolloutAction(b.store, 'search', 'abort', { reason: 'incident', clock: b.clock });
    await b.clock.advanceAsync(MIN);
    expect(again.status()).toMatchObject({ phase: 'Failed', message: 'rolled back: every ring on stable: incident' });
  });
});

describe('ring options', () => {
  it('lists every problem with its path', async () => {
    const e = await env();
    let err: unknown;
    try {
      e.delivery.rollouts.rings({
        name: 'search',
        stable: () => 1,
        next: 5,
        context: undefined,
        rings: [{ name: 'a' }, { name: 'a', percentage: 120 }, { name: 'b', audience: [{ attribute: 'groups', operator: 'inn', values: ['x'] }] }],
        analysis: { interval: '1m', threshold: 1, stepWeight: 5, metrics: [] },
      } as unknown as RingOptions<unknown, unknown>);
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['next', 'context', 'rings[0]', 'rings[1].name', 'rings[1].percentage', 'rings[2].audience[0].operator', 'analysis.stepWeight']),
    );
    expect(() => make(e, { rings: [] })).toThrow(/rings: must be an array of 1 to 20 rings/);
  });
});
