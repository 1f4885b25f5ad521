// Guarded flag rollouts on the manual clock and a memory store: the flag's split follows the steps while the
// variant's metrics hold, goes back to 0% on failure, and a human edit in between pauses the rollout.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { StoreUnavailableError, ValidationError } from '../../src/core/errors.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { guardedServe, isGuardedServe, type GuardedFlagRollout } from '../../src/rollout/guarded-flag.js';
import { requestRolloutAction } from '../../src/rollout/commands.js';
import { readState } from '../../src/rollout/state.js';
import type { Analysis, GuardedFlagOptions } from '../../src/rollout/types.js';
import { writeState } from '../../src/rollout/state.js';
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

const analysis = (extra: Partial<Analysis> = {}): Analysis => ({
  interval: '1m',
  threshold: 2,
  minRequests: 20,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
  ...extra,
});

async function make(e: Env, extra: Partial<GuardedFlagOptions> = {}): Promise<GuardedFlagRollout> {
  if (!e.delivery.flags.get('checkout')) await e.delivery.flags.put(booleanFlag('checkout', { enabled: true }));
  const g = e.delivery.rollouts.guardedFlag({ flag: 'checkout', steps: [10, 50, 100], analysis: analysis(), ...extra });
  await g.load();
  return g;
}

/** Serves `n` users through the flag and records each outcome under target = flag, version = the variant. */
function traffic(e: Env, n: number, from: number, onFailsEvery = 0): Record<string, number> {
  const served: Record<string, number> = {};
  let on = 0;
  for (let i = from; i < from + n; i++) {
    const variant = e.delivery.flags.variant('checkout', { userId: `u${i}` }) ?? 'none';
    served[variant] = (served[variant] ?? 0) + 1;
    const success = variant !== 'on' || onFailsEvery === 0 || ++on % onFailsEvery !== 0;
    e.delivery.metrics.record({ target: 'checkout', version: variant, success, durationMs: 5 });
  }
  return served;
}

function events(g: GuardedFlagRollout): string[] {
  const out: string[] = [];
  g.on('phase', (s) => out.push(`phase:${s.phase}`));
  g.on('weight', (s) => out.push(`weight:${s.weight}`));
  g.on('promoted', () => out.push('promoted'));
  g.on('rolledBack', () => out.push('rolledBack'));
  g.on('conflict', () => out.push('conflict'));
  return out;
}

const fallthrough = (e: Env) => e.delivery.flags.get('checkout')?.fallthrough;

describe('guarded flag rollout', () => {
  it('moves the split through the steps while the variant is healthy, and keeps the last step', async () => {
    const e = await env();
    const g = await make(e);
    const seen = events(g);
    expect(fallthrough(e)).toEqual({ variant: 'on' }); // creating the rollout does not touch the flag
    g.start();
    await e.clock.advanceAsync(MIN);
    expect(fallthrough(e)).toEqual({ split: [{ variant: 'on', weight: 10 }, { variant: 'off', weight: 90 }] });
    expect(g.written()).toBe(10);
    const first = traffic(e, 2000, 0);
    expect(first.on! / 2000).toBeGreaterThan(0.07);
    expect(first.on! / 2000).toBeLessThan(0.13);
    await e.clock.advanceAsync(MIN);
    expect(g.status()).toMatchObject({ phase: 'Progressing', weight: 50 });
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 50));
    // units on at 10% stay on at 50%
    const onAt10 = Array.from({ length: 300 }, (_, i) => `u${i}`);
    traffic(e, 2000, 2000);
    await e.clock.advanceAsync(MIN);
    expect(g.status().weight).toBe(100);
    traffic(e, 500, 4000);
    await e.clock.advanceAsync(MIN);
    await e.clock.advanceAsync(MIN);
    expect(g.status()).toEqual({ name: 'checkout', kind: 'guardedFlag', phase: 'Succeeded', weight: 100, failedChecks: 0, message: "promoted: 100% of units on 'on'" });
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 100));
    expect(onAt10.every((u) => e.delivery.flags.variant('checkout', { userId: u }) === 'on')).toBe(true);
    expect(seen).toEqual(['phase:Progressing', 'weight:10', 'weight:50', 'weight:100', 'phase:Promoting', 'phase:Succeeded', 'promoted']);
    expect(e.errors).toEqual([]);
  });

  it('a variant that stays inside the split keeps its units as the percent grows', async () => {
    const e = await env();
    const g = await make(e);
    g.start();
    await e.clock.advanceAsync(MIN);
    const ids = Array.from({ length: 3000 }, (_, i) => `u${i}`);
    const at10 = ids.filter((u) => e.delivery.flags.variant('checkout', { userId: u }) === 'on');
    traffic(e, 1000, 0);
    await e.clock.advanceAsync(MIN);
    const at50 = new Set(ids.filter((u) => e.delivery.flags.variant('checkout', { userId: u }) === 'on'));
    expect(at10.every((u) => at50.has(u))).toBe(true);
    expect(at50.size).toBeGreaterThan(at10.length * 3);
  });

  it('failing metrics set the flag back to 0% on its own, with the reason', async () => {
    const e = await env();
    const hooks: string[] = [];
    const g = await make(e, { analysis: analysis({ webhooks: [{ name: 'rb', type: 'rollback', run: (p) => void hooks.push(`rollback:${p.weight}`) }] }) });
    const seen = events(g);
    g.start();
    await e.clock.advanceAsync(MIN);
    for (let i = 0; i < 2; i++) {
      traffic(e, 3000, i * 3000, 10);
      await e.clock.advanceAsync(MIN);
    }
    expect(g.status()).toMatchObject({ phase: 'Failed', weight: 0, failedChecks: 2 });
    expect(g.status().message).toMatch(/request-success-rate 90(\.\d+)? < min 99; failed checks 2 reached threshold 2: rolled back/);
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 0));
    expect(e.delivery.flags.variant('checkout', { userId: 'u1' })).toBe('off');
    expect(seen).toEqual(['phase:Progressing', 'weight:10', 'phase:Failed', 'weight:0', 'rolledBack']);
    expect(hooks).toEqual(['rollback:10']);
  });

  it("relative metrics compare the variant with the flag's other variants (of a boolean flag: off)", async () => {
    const e = await env();
    const g = await make(e, { analysis: analysis({ metrics: [{ name: 'error-rate-diff', thresholdRange: { max: 1 } }] }) });
    g.start();
    await e.clock.advanceAsync(MIN);
    traffic(e, 4000, 0); // both healthy: diff 0
    await e.clock.advanceAsync(MIN);
    expect(g.status()).toMatchObject({ weight: 50, failedChecks: 0 });
    traffic(e, 4000, 4000, 20); // 'on' 5% errors, 'off' none
    // a version the flag has no variant for is not part of the baseline (counted, its errors would hide the diff)
    for (let i = 0; i < 4000; i++) e.delivery.metrics.record({ target: 'checkout', version: 'retired', success: false, durationMs: 5 });
    await e.clock.advanceAsync(MIN);
    expect(g.status()).toMatchObject({ weight: 50, failedChecks: 1 });
    expect(g.status().message).toMatch(/^error-rate-diff [45](\.\d+)? > max 1/);
  });

  it('the baseline pools every variant but the rolled-out one, not only the offVariant', async () => {
    const e = await env();
    // 'classic' is served by a rule; the rollout splits the fallthrough between 'dark' and the offVariant 'light'
    await e.delivery.flags.put({
      key: 'theme',
      enabled: true,
      variants: { dark: 'dark', light: 'light', classic: 'classic' },
      offVariant: 'light',
      fallthrough: { variant: 'light' },
      rules: [{ conditions: [{ attribute: 'groups', operator: 'in', values: ['legacy'] }], serve: { variant: 'classic' } }],
    });
    const metrics = [
      { name: 'error-rate-diff', thresholdRange: { max: 1 } },
      { name: 'latency-ratio', thresholdRange: { max: 0.5 } },
    ];
    const g = e.delivery.rollouts.guardedFlag({ flag: 'theme', variant: 'dark', steps: [10, 50], analysis: analysis({ metrics, threshold: 1 }) });
    /** Serves 4000 users (a quarter of them 'legacy'); every `failEvery[v]`-th request of variant v fails; classic takes 50 ms, the others 5. */
    const serve = (from: number, failEvery: Record<string, number>) => {
      const served: Record<string, { requests: number; errors: number }> = {};
      for (let i = from; i < from + 4000; i++) {
        const variant = e.delivery.flags.variant('theme', { userId: `u${i}`, groups: i % 4 === 0 ? ['legacy'] : [] })!;
        const s = (served[variant] ??= { requests: 0, errors: 0 });
        s.requests++;
        const success = !(failEvery[variant]! > 0 && s.requests % failEvery[variant]! === 0);
        if (!success) s.errors++;
        e.delivery.metrics.record({ target: 'theme', version: variant, success, durationMs: variant === 'classic' ? 50 : 5 });
      }
      return (...vs: string[]) => (100 * vs.reduce((a, v) => a + served[v]!.errors, 0)) / vs.reduce((a, v) => a + served[v]!.requests, 0);
    };
    await g.runAnalysis(); // 10%

    // dark 4% errors, light none, classic 20%: against light alone dark is 4 points worse and 5 ms / 5 ms = 1 (both
    // over their max); against light and classic pooled it is better, and the pooled p99 is classic's 50 ms
    let rate = serve(0, { dark: 25, light: 0, classic: 5 });
    expect(rate('dark') - rate('light')).toBeGreaterThan(1);
    expect(rate('dark') - rate('light', 'classic')).toBeLessThan(0);
    await g.runAnalysis();
    expect(g.status()).toMatchObject({ phase: 'Progressing', weight: 50, failedChecks: 0 });

    await e.clock.advanceAsync(3 * MIN); // the first traffic leaves the window
    // dark and light 3% errors, classic none: level with light, worse than the pool
    rate = serve(4000, { dark: 33, light: 33, classic: 0 });
    expect(Math.abs(rate('dark') - rate('light'))).toBeLessThan(1);
    await g.runAnalysis();
    expect(g.status()).toMatchObject({ phase: 'Failed', weight: 0 });
    const diff = /^error-rate-diff (-?[\d.]+) > max 1; failed checks 1 reached threshold 1: rolled back$/.exec(g.status().message ?? '');
    expect(Number(diff?.[1])).toBeCloseTo(rate('dark') - rate('light', 'classic'), 3);
    expect(e.delivery.flags.get('theme')?.fallthrough).toEqual(guardedServe('dark', 'light', 0));
  });

  it('a human edit between steps pauses the rollout and is not overwritten; resume() applies the rollout over it', async () => {
    const e = await env();
    const g = await make(e);
    const seen = events(g);
    g.start();
    await e.clock.advanceAsync(MIN);
    expect(g.written()).toBe(10);
    await e.delivery.flags.update('checkout', (d) => ({ ...d, fallthrough: { split: [{ variant: 'on', weight: 30 }, { variant: 'off', weight: 70 }] } }));
    traffic(e, 1000, 0);
    await e.clock.advanceAsync(MIN);
    expect(g.status().phase).toBe('Paused');
    expect(g.status().message).toContain("flag 'checkout' was edited outside the rollout: its fallthrough is on 30 / off 70, the rollout wrote on 10 / off 90");
    expect(fallthrough(e)).toEqual({ split: [{ variant: 'on', weight: 30 }, { variant: 'off', weight: 70 }] });
    expect(seen).toContain('conflict');
    await e.clock.advanceAsync(3 * MIN);
    expect(fallthrough(e)).toEqual({ split: [{ variant: 'on', weight: 30 }, { variant: 'off', weight: 70 }] });
    await g.resume();
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 10));
    expect(g.status()).toMatchObject({ phase: 'Progressing', weight: 10 });
    traffic(e, 1000, 1000);
    await e.clock.advanceAsync(MIN);
    expect(g.status().weight).toBe(50);
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 50));
  });

  it('after a conflict, a resume requested through the store adopts the flag; a direct resume (no hooks, no adopt) pauses again', async () => {
    const e = await env();
    const g = await make(e);
    await g.runAnalysis(); // 10%
    const edited = { split: [{ variant: 'on', weight: 1 }, { variant: 'off', weight: 3 }] };
    await e.delivery.flags.update('checkout', (d) => ({ ...d, fallthrough: edited }));
    await g.runAnalysis();
    expect(g.status().phase).toBe('Paused');
    await requestRolloutAction(e.store, 'checkout', 'resume', { direct: true, clock: e.clock });
    await g.runAnalysis();
    expect(g.status().phase).toBe('Paused');
    expect(fallthrough(e)).toEqual(edited);
    await requestRolloutAction(e.store, 'checkout', 'resume', { reason: 'checked with the team', clock: e.clock });
    await g.runAnalysis(); // applies the request, then iterates
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', g.status().weight ?? -1));
    expect(g.status().phase).toBe('Progressing');
  });

  it('an edit written straight into the store by another process pauses the rollout', async () => {
    const e = await env();
    const g = await make(e);
    await g.runAnalysis(); // 10%
    const stored = (await e.store.get('flags/checkout'))!;
    const def = (stored.value as { definition: Record<string, unknown> }).definition;
    await e.store.put('flags/checkout', { schemaVersion: 1, definition: { ...def, fallthrough: { variant: 'off' } } } as never, { expectedVersion: stored.version });
    traffic(e, 1000, 0);
    await g.runAnalysis();
    expect(g.status().phase).toBe('Paused');
    expect(g.status().message).toContain("its fallthrough is { variant: 'off' }");
    expect((await e.store.get('flags/checkout'))!.value).toMatchObject({ definition: { fallthrough: { variant: 'off' } } });
  });

  it('an edit the snapshot has not seen yet is caught by the compare-and-set check of the flag write', async () => {
    const clock = createManualClock(1_700_000_000_000);
    const inner = new MemoryStore({ clock });
    let mute = false;
    const laggy = new Proxy(inner, {
      get(t, p) {
        if (p === 'watch') {
          return (prefix: string, l: Parameters<Store['watch']>[1]) => t.watch(prefix, (c) => void (mute && c.key.startsWith('flags/') ? undefined : l(c)));
        }
        const v = Reflect.get(t, p, t) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    }) as Store;
    const e = await env({ clock, store: laggy });
    const g = await make(e);
    await g.runAnalysis(); // 10%
    mute = true; // this instance's watch lags behind the store
    const stored = (await inner.get('flags/checkout'))!;
    const def = (stored.value as { definition: Record<string, unknown> }).definition;
    await inner.put('flags/checkout', { schemaVersion: 1, definition: { ...def, fallthrough: { variant: 'off' } } } as never, { expectedVersion: stored.version });
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 10)); // the snapshot still shows the rollout's split
    traffic(e, 1000, 0);
    await g.runAnalysis();
    expect(g.status().phase).toBe('Paused');
    expect(g.status().weight).toBe(50);
    expect(g.status().message).toContain("its fallthrough is { variant: 'off' }");
    expect(g.written()).toBe(10);
    expect((await inner.get('flags/checkout'))!.value).toMatchObject({ definition: { fallthrough: { variant: 'off' } } });
  });

  it('a rollback whose flag write hits a store outage is written at the next run, and the outage is reported', async () => {
    const clock = createManualClock(1_700_000_000_000);
    const inner = new MemoryStore({ clock });
    let down = false;
    const flaky = new Proxy(inner, {
      get(t, p) {
        if (p === 'put') {
          return (key: string, ...rest: unknown[]) => {
            if (down && key.startsWith('flags/')) return Promise.reject(new StoreUnavailableError('store down (test)'));
            return (t.put as (...a: unknown[]) => Promise<number>).call(t, key, ...rest);
          };
        }
        const v = Reflect.get(t, p, t) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    }) as Store;
    const e = await env({ clock, store: flaky });
    const g = await make(e);
    await g.runAnalysis(); // 10%
    down = true;
    await g.abort('incident');
    expect(g.status()).toMatchObject({ phase: 'Failed', weight: 0 });
    expect(g.written()).toBe(10);
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 10));
    expect(e.errors.length).toBe(1);
    down = false;
    await g.runAnalysis();
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 0));
    expect(g.written()).toBe(0);
  });

  it('other edits of the flag (the kill switch, rules) are kept and do not conflict', async () => {
    const e = await env();
    const g = await make(e);
    await g.runAnalysis();
    await e.delivery.flags.update('checkout', (d) => ({ ...d, description: 'edited', rules: [{ conditions: [{ attribute: 'groups', operator: 'in', values: ['staff'] }], serve: { variant: 'on' } }] }));
    traffic(e, 1000, 0);
    await g.runAnalysis();
    expect(g.status()).toMatchObject({ phase: 'Progressing', weight: 50 });
    expect(e.delivery.flags.get('checkout')).toMatchObject({ description: 'edited', fallthrough: guardedServe('on', 'off', 50) });
  });

  it('a missing flag pauses with a message; a promote (local, or direct from the CLI) ends at the last step', async () => {
    const e = await env();
    const missing = e.delivery.rollouts.guardedFlag({ name: 'ghost-rollout', flag: 'ghost', steps: [20], analysis: analysis() });
    await missing.runAnalysis();
    expect(missing.status()).toMatchObject({ name: 'ghost-rollout', phase: 'Paused' });
    expect(missing.status().message).toContain("unknown flag 'ghost'");

    const g = await make(e, { steps: [5, 25, 60] });
    await g.runAnalysis();
    // a direct promote from the CLI writes Promoting at 100; the flag never goes beyond the last step
    const seen: unknown[] = [];
    e.delivery.flags.on('change', (_k, d) => seen.push(d?.fallthrough));
    await requestRolloutAction(e.store, 'checkout', 'promote', { direct: true, clock: e.clock });
    await g.runAnalysis();
    expect(g.status()).toMatchObject({ phase: 'Succeeded', weight: 60 });
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 60));
    expect(seen).toEqual([guardedServe('on', 'off', 60)]);
    await expect(g.abort()).rejects.toMatchObject({ code: 'INVALID_STATE' });

    await e.delivery.flags.put(booleanFlag('search-v2'));
    const local = e.delivery.rollouts.guardedFlag({ flag: 'search-v2', steps: [10, 30], analysis: analysis() });
    await local.runAnalysis();
    await local.promote();
    expect(local.status()).toMatchObject({ phase: 'Succeeded', weight: 30, message: "promoted: 30% of units on 'on'" });
    expect(e.delivery.flags.get('search-v2')?.fallthrough).toEqual(guardedServe('on', 'off', 30));
  });

  it('abort() during the rollout writes 0%; a variant the flag lacks pauses', async () => {
    const e = await env();
    const g = await make(e);
    await g.runAnalysis();
    await g.abort('manual');
    expect(g.status()).toMatchObject({ phase: 'Failed', weight: 0, message: 'aborted: manual' });
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 0));

    await e.delivery.flags.put({ key: 'theme', enabled: true, variants: { dark: 'dark', light: 'light' }, offVariant: 'light', fallthrough: { variant: 'light' } });
    const bad = e.delivery.rollouts.guardedFlag({ flag: 'theme', variant: 'blue', steps: [50], analysis: analysis() });
    await bad.runAnalysis();
    expect(bad.status()).toMatchObject({ phase: 'Paused' });
    expect(bad.status().message).toContain("flag 'theme' has no variant 'blue'");
    const good = e.delivery.rollouts.guardedFlag({ name: 'theme-dark', flag: 'theme', variant: 'dark', steps: [50], analysis: analysis() });
    await good.runAnalysis();
    expect(e.delivery.flags.get('theme')?.fallthrough).toEqual(guardedServe('dark', 'light', 50));
  });

  it('after a crash between the state write and the flag write, the next leader writes the split', async () => {
    const e = await env();
    const g = await make(e);
    await g.runAnalysis(); // 10%, written 10
    const cur = (await readState(e.store, 'checkout'))!;
    // the state says 50% but the flag still holds 10% (the writer died before the flag write)
    await writeState(e.store, { ...cur.doc, weight: 50, generation: cur.doc.generation + 1 }, cur.version);
    await g.runAnalysis();
    expect(fallthrough(e)).toEqual(guardedServe('on', 'off', 50));
    expect(g.written()).toBe(50);
    expect(g.status().phase).toBe('Progressing');
  });
});

describe('guarded split helpers', () => {
  it('recognise the split by proportions, whatever the scale or order', () => {
    expect(isGuardedServe({ split: [{ variant: 'off', weight: 900 }, { variant: 'on', weight: 100 }] }, 'on', 'off', 10)).toBe(true);
    expect(isGuardedServe({ split: [{ variant: 'on', weight: 0 }, { variant: 'off', weight: 1 }] }, 'on', 'off', 0)).toBe(true);
    expect(isGuardedServe({ variant: 'off' }, 'on', 'off', 0)).toBe(false);
    expect(isGuardedServe({ split: [{ variant: 'on', weight: 10 }, { variant: 'other', weight: 90 }] }, 'on', 'off', 10)).toBe(false);
    expect(guardedServe('on', 'off', 12.5, 'accountId')).toEqual({ split: [{ variant: 'on', weight: 12.5 }, { variant: 'off', weight: 87.5 }], bucketBy: 'accountId' });
  });

  it('a written split is always recognised as itself, and never as another percent (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (a, b) => {
        const p = a / 1000;
        const q = b / 1000;
        const serve = guardedServe('on', 'off', p);
        return isGuardedServe(serve, 'on', 'off', p) && (Math.abs(p - q) < 1e-3 || !isGuardedServe(serve, 'on', 'off', q));
      }),
    );
  });

  it('options: every problem with its path', async () => {
    const e = await env();
    let err: unknown;
    try {
      e.delivery.rollouts.guardedFlag({ flag: 'bad key', variant: '', steps: [10, 5, 120], analysis: { interval: 0, threshold: 1, stepWeights: [1], metrics: [] } } as unknown as GuardedFlagOptions);
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(expect.arrayContaining(['flag', 'variant', 'steps[1]', 'steps[2]', 'analysis.stepWeights', 'analysis.interval']));
  });
});
